"""Labs for the search ranking case.

Every lab makes its own synthetic queries and documents with numpy: documents have
features, a known graded relevance (0-4) computed from them, and, where clicks are
needed, clicks drawn from a known click model. Models are xgboost learning-to-rank
models (LambdaMART: Burges, "From RankNet to LambdaRank to LambdaMART: An Overview",
MSR-TR-2010-82). NDCG uses exponential gain 2^rel - 1, as xgboost's rank:ndcg does.
"""

from __future__ import annotations

from mlsd.labs.base import LabOutput, PlotSpec, Series
from mlsd.labs.models import xgb_params
from mlsd.labs.registry import lab

CASE = "search"


def _ndcg_per_query(rel, scores, k: int):
    """NDCG@k per query for equal-size groups (queries x docs arrays); exponential gain.

    The ideal DCG uses every document of the query; queries with no relevant document
    are dropped. Ties in score keep document order (stable sort).
    """
    import numpy as np

    rel = np.asarray(rel, dtype=float)
    order = np.argsort(-np.asarray(scores), axis=1, kind="stable")[:, :k]
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = ((2.0 ** np.take_along_axis(rel, order, axis=1) - 1.0) * discount[: order.shape[1]]).sum(axis=1)
    ideal = ((2.0 ** -np.sort(-rel, axis=1)[:, :k] - 1.0) * discount[: min(k, rel.shape[1])]).sum(axis=1)
    has = ideal > 0
    return dcg[has] / ideal[has]


def _ndcg(rel, scores, k: int) -> float:
    import numpy as np

    return float(np.mean(_ndcg_per_query(rel, scores, k)))


def _xgb_params(seed: int, **params) -> dict:
    return xgb_params(seed, **{"n_estimators": 50, "max_depth": 4, "max_bin": 64, **params})


# --------------------------------------------------------------------------- data


