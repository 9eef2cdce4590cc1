"""Labs for the ad click-through-rate (CTR) prediction case.

Every lab makes its own synthetic impression log with numpy (clicks drawn from a
known true probability), trains a small real model and reports real numbers.
The main source is He et al., "Practical Lessons from Predicting Clicks on Ads at
Facebook" (ADKDD 2014): normalised entropy, negative downsampling with
recalibration, boosted-tree features for logistic regression, and data freshness.
"""

from __future__ import annotations

from mlsd.labs.base import LabOutput, PlotSpec, Series
from mlsd.labs.registry import lab

CASE = "ctr"


def _sigmoid(z):
    import numpy as np

    return 1.0 / (1.0 + np.exp(-z))


def _logit(p):
    import numpy as np

    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _xgb(seed: int, **params):
    """A small, deterministic xgboost classifier (two threads, hist)."""
    from xgboost import XGBClassifier

    defaults = dict(n_estimators=60, max_depth=3, learning_rate=0.15, subsample=1.0,
                    tree_method="hist", n_jobs=2, random_state=seed, verbosity=0)
    defaults.update(params)
    return XGBClassifier(**defaults)


# --------------------------------------------------------------------------- data


@lab(
    id="ctr-leaky-history",
    case=CASE,
    step="data",
    title="A leaky 'historical CTR' feature vs a point-in-time one",
    summary="An ad's CTR computed over the whole log (including the row's own click) looks great offline, "
            "under a random and a time-based split alike; served with point-in-time values it falls apart.",
)
def leaky_history(seed: int) -> LabOutput:
    """The ad's historical CTR is the strongest CTR feature, and the easiest to leak.

    The leaky pipeline computes each ad's CTR over the whole log, so a row's feature
    contains that row's own click (and future clicks). The point-in-time pipeline uses
    only impressions before the row's timestamp, as a feature store with point-in-time
    joins would. A time-based split does not save the leaky pipeline: the leak is in
    the feature, not in the split. Served in production, where only the past exists,
    the leaky model meets point-in-time values it never saw in training.
    """
    import numpy as np
    from sklearn.metrics import roc_auc_score

    from mlsd.labs.metrics import normalized_entropy

    rng = np.random.default_rng(seed)
    n, n_ads, days = 40_000, 1_000, 30
    ad_logit = rng.normal(_logit(0.04), 0.9, n_ads)
    ad = rng.integers(0, n_ads, n)
    t = np.sort(rng.uniform(0, days, n))
    u1, u2 = rng.normal(size=n), rng.normal(size=n)
    pos = rng.integers(1, 6, n)
    p_true = _sigmoid(ad_logit[ad] + 0.5 * u1 - 0.3 * u2 - 0.25 * (pos - 1))
    y = (rng.random(n) < p_true).astype(int)

    prior, m = float(y.mean()), 10.0
    # Leaky: counts over the whole log, own row included.
    imps_all = np.bincount(ad, minlength=n_ads)[ad].astype(float)
    clicks_all = np.bincount(ad, weights=y, minlength=n_ads)[ad]
    # Point-in-time: counts of earlier rows only (rows are sorted by time).
    order = np.lexsort((np.arange(n), ad))  # by ad, then by time
    ad_sorted, y_sorted = ad[order], y[order].astype(float)
    first = np.r_[True, ad_sorted[1:] != ad_sorted[:-1]]
    group_start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    csum = np.cumsum(y_sorted)
    imps_before = np.empty(n)
    clicks_before = np.empty(n)
    imps_before[order] = np.arange(n) - group_start
    clicks_before[order] = csum - y_sorted - (csum - y_sorted)[group_start]

    def features(clicks, imps):
        ctr = (clicks + prior * m) / (imps + m)
        return np.column_stack([_logit(ctr), np.log1p(imps), u1, u2, pos])

    x_leaky = features(clicks_all, imps_all)
    x_pit = features(clicks_before, imps_before)

    idx = rng.permutation(n)
    cut = int(0.75 * n)
    splits = {"random": (idx[:cut], idx[cut:]), "time": (np.arange(cut), np.arange(cut, n))}

    scores: dict[tuple[str, str], tuple[float, float]] = {}
    served = (0.0, 0.0)
    for split, (tr, te) in splits.items():
        for name, x in (("leaky", x_leaky), ("point_in_time", x_pit)):
            model = _xgb(seed).fit(x[tr], y[tr])
            p = model.predict_proba(x[te])[:, 1]
            scores[(name, split)] = (roc_auc_score(y[te], p), normalized_entropy(y[te], p))
            if name == "leaky" and split == "time":
                p_served = model.predict_proba(x_pit[te])[:, 1]
                served = (roc_auc_score(y[te], p_served), normalized_entropy(y[te], p_served))

    metrics = {
        "auc_leaky_random": scores[("leaky", "random")][0],
        "auc_leaky_time": scores[("leaky", "time")][0],
        "auc_pit_random": scores[("point_in_time", "random")][0],
        "auc_pit_time": scores[("point_in_time", "time")][0],
        "auc_leaky_served": served[0],
        "ne_leaky_time": scores[("leaky", "time")][1],
        "ne_pit_time": scores[("point_in_time", "time")][1],
        "ne_leaky_served": served[1],
    }
    metrics["offline_gap_time"] = metrics["auc_leaky_time"] - metrics["auc_pit_time"]
    metrics = {k: float(v) for k, v in metrics.items()}

    table = [
        {"pipeline": "leaky, random split (offline)", "auc": metrics["auc_leaky_random"],
         "ne": scores[("leaky", "random")][1]},
        {"pipeline": "leaky, time split (offline)", "auc": metrics["auc_leaky_time"], "ne": metrics["ne_leaky_time"]},
        {"pipeline": "point-in-time, random split", "auc": metrics["auc_pit_random"],
         "ne": scores[("point_in_time", "random")][1]},
        {"pipeline": "point-in-time, time split", "auc": metrics["auc_pit_time"], "ne": metrics["ne_pit_time"]},
        {"pipeline": "leaky model, served (point-in-time values)", "auc": metrics["auc_leaky_served"],
         "ne": metrics["ne_leaky_served"]},
    ]
    takeaway = (
        f"The leaky feature inflates offline AUC by {metrics['offline_gap_time']:.2f} even under a time split "
        f"({metrics['auc_leaky_time']:.3f} vs {metrics['auc_pit_time']:.3f}); served with the only values "
        f"production has, the leaky model scores AUC {metrics['auc_leaky_served']:.3f} and NE "
        f"{metrics['ne_leaky_served']:.3f}, so compute history features point-in-time."
    )
    plot = PlotSpec(
        kind="bar", title="Offline AUC vs what is served", x_label="pipeline", y_label="AUC",
        series=[Series("AUC", ["leaky/random", "leaky/time", "PIT/random", "PIT/time", "leaky served"],
                       [metrics["auc_leaky_random"], metrics["auc_leaky_time"], metrics["auc_pit_random"],
                        metrics["auc_pit_time"], metrics["auc_leaky_served"]])],
    )
    return LabOutput(metrics=metrics, table=table, takeaway=takeaway, plot=plot)
