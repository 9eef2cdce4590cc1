"""Labs for the push notification case: which notification to send, if any.

Every lab draws its own synthetic users with numpy. Each user has a latent
engagement that drives what the system can observe (active days, days since the
last visit, open rate of past pushes), the chance of visiting the app within 24
hours with no push (p0, about 46% on average, as in the case's holdout test) and
the effect of one push on that chance (tau). The effect is largest for lapsing
users ("persuadables"), near zero for daily users who come anyway ("sure things")
and for dormant ones ("lost causes"), and slightly negative for users already
flooded with pushes ("sleeping dogs"): the four groups of uplift modelling
(Radcliffe 2007). The average effect of a push in the labs is about +1.2 points of
24-hour visits, a little above the +0.8 the case measured for recommended-content
pushes alone, so that a one-second lab's randomised test is big enough to learn it.

Opens need a push: a user taps it either because the push brought them (every
caused visit starts with a tap) or because they were coming anyway and tapped it
on the way (engaged users do that more). That is why an open-rate model, like the
case's current one, finds the users who would have come anyway.
"""

from __future__ import annotations

from mlsd.labs.base import LabOutput, PlotSpec, Series
from mlsd.labs.models import sigmoid as _sigmoid
from mlsd.labs.models import xgb_params
from mlsd.labs.registry import lab

CASE = "notifications"

FEATURES = ("active days of last 28", "days since last visit", "pushes last 7 days", "open rate of past pushes",
            "log tenure (days)", "iOS")
BUDGET_SHARE = 0.2  # one push today for the 20% of users the policy ranks highest


def _users(rng, n: int, peak: float = 0.04):
    """n synthetic push-enabled users: features X (columns as in FEATURES), p0, tau and q.

    p0: chance of a visit within 24 hours without a push; tau: what one push adds to it;
    q: chance of tapping the push if it is sent (caused visits plus organic taps).
    """
    import numpy as np

    e = rng.normal(size=n)  # latent engagement, never observed directly
    active_28 = rng.binomial(28, _sigmoid(1.6 * e - 0.2))
    days_since = np.minimum(30, rng.geometric(_sigmoid(1.6 * e + 0.3)) - 1)
    pushes_7d = rng.poisson(np.exp(2.6 + 0.5 * rng.normal(size=n)))
    open_hist = _sigmoid(-3.4 + 0.8 * e + rng.normal(0.0, 0.5, n))
    log_tenure = rng.normal(5.5, 1.0, n)
    ios = (rng.random(n) < 0.45).astype(float)
    X = np.column_stack([active_28, days_since, pushes_7d, open_hist, log_tenure, ios]).astype(float)
    p0 = _sigmoid(-0.25 + 1.9 * e)
    # persuadables: lapsing users (engagement around -0.6 sd); flooded users are slightly put off
    tau = peak * np.exp(-((e + 0.6) ** 2) / (2 * 0.45**2)) - 0.015 * (pushes_7d > 25)
    tau = np.clip(tau, -p0, 1.0 - p0)
    organic_tap = _sigmoid(-4.3 + 1.5 * e)
    q = np.clip(tau, 0.0, None) + p0 * organic_tap
    return X, p0, tau, q


def _outcomes(rng, p0, tau, q, pushed):
    """Visits within 24 hours and taps, given who was pushed (the same uniform draws decide both arms)."""
    import numpy as np

    u = rng.random(p0.size)
    visit = np.where(pushed, u < p0 + tau, u < p0).astype(int)
    tapped = (pushed & (rng.random(p0.size) < q)).astype(int)
    return visit, tapped


def _xgb(seed: int, **params):
    """A small, deterministic xgboost classifier (one thread, hist), regularised for noisy 0/1 outcomes."""
    from mlsd.labs.xgb import XGBClassifier  # no scikit-learn import

    # 55 rounds at 0.13 rank as 80 at 0.09 did (the same model wins each lab's comparison on
    # seeds 0-2, effects within noise) in two thirds of the time
    base = {"n_estimators": 55, "max_depth": 3, "learning_rate": 0.13, "min_child_weight": 50}
    return XGBClassifier(**xgb_params(seed, **{**base, **params}))


