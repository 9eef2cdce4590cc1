"""Small metric helpers shared by the labs.

Import this module inside a lab function (it imports numpy lazily anyway, so
importing it at module top would also be cheap). Every function takes array-likes
and returns a plain Python float so results drop straight into LabOutput.metrics.

- roc_auc: rank-based (Mann-Whitney) ROC AUC, ties averaged; same value as
  sklearn.metrics.roc_auc_score, without its per-call validation overhead.
- log_loss, normalized_entropy: He et al., "Practical Lessons from Predicting Clicks
  on Ads at Facebook" (ADKDD 2014): NE = average log loss / entropy of the
  background rate, so 1.0 means "no better than predicting the average".
- calibration_ratio: mean prediction / observed rate (1.0 is calibrated on average).
- expected_calibration_error: binned |mean prediction - observed rate|, weighted by bin size.
- psi: population stability index between a reference and a current sample.
- recall_at_k, precision_at_k, ndcg_at_k: ranking metrics averaged over queries/users.
"""

from __future__ import annotations

from typing import Iterable, Sequence

_EPS = 1e-15


def _arrays(y_true, y_prob):
    import numpy as np

    y = np.asarray(y_true, dtype=float).ravel()
    p = np.clip(np.asarray(y_prob, dtype=float).ravel(), _EPS, 1.0 - _EPS)
    if y.shape != p.shape:
        raise ValueError(f"y_true and y_prob differ in length: {y.shape[0]} vs {p.shape[0]}")
    if y.size == 0:
        raise ValueError("empty input")
    return y, p


def log_loss(y_true, y_prob) -> float:
    """Average binary cross-entropy in nats (probabilities clipped to [1e-15, 1 - 1e-15])."""
    import numpy as np

    y, p = _arrays(y_true, y_prob)
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))


def roc_auc(y_true, y_score) -> float:
    """ROC AUC = P(score of a random positive > score of a random negative), ties counted half."""
    import numpy as np

    y = np.asarray(y_true).ravel().astype(bool)
    s = np.asarray(y_score, dtype=float).ravel()
    n_pos = int(y.sum())
    n_neg = y.size - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("roc_auc needs both classes")
    order = np.argsort(s, kind="mergesort")
    s_sorted = s[order]
    # Average 1-based ranks over ties.
    starts = np.r_[0, np.flatnonzero(s_sorted[1:] != s_sorted[:-1]) + 1]
    ends = np.r_[starts[1:], s.size]
    avg = (starts + ends + 1) / 2.0
    ranks = np.empty(s.size)
    ranks[order] = np.repeat(avg, ends - starts)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def binary_entropy(rate: float) -> float:
    """Entropy (nats) of a Bernoulli(rate): the log loss of always predicting `rate`."""
    import math

    r = min(max(float(rate), _EPS), 1.0 - _EPS)
    return -(r * math.log(r) + (1.0 - r) * math.log(1.0 - r))


def normalized_entropy(y_true, y_prob, background_rate: float | None = None) -> float:
    """NE (He et al. 2014): average log loss / entropy of the background CTR.

    The background rate defaults to the observed positive rate of `y_true`.
    Lower is better; 1.0 equals always predicting the background rate. NE depends
    on calibration as well as ranking, unlike AUC.
    """
    import numpy as np

    y, p = _arrays(y_true, y_prob)
    rate = float(np.mean(y)) if background_rate is None else float(background_rate)
    return log_loss(y, p) / binary_entropy(rate)


def calibration_ratio(y_true, y_prob) -> float:
    """Mean prediction / observed positive rate (1.0 = calibrated on average; >1 over-predicts)."""
    import numpy as np

    y, p = _arrays(y_true, y_prob)
    observed = float(np.mean(y))
    if observed == 0.0:
        return float("inf")
    return float(np.mean(p)) / observed


