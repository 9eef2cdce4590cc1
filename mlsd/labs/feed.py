"""Labs for the personalised news feed case: friends' posts, groups and recommended posts.

Every lab draws its own synthetic sessions with numpy. A session's candidates are
posts from friends, from groups the viewer joined, and recommended (unconnected)
public posts; some groups' and recommended posts are engagement bait or clickbait.
Each post has a viewer-author affinity and a quality, and from them true chances of
the actions the case's value model predicts: like, comment, share, click and hide
(the case's heads also include dwell and report; five are enough to show the
effects). At the average post the chances are the case's base rates (like 2.5%,
comment 0.4%, share 0.2%, click 3%, hide 0.08%); the spread of affinity and quality
makes the averages over all candidates a little higher. A post is also "worth your
time" with some probability: what the case's in-feed survey asks, the sparse signal
that tracks whether people come back.
"""

from __future__ import annotations

from mlsd.labs.base import LabOutput, PlotSpec, Series
from mlsd.labs.models import logit as _logit
from mlsd.labs.models import sigmoid as _sigmoid
from mlsd.labs.registry import lab

CASE = "feed"

FRIEND, GROUP, RECOMMENDED = 0, 1, 2
ACTIONS = ("like", "comment", "share", "click", "hide")
BASE_RATES = {"like": 0.025, "comment": 0.004, "share": 0.002, "click": 0.03, "hide": 0.0008}
# Today's value model in the case (the five heads the labs use): hide is negative.
TODAY_WEIGHTS = {"like": 1.0, "comment": 15.0, "share": 20.0, "click": 0.5, "hide": -50.0}
# How each action responds to affinity, quality, post source (friend, group, recommended) and bait.
_EFFECTS = {
    #           affinity quality  friend  group  recommended  bait
    "like":    (0.8, 0.4, (0.2, 0.0, 0.1), 0.5),
    "comment": (0.9, 0.2, (0.8, 0.3, -0.7), 2.2),
    "share":   (0.4, 0.5, (-0.4, 0.1, 0.4), 0.8),
    "click":   (0.3, 0.2, (-0.5, 0.0, 0.7), 1.6),
    "hide":    (-0.4, -0.3, (-0.8, 0.0, 0.6), 2.3),
}
_WORTH = (0.7, 0.8, (0.6, 0.2, -0.2), -1.6)  # "worth your time": logit around 0 (half say yes)


def _candidates(rng, n_sessions: int, per_session: int = 60, bait_share: float = 0.05):
    """Candidate posts of n_sessions sessions: source, bait flag, affinity, quality, true chances.

    Half of each session's candidates come from friends, a fifth from groups and the rest are
    recommended. Bait (engagement bait, clickbait) appears among groups' and recommended posts
    only, at bait_share of all candidates (5%, the case's share of borderline candidates). Returns a dict of (n_sessions, per_session) arrays.
    """
    import numpy as np

    shape = (n_sessions, per_session)
    source = np.where(rng.random(shape) < 0.5, FRIEND, np.where(rng.random(shape) < 0.4, GROUP, RECOMMENDED))
    bait = (source != FRIEND) & (rng.random(shape) < bait_share / 0.5)
    affinity = rng.normal(0.0, 1.0, shape) + np.where(source == FRIEND, 0.3, 0.0)
    quality = rng.normal(0.0, 1.0, shape) - 0.8 * bait
    probs = {}
    for action, (a, q, by_source, b) in _EFFECTS.items():
        z = _logit(BASE_RATES[action]) + a * affinity + q * quality + np.choose(source, by_source) + b * bait
        probs[action] = _sigmoid(z)
    a, q, by_source, b = _WORTH
    probs["worth"] = _sigmoid(a * affinity + q * quality + np.choose(source, by_source) + b * bait)
    return {"source": source, "bait": bait, "affinity": affinity, "quality": quality, "p": probs}


def _pct(value: float, decimals: int = 1, signed: bool = False) -> str:
    """A table cell in percent with its sign, e.g. '27.1%' or '+2.07%' (numbers right-aligned)."""
    return f"{value:{'+' if signed else ''}.{decimals}f}%"


def _value(probs: dict, weights: dict):
    """The value model: sum over actions of weight x chance."""
    return sum(w * probs[a] for a, w in weights.items())


def _top_k(score, k: int):
    """Column indices of each row's k highest scores, best first."""
    import numpy as np

    idx = np.argpartition(-score, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(score, idx, axis=1), axis=1)
    return np.take_along_axis(idx, order, axis=1)


def _feed_mix(cands: dict, shown) -> dict[str, float]:
    """What a feed of the `shown` posts contains: mix of sources, bait, expected actions, worth."""
    import numpy as np

    pick = lambda arr: np.take_along_axis(arr, shown, axis=1)  # noqa: E731
    source, bait = pick(cands["source"]), pick(cands["bait"])
    k = shown.shape[1]
    out = {
        "friends": float(np.mean(source == FRIEND)), "groups": float(np.mean(source == GROUP)),
        "recommended": float(np.mean(source == RECOMMENDED)), "bait": float(np.mean(bait)),
        "worth": float(np.mean(pick(cands["p"]["worth"]))),
    }
    for action in ACTIONS:
        out[action] = float(np.mean(pick(cands["p"][action]).sum(axis=1))) / k  # chance per impression
    return out