def _top(scores, share: float):
    """Indices of the top `share` of scores (ties broken by position: deterministic)."""
    import numpy as np

    k = int(round(share * scores.size))
    return np.argsort(-scores, kind="stable")[:k]


def _fit_scores(seed: int, X, visit, tapped, pushed, X_new):
    """The scores a team could rank by, fitted on a randomised test, predicted for new users."""
    p = {}
    treated, control = pushed, ~pushed
    open_model = _xgb(seed).fit(X[treated], tapped[treated])
    p["open"] = open_model.predict_proba(X_new)[:, 1]
    response = _xgb(seed).fit(X[treated], visit[treated])
    p["response"] = response.predict_proba(X_new)[:, 1]
    baseline = _xgb(seed).fit(X[control], visit[control])
    p["uplift"] = p["response"] - baseline.predict_proba(X_new)[:, 1]  # T-learner: two models, one difference
    return p


# ------------------------------------------------------------------------ framing


@lab(
    id="notifications-uplift-vs-response",
    case=CASE,
    step="framing",
    title="At a fixed send budget, rank by the effect of a push, not by who responds",
    summary="One push for 20% of users: the open-rate and response models pick users who would have "
            "visited anyway (best open rate, few extra visits); an uplift model picks the persuadable ones.",
)
def uplift_vs_response(seed: int) -> LabOutput:
    """Response modelling vs uplift modelling for the send decision.

    A randomised test (half of 60,000 users get a push, half do not, like the case's test
    of last quarter) trains three rankers: an open-rate model P(tap | push), the case's
    current approach; a response model P(visit within 24 h | push); and an uplift model
    P(visit | push) - P(visit | no push), fitted as two boosted-tree models (the
    "two-model" or T-learner approach; Gutierrez and Gerardy 2017, Kunzel et al. 2019).
    Each ranks 40,000 new users and pushes the top 20%. Because the simulation knows each
    user's true effect, the extra visits a policy buys are exact, and so is how many of
    its targets would have visited anyway. A random 20% and an oracle that knows the true
    effect bracket the models.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    X, p0, tau, q = _users(rng, 60_000)
    pushed = rng.random(p0.size) < 0.5
    visit, tapped = _outcomes(rng, p0, tau, q, pushed)
    X_new, p0_new, tau_new, q_new = _users(rng, 40_000)
    scores = _fit_scores(seed, X, visit, tapped, pushed, X_new)
    scores = {"random": rng.random(p0_new.size), **scores, "oracle": tau_new}

    names = {"random": "random 20%", "open": "open-rate model", "response": "response model",
             "uplift": "uplift model (T-learner)", "oracle": "oracle (true effect)"}
    stats = {}
    for key, s in scores.items():
        chosen = _top(s, BUDGET_SHARE)
        stats[key] = {
            "extra": 1000.0 * float(tau_new[chosen].mean()),
            "open_rate": 100.0 * float(q_new[chosen].mean()),
            "anyway": 100.0 * float(p0_new[chosen].mean()),
        }
    table = [{"policy": names[k], "extra visits per 1,000 pushes": v["extra"],
              "open rate (%)": v["open_rate"], "would visit anyway (%)": v["anyway"]} for k, v in stats.items()]
    metrics = {f"extra_{k}": v["extra"] for k, v in stats.items()}
    metrics.update({f"open_rate_{k}": v["open_rate"] for k, v in stats.items()})
    metrics.update({f"anyway_{k}": v["anyway"] for k, v in stats.items()})
    metrics["average_effect_pts"] = 100.0 * float(tau.mean())
    metrics["control_visit_rate"] = 100.0 * float(visit[~pushed].mean())
    metrics = {k: float(v) for k, v in metrics.items()}
    s = stats
    takeaway = (
        f"Pushing 20% of users, the open-rate model gets the best open rate ({s['open']['open_rate']:.1f}% vs "
        f"{s['uplift']['open_rate']:.1f}% for the uplift model) because {s['open']['anyway']:.0f}% of its targets "
        f"would have visited anyway, so it adds only {s['open']['extra']:.1f} visits per 1,000 pushes (response "
        f"model {s['response']['extra']:.1f}, random {s['random']['extra']:.1f}); the uplift model adds "
        f"{s['uplift']['extra']:.1f} (oracle {s['oracle']['extra']:.1f}). Opens measure who responds, not what "
        "the push changed: rank by the effect of sending."
    )
    short = {"random": "random", "open": "open-rate", "response": "response", "uplift": "uplift", "oracle": "oracle"}
    plot = PlotSpec(
        kind="bar", title="Extra visits per 1,000 pushes at a 20% budget", x_label="ranking",
        y_label="extra 24-hour visits per 1,000 pushes",
        series=[Series("extra visits", [short[k] for k in stats], [stats[k]["extra"] for k in stats])],
    )
    return LabOutput(metrics=metrics, table=table, takeaway=takeaway, plot=plot)


# --------------------------------------------------------------------------- data


@lab(
    id="notifications-confounded-logs",
    case=CASE,
    step="data",
    title="Logged sends are confounded: only randomised sends with logged propensities measure the effect",
    summary="The old policy pushed its most engaged users, so 'pushed vs not pushed' in the logs shows a huge "
            "effect; modelling the logs cannot fix it where the policy never varied; a 5% random slice can.",
)
def confounded_logs(seed: int) -> LabOutput:
    """What one push does to 24-hour visits, estimated four ways from one day of logs.

    150,000 users. The old policy pushed the 40% with the highest predicted open rate, a
    score of observed features, for 95% of traffic; a 5% exploration slice tossed a fair
    coin, and every decision logged its propensity (0.975 or 0.025 outside the slice, 0.5
    inside). Estimates of the average effect of a push:
    - naive: visit rate of pushed users minus that of users not pushed;
    - model-adjusted: two boosted-tree outcome models fitted on the non-random logs
      (pushed and not pushed), averaged over everyone: adjusts for the observed
      features, but the old policy never pushed a low scorer or spared a high one, so the
      models extrapolate where there is no data (no overlap);
    - inverse propensity weighting (IPW) over the whole log with the logged propensities
      (Horvitz-Thompson; the exploration slice provides the overlap);
    - the plain difference in means inside the exploration slice.
    The truth is the average of every user's known effect. The 95% intervals are for
    150,000 users; at the case's 100 million push-enabled users a 5% slice would give an
    interval some 25 times narrower.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    n = 150_000
    X, p0, tau, q = _users(rng, n)
    old_score = _sigmoid(-4.0 + 0.12 * X[:, 0] + 10.0 * X[:, 3])  # the old open-rate model, roughly
    high = old_score > np.quantile(old_score, 0.6)
    explore = rng.random(n) < 0.05
    pushed = np.where(explore, rng.random(n) < 0.5, high)
    propensity = 0.95 * high + 0.05 * 0.5
    visit, _ = _outcomes(rng, p0, tau, q, pushed)
    truth = float(tau.mean())

    naive = float(visit[pushed].mean() - visit[~pushed].mean())
    logs = ~explore
    m1 = _xgb(seed, n_estimators=60, learning_rate=0.1).fit(X[logs & pushed], visit[logs & pushed])
    m0 = _xgb(seed, n_estimators=60, learning_rate=0.1).fit(X[logs & ~pushed], visit[logs & ~pushed])
    adjusted = float(np.mean(m1.predict_proba(X)[:, 1] - m0.predict_proba(X)[:, 1]))
    terms = np.where(pushed, visit / propensity, -visit / (1.0 - propensity))
    ipw, ipw_ci = float(terms.mean()), 1.96 * float(terms.std() / np.sqrt(n))
    a, b = visit[explore & pushed], visit[explore & ~pushed]
    slice_est = float(a.mean() - b.mean())
    slice_ci = 1.96 * float(np.sqrt(a.var() / a.size + b.var() / b.size))

    rows = [
        ("naive: pushed minus not pushed", naive, None),
        ("model-adjusted, no random slice", adjusted, None),
        ("IPW with logged propensities", ipw, ipw_ci),
        ("difference in the 5% random slice", slice_est, slice_ci),
        ("truth (known in the simulation)", truth, None),
    ]
    table = [{"estimate of one push's effect": name, "visits (points)": 100.0 * value,
              "95% CI (+/- points)": None if ci is None else 100.0 * ci,
              "error (points)": 100.0 * (value - truth)} for name, value, ci in rows]
    metrics = {
        "true_effect_pts": 100.0 * truth, "naive_pts": 100.0 * naive, "adjusted_pts": 100.0 * adjusted,
        "ipw_pts": 100.0 * ipw, "ipw_ci_pts": 100.0 * ipw_ci, "slice_pts": 100.0 * slice_est,
        "slice_ci_pts": 100.0 * slice_ci, "pushed_share": float(pushed.mean()),
        "visit_rate_pushed": 100.0 * float(visit[pushed].mean()),
        "visit_rate_not_pushed": 100.0 * float(visit[~pushed].mean()),
    }
    metrics = {k: float(v) for k, v in metrics.items()}
    m = metrics
    covered = abs(m["ipw_pts"] - m["true_effect_pts"]) <= m["ipw_ci_pts"]
    takeaway = (
        f"A push truly adds {m['true_effect_pts']:.1f} points of 24-hour visits, but pushed users visit "
        f"{m['visit_rate_pushed']:.0f}% vs {m['visit_rate_not_pushed']:.0f}% for the rest, a naive "
        f"{m['naive_pts']:.0f} points, because the old policy pushed its most engaged users; models of the logs "
        f"still say {m['adjusted_pts']:.0f} points where the policy never varied. IPW with the logged "
        f"propensities gives {m['ipw_pts']:.1f} +/- {m['ipw_ci_pts']:.1f} "
        f"({'covering the truth' if covered else 'near the truth'}): randomise a slice and log every decision's "
        "propensity, and size the slice for the precision you need."
    )
    plot = PlotSpec(
        kind="bar", title="Estimated effect of one push (points of 24-hour visits)", x_label="estimate",
        y_label="points",
        series=[Series("estimate", ["naive", "model-adjusted", "IPW", "random slice", "truth"],
                       [100.0 * v for _, v, _ in rows])],
    )
    return LabOutput(metrics=metrics, table=table, takeaway=takeaway, plot=plot)