@lab(
    id="search-position-bias",
    case=CASE,
    step="data",
    title="Position-biased clicks: naive vs inverse propensity weighting vs unbiased LambdaMART",
    summary="Trained naively on clicks, a ranker learns the old ranker's mistakes; inverse propensity "
            "weighting and xgboost's unbiased LambdaMART recover part of the NDCG that true labels give.",
)
def position_bias(seed: int) -> LabOutput:
    """Clicks are relevance times examination, and examination falls with rank.

    600 training queries with 10 documents each, 8 features, graded relevance 0-4 from
    a known function of five of them. The production ranker that logged the clicks is
    decent but over-weights feature 7, which has nothing to do with relevance (think
    freshness or a promoted flag). Clicks follow the position-based model: a document at
    rank r is examined with probability 1/r and clicked, if examined, with probability
    0.05 + 0.95 (2^rel - 1) / 15; each query is shown in 4 sessions. Models:
    naive pointwise (classifier on clicks); IPW pointwise (regression on click /
    propensity, an unbiased estimate of the examined click rate; Joachims et al.,
    "Unbiased Learning-to-Rank with Biased Feedback", WSDM 2017); LambdaMART on clicks;
    unbiased LambdaMART (xgboost's lambdarank_unbiased, Hu et al., WWW 2019), which
    estimates the position biases from the click log itself and needs rows in display
    order within each query group; and LambdaMART on the true grades as the upper bound.
    NDCG@5 is measured against true relevance on 400 fresh queries. Naive models learn
    "documents the old ranker put on top get clicked", including its taste for feature 7.
    IPW needs the propensities (here known; in practice from result randomisation or an
    EM click model); unbiased LambdaMART estimates them. Debiasing closes only part of
    the gap to true grades: the rest is that sparse binary clicks carry less information
    than graded labels, which no reweighting restores.
    """
    import json

    import numpy as np
    from mlsd.labs.xgb import XGBClassifier, XGBRanker, XGBRegressor  # no scikit-learn import

    rng = np.random.default_rng(seed)
    n_train, n_test, n_docs, n_feat, n_sessions, k = 600, 400, 10, 8, 4, 5
    w_true = np.array([1.0, 0.8, 0.6, 0.4, 0.3, 0.0, 0.0, 0.0])
    w_logging = np.array([0.7, 0.5, 0.4, 0.2, 0.1, 0.0, 0.0, 1.5])  # over-weights feature 7

    def make(n_q):
        x = rng.normal(size=(n_q, n_docs, n_feat))
        latent = x @ w_true + 0.5 * x[..., 0] * x[..., 1] + 0.5 * rng.normal(size=(n_q, n_docs))
        return x, np.clip(np.floor(latent + 1.5), 0, 4)

    x_tr, rel_tr = make(n_train)
    x_te, rel_te = make(n_test)

    # Display order of the logging ranker; rows of each session kept in that order.
    display = np.argsort(-(x_tr @ w_logging + 0.3 * rng.normal(size=(n_train, n_docs))), axis=1)
    x_shown = np.take_along_axis(x_tr, display[..., None], axis=1)
    rel_shown = np.take_along_axis(rel_tr, display, axis=1)
    propensity = 1.0 / np.arange(1, n_docs + 1)
    p_click_examined = 0.05 + 0.95 * (2.0 ** rel_shown - 1.0) / 15.0
    clicks = np.stack([(rng.random((n_train, n_docs)) < propensity) & (rng.random((n_train, n_docs)) < p_click_examined)
                       for _ in range(n_sessions)], axis=1).astype(float)  # query, session, position
    x_log = np.broadcast_to(x_shown[:, None], (n_train, n_sessions, n_docs, n_feat)).reshape(-1, n_feat)
    y_log = clicks.ravel()
    session = np.repeat(np.arange(n_train * n_sessions), n_docs)  # sorted, one group per session
    prop_log = np.tile(propensity, n_train * n_sessions)

    xt = x_te.reshape(-1, n_feat)
    rank_params = dict(objective="rank:ndcg", lambdarank_pair_method="topk", lambdarank_num_pair_per_sample=n_docs)
    models = {
        "naive_pointwise": XGBClassifier(**_xgb_params(seed)).fit(x_log, y_log),
        "ipw_pointwise": XGBRegressor(**_xgb_params(seed)).fit(x_log, y_log / prop_log),
        "naive_lambdamart": XGBRanker(**_xgb_params(seed), **rank_params).fit(x_log, y_log, qid=session),
        "unbiased_lambdamart": XGBRanker(**_xgb_params(seed), **rank_params, lambdarank_unbiased=True)
        .fit(x_log, y_log, qid=session),
        "true_labels_lambdamart": XGBRanker(**_xgb_params(seed), **rank_params)
        .fit(x_tr.reshape(-1, n_feat), rel_tr.ravel(), qid=np.repeat(np.arange(n_train), n_docs)),
    }
    scores = {}
    for name, model in models.items():
        s = model.predict_proba(xt)[:, 1] if name == "naive_pointwise" else model.predict(xt)
        scores[name] = s.reshape(n_test, n_docs)
    scores["logging_ranker"] = x_te @ w_logging

    metrics = {f"ndcg5_{name}": _ndcg(rel_te, s, k) for name, s in scores.items()}
    objective = json.loads(models["unbiased_lambdamart"].get_booster().save_config())["learner"]["objective"]
    t_plus = objective["ti+"]  # estimated examination bias per position, normalised to position 1
    metrics["propensity_est_pos2"] = float(t_plus[1] / t_plus[0])
    metrics["propensity_est_pos3"] = float(t_plus[2] / t_plus[0])
    for name in ("naive_lambdamart", "unbiased_lambdamart", "true_labels_lambdamart"):
        gain = models[name].get_booster().get_score(importance_type="total_gain")
        metrics[f"feature7_gain_share_{name}"] = gain.get("f7", 0.0) / sum(gain.values())
    metrics["gap_closed_unbiased"] = ((metrics["ndcg5_unbiased_lambdamart"] - metrics["ndcg5_naive_lambdamart"])
                                      / (metrics["ndcg5_true_labels_lambdamart"] - metrics["ndcg5_naive_lambdamart"]))
    metrics = {key: float(val) for key, val in metrics.items()}

    labels = {
        "logging_ranker": "production ranker that logged the clicks",
        "naive_pointwise": "pointwise on raw clicks",
        "ipw_pointwise": "pointwise on click / propensity (IPW)",
        "naive_lambdamart": "LambdaMART on raw clicks",
        "unbiased_lambdamart": "unbiased LambdaMART (lambdarank_unbiased)",
        "true_labels_lambdamart": "LambdaMART on true grades (upper bound)",
    }
    table = []
    for name in labels:
        row = {"model": labels[name], "NDCG@5 against true relevance": metrics[f"ndcg5_{name}"]}
        if f"feature7_gain_share_{name}" in metrics:  # how much the model leans on the old ranker's pet feature
            row["split gain on the irrelevant feature"] = metrics[f"feature7_gain_share_{name}"]
        table.append(row)
    for row in table:
        if row["model"] == labels["unbiased_lambdamart"]:
            row["examination at rank 2, estimated (true 0.50)"] = round(metrics["propensity_est_pos2"], 2)
    m = metrics
    takeaway = (
        f"Trained on raw clicks LambdaMART reaches NDCG@5 {m['ndcg5_naive_lambdamart']:.3f} and copies the old "
        f"ranker's taste for an irrelevant feature ({m['feature7_gain_share_naive_lambdamart']:.0%} of split gain); "
        f"unbiased LambdaMART gets {m['ndcg5_unbiased_lambdamart']:.3f} (estimated examination at rank 2: "
        f"{m['propensity_est_pos2']:.2f}, true 0.50) and IPW pointwise {m['ndcg5_ipw_pointwise']:.3f} vs "
        f"{m['ndcg5_naive_pointwise']:.3f} naive; the unbiased model closes only part of the gap to training on "
        f"true grades ({m['ndcg5_true_labels_lambdamart']:.3f}): sparse binary clicks carry less than graded labels, "
        "which no reweighting restores."
    )
    names = ["logging_ranker", "naive_pointwise", "ipw_pointwise", "naive_lambdamart", "unbiased_lambdamart",
             "true_labels_lambdamart"]
    short = ["old ranker", "naive pointwise", "IPW pointwise", "naive LambdaMART", "unbiased LambdaMART",
             "true labels"]
    plot = PlotSpec(
        kind="bar", title="NDCG@5 against true relevance", x_label="training data / method", y_label="NDCG@5",
        series=[Series("NDCG@5", short, [metrics[f"ndcg5_{n}"] for n in names])],
    )
    return LabOutput(metrics=metrics, table=table, takeaway=takeaway, plot=plot)