# ------------------------------------------------------------------------ framing


@lab(
    id="feed-value-weights",
    case=CASE,
    step="framing",
    title="The value model's weights decide the mix of the feed",
    summary="Same candidates, same predictions: a heavier click weight fills the top of the feed with "
            "recommended posts and bait, dropping the hide penalty doubles bait, and a 'worth your time' "
            "head pushes it out.",
)
def value_weights(seed: int) -> LabOutput:
    """The value model ranks by a weighted sum of predicted actions; the weights are a product choice.

    2,500 sessions of 60 candidates each (half from friends, a fifth from groups, the rest
    recommended; 5% of candidates are bait, which draws comments, clicks and hides). The
    true chances of each action serve as the predictions, so every difference below comes
    from the weights alone. Each weight set fills the ten best slots of every session, and
    the table reports what those feeds contain. "today" is the case's value model (like 1,
    comment 15, share 20, click 0.5, hide -50); its heavy comment weight, meant for
    conversations among friends, also rewards engagement bait. "equal contributions" sets
    each weight to one over its action's base rate (hide negative), the way Twitter's 2023
    heavy-ranker weights were first set ("equal per action"). "today + worth" adds a worth-your-time head
    with weight 0.5.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    cands = _candidates(rng, 2_500)
    equal = {a: BASE_RATES["like"] / BASE_RATES[a] * (-1.0 if a == "hide" else 1.0) for a in ACTIONS}
    weight_sets = {
        "likes only": ("likes", {"like": 1.0}),
        "click weight 4": ("clicks", {**TODAY_WEIGHTS, "click": 4.0}),
        "today": ("today", TODAY_WEIGHTS),
        "today, hide 0": ("nohide", {**TODAY_WEIGHTS, "hide": 0.0}),
        "equal per action": ("equal", equal),
        "today + worth": ("worth", {**TODAY_WEIGHTS, "worth": 0.5}),
    }
    n_sessions, per_session = cands["source"].shape
    mixes = {"all candidates": ("inventory", _feed_mix(cands, np.tile(np.arange(per_session), (n_sessions, 1))))}
    for name, (key, weights) in weight_sets.items():
        mixes[name] = (key, _feed_mix(cands, _top_k(_value(cands["p"], weights), 10)))

    table, metrics = [], {}
    for name, (key, mix) in mixes.items():
        row = {"friends": mix["friends"], "recommended": mix["recommended"], "bait": mix["bait"],
               "comments": mix["comment"], "worth": mix["worth"]}
        table.append({"value model": name, **{k: _pct(100 * v) for k, v in row.items()}})
        for short, value in (("friends", mix["friends"]), ("recommended", mix["recommended"]), ("bait", mix["bait"]),
                             ("clicks", mix["click"]), ("worth", mix["worth"]), ("comments", mix["comment"]),
                             ("hides", mix["hide"])):
            metrics[f"{short}_{key}_pct"] = round(100 * float(value), 3 if short == "hides" else 1)
    m = metrics
    takeaway = (
        f"Same candidates and predictions, different weights: raising the click weight to 4 makes the top ten "
        f"{m['recommended_clicks_pct']:.1f}% recommended and {m['bait_clicks_pct']:.1f}% bait (today "
        f"{m['recommended_today_pct']:.1f}% and {m['bait_today_pct']:.1f}%; all candidates "
        f"{m['bait_inventory_pct']:.1f}% bait), and dropping the hide penalty lifts bait to "
        f"{m['bait_nohide_pct']:.1f}%. A worth-your-time head cuts bait to {m['bait_worth_pct']:.1f}% and raises "
        f"worth from {m['worth_today_pct']:.1f}% to {m['worth_worth_pct']:.1f}%; likes only has the least bait but "
        f"the fewest comments ({m['comments_likes_pct']:.1f}% vs {m['comments_today_pct']:.1f}%). No weight set "
        "wins every column: the weights are a product decision, set by long-term experiments rather than by a loss."
    )
    names = list(mixes)
    plot = PlotSpec(
        kind="bar", title="Share of the top ten feed slots, by value model", x_label="value model",
        y_label="% of slots",
        series=[Series("friends' posts", names, [round(100 * mixes[n][1]["friends"], 1) for n in names]),
                Series("bait", names, [round(100 * mixes[n][1]["bait"], 1) for n in names])],
    )
    return LabOutput(metrics=metrics, table=table, takeaway=takeaway, plot=plot)


# -------------------------------------------------------------------------- model


def _fit_logistic(x, y, l2: float = 1e-4, iterations: int = 15):
    """Logistic regression by Newton's method (an intercept column is added); returns weights.

    Small and exact: a handful of dense features, so each step solves a tiny linear system.
    """
    import numpy as np

    x1 = np.column_stack([np.ones(len(x)), x])
    w = np.zeros(x1.shape[1])
    w[0] = _logit(float(np.clip(y.mean(), 1e-6, 1 - 1e-6)))
    penalty = l2 * len(y) * np.eye(x1.shape[1])
    penalty[0, 0] = 0.0
    for _ in range(iterations):
        p = _sigmoid(x1 @ w)
        grad = x1.T @ (p - y) + penalty @ w
        hess = (x1 * (p * (1 - p))[:, None]).T @ x1 + penalty
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.max(np.abs(step))) < 1e-6:
            break
    return w


def _predict_logistic(w, x):
    import numpy as np

    return _sigmoid(np.column_stack([np.ones(len(x)), x]) @ w)


def _observed_features(rng, cands: dict):
    """What the ranker sees of each candidate: noisy affinity and quality, its source, a bait score.

    Returns an array of shape (n_sessions * per_session, 5).
    """
    import numpy as np

    shape = cands["source"].shape
    affinity = cands["affinity"] + rng.normal(0.0, 0.5, shape)
    quality = cands["quality"] + rng.normal(0.0, 0.7, shape)
    bait_score = cands["bait"] + rng.normal(0.0, 0.5, shape)  # an integrity classifier's noisy score
    cols = [affinity, quality, (cands["source"] == FRIEND).astype(float), (cands["source"] == GROUP).astype(float),
            bait_score]
    return np.column_stack([c.ravel() for c in cols])


@lab(
    id="feed-head-calibration",
    case=CASE,
    step="model",
    title="One miscalibrated head skews the value model while its AUC looks fine",
    summary="The share head trained on 5% of non-shares ranks posts exactly as well (same AUC) but predicts "
            "many times too many shares; in the weighted sum that hands the feed to recommended posts, until "
            "q = p / (p + (1 - p) / w) puts it back on scale.",
)
def head_calibration(seed: int) -> LabOutput:
    """A value model adds w_i x P(action_i); each head must be calibrated, not only well ranked.

    Five logistic-regression heads (like, comment, share, click, hide) learn from 2,500 sessions
    of logged impressions (150,000 rows; in this toy every candidate was shown, so position plays
    no part). The ranker sees noisy affinity and quality, the post's source and a noisy bait score
    from an integrity classifier. Shares are rare (0.2% at the average post), so to save training
    cost the share head keeps every share and 5% of the rest (w = 0.05). Left as it is, its
    predictions are many times too high; the correction q = p / (p + (1 - p) / w) maps them back.
    Every variant ranks 1,000 new sessions by today's weights (like 1, comment 15, share 20,
    click 0.5, hide -50); "value per post" is what the ten chosen posts are truly worth under
    those weights, from the true chances, and "true chances" is the ceiling no model reaches.
    AUC is measured on the shares drawn in the new sessions; "shares pred/true" divides the
    predicted shares by the expected ones (the sum of the true chances). With about 400 shares
    to learn from, even a well-specified head is off by up to 10-15% by chance; the downsampled
    one is off many times over.
    """
    import numpy as np

    from mlsd.labs.metrics import calibration_ratio, roc_auc

    rng = np.random.default_rng(seed)
    train, test = _candidates(rng, 2_500), _candidates(rng, 1_000)
    x_train, x_test = _observed_features(rng, train), _observed_features(rng, test)
    labels = {a: (rng.random(train["p"][a].size) < train["p"][a].ravel()).astype(float) for a in ACTIONS}
    test_shares = (rng.random(test["p"]["share"].size) < test["p"]["share"].ravel()).astype(float)
    w_keep = 0.05
    shape = test["source"].shape

    heads = {a: _predict_logistic(_fit_logistic(x_train, labels[a]), x_test).reshape(shape) for a in ACTIONS}
    keep = (labels["share"] == 1) | (rng.random(labels["share"].size) < w_keep)
    p_down = _predict_logistic(_fit_logistic(x_train[keep], labels["share"][keep]), x_test).reshape(shape)
    q_down = p_down / (p_down + (1.0 - p_down) / w_keep)

    variants = {
        "true chances": ("oracle", test["p"]),
        "calibrated heads": ("calibrated", heads),
        "share head on 5%, raw": ("raw", {**heads, "share": p_down}),
        "same, corrected": ("corrected", {**heads, "share": q_down}),
    }
    true_value = _value(test["p"], TODAY_WEIGHTS)
    table, metrics = [], {}
    for name, (key, preds) in variants.items():
        shown = _top_k(_value(preds, TODAY_WEIGHTS), 10)
        mix = _feed_mix(test, shown)
        value = float(np.mean(np.take_along_axis(true_value, shown, axis=1)))
        share = preds["share"].ravel()
        auc, calib = roc_auc(test_shares, share), calibration_ratio(test["p"]["share"].ravel(), share)
        table.append({"ranked by": name, "share AUC": round(auc, 3), "shares pred/true": round(calib, 2),
                      "value per post": round(value, 3), "recommended": _pct(100 * mix["recommended"]),
                      "worth": _pct(100 * mix["worth"])})
        metrics.update({f"auc_{key}": auc, f"calibration_{key}": calib, f"value_{key}": value,
                        f"recommended_{key}_pct": 100 * mix["recommended"], f"worth_{key}_pct": 100 * mix["worth"],
                        f"bait_{key}_pct": 100 * mix["bait"]})
    metrics["value_loss_raw_pct"] = 100 * (1 - metrics["value_raw"] / metrics["value_calibrated"])
    metrics = {k: float(v) for k, v in metrics.items()}
    m = metrics
    takeaway = (
        f"Downsampling the share head leaves its AUC as it was ({m['auc_raw']:.3f} raw, {m['auc_corrected']:.3f} "
        f"corrected) but it predicts {m['calibration_raw']:.1f}x the shares that happen, which in the weighted sum "
        f"acts like a far larger share weight: recommended posts take {m['recommended_raw_pct']:.1f}% of the top "
        f"ten (calibrated heads {m['recommended_calibrated_pct']:.1f}%), worth-your-time falls to "
        f"{m['worth_raw_pct']:.1f}% and the feed is worth {m['value_raw']:.3f} per post instead of "
        f"{m['value_calibrated']:.3f}. The correction brings pred/true back to {m['calibration_corrected']:.2f} "
        f"(calibrated heads {m['calibration_calibrated']:.2f}) and value to {m['value_corrected']:.3f}: gate every "
        "head on calibration, not only on AUC."
    )
    names = list(variants)
    plot = PlotSpec(
        kind="bar", title="What the top ten is truly worth, by heads", x_label="ranked by",
        y_label="value per post",
        series=[Series("value per post (today's weights)", names, [row["value per post"] for row in table])],
    )
    return LabOutput(metrics=metrics, table=table, takeaway=takeaway, plot=plot)


# --------------------------------------------------------------------------- data


def _fit_examination(x, y, position, iterations: int = 25):
    """Maximum likelihood for P(like) = position^-eta x sigmoid(x @ beta): examination falls as a power
    of the slot (slot 1 is always seen).

    Fisher scoring on both parts at once: a position module trained jointly with the relevance
    model and dropped at serving (as in PAL, Guo et al. 2019). Returns (beta with intercept, eta).
    """
    import numpy as np

    n = len(y)
    x1 = np.column_stack([np.ones(n), x])
    d = x1.shape[1]
    log_slot = np.log(position.astype(float))
    beta, eta = _fit_logistic(x, y), 0.0
    for _ in range(iterations):
        s = _sigmoid(x1 @ beta)
        e = np.exp(-eta * log_slot)
        mu = np.clip(e * s, 1e-9, 1 - 1e-9)
        jac = np.column_stack([x1 * (e * s * (1 - s))[:, None], -log_slot * e * s])
        weight = 1.0 / (mu * (1 - mu))
        info = (jac * weight[:, None]).T @ jac + 1e-9 * np.eye(d + 1)
        step = np.linalg.solve(info, jac.T @ (weight * (y - mu)))
        beta, eta = beta + step[:d], float(np.clip(eta + step[d], 0.0, 3.0))
        if float(np.max(np.abs(step))) < 1e-7:
            break
    return beta, eta


@lab(
    id="feed-position-bias",
    case=CASE,
    step="data",
    title="Likes logged under a recency-heavy ranker overrate fresh posts",
    summary="Fresh posts sat at the top, where posts get seen: a model blind to position learns a freshness "
            "effect several times too strong and fills the feed with new but weaker posts; examination x "
            "relevance, learned with a small shuffled slice, recovers it.",
)
def position_bias(seed: int) -> LabOutput:
    """Position bias in feed logs, confounded with freshness.

    3,000 logged sessions show 20 posts each, chosen and ordered from 40 candidates by the old
    ranker, which leaned hard on recency (a post loses a lot of score per hour) plus a noisy
    read of affinity. A post at slot k is seen with chance k^-0.5 (slot 10: 0.32, so the same
    post gets about three times the likes in slot 1, as in the case); a seen post is liked with
    chance sigmoid(relevance), where relevance rises with affinity and quality and falls by
    0.36 logit per day of age (the true freshness effect). 5% of sessions show their posts in
    random order (a larger slice than the case's 0.5%, so that a small lab has enough of them).
    Three like models: one that ignores position, one with the slot as an additive feature (set
    to slot 1 at serving), and a factorised one, examination(slot) x relevance, fitted jointly
    with examination = slot^-eta (eta learned; the truth is 0.5).
    Each ranks 1,000 new sessions of 50 candidates (ages 0-48 h); the table shows the top ten.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    n, shown_k, pool = 3_000, 20, 40
    true_beta = np.array([_logit(0.05), 0.8, 0.4, -0.36])  # intercept, affinity, quality, age (per day)

    def draw(m, size):
        return rng.normal(0, 1, (m, size)), rng.normal(0, 1, (m, size)), rng.uniform(0, 48, (m, size))

    aff, qual, age = draw(n, pool)
    old_score = -0.12 * age + 0.5 * (aff + rng.normal(0, 1, aff.shape))
    shuffled = rng.random(n) < 0.05
    order = _top_k(np.where(shuffled[:, None], rng.random(aff.shape), old_score), shown_k)
    a, q, g = (np.take_along_axis(v, order, axis=1) for v in (aff, qual, age))
    slot = np.tile(np.arange(1, shown_k + 1), (n, 1))
    true_exam = np.arange(1, shown_k + 1) ** -0.5
    relevance = _sigmoid(true_beta[0] + true_beta[1] * a + true_beta[2] * q + true_beta[3] * g / 24)
    liked = (rng.random(relevance.shape) < true_exam[slot - 1] * relevance).astype(float)
    x = np.column_stack([a.ravel(), q.ravel(), g.ravel() / 24])
    y, pos = liked.ravel(), slot.ravel()

    w_blind = _fit_logistic(x, y)
    slot_cols = (pos[:, None] == np.arange(2, shown_k + 1)[None, :]).astype(float)
    w_slot = _fit_logistic(np.column_stack([x, slot_cols]), y)[: x.shape[1] + 1]  # served at slot 1
    w_exam, eta = _fit_examination(x, y, pos)
    exam = np.arange(1, shown_k + 1) ** -eta

    m = 1_000
    ea, eq, eg = draw(m, 50)
    e_rel = _sigmoid(true_beta[0] + true_beta[1] * ea + true_beta[2] * eq + true_beta[3] * eg / 24)
    ex1 = np.column_stack([np.ones(ea.size), ea.ravel(), eq.ravel(), eg.ravel() / 24])
    models = {
        "true relevance": ("oracle", e_rel, true_beta[3]),
        "ignores position": ("blind", (ex1 @ w_blind).reshape(m, 50), w_blind[3]),
        "slot as a feature": ("slot", (ex1 @ w_slot).reshape(m, 50), w_slot[3]),
        "examination x relevance": ("exam", (ex1 @ w_exam).reshape(m, 50), w_exam[3]),
    }
    table, metrics = [], {}
    for name, (key, score, age_effect) in models.items():
        top = _top_k(score, 10)
        like_if_seen = 100 * float(np.mean(np.take_along_axis(e_rel, top, axis=1)))
        mean_age = float(np.mean(np.take_along_axis(eg, top, axis=1)))
        table.append({"like model": name, "age effect / day": round(float(age_effect), 2),
                      "top-10 age (h)": round(mean_age, 1), "like if seen": _pct(like_if_seen, 2)})
        metrics.update({f"age_effect_{key}": float(age_effect), f"top10_age_{key}_h": mean_age,
                        f"like_if_seen_{key}_pct": like_if_seen})
    metrics.update({"exam_slot10_true": float(true_exam[9]), "exam_slot10_estimated": float(exam[9]), "eta": eta,
                    "log_age_position_corr": float(np.corrcoef(g.ravel(), pos)[0, 1]),
                    "likes_logged": float(y.sum())})
    metrics = {k: float(v) for k, v in metrics.items()}
    mt = metrics
    takeaway = (
        f"The old ranker put fresh posts where posts get seen, so a model that ignores position learns a freshness "
        f"effect of {mt['age_effect_blind']:.2f} logit per day (true {mt['age_effect_oracle']:.2f}): its top ten "
        f"average {mt['top10_age_blind_h']:.1f} h old against {mt['top10_age_oracle_h']:.1f} h for the true ranking, "
        f"and their like chance once seen is {mt['like_if_seen_blind_pct']:.2f}% instead of "
        f"{mt['like_if_seen_oracle_pct']:.2f}%. An additive slot feature removes part of it "
        f"({mt['age_effect_slot']:.2f}); examination x relevance, fitted with the shuffled slice, recovers "
        f"{mt['age_effect_exam']:.2f} and slot 10's examination ({mt['exam_slot10_estimated']:.2f}, true "
        f"{mt['exam_slot10_true']:.2f}). Logged likes measure where a post was shown as much as the post."
    )
    slots_shown = [1, 2, 3, 5, 10, 15, 20]
    plot = PlotSpec(
        kind="line", title="Chance that a post at each slot is seen", x_label="slot", y_label="examination",
        series=[Series("true", slots_shown, [round(float(true_exam[k - 1]), 3) for k in slots_shown]),
                Series("estimated", slots_shown, [round(float(exam[k - 1]), 3) for k in slots_shown])],
    )
    return LabOutput(metrics=metrics, table=table, takeaway=takeaway, plot=plot)


# ------------------------------------------------------------------------ serving


@lab(
    id="feed-integrity-demotion",
    case=CASE,
    step="serving",
    title="Demote borderline posts by their calibrated probability, not above a threshold",
    summary="Borderline posts get more engagement, so ranking on engagement gives them nearly three times "
            "their share of the inventory; a rule that acts only above 0.9 touches few of them, and a demotion "
            "that grows with the calibrated probability, x (1-p)^2, halves their share for about 4% of engagement.",
)
def integrity_demotion(seed: int) -> LabOutput:
    """Integrity demotion at serving time: multiply the value by a factor of P(borderline).

    3,000 sessions of 60 candidates; 5% of candidates are borderline (close to a policy line
    without crossing it). Borderline posts draw about 1.8 times the engagement value of
    similar posts (the 'natural engagement pattern' Zuckerberg described in 2018) and are far
    less often worth the viewer's time. An integrity classifier gives each post a calibrated
    probability of being borderline (AUC about 0.9). Each policy ranks by the engagement
    value times a demotion factor and fills the ten best slots; "borderline" and "engagement"
    describe those top tens (engagement relative to no demotion). "cut" counts the candidates
    whose score the policy lowers by at least a fifth (removal included): borderline ones
    and the others it hits by mistake.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    n, k, prevalence, separation = 3_000, 60, 0.05, 1.8
    borderline = rng.random((n, k)) < prevalence
    base = rng.normal(0.0, 1.0, (n, k))
    value = np.exp(0.6 * base + 0.6 * borderline)  # engagement value: borderline ~1.8x
    worth = _sigmoid(0.3 + 0.5 * base - 1.8 * borderline)
    signal = separation * borderline + rng.normal(0.0, 1.0, (n, k))
    p = _sigmoid(_logit(prevalence) + separation * signal - separation**2 / 2)  # exact posterior: calibrated

    policies = {
        "no demotion": ("none", value),
        "halve if p>0.9": ("today", np.where(p > 0.9, 0.5 * value, value)),
        "drop if p>0.5": ("remove", np.where(p > 0.5, 0.0, value)),
        "x (1-p)": ("linear", value * (1.0 - p)),
        "x (1-p)^2": ("square", value * (1.0 - p) ** 2),
    }
    table, metrics = [], {}
    reference = None
    for name, (key, score) in policies.items():
        top = _top_k(score, 10)
        engagement = float(np.mean(np.take_along_axis(value, top, axis=1)))
        reference = reference or engagement
        cut = score < 0.8 * value
        row = {"borderline %": 100 * float(np.mean(np.take_along_axis(borderline, top, axis=1))),
               "engagement %": 100 * engagement / reference,
               "cut borderline %": 100 * float(cut[borderline].mean()),
               "cut others %": 100 * float(cut[~borderline].mean())}
        table.append({"policy": name, **{c.replace(" %", ""): _pct(v) for c, v in row.items()}})
        for c, v in row.items():
            metrics[f"{c.replace(' %', '').replace(' ', '_')}_{key}_pct"] = float(v)
        metrics[f"worth_{key}_pct"] = 100 * float(np.mean(np.take_along_axis(worth, top, axis=1)))
    metrics["prevalence_pct"] = 100 * float(borderline.mean())
    table.insert(0, {"policy": "all candidates", "borderline": _pct(metrics["prevalence_pct"])})
    m = metrics
    takeaway = (
        f"Borderline posts are {m['prevalence_pct']:.1f}% of candidates but {m['borderline_none_pct']:.1f}% of the "
        f"top ten when ranked on engagement. Today's rule (halve above 0.9) acts on "
        f"{m['cut_borderline_today_pct']:.1f}% of them and leaves {m['borderline_today_pct']:.1f}%. Removing above 0.5 "
        f"leaves {m['borderline_remove_pct']:.1f}% at {m['engagement_remove_pct']:.1f}% of the engagement; x (1-p) "
        f"leaves {m['borderline_linear_pct']:.1f}% at about the same cost ({m['engagement_linear_pct']:.1f}%), and "
        f"x (1-p)^2 {m['borderline_square_pct']:.1f}% at {m['engagement_square_pct']:.1f}%, touching "
        f"{m['cut_others_square_pct']:.1f}% of other posts. A demotion that grows with a calibrated probability "
        "reaches the borderline posts a high threshold never acts on; how far to go is a policy choice, priced "
        "in engagement."
    )
    names = list(policies)
    plot = PlotSpec(
        kind="bar", title="Borderline share of the top ten, by policy", x_label="policy",
        y_label="% of top-ten slots",
        series=[Series("borderline posts", names, [round(metrics[f"borderline_{policies[n][0]}_pct"], 1)
                                                   for n in names])],
    )
    return LabOutput(metrics=metrics, table=table, takeaway=takeaway, plot=plot)


# --------------------------------------------------------------------- evaluation


def _friend_graph(rng, n_users: int, community: int, degree: int, inside: float):
    """Who sees whose posts: each user follows `degree` friends, a share `inside` of them in the
    user's own community of `community` users. Returns (viewer, producer) index arrays and the
    community of each user."""
    import numpy as np

    group = np.arange(n_users) // community
    viewer = np.repeat(np.arange(n_users), degree)
    same = rng.random(viewer.size) < inside
    in_community = group[viewer] * community + rng.integers(0, community, viewer.size)
    anywhere = rng.integers(0, n_users, viewer.size)
    producer = np.where(same, in_community, anywhere)
    keep = producer != viewer
    return viewer[keep], producer[keep], group


@lab(
    id="feed-network-interference",
    case=CASE,
    step="evaluation",
    title="A user-randomised test cannot see what a feed change does to posters",
    summary="Treated viewers comment less on friends' posts, so friends post less; randomising viewers "
            "spreads that loss over both arms and the test reads about zero, while randomising whole "
            "communities of friends measures most of it.",
)
def network_interference(seed: int) -> LabOutput:
    """Producer-side effects need cluster randomisation (Ugander et al. 2013; Saint-Jacques et al. 2019).

    100,000 users in communities of 50; each follows 20 friends, 85% of them in their own
    community. The treatment (more recommended posts in the feed) raises a viewer's time in
    the feed by 2% and cuts the comments they leave on friends' posts by 10%. How much a
    user posts during the test depends on the comments they receive: posting scales with
    (comments received / usual)^0.4, so if everyone were treated posting would fall by about
    4% (the "truth" row is that expected change, computed exactly). Posts are Poisson draws
    (6 per user per test period on average), feed time has a lognormal day-to-day spread, and
    each arm is compared through the ratio of test-period to pre-period totals, a simple form
    of variance reduction with pre-experiment data. The user-randomised test assigns half of
    the users; the cluster-randomised test assigns half of the communities, and its 95%
    interval is computed from community totals (the unit that was randomised). "CI" is the
    half-width of the 95% interval.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    n, community, degree, inside = 100_000, 50, 20, 0.85
    comment_cut, time_lift, elasticity = 0.10, 0.02, 0.4
    viewer, producer, group = _friend_graph(rng, n, community, degree, inside)
    posting = rng.gamma(2.0, 3.0, n)  # usual posts per test period, mean 6
    minutes = np.exp(rng.normal(np.log(30.0), 0.8, n))  # usual feed minutes a day
    usual_received = np.bincount(producer, minlength=n).astype(float)

    def expected_posts(treated):
        received = np.bincount(producer, weights=1.0 - comment_cut * treated[viewer], minlength=n)
        ratio = np.where(usual_received > 0, received / np.maximum(usual_received, 1e-9), 1.0)
        return posting * ratio**elasticity

    def ratio_estimate(before, after, treated, unit):
        """Relative change (%) of after/before between arms, and its standard error over `unit`s."""
        b, a = np.bincount(unit, weights=before), np.bincount(unit, weights=after)
        arm = np.bincount(unit, weights=treated.astype(float)) > 0
        ratios, variances = [], []
        for side in (arm, ~arm):
            r = a[side].sum() / b[side].sum()
            resid = a[side] - r * b[side]
            ratios.append(r)
            variances.append(resid.var() * side.sum() / b[side].sum() ** 2)
        change = ratios[0] / ratios[1] - 1.0
        se = np.sqrt(variances[0] / ratios[1] ** 2 + variances[1] * ratios[0] ** 2 / ratios[1] ** 4)
        return 100 * change, 100 * se

    truth_posts = 100 * (expected_posts(np.ones(n)).sum() / posting.sum() - 1.0)
    by_user = rng.random(n) < 0.5
    by_community = (rng.random(group.max() + 1) < 0.5)[group]
    rows, metrics = [], {"posts_truth_pct": truth_posts, "time_truth_pct": 100 * time_lift}
    for name, key, treated, unit in (("by user", "user", by_user, np.arange(n)),
                                     ("by community", "cluster", by_community, group)):
        posts_before = rng.poisson(posting)
        posts_after = rng.poisson(expected_posts(treated.astype(float)))
        time_before = minutes * np.exp(rng.normal(0.0, 0.3, n))
        time_after = minutes * (1.0 + time_lift * treated) * np.exp(rng.normal(0.0, 0.3, n))
        posts, posts_se = ratio_estimate(posts_before, posts_after, treated, unit)
        time, time_se = ratio_estimate(time_before, time_after, treated, unit)
        rows.append({"randomised": name, "posts change": _pct(posts, 2, True), "posts CI": _pct(1.96 * posts_se, 2),
                     "time change": _pct(time, 2, True), "time CI": _pct(1.96 * time_se, 2)})
        metrics.update({f"posts_{key}_pct": posts, f"ci_posts_{key}_pct": 1.96 * posts_se,
                        f"time_{key}_pct": time, f"ci_time_{key}_pct": 1.96 * time_se})
    table = [{"randomised": "everyone (truth)", "posts change": _pct(truth_posts, 2, True), "posts CI": None,
              "time change": _pct(100 * time_lift, 2, True), "time CI": None}, *rows]
    metrics["treated_audience_share_cluster"] = float(np.mean(by_community[viewer][by_community[producer]]))
    metrics["treated_audience_share_user"] = float(np.mean(by_user[viewer][by_user[producer]]))
    metrics = {k: float(v) for k, v in metrics.items()}
    m = metrics
    takeaway = (
        f"Both designs measure the viewers' side ({m['time_user_pct']:+.2f}% and {m['time_cluster_pct']:+.2f}% feed "
        f"time, truth {m['time_truth_pct']:+.2f}%), but only one sees the posters. Launched to everyone, posting "
        f"changes {m['posts_truth_pct']:+.2f}%; randomising users reads {m['posts_user_pct']:+.2f}% (+/- "
        f"{m['ci_posts_user_pct']:.2f}), because a poster's audience is half treated in both arms; randomising "
        f"communities reads {m['posts_cluster_pct']:+.2f}% (+/- {m['ci_posts_cluster_pct']:.2f}), most of the "
        "truth. Measure producer-side effects with graph-cluster or ego-cluster randomisation."
    )
    plot = PlotSpec(
        kind="bar", title="Change in posts per user, by what was randomised", x_label="randomised",
        y_label="posts change (%)",
        series=[Series("posts change", [row["randomised"] for row in table],
                       [round(m[f"posts_{k}_pct"], 2) for k in ("truth", "user", "cluster")])],
    )
    return LabOutput(metrics=metrics, table=table, takeaway=takeaway, plot=plot)


# --------------------------------------------------------------------- monitoring


@lab(
    id="feed-long-term-holdout",
    case=CASE,
    step="monitoring",
    title="A two-week win can be a six-month loss: keep a long-term holdout",
    summary="A change that shows more clickbait-prone recommended posts wins a two-week test on sessions; "
            "as novelty fades and users learn the feed is less worth their time, the holdout turns negative. "
            "The worth-your-time survey said so from week one.",
)
def long_term_holdout(seed: int) -> LabOutput:
    """Short tests read novelty and miss learning (Hohnhold et al. 2015); a holdout keeps watching.

    40,000 users per arm, each with a usual number of feed sessions a week (mean 35, spread
    across users as in a gamma distribution) and Poisson week-to-week noise. The treated arm
    gets the change from the day it launches: an immediate +1% from more engaging posts, a
    novelty bump of +2.5% that halves every two weeks or so, and a learned loss: every week of
    a feed that is less often worth their time takes 0.12% more off their visits. These are
    assumptions of the toy, close to what long-running holdouts report in shape: the lab shows
    what each readout would conclude. Lifts compare the arms' weekly sessions per user, with
    the previous month as a covariate (CUPED), and a 95% interval. Each week a third of the
    users answer the in-feed "worth your time?" survey once; the treated feed is worth it 3
    points less often (50% vs 53%) from the first day.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    n, weeks = 40_000, 26
    usual = rng.gamma(2.0, 17.5, (2, n))  # sessions per week, mean 35
    pre = rng.poisson(4 * usual) / 4.0  # the month before the launch, per week
    week = np.arange(1, weeks + 1)
    effect = 0.01 + 0.025 * np.exp(-(week - 1) / 3.0) - 0.0012 * (week - 1)

    lifts, cis, worth, worth_cis = [], [], [], []
    for w in range(weeks):
        asked = rng.random((2, n)) < 1 / 3
        yes_c = rng.random(n) < 0.53
        yes_t = rng.random(n) < 0.50
        p_c, p_t = yes_c[asked[0]].mean(), yes_t[asked[1]].mean()
        worth.append(100 * (p_t - p_c))
        worth_cis.append(100 * 1.96 * np.sqrt(p_t * (1 - p_t) / asked[1].sum() + p_c * (1 - p_c) / asked[0].sum()))
        control = rng.poisson(usual[0])
        treated = rng.poisson(usual[1] * (1.0 + effect[w]))
        y = np.r_[treated, control].astype(float)
        x = np.r_[pre[1], pre[0]]
        theta = np.cov(y, x)[0, 1] / x.var(ddof=1)
        adj = y - theta * (x - x.mean())
        t_adj, c_adj = adj[:n], adj[n:]
        lift = t_adj.mean() / c_adj.mean() - 1.0
        se = np.sqrt(t_adj.var() / n + c_adj.var() / n) / c_adj.mean()
        lifts.append(100 * lift)
        cis.append(100 * 1.96 * se)

    shown = (1, 2, 4, 8, 13, 26)
    table = [{"week": w, "sessions lift": _pct(lifts[w - 1], 2, True), "CI +/-": _pct(cis[w - 1], 2),
              "true lift": _pct(100 * float(effect[w - 1]), 2, True), "worth change (pts)": round(worth[w - 1], 2),
              "worth CI +/-": round(worth_cis[w - 1], 2)} for w in shown]
    two_week = float(np.mean(lifts[:2]))
    metrics = {
        "lift_week1_pct": lifts[0], "lift_week2_pct": lifts[1], "lift_two_week_test_pct": two_week,
        "lift_week8_pct": lifts[7], "lift_week13_pct": lifts[12], "lift_week26_pct": lifts[25],
        "ci_week26_pct": cis[25], "ci_week2_pct": cis[1], "true_week26_pct": 100 * float(effect[-1]),
        "first_negative_week": float(next((w + 1 for w in range(weeks) if effect[w] < 0), weeks + 1)),
        "worth_week1_pts": worth[0], "worth_ci_week1_pts": worth_cis[0],
    }
    metrics = {k: float(v) for k, v in metrics.items()}
    m = metrics
    takeaway = (
        f"The two-week test reads {m['lift_week1_pct']:+.2f}% and {m['lift_week2_pct']:+.2f}% sessions (+/- "
        f"{m['ci_week2_pct']:.2f}), a clear win that would ship. The same users read {m['lift_week8_pct']:+.2f}% "
        f"in week 8 and {m['lift_week26_pct']:+.2f}% (+/- {m['ci_week26_pct']:.2f}) in week 26, once novelty has "
        f"faded and users have learned that the feed is less worth their time. The survey saw it in week 1 "
        f"({m['worth_week1_pts']:+.2f} points, +/- {m['worth_ci_week1_pts']:.2f}) while sessions were up: keep a "
        "long-term holdout, read it monthly, and make quality surveys a guardrail of short tests."
    )
    plot = PlotSpec(
        kind="line", title="Sessions lift of the treated arm, by week", x_label="week since launch",
        y_label="sessions lift (%)",
        series=[Series("measured", list(range(1, weeks + 1)), [round(v, 2) for v in lifts]),
                Series("true effect", list(range(1, weeks + 1)), [round(100 * float(e), 2) for e in effect])],
    )
    return LabOutput(metrics=metrics, table=table, takeaway=takeaway, plot=plot)