# --------------------------------------------------------------------- evaluation


def qini_coefficient(score, visit, pushed) -> float:
    """Area between the Qini curve and the random-targeting line, per user, in extra visits per 1,000 users.

    Users are sorted by score; at each depth the curve is the pushed group's visits minus the
    control group's visits scaled to the pushed group's size (Radcliffe 2007). Needs randomised
    data: treatment and control must be comparable at every depth.
    """
    import numpy as np

    order = np.argsort(-np.asarray(score), kind="stable")
    y, t = np.asarray(visit)[order], np.asarray(pushed, dtype=bool)[order]
    n_t, n_c = np.cumsum(t), np.cumsum(~t)
    y_t, y_c = np.cumsum(y * t), np.cumsum(y * ~t)
    curve = y_t - np.where(n_c > 0, y_c * n_t / np.maximum(n_c, 1), 0.0)
    n = y.size
    random_line = curve[-1] * np.arange(1, n + 1) / n
    return float(1000.0 * np.mean(curve - random_line) / n)


@lab(
    id="notifications-qini-vs-auc",
    case=CASE,
    step="evaluation",
    title="Choose the targeting model by Qini on a randomised holdout, not by AUC",
    summary="On a randomised holdout the response model has the best AUC for predicting visits and the worst "
            "Qini; uplift read from the holdout ranks the models the way their true effect does.",
)
def qini_vs_auc(seed: int) -> LabOutput:
    """Offline metrics for a send decision.

    Four rankers are trained on a randomised test of 60,000 users (half pushed): an
    open-rate model, a response model P(visit | push), an uplift model with one model
    and the push as a feature (S-learner) and one with two models (T-learner). They are
    scored on a second randomised holdout of 40,000 users, half of them pushed:
    - ROC-AUC of predicting a visit among pushed users: what a response-model dashboard shows;
    - the Qini coefficient (area between the Qini curve and random targeting);
    - uplift in the top 20%: visit rate of pushed minus not-pushed users among the top
      20% by score, read off the holdout with a 95% interval;
    - the true extra visits per 1,000 pushes in that top 20%, known only in the simulation.
    """
    import numpy as np

    from mlsd.labs.metrics import roc_auc

    rng = np.random.default_rng(seed)
    X, p0, tau, q = _users(rng, 60_000)
    pushed = rng.random(p0.size) < 0.5
    visit, tapped = _outcomes(rng, p0, tau, q, pushed)
    X_h, p0_h, tau_h, q_h = _users(rng, 40_000)
    pushed_h = rng.random(p0_h.size) < 0.5
    visit_h, _ = _outcomes(rng, p0_h, tau_h, q_h, pushed_h)

    scores = _fit_scores(seed, X, visit, tapped, pushed, X_h)
    s_model = _xgb(seed).fit(np.column_stack([X, pushed]), visit)
    ones, zeros = np.ones((X_h.shape[0], 1)), np.zeros((X_h.shape[0], 1))
    scores["s_learner"] = (s_model.predict_proba(np.hstack([X_h, ones]))[:, 1]
                           - s_model.predict_proba(np.hstack([X_h, zeros]))[:, 1])
    order = ("open", "response", "s_learner", "uplift")
    names = {"open": "open-rate model", "response": "response model", "s_learner": "one-model uplift (S-learner)",
             "uplift": "two-model uplift (T-learner)"}
    stats = {}
    for key in order:
        s = scores[key]
        top = _top(s, BUDGET_SHARE)
        in_t, in_c = visit_h[top][pushed_h[top]], visit_h[top][~pushed_h[top]]
        stats[key] = {
            "auc": roc_auc(visit_h[pushed_h], s[pushed_h]),
            "qini": qini_coefficient(s, visit_h, pushed_h),
            "uplift_top": 1000.0 * float(in_t.mean() - in_c.mean()),
            "uplift_ci": 1000.0 * 1.96 * float(np.sqrt(in_t.var() / in_t.size + in_c.var() / in_c.size)),
            "true_top": 1000.0 * float(tau_h[top].mean()),
        }
    table = [{"model": names[k], "AUC of visits": v["auc"], "Qini": v["qini"],
              "top-20% uplift, holdout": v["uplift_top"], "95% CI (+/-)": v["uplift_ci"],
              "top-20% true effect": v["true_top"]} for k, v in stats.items()]
    metrics = {}
    for k, v in stats.items():
        for field, value in v.items():
            metrics[f"{field}_{k}"] = float(value)
    best_auc = max(order, key=lambda k: stats[k]["auc"])
    best_qini = max(order, key=lambda k: stats[k]["qini"])
    metrics["auc_best_is_response"] = float(best_auc == "response")
    metrics["qini_best_is_uplift"] = float(best_qini in ("s_learner", "uplift"))
    r, u = stats["response"], stats[best_qini]
    takeaway = (
        f"AUC of predicting visits ranks the response model first ({r['auc']:.3f}, uplift models "
        f"{stats['s_learner']['auc']:.3f} and {stats['uplift']['auc']:.3f}), yet its top 20% gains "
        f"{r['true_top']:.1f} visits per 1,000 pushes. Qini picks the {names[best_qini]}: {u['qini']:.2f} vs "
        f"{r['qini']:.2f}, and its top 20% truly gains {u['true_top']:.1f}; the holdout's top-20% uplift agrees "
        f"({round(u['uplift_top'])} vs {round(r['uplift_top'])}, each +/- about {round(u['uplift_ci'])}). Judge targeting "
        "on a randomised holdout with uplift metrics, and expect wide intervals: effects are small next to noise."
    )
    short = {"open": "open-rate", "response": "response", "s_learner": "uplift S", "uplift": "uplift T"}
    plot = PlotSpec(
        kind="bar", title="Top-20% uplift: read from the holdout vs true", x_label="model",
        y_label="extra visits per 1,000 pushes",
        series=[Series("holdout estimate", [short[k] for k in order], [stats[k]["uplift_top"] for k in order]),
                Series("true", [short[k] for k in order], [stats[k]["true_top"] for k in order])],
    )
    return LabOutput(metrics=metrics, table=table, takeaway=takeaway, plot=plot)