# -------------------------------------------------------------------------- model


@lab(
    id="search-ltr-objectives",
    case=CASE,
    step="model",
    title="Pointwise vs pairwise vs listwise objectives on the same data",
    summary="Regression on grades, RankNet-style pairwise and LambdaMART (NDCG) land within about 0.01-0.03 "
            "NDCG@10 of each other; the ranking objectives usually edge ahead, a small effect.",
)
def ltr_objectives(seed: int) -> LabOutput:
    """Same trees, same features, three losses.

    400 training queries with 20 documents each, 10 features, graded relevance 0-4 from
    a noisy function of the features plus a per-query offset (some queries simply have
    more relevant documents). The three models share every hyperparameter (80 trees,
    depth 4, learning rate 0.2) and differ only in the objective: pointwise regression on the grade
    (reg:squarederror), pairwise logistic loss on document pairs (rank:pairwise, RankNet,
    Burges et al. ICML 2005) and LambdaMART with NDCG-weighted pairs (rank:ndcg).
    NDCG@10 on 300 fresh queries, with a paired standard error over queries for the
    gap. Tuning each objective's learning rate separately moves each by about 0.01, the
    same order as the gaps. The difference is small, in line with published comparisons on benchmark data:
    the objective matters less than features, labels and data volume. Ranking
    objectives help most when grades are noisy in absolute terms but reliable within a
    query; a pointwise model is simpler to calibrate and reuse as a score.
    """
    import numpy as np
    from mlsd.labs.xgb import XGBRanker, XGBRegressor  # no scikit-learn import

    rng = np.random.default_rng(seed)
    n_train, n_test, n_docs, n_feat, k = 400, 300, 20, 10, 10
    w = np.linspace(1.0, 0.1, n_feat) * np.where(np.arange(n_feat) % 2 == 0, 1.0, -1.0)

    def make(n_q):
        x = rng.normal(size=(n_q, n_docs, n_feat))
        signal = x @ w + 0.6 * np.tanh(x[..., 0] * x[..., 1])
        latent = signal + rng.normal(size=(n_q, 1)) + 0.7 * rng.normal(size=(n_q, n_docs))
        return x.reshape(-1, n_feat), np.clip(np.floor(latent - 0.5), 0, 4), signal

    x_tr, rel_tr, _ = make(n_train)
    x_te, rel_te, signal_te = make(n_test)
    qid = np.repeat(np.arange(n_train), n_docs)
    params = _xgb_params(seed, n_estimators=80, learning_rate=0.2)
    models = {
        "pointwise": XGBRegressor(objective="reg:squarederror", **params).fit(x_tr, rel_tr.ravel()),
        "pairwise": XGBRanker(objective="rank:pairwise", lambdarank_pair_method="mean",
                              lambdarank_num_pair_per_sample=8, **params).fit(x_tr, rel_tr.ravel(), qid=qid),
        "listwise": XGBRanker(objective="rank:ndcg", lambdarank_pair_method="topk",
                              lambdarank_num_pair_per_sample=k, **params).fit(x_tr, rel_tr.ravel(), qid=qid),
    }
    per_query = {name: _ndcg_per_query(rel_te, model.predict(x_te).reshape(n_test, n_docs), k)
                 for name, model in models.items()}
    per_query["noiseless_signal"] = _ndcg_per_query(rel_te, signal_te, k)

    metrics = {f"ndcg10_{name}": float(np.mean(v)) for name, v in per_query.items()}
    for name in ("pairwise", "listwise"):
        diff = per_query[name] - per_query["pointwise"]
        metrics[f"gap_{name}_vs_pointwise"] = float(np.mean(diff))
        metrics[f"gap_{name}_vs_pointwise_se"] = float(np.std(diff, ddof=1) / np.sqrt(len(diff)))
    metrics["relevant_share"] = float(np.mean(rel_tr > 0))

    labels = {"pointwise": "pointwise: regression on grade (reg:squarederror)",
              "pairwise": "pairwise: RankNet loss (rank:pairwise)",
              "listwise": "listwise: LambdaMART (rank:ndcg)",
              "noiseless_signal": "ceiling: rank by the noiseless signal"}
    table = []
    for name, label in labels.items():
        row = {"objective": label, "ndcg@10": metrics[f"ndcg10_{name}"]}
        if name in ("pairwise", "listwise"):
            row["gain over pointwise"] = metrics[f"gap_{name}_vs_pointwise"]
            row["standard error"] = metrics[f"gap_{name}_vs_pointwise_se"]
        table.append(row)
    m = metrics
    takeaway = (
        f"NDCG@10: pointwise {m['ndcg10_pointwise']:.3f}, pairwise {m['ndcg10_pairwise']:.3f}, listwise "
        f"{m['ndcg10_listwise']:.3f} (noiseless ceiling {m['ndcg10_noiseless_signal']:.3f}); gaps over pointwise of "
        f"{m['gap_pairwise_vs_pointwise']:+.3f} +/- {m['gap_pairwise_vs_pointwise_se']:.3f} (pairwise) and "
        f"{m['gap_listwise_vs_pointwise']:+.3f} +/- {m['gap_listwise_vs_pointwise_se']:.3f} (listwise) are real "
        "but small (a few hundredths at most, and not every seed favours the ranking losses), so the objective "
        "is rarely the first lever."
    )
    plot = PlotSpec(
        kind="bar", title="NDCG@10 by training objective", x_label="objective", y_label="NDCG@10",
        series=[Series("NDCG@10", ["pointwise", "pairwise", "listwise", "ceiling"],
                       [m["ndcg10_pointwise"], m["ndcg10_pairwise"], m["ndcg10_listwise"],
                        m["ndcg10_noiseless_signal"]])],
    )
    return LabOutput(metrics=metrics, table=table, takeaway=takeaway, plot=plot)