def reliability_bins(y_true, y_prob, n_bins: int = 10, strategy: str = "quantile"):
    """Per-bin (mean prediction, observed rate, count) for a reliability diagram.

    strategy="quantile" gives bins of equal size (good for skewed CTR-like scores);
    "uniform" splits [0, 1] into equal-width bins. Empty bins are dropped.
    Returns three numpy arrays: mean_pred, observed, counts.
    """
    import numpy as np

    y, p = _arrays(y_true, y_prob)
    if strategy == "quantile":
        edges = np.quantile(p, np.linspace(0.0, 1.0, n_bins + 1))
    elif strategy == "uniform":
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    else:
        raise ValueError(f"unknown strategy {strategy!r}")
    idx = np.clip(np.searchsorted(edges[1:-1], p, side="right"), 0, n_bins - 1)
    counts = np.bincount(idx, minlength=n_bins).astype(float)
    sum_p = np.bincount(idx, weights=p, minlength=n_bins)
    sum_y = np.bincount(idx, weights=y, minlength=n_bins)
    keep = counts > 0
    return sum_p[keep] / counts[keep], sum_y[keep] / counts[keep], counts[keep]


def expected_calibration_error(y_true, y_prob, n_bins: int = 10, strategy: str = "quantile") -> float:
    """ECE: sum over bins of (bin share) * |mean prediction - observed rate|."""
    import numpy as np

    mean_pred, observed, counts = reliability_bins(y_true, y_prob, n_bins=n_bins, strategy=strategy)
    return float(np.sum(counts / counts.sum() * np.abs(mean_pred - observed)))


def psi(expected, actual, n_bins: int = 10, eps: float = 1e-4) -> float:
    """Population stability index of `actual` against the reference sample `expected`.

    Bins are quantiles of the reference (ties merged), so each reference bin holds
    about 1/n_bins of it. PSI = sum (a - e) * ln(a / e). Rule of thumb: < 0.1 stable,
    0.1-0.25 moderate shift, > 0.25 large shift.
    """
    import numpy as np

    ref = np.asarray(expected, dtype=float).ravel()
    cur = np.asarray(actual, dtype=float).ravel()
    if ref.size == 0 or cur.size == 0:
        raise ValueError("empty input")
    inner = np.unique(np.quantile(ref, np.linspace(0.0, 1.0, n_bins + 1))[1:-1])
    e = np.bincount(np.searchsorted(inner, ref, side="right"), minlength=inner.size + 1) / ref.size
    a = np.bincount(np.searchsorted(inner, cur, side="right"), minlength=inner.size + 1) / cur.size
    e = np.clip(e, eps, None)
    a = np.clip(a, eps, None)
    return float(np.sum((a - e) * np.log(a / e)))


def _per_query(ranked: Sequence[Sequence], relevant: Sequence[Iterable]):
    if len(ranked) != len(relevant):
        raise ValueError(f"ranked and relevant differ in length: {len(ranked)} vs {len(relevant)}")
    for items, rel in zip(ranked, relevant):
        yield list(items), set(rel)


def recall_at_k(ranked: Sequence[Sequence], relevant: Sequence[Iterable], k: int) -> float:
    """Mean over queries of |top-k ∩ relevant| / |relevant|; queries with no relevant items are skipped."""
    scores = [len(set(items[:k]) & rel) / len(rel) for items, rel in _per_query(ranked, relevant) if rel]
    return float(sum(scores) / len(scores)) if scores else 0.0


def precision_at_k(ranked: Sequence[Sequence], relevant: Sequence[Iterable], k: int) -> float:
    """Mean over queries of |top-k ∩ relevant| / k."""
    scores = [len(set(items[:k]) & rel) / k for items, rel in _per_query(ranked, relevant)]
    return float(sum(scores) / len(scores)) if scores else 0.0


def hit_rate_at_k(ranked: Sequence[Sequence], relevant: Sequence[Iterable], k: int) -> float:
    """Share of queries (with any relevant item) that have at least one relevant item in the top k."""
    scores = [float(bool(set(items[:k]) & rel)) for items, rel in _per_query(ranked, relevant) if rel]
    return float(sum(scores) / len(scores)) if scores else 0.0


def dcg_at_k(gains_in_ranked_order, k: int, gain: str = "exponential") -> float:
    """DCG of graded relevance listed in ranked order.

    gain="exponential" uses 2^rel - 1 (xgboost's default for rank:ndcg);
    gain="linear" uses rel (sklearn.metrics.ndcg_score). Discount is 1 / log2(rank + 1).
    """
    import numpy as np

    rel = np.asarray(gains_in_ranked_order, dtype=float)[:k]
    if gain == "exponential":
        g = np.power(2.0, rel) - 1.0
    elif gain == "linear":
        g = rel
    else:
        raise ValueError(f"unknown gain {gain!r}")
    return float(np.sum(g / np.log2(np.arange(2, rel.size + 2))))