# ------------------------------------------------------------------------ serving


@lab(
    id="notifications-budget-threshold",
    case=CASE,
    step="serving",
    title="A fatigue budget spent by marginal value beats the same volume as a flat daily cap",
    summary="At the same number of pushes, one threshold on each push's net value (extra visits minus "
            "opt-out risk) sends more to persuadable users, none to some, and buys more visits with fewer opt-outs.",
)
def budget_threshold(seed: int) -> LabOutput:
    """Spending one day's send budget across users.

    20,000 users, each with a day's candidates (Poisson around a user's own rate, median
    about 8 as in the case). Every candidate has an effect on visits (the user's
    persuadability times the candidate's quality). A user's k-th push of the day is worth
    0.75^(k-1) of its effect on its own (diminishing returns), and adds to the chance that
    they turn push off, k times a user's sensitivity (each extra push hurts more, and some
    users are far more sensitive than others). A user who turns push off costs `COST` = 20
    visits (the channel's future value). The opt-out rate under the flat cap is near the
    case's 0.06% a day. Policies at the volume of a flat cap of three a day, every one with
    a hard maximum of six (today's cap) as a safety rail:
    - flat cap: each user's best three candidates;
    - threshold on effect: the best candidates across all users, ignoring diminishing
      returns and opt-out risk;
    - threshold on net marginal value: the pushes whose next-push value (effect x
      0.75^(k-1) minus COST x added opt-out risk) is highest. Marginal values fall with k,
      so taking the best ones greedily is optimal here; the last one taken is the shadow
      price of the budget (the Lagrange multiplier of the volume constraint);
    - the same rule with no budget: every push whose net value is positive.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    n, cost, decay, cap, hard_max = 20_000, 20.0, 0.75, 3, 6
    persuadable = rng.gamma(1.2, 0.02, n)  # per-user scale of a push's effect on visits
    sensitivity = rng.lognormal(-9.6, 0.9, n)  # opt-out risk added by each extra push
    n_cand = rng.poisson(np.exp(rng.normal(2.1, 0.6, n)))
    user = np.repeat(np.arange(n), n_cand)
    effect = persuadable[user] * rng.lognormal(0.0, 0.6, user.size)
    # rank of each candidate within its user by effect: 1 is the best (pushes go out best first)
    order = np.lexsort((-effect, user))
    rank = np.empty(user.size, dtype=np.int64)
    rank[order] = np.arange(user.size) - np.repeat(np.r_[0, np.cumsum(n_cand)[:-1]], n_cand) + 1
    gain = effect * decay ** (rank - 1)  # value if sent as its user's rank-th push
    risk = sensitivity[user] * rank  # opt-out probability the rank-th push adds
    net = gain - cost * risk
    allowed = rank <= hard_max

    def outcome(chosen):
        sent = np.bincount(user[chosen], minlength=n)
        visits, opt_outs = float(gain[chosen].sum()), float(risk[chosen].sum())
        return {"pushes": float(chosen.sum()) / n, "visits": 1000.0 * visits / n,
                "opt_outs": 1e5 * opt_outs / n, "net": 1000.0 * (visits - cost * opt_outs) / n,
                "zero_share": float(np.mean(sent == 0)), "max_per_user": float(sent.max())}

    flat = rank <= cap
    budget = int(flat.sum())

    def best(score):
        chosen = np.zeros(user.size, dtype=bool)
        chosen[np.argsort(-np.where(allowed, score, -np.inf), kind="stable")[:budget]] = True
        return chosen

    by_effect = best(effect)
    by_effect = rank <= np.bincount(user[by_effect], minlength=n)[user]  # each user's count, best first
    by_net = best(net)
    results = {"flat": outcome(flat), "effect": outcome(by_effect), "net": outcome(by_net),
               "free": outcome((net > 0) & allowed)}
    names = {"flat": "cap of 3", "effect": "effect", "net": "net value", "free": "no budget"}
    table = [{"policy": names[k], "pushes /user": v["pushes"], "visits /1k users": v["visits"],
              "opt-outs /100k": v["opt_outs"], "net /1k users": v["net"],
              "no push (%)": 100.0 * v["zero_share"], "max /user": int(v["max_per_user"])}
             for k, v in results.items()]
    metrics = {f"{field}_{k}": float(value) for k, v in results.items() for field, value in v.items()}
    metrics["shadow_price"] = float(np.sort(np.where(allowed, net, -np.inf))[::-1][budget - 1])
    m = metrics
    takeaway = (
        f"At the flat cap's volume ({m['pushes_flat']:.2f} pushes per user a day), one threshold on net "
        f"marginal value buys {m['visits_net']:.0f} extra visits per 1,000 users vs {m['visits_flat']:.0f} with "
        f"{m['opt_outs_net']:.0f} opt-outs per 100,000 vs {m['opt_outs_flat']:.0f} (net value {m['net_net']:.0f} "
        f"vs {m['net_flat']:.0f}), sending nothing to {100 * m['zero_share_net']:.0f}% of users and up to "
        f"{m['max_per_user_net']:.0f} (the hard cap) to others. Ranking by effect alone buys visits but raises "
        f"opt-outs {m['opt_outs_effect'] / m['opt_outs_flat']:.1f}x ({m['opt_outs_effect']:.0f}, net "
        f"{m['net_effect']:.0f}). With no budget the rule sends {m['pushes_free']:.2f} a day: the budget's shadow "
        "price says what one more push is worth."
    )
    plot = PlotSpec(
        kind="bar", title="Net value per 1,000 users at the same volume", x_label="policy",
        y_label="extra visits minus opt-out cost",
        series=[Series("net value", ["flat cap", "effect only", "net marginal", "no budget"],
                       [m[f"net_{k}"] for k in ("flat", "effect", "net", "free")])],
    )
    return LabOutput(metrics=metrics, table=table, takeaway=takeaway, plot=plot)


# --------------------------------------------------------------------- monitoring


@lab(
    id="notifications-long-term",
    case=CASE,
    step="monitoring",
    title="Week one flatters more pushes: fatigue builds and opt-outs do not come back",
    summary="Raising the daily cap from 4 to 6 lifts DAU most in week one; the lift fades as users habituate "
            "and turn push off, and after a rollback the lost opt-outs keep DAU below control.",
)
def long_term(seed: int) -> LabOutput:
    """The case's cap test, simulated over twelve weeks with the same users in both arms.

    40,000 users, each with a daily activity propensity and a daily stream of candidates
    (median about 4). Control keeps today's cap of 4 pushes a day; the test arm gets 6
    for eight weeks, then goes back to 4. A user's recent volume builds up fatigue
    (decaying by 10% a day): the more pushes lately, the less each one adds to the
    chance of a visit (habituation), and the higher the daily chance of turning push off.
    Turning push off is for good: the user gets no pushes afterwards. The hazard is set
    so that about 0.05% of users turn push off each day under the cap of 4, near the
    case's 0.06%, and heavy-volume users do so several times as often as light ones. The
    same random numbers drive both arms, so the difference is the cap, not noise. Right after
    the return to four the test arm dips below control: its users are still more fatigued
    (habituated) than control's while getting the same pushes; four weeks later what remains
    is the users who turned push off.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    n, days, test_days = 40_000, 84, 56
    beta, fatigue_half, decay, h0, kappa = 0.6, 80.0, 0.9, 0.00015, 0.0143 * 0.1 / 0.04
    base = rng.normal(-0.3, 1.6, n)
    lam = np.exp(rng.normal(1.5, 0.7, n))
    candidates = rng.poisson(lam[:, None], (n, days))
    u_visit = rng.random((n, days))
    u_off = rng.random((n, days))

    def run(test_cap: int):
        fatigue = np.minimum(4, lam) / (1 - decay)  # steady state under today's cap of 4
        on = np.ones(n, dtype=bool)
        active, sent, off = np.zeros(days), np.zeros(days), np.zeros(days)
        for d in range(days):
            cap = test_cap if d < test_days else 4
            s = np.where(on, np.minimum(cap, candidates[:, d]), 0)
            fatigue = decay * fatigue + s
            p = _sigmoid(base + beta * np.log1p(s) / (1 + fatigue / fatigue_half))
            active[d] = float(np.mean(u_visit[:, d] < p))
            sent[d] = float(s.mean())
            on &= ~(u_off[:, d] < h0 * np.exp(kappa * fatigue))
            off[d] = 1.0 - float(on.mean())
        return active, sent, off

    a_ctl, s_ctl, off_ctl = run(4)
    a_test, s_test, off_test = run(6)

    def lift(first_day: int, last_day: int) -> float:
        return 100.0 * (a_test[first_day:last_day].mean() / a_ctl[first_day:last_day].mean() - 1.0)

    weeks = [lift(7 * w, 7 * (w + 1)) for w in range(days // 7)]
    table = [{"week": f"{w}{' (back to 4)' if w > 8 else ''}", "DAU lift (%)": weeks[w - 1],
              "push off, cap 4 arm (%)": 100.0 * off_ctl[7 * w - 1],
              "push off, cap 6 arm (%)": 100.0 * off_test[7 * w - 1]} for w in (1, 2, 4, 8, 10, 12)]
    end = test_days - 1
    metrics = {
        "lift_week1_pct": weeks[0], "lift_week8_pct": weeks[7], "lift_after_rollback_pct": weeks[11],
        "lift_week9_pct": weeks[8],
        "peak_lift_pct": max(weeks[:8]), "pushes_per_day_control": float(s_ctl[:test_days].mean()),
        "pushes_per_day_test": float(s_test[:test_days].mean()), "push_off_control_pct": 100.0 * off_ctl[end],
        "push_off_test_pct": 100.0 * off_test[end], "push_off_ratio": off_test[end] / off_ctl[end],
        "daily_push_off_control_pct": 100.0 * off_ctl[end] / test_days, "dau_control": float(a_ctl.mean()),
    }
    metrics = {k: float(v) for k, v in metrics.items()}
    m = metrics
    takeaway = (
        f"Six pushes a day instead of four ({m['pushes_per_day_test']:.1f} vs {m['pushes_per_day_control']:.1f} "
        f"sent per user) lift DAU {m['lift_week1_pct']:+.2f}% in week one but {m['lift_week8_pct']:+.2f}% in week "
        f"eight, as fatigue builds and {m['push_off_test_pct']:.1f}% of users turn push off vs "
        f"{m['push_off_control_pct']:.1f}% ({m['push_off_ratio']:.2f}x). Back at four, the arm dips while its "
        f"fatigue wears off and is still {m['lift_after_rollback_pct']:+.2f}% in week twelve, because opt-outs do "
        "not come back. Read volume tests over weeks, keep a long-term holdout, and count every opt-out as a cost."
    )
    plot = PlotSpec(
        kind="line", title="DAU lift of a cap of 6 over a cap of 4, by week", x_label="week",
        y_label="DAU lift (%)", series=[Series("cap 6 vs cap 4 (back to 4 after week 8)",
                                              list(range(1, days // 7 + 1)), weeks)],
    )
    return LabOutput(metrics=metrics, table=table, takeaway=takeaway, plot=plot)