# --------------------------------------------------------------------- evaluation


def _click_log(rng, n_base: int, n_new: int, n_docs: int, periods: int = 4, rho: float = 0.8, shows: float = 2.0):
    """Impressions of (query, document) pairs over `periods` weeks, clicks from a known model.

    Period 0 has the `n_base` queries; every later period adds `n_new` queries never
    searched before (about 15% of its impressions, as in the case), and earlier ones
    keep coming back. Click logit = content features @ w + a query effect + a pair effect
    that drifts from week to week (AR(1), rho 0.8), so a pair's click history is a
    legitimate and strong feature but fresher history says more. Each pair is shown
    1 + Poisson(2) times per week; every impression is one search (its own id).
    Returns per impression: content, click, query id, pair id, period.
    """
    import numpy as np

    n_feat = 6
    n_queries = n_base + n_new * (periods - 1)
    born = np.r_[np.zeros(n_base, int), np.repeat(np.arange(1, periods), n_new)]
    content = rng.normal(size=(n_queries, n_docs, n_feat))
    w = np.array([0.8, 0.6, 0.4, 0.3, 0.2, 0.0])
    base = content @ w + 0.7 * rng.normal(size=(n_queries, 1)) - 2.0
    pair_effect = PAIR * rng.normal(size=(n_queries, n_docs))
    parts = []
    for t in range(periods):
        if t:
            pair_effect = rho * pair_effect + PAIR * np.sqrt(1 - rho**2) * rng.normal(size=pair_effect.shape)
        live = np.flatnonzero(born <= t)
        shock = SHOCK * rng.normal(size=(live.size, n_docs))  # this week's taste of the pair, gone next week
        p = 1.0 / (1.0 + np.exp(-(base[live] + pair_effect[live] + shock)))
        counts = 1 + rng.poisson(shows, size=(live.size, n_docs)).ravel()
        local = np.repeat(np.arange(live.size * n_docs), counts)
        pair = live[local // n_docs] * n_docs + local % n_docs
        clicks = (rng.random(local.size) < p.ravel()[local]).astype(int)
        parts.append((content.reshape(-1, n_feat)[pair], clicks, pair // n_docs, pair, np.full(local.size, t)))
    return tuple(np.concatenate(cols) for cols in zip(*parts))


def _history_features(x, y_hist, q_hist, d_hist, q_rows, d_rows, own_y=None, prior_weight: float = 5.0):
    """Content features + smoothed click-through rates of the row's pair and query in the history rows.

    own_y: the rows' own clicks when the rows are themselves part of the history
    (training rows): they are left out, so a row never sees its own label.
    """
    import numpy as np

    prior = float(np.mean(y_hist))
    cols = [x]
    for key_hist, key_rows in ((d_hist, d_rows), (q_hist, q_rows)):
        n_keys = int(max(key_hist.max(), key_rows.max())) + 1
        clicks = np.bincount(key_hist, weights=y_hist, minlength=n_keys)[key_rows]
        shows = np.bincount(key_hist, minlength=n_keys)[key_rows].astype(float)
        if own_y is not None:
            clicks, shows = clicks - own_y, shows - 1.0
        cols += [(clicks + prior_weight * prior) / (shows + prior_weight), np.log1p(shows)]
    return np.column_stack(cols)


RHO, SHOWS, SHOCK, PAIR = 0.9, 2.0, 1.0, 1.3


@lab(
    id="search-group-split",
    case=CASE,
    step="evaluation",
    title="Row split, group split by query, or a time split: which one predicts next week?",
    summary="With click-history features, a random row split flatters the model and a split grouped by query "
            "scores every query as new; a time split with point-in-time features, reported for seen and unseen "
            "queries, is what next week's traffic shows.",
)
def group_split(seed: int) -> LabOutput:
    """Three offline protocols against what the model does next week, with click history as a feature.

    Four weeks of a click log (see _click_log): about 85% of each week's impressions
    come from queries searched in earlier weeks, 15% from queries never seen before.
    Features: content plus the smoothed click-through rate of the row's (query,
    document) pair and of its query in the history the protocol allows. Weeks 1-2 are
    the offline data (week 0 is history only); week 3 is "production".
    - Random row split (KFold over weeks 1-2, history = the training folds, leave-one-out
      for training rows): other impressions of the same pair in the same week sit in
      training, so the history feature knows this week's taste of the pair, which
      serving never does.
    - Split grouped by query (GroupKFold): no test query has any history, so every
      query is scored as new, although most of next week's are not.
    - Time split with point-in-time features: train on week 1 (history from week 0),
      test on week 2 (history from weeks 0-1), exactly how serving computes them.
      Each impression is its own search here; in a real log, also keep each search or
      session on one side of the cut, so its results never straddle it.
    Truth: the same recipe a week later, trained on week 2 with point-in-time features and
    scored on week 3, as it would be served.
    Every protocol is reported on all test impressions and separately on seen and
    unseen queries (seen: searched before the test week). Per-fold AUCs are averaged.
    """
    import numpy as np
    from mlsd.labs.metrics import roc_auc
    from mlsd.labs.splits import group_kfold, kfold  # scikit-learn's KFold/GroupKFold folds, without it
    from mlsd.labs.xgb import XGBClassifier  # no scikit-learn import

    rng = np.random.default_rng(seed)
    x, y, q, d, week = _click_log(rng, n_base=300, n_new=80, n_docs=8, rho=RHO, shows=SHOWS)
    first_week = np.full(q.max() + 1, week.max() + 1)
    np.minimum.at(first_week, q, week)

    def model():
        return XGBClassifier(**_xgb_params(seed, n_estimators=60, learning_rate=0.1))

    def pit_features(rows):
        """Each row's history is every earlier week: what serving would have had."""
        out = np.zeros((rows.size, x.shape[1] + 4))
        for t in np.unique(week[rows]):
            r, past = rows[week[rows] == t], np.flatnonzero(week < t)
            out[np.searchsorted(rows, r)] = _history_features(x[r], y[past], q[past], d[past], q[r], d[r])
        return out

    def scores(y_true, p, rows):
        seen = first_week[q[rows]] < week[rows]
        return (roc_auc(y_true, p), roc_auc(y_true[seen], p[seen]), roc_auc(y_true[~seen], p[~seen]),
                float(seen.mean()))

    offline = np.flatnonzero((week == 1) | (week == 2))

    def cross_validated(splits):
        folds = []
        for tr, te in splits:
            tr, te = offline[tr], offline[te]
            f_tr = _history_features(x[tr], y[tr], q[tr], d[tr], q[tr], d[tr], y[tr])
            f_te = _history_features(x[te], y[tr], q[tr], d[tr], q[te], d[te])
            folds.append(scores(y[te], model().fit(f_tr, y[tr]).predict_proba(f_te)[:, 1], te))
        return tuple(float(np.mean(v)) for v in zip(*folds))

    row = cross_validated(kfold(offline.size, 3, shuffle=True, seed=seed))
    grouped = cross_validated(group_kfold(q[offline], 3))
    train, test = np.flatnonzero(week == 1), np.flatnonzero(week == 2)
    timed = scores(y[test], model().fit(pit_features(train), y[train]).predict_proba(pit_features(test))[:, 1], test)
    prod = np.flatnonzero(week == 3)
    truth = scores(y[prod], model().fit(pit_features(test), y[test]).predict_proba(pit_features(prod))[:, 1], prod)

    metrics: dict[str, float] = {"impressions": float(y.size)}
    for key, (auc_all, auc_seen, auc_unseen, seen_share) in (("row_split", row), ("group_split", grouped),
                                                              ("time_split", timed), ("next_week", truth)):
        metrics[f"auc_{key}"] = auc_all
        metrics[f"auc_{key}_seen"] = auc_seen
        metrics[f"auc_{key}_unseen"] = auc_unseen
        metrics[f"seen_share_{key}"] = seen_share
    for key in ("row_split", "group_split", "time_split"):
        metrics[f"{key}_error"] = metrics[f"auc_{key}"] - metrics["auc_next_week"]
    metrics = {key: float(val) for key, val in metrics.items()}
    m = metrics
    names = {"row_split": "random row split (KFold), history from the other folds",
             "group_split": "split grouped by query (GroupKFold)",
             "time_split": "time split, point-in-time history (train week 1, test week 2)",
             "next_week": "truth: week 3, model trained on week 2 (the time split, a week later)"}
    table = [{"evaluation": label, "test rows from seen queries": f"{m[f'seen_share_{key}']:.0%}",
              "AUC all": m[f"auc_{key}"], "AUC seen queries": m[f"auc_{key}_seen"],
              "AUC unseen queries": m[f"auc_{key}_unseen"]} for key, label in names.items()]
    takeaway = (
        f"Next week the model scores AUC {m['auc_next_week']:.3f} ({m['auc_next_week_seen']:.3f} on the "
        f"{m['seen_share_next_week']:.0%} of impressions from queries searched before, {m['auc_next_week_unseen']:.3f} on "
        f"new ones). The row split reports {m['auc_row_split']:.3f}, too high, because other impressions of the same "
        f"pair in the same week leak this week's clicks; the query-grouped split reports {m['auc_group_split']:.3f}, "
        f"too low, because it scores every query as new (its {m['auc_group_split']:.3f} is the new-query number, not "
        f"the traffic's). The time split with point-in-time history reports {m['auc_time_split']:.3f} "
        f"({m['auc_time_split_seen']:.3f} seen, {m['auc_time_split_unseen']:.3f} unseen): split by time, compute "
        "history as of each search, and report seen and unseen queries separately."
    )
    plot = PlotSpec(
        kind="bar", title="Offline AUC of three protocols vs next week", x_label="evaluation", y_label="AUC",
        series=[
            Series("all impressions", ["row split", "group split", "time split", "next week"],
                   [m["auc_row_split"], m["auc_group_split"], m["auc_time_split"], m["auc_next_week"]]),
            Series("unseen queries", ["row split", "group split", "time split", "next week"],
                   [m["auc_row_split_unseen"], m["auc_group_split_unseen"], m["auc_time_split_unseen"],
                    m["auc_next_week_unseen"]]),
        ],
    )
    return LabOutput(metrics=metrics, table=table, takeaway=takeaway, plot=plot)


# ------------------------------------------------------------------------ serving


RERANK_KS = (10, 20, 50, 100, 200, 500, 1000)


@lab(
    id="search-rerank-depth",
    case=CASE,
    step="serving",
    title="How deep to rerank: NDCG@10 vs the number of candidates the heavy model scores",
    summary="A cheap first stage retrieves the top K of 1,000 documents and a heavier LambdaMART reranks them: "
            "NDCG@10 climbs steeply, then saturates, while the heavy model's cost grows linearly with K.",
)
def rerank_depth(seed: int) -> LabOutput:
    """Two-stage ranking: cheap scorer over the corpus, heavy model over its top K.

    Each query has 1,000 candidate documents with 10 features; graded relevance (0-4,
    about 6% relevant) comes from all features plus an interaction. The first stage is a
    cheap lexical-style score on four features with noise (think BM25); the second
    stage is LambdaMART (xgboost rank:ndcg) on all features, trained on the first
    stage's top 100 for 200 training queries. On 100 test queries we rerank the top K
    for K from 10 to 1,000 and measure NDCG@10 against the full corpus. Small K caps
    quality at what the first stage recalls; past a few hundred, extra candidates are
    almost never relevant and the reranker's cost (one heavy score per candidate, so
    latency and compute grow linearly in K) buys nothing. Reranking beyond the depth the
    model was trained on can even lose a little: those candidates are outside its
    training distribution.
    """
    import numpy as np
    from mlsd.labs.xgb import XGBRanker  # no scikit-learn import

    rng = np.random.default_rng(seed)
    n_train, n_test, n_docs, n_feat, k_train, k = 200, 100, 1000, 10, 100, 10
    w = np.linspace(1.0, 0.1, n_feat)

    def make(n_q):
        x = rng.normal(size=(n_q, n_docs, n_feat)).astype(np.float32)
        latent = x @ w + 0.8 * x[..., 0] * x[..., 3] + 0.5 * rng.normal(size=(n_q, n_docs))
        relevance = np.clip(np.floor(latent - 2.5), 0, 4)
        cheap = x[..., :4] @ w[:4] + 0.6 * rng.normal(size=(n_q, n_docs))
        return x, relevance, cheap

    x_tr, rel_tr, cheap_tr = make(n_train)
    x_te, rel_te, cheap_te = make(n_test)
    cand = np.argsort(-cheap_tr, axis=1)[:, :k_train]
    heavy = XGBRanker(**_xgb_params(seed, n_estimators=80, learning_rate=0.2), objective="rank:ndcg",
                      lambdarank_pair_method="topk", lambdarank_num_pair_per_sample=k)
    heavy.fit(np.take_along_axis(x_tr, cand[..., None], axis=1).reshape(-1, n_feat),
              np.take_along_axis(rel_tr, cand, axis=1).ravel(), qid=np.repeat(np.arange(n_train), k_train))

    first_order = np.argsort(-cheap_te, axis=1, kind="stable")
    k_max = RERANK_KS[-1]
    top_all = first_order[:, :k_max]
    heavy_scores = heavy.predict(np.take_along_axis(x_te, top_all[..., None], axis=1).reshape(-1, n_feat))
    heavy_scores = heavy_scores.reshape(n_test, k_max)  # a document's score does not depend on K
    n_relevant = (rel_te > 0).sum(axis=1)

    ndcg, recall = [], []
    for kk in RERANK_KS:
        top = top_all[:, :kk]
        reranked = np.take_along_axis(top, np.argsort(-heavy_scores[:, :kk], axis=1, kind="stable"), axis=1)
        final = np.concatenate([reranked, first_order[:, kk:]], axis=1)  # the rest keeps first-stage order
        position_score = np.empty_like(final, dtype=float)
        np.put_along_axis(position_score, final, -np.arange(n_docs, dtype=float)[None, :].repeat(n_test, 0), axis=1)
        ndcg.append(_ndcg(rel_te, position_score, k))
        hits = (np.take_along_axis(rel_te, top, axis=1) > 0).sum(axis=1)
        recall.append(float(np.mean(hits[n_relevant > 0] / n_relevant[n_relevant > 0])))

    best = max(ndcg)
    saturation_k = next(kk for kk, v in zip(RERANK_KS, ndcg) if v >= best - 0.01)
    metrics = {f"ndcg10_k{kk}": v for kk, v in zip(RERANK_KS, ndcg)}
    metrics.update({f"first_stage_recall_k{kk}": r for kk, r in zip(RERANK_KS, recall)})
    metrics["ndcg10_first_stage_only"] = _ndcg(rel_te, cheap_te, k)
    metrics["ndcg10_best"] = best
    metrics["saturation_k"] = float(saturation_k)
    metrics = {key: float(val) for key, val in metrics.items()}

    table = [{"K reranked": 0, "NDCG@10": metrics["ndcg10_first_stage_only"], "heavy-model cost": "0x"}]
    table += [{"K reranked": kk, "NDCG@10": v, "first-stage recall@K": r, "heavy-model cost": f"{kk // RERANK_KS[0]}x"}
              for kk, v, r in zip(RERANK_KS, ndcg, recall)]
    extra = round(metrics["ndcg10_k1000"] - metrics[f"ndcg10_k{saturation_k}"], 3) + 0.0
    takeaway = (
        f"Reranking the top 10 gives NDCG@10 {ndcg[0]:.3f} (first stage alone: "
        f"{metrics['ndcg10_first_stage_only']:.3f}); K={saturation_k} is within 0.01 of the best ({best:.3f}), "
        f"and reranking all {RERANK_KS[-1]} costs {RERANK_KS[-1] // saturation_k}x as many heavy-model scores for "
        f"{extra:+.3f} NDCG: pick K at the knee, where first-stage recall "
        f"({metrics[f'first_stage_recall_k{saturation_k}']:.2f} at K={saturation_k}) stops paying for the "
        "reranker's linear cost."
    )
    plot = PlotSpec(
        kind="line", title="Rerank depth: quality saturates, cost does not", x_label="K reranked",
        y_label="value",
        series=[Series("NDCG@10 after reranking", list(RERANK_KS), ndcg),
                Series("first-stage recall@K", list(RERANK_KS), recall)],
    )
    return LabOutput(metrics=metrics, table=table, takeaway=takeaway, plot=plot)