def ndcg_at_k(relevance_groups: Sequence[Sequence[float]], score_groups: Sequence[Sequence[float]],
              k: int, gain: str = "exponential") -> float:
    """Mean NDCG@k over groups (queries): rank each group's items by score, compare to the ideal order.

    Groups with no positive relevance are skipped. Ties in score are broken by
    original order (stable sort), so constant scores are not rewarded.
    """
    import numpy as np

    if len(relevance_groups) != len(score_groups):
        raise ValueError("relevance_groups and score_groups differ in length")
    vals = []
    for rel, score in zip(relevance_groups, score_groups):
        rel = np.asarray(rel, dtype=float)
        score = np.asarray(score, dtype=float)
        ideal = dcg_at_k(np.sort(rel)[::-1], k, gain)
        if ideal <= 0:
            continue
        order = np.argsort(-score, kind="stable")
        vals.append(dcg_at_k(rel[order], k, gain) / ideal)
    return float(np.mean(vals)) if vals else 0.0


def catalog_coverage(ranked: Sequence[Sequence], catalog_size: int, k: int | None = None) -> float:
    """Share of the catalogue that appears in at least one (top-k) list."""
    shown: set = set()
    for items in ranked:
        shown.update(list(items)[:k] if k is not None else items)
    return len(shown) / catalog_size if catalog_size else 0.0


def _sklearn_clf_curve(y_true, y_score):
    """(fps, tps, thresholds) as scikit-learn's _binary_clf_curve (no weights, positive label 1)."""
    import numpy as np

    y_true = np.asarray(y_true).ravel() == 1
    y_score = np.asarray(y_score).ravel()
    desc = np.argsort(y_score, kind="mergesort")[::-1]
    y_score = y_score[desc]
    y_true = y_true[desc]
    distinct = np.where(np.diff(y_score))[0]
    threshold_idxs = np.r_[distinct, y_true.size - 1]
    tps = np.cumsum(y_true * 1.0, dtype=np.float64)[threshold_idxs]
    fps = 1 + threshold_idxs - tps
    return fps, tps, y_score[threshold_idxs]


def average_precision(y_true, y_score) -> float:
    """Average precision (PR-AUC), the same float as sklearn.metrics.average_precision_score
    for 0/1 labels: the same steps in the same order, without importing scikit-learn
    (about 1 s of CPU for a lab that needs only this number)."""
    import numpy as np

    fps, tps, _ = _sklearn_clf_curve(y_true, y_score)
    ps = tps + fps
    precision = np.zeros_like(tps)
    np.divide(tps, ps, out=precision, where=(ps != 0))
    recall = np.ones_like(tps) if tps[-1] == 0 else tps / tps[-1]
    precision = np.hstack((precision[::-1], 1))
    recall = np.hstack((recall[::-1], 0))
    return float(max(0.0, -np.sum(np.diff(recall) * np.array(precision)[:-1])))


def roc_auc_exact(y_true, y_score) -> float:
    """ROC AUC as the same float as sklearn.metrics.roc_auc_score (its roc_curve with
    drop_intermediate, then scipy's trapezoid rule), without importing scikit-learn.
    `roc_auc` above is the same number up to rounding in the last digit."""
    import numpy as np

    if np.unique(np.asarray(y_true).ravel()).size != 2:
        raise ValueError("Only one class is present in y_true. ROC AUC score is not defined in that case.")
    fps, tps, _ = _sklearn_clf_curve(y_true, y_score)
    if fps.shape[0] > 2:
        keep = np.where(np.concatenate([[True], np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), [True]]))[0]
        fps, tps = fps[keep], tps[keep]
    fps = np.concatenate([np.asarray([0.0]), fps])
    tps = np.concatenate([np.asarray([0.0]), tps])
    fpr, tpr = fps / fps[-1], tps / tps[-1]
    direction = 1
    dx = np.diff(fpr)
    if np.any(dx < 0):
        if not np.all(dx <= 0):
            raise ValueError("x is neither increasing nor decreasing")
        direction = -1
    d = fpr[1:] - fpr[:-1]
    return float(direction * np.sum(d * (tpr[1:] + tpr[:-1]) / 2.0, axis=-1, dtype=np.float64))
