"""Labs for the recommendations (recs) case.

Every lab makes its own synthetic users and items with numpy: users and items have
hidden taste vectors, items have a popularity bias, and interactions are sampled
from a known preference model, so the "truth" is known and the numbers are real.
Matrix factorisation here is PureSVD (Cremonesi, Koren and Turrin, "Performance of
Recommender Algorithms on Top-N Recommendation Tasks", RecSys 2010): the top
eigenvectors of the item-item co-occurrence matrix, scores = user row x V V^T.
"""

from __future__ import annotations

from mlsd.labs.base import LabOutput, PlotSpec, Series
from mlsd.labs.models import xgb_params
from mlsd.labs.registry import lab

CASE = "recs"


def _sample_interactions(rng, logits, n_per_user):
    """Binary user x item matrix: each user picks n_per_user[u] distinct items, P ~ softmax(logits).

    Gumbel top-k: adding Gumbel noise and keeping the top n is sampling without replacement.
    """
    import numpy as np

    g = logits + rng.gumbel(size=logits.shape)
    rank = np.argsort(np.argsort(-g, axis=1), axis=1)
    return (rank < np.asarray(n_per_user)[:, None]).astype(float)


def _item_factors(train, dim: int):
    """PureSVD item factors: top-`dim` eigenvectors of the item co-occurrence matrix train^T train."""
    import numpy as np

    _, vecs = np.linalg.eigh(train.T @ train)
    return vecs[:, ::-1][:, :dim]


def _recall_at_k(scores, train, test, k: int) -> float:
    """Mean over users with held-out items of |top-k ∩ held-out| / |held-out|; training items are excluded."""
    import numpy as np

    s = np.where(train > 0, -np.inf, scores).astype(np.float32, copy=False)  # float32: a faster partition
    top = np.argpartition(s, s.shape[1] - k, axis=1)[:, -k:]
    hits = np.take_along_axis(test, top, axis=1).sum(axis=1)
    n_test = test.sum(axis=1)
    has = n_test > 0
    return float(np.mean(hits[has] / n_test[has]))


# --------------------------------------------------------------------------- data


@lab(
    id="recs-cold-start",
    case=CASE,
    step="data",
    title="Cold-start items: collaborative filtering vs content features",
    summary="New items with no interactions get chance-level recall from matrix factorisation; content "
            "features (a user content profile, or a mapping from features to item factors) rescue them.",
)
def cold_start(seed: int) -> LabOutput:
    """New items have no interactions, so collaborative filtering has nothing to go on.

    Items carry content features (think tags or a text embedding) that explain part of
    their hidden taste vector. A fifth of the catalogue is "new": all of its
    interactions are held out. PureSVD learns item factors from co-occurrence only, so a
    new item's factor is zero and it ranks at chance among new items. Two content-based
    fixes: (1) a user content profile (mean features of the items the user took) scored
    against each item's features; (2) an attribute-to-factor mapping: ridge regression
    from content features to the MF item factors, fitted on established items and
    applied to new ones (Gantner et al., "Learning Attribute-to-Feature Mappings for
    Cold-Start Recommendations", ICDM 2010; the same idea as a content tower in a
    two-tower model). Recall@10 is measured separately on a "new items" shelf and on
    established items, where collaborative filtering stays the better model: a hybrid
    uses each where it is strong.
    """
    import numpy as np
    from mlsd.labs.estimators import Ridge

    rng = np.random.default_rng(seed)
    n_users, n_items, d, n_feat, dim, k = 2000, 800, 12, 24, 16, 10
    users = rng.normal(size=(n_users, d))
    content = rng.normal(size=(n_items, n_feat))
    w_content = rng.normal(size=(n_feat, d)) / np.sqrt(n_feat)
    items = 0.8 * content @ w_content + 0.6 * rng.normal(size=(n_items, d))  # content explains part of taste
    popularity = 0.8 * rng.normal(size=n_items)
    logits = 1.5 * users @ items.T / np.sqrt(d) + popularity
    x = _sample_interactions(rng, logits, rng.integers(10, 40, n_users))

    cold = np.zeros(n_items, dtype=bool)
    cold[rng.choice(n_items, n_items // 5, replace=False)] = True
    held = (rng.random(x.shape) < 0.2) | cold[None, :]  # new items: every interaction is in the future
    test = x * held
    train = x - test
    warm = ~cold

    v = _item_factors(train, dim)  # rows of new items are zero: they never co-occur in training
    user_f = train @ v
    mapping = Ridge(alpha=1.0).fit(content[warm], v[warm])
    v_hat = mapping.predict(content)
    profile = train @ content / np.maximum(train.sum(axis=1, keepdims=True), 1.0)
    content_unit = content / np.linalg.norm(content, axis=1, keepdims=True)
    tie_break = 1e-9 * rng.random((n_users, n_items))  # ties (all-zero scores) are broken at random

    scorers = {
        "popularity": np.broadcast_to(train.sum(axis=0), x.shape) + tie_break,
        "cf": user_f @ v.T + tie_break,
        "content_profile": profile @ content_unit.T + tie_break,
        "content_to_factors": user_f @ v_hat.T + tie_break,
    }

    def recall_on(scores, items_mask):
        return _recall_at_k(scores[:, items_mask], train[:, items_mask], test[:, items_mask], k)

    res = {name: (recall_on(s, cold), recall_on(s, warm)) for name, s in scorers.items()}
    metrics = {f"new_recall10_{name}": r[0] for name, r in res.items()}
    metrics.update({f"warm_recall10_{name}": r[1] for name, r in res.items()})
    metrics["new_recall10_chance"] = k / int(cold.sum())
    metrics = {key: float(val) for key, val in metrics.items()}

    labels = {
        "popularity": "popularity",
        "cf": "collaborative filtering (PureSVD)",
        "content_profile": "content: user profile x item features",
        "content_to_factors": "content: features -> MF factors (ridge)",
    }
    table = [{"model": labels[name], "recall@10, new items": r[0], "recall@10, established items": r[1]}
             for name, r in res.items()]
    table.append({"model": "chance", "recall@10, new items": metrics["new_recall10_chance"]})
    takeaway = (
        f"On new items collaborative filtering is at chance (recall@10 {metrics['new_recall10_cf']:.3f} vs "
        f"{metrics['new_recall10_chance']:.3f}) while content features reach "
        f"{metrics['new_recall10_content_profile']:.3f} (profile) and {metrics['new_recall10_content_to_factors']:.3f} "
        f"(features mapped to MF factors); on established items CF still wins "
        f"({metrics['warm_recall10_cf']:.3f} vs {metrics['warm_recall10_content_to_factors']:.3f}), so use content "
        "for cold items and CF once interactions arrive."
    )
    plot = PlotSpec(
        kind="bar", title="Recall@10 on new vs established items", x_label="model", y_label="recall@10",
        series=[
            Series("new items", ["popularity", "CF", "content profile", "content->factors"],
                   [res[n][0] for n in scorers]),
            Series("established items", ["popularity", "CF", "content profile", "content->factors"],
                   [res[n][1] for n in scorers]),
        ],
    )
    return LabOutput(metrics=metrics, table=table, takeaway=takeaway, plot=plot)


# -------------------------------------------------------------------------- model


MF_DIMS = (4, 8, 16, 32, 64, 128, 256)
MF_L2 = (0.0, 8.0, 16.0)  # candidate L2 strengths (on singular values), tuned per dimension


@lab(
    id="recs-mf-dimension",
    case=CASE,
    step="model",
    title="Embedding dimension and regularisation, tuned together",
    summary="Without regularisation, held-out recall@20 of matrix factorisation peaks at a modest dimension and then "
            "collapses as extra dimensions memorise the training interactions; with L2 tuned for each dimension the "
            "collapse disappears.",
)
def mf_dimension(seed: int) -> LabOutput:
    """Embedding dimension is one capacity knob; regularisation is the other.

    Synthetic implicit feedback: 2,000 users, 800 items, a 12-dimensional hidden taste
    model plus item popularity; each user has 10-40 interactions, 20% held out for the
    test and 15% of the rest for validation. Two factorisations of the same data:
    - PureSVD (Cremonesi et al., RecSys 2010): the top `dim` singular directions, no
      regularisation, so dimension alone controls capacity;
    - L2-regularised matrix factorisation with squared loss on every cell, which has a
      closed form: each kept singular value s is shrunk to max(s - lambda, 0) (the
      uniform-weight limit of iALS), with lambda chosen per dimension on the validation
      interactions.
    PureSVD's in-sample fit keeps rising with dimension while held-out recall@20 peaks and
    then falls below the popularity baseline; the regularised model stays near its best
    at every dimension. Here the true taste has 12 dimensions, so large dimensions add
    nothing once regularised; on real catalogues Rendle et al. ("Revisiting the
    Performance of iALS on Item Recommendation Benchmarks", RecSys 2022) found tuned
    iALS keeps gaining up to very large dimensions. Either way, the dimension cannot be
    judged without the regularisation it is paired with; what large dimensions surely
    cost is memory and nearest-neighbour latency.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    n_users, n_items, d, k = 2000, 800, 12, 20
    users = rng.normal(size=(n_users, d))
    items = rng.normal(size=(n_items, d))
    popularity = rng.normal(size=n_items)
    logits = 1.5 * users @ items.T / np.sqrt(d) + popularity
    x = _sample_interactions(rng, logits, rng.integers(10, 40, n_users))
    test = x * (rng.random(x.shape) < 0.2)
    val = (x - test) * (rng.random(x.shape) < 0.15)
    fit = x - test - val

    evals, vecs = np.linalg.eigh(fit.T @ fit)
    top = max(MF_DIMS)
    vecs = np.ascontiguousarray(vecs[:, ::-1][:, :top]).astype(np.float32)
    sing = np.sqrt(np.clip(evals[::-1][:top], 0.0, None)).astype(np.float32)
    proj = fit.astype(np.float32) @ vecs  # users x top: fit projected on the singular directions
    pop_scores = np.broadcast_to(fit.sum(axis=0), x.shape) + 1e-9 * rng.random(x.shape)
    recall_pop = _recall_at_k(pop_scores, fit, test, k)

    held_out, in_sample, regularised, chosen = [], [], [], []
    sub = slice(0, n_users // 2)  # validation and in-sample fit are read on half the users: cheaper, same picture
    no_train = np.zeros_like(fit[sub])
    for dim in MF_DIMS:
        v = vecs[:, :dim]
        plain = proj[:, :dim] @ v.T
        held_out.append(_recall_at_k(plain, fit, test, k))
        in_sample.append(_recall_at_k(plain[sub], no_train, fit[sub], k))  # how much of the training data it recovers
        best = None
        for lam in MF_L2:
            shrink = np.clip(1.0 - lam / np.maximum(sing[:dim], 1e-6), 0.0, None)
            on_val = _recall_at_k((proj[sub, :dim] * shrink) @ v.T, fit[sub], val[sub], k)
            if best is None or on_val > best[0]:
                best = (on_val, lam, shrink)
        regularised.append(_recall_at_k((proj[:, :dim] * best[2]) @ v.T, fit, test, k) if best[1] else held_out[-1])
        chosen.append(best[1])

    best_plain = int(np.argmax(held_out))
    metrics = {f"recall20_dim_{dim}": r for dim, r in zip(MF_DIMS, held_out)}
    metrics.update({f"recall20_l2_dim_{dim}": r for dim, r in zip(MF_DIMS, regularised)})
    metrics.update({
        "recall20_popularity": recall_pop,
        "recall20_best": held_out[best_plain],
        "best_dim": float(MF_DIMS[best_plain]),
        "recall20_largest_dim": held_out[-1],
        "recall20_l2_largest_dim": regularised[-1],
        "recall20_l2_best": max(regularised),
        "train_recall20_largest_dim": in_sample[-1],
        "train_recall20_best_dim": in_sample[best_plain],
    })
    metrics = {key: float(val) for key, val in metrics.items()}

    table = [{"model": "popularity", "held-out recall@20, no regularisation": recall_pop}]
    for dim, h, t, r, lam in zip(MF_DIMS, held_out, in_sample, regularised, chosen):
        table.append({"model": f"dimension {dim}", "held-out recall@20, no regularisation": h,
                      "in-sample recall@20, no regularisation": t, "held-out recall@20, L2 tuned": r,
                      "L2 chosen": lam})
    m = metrics
    takeaway = (
        f"Without regularisation held-out recall@20 peaks at {held_out[best_plain]:.4f} at dimension "
        f"{MF_DIMS[best_plain]} (popularity: {recall_pop:.4f}) and falls to {held_out[-1]:.4f} at {MF_DIMS[-1]}, "
        f"while in-sample recall climbs from {in_sample[best_plain]:.4f} to {in_sample[-1]:.4f}: the extra dimensions "
        f"memorise. With L2 tuned for each dimension the collapse disappears: {m['recall20_l2_largest_dim']:.4f} at "
        f"{MF_DIMS[-1]} (best {m['recall20_l2_best']:.4f}). Too many dimensions overfit only without the "
        "regularisation they need, so tune dimension and regularisation together; this toy's taste has 12 "
        "dimensions, and on real catalogues tuned iALS keeps gaining at very large ones (Rendle et al. 2022)."
    )
    plot = PlotSpec(
        kind="line", title="Recall@20 vs embedding dimension", x_label="dimension", y_label="recall@20",
        series=[
            Series("held-out, no regularisation", list(MF_DIMS), held_out),
            Series("held-out, L2 tuned per dimension", list(MF_DIMS), regularised),
            Series("in-sample, no regularisation", list(MF_DIMS), in_sample),
        ],
    )
    return LabOutput(metrics=metrics, table=table, takeaway=takeaway, plot=plot)


# --------------------------------------------------------------------- evaluation


def _diversity_eval(lists, group, rel, cat):
    """Per-slate metrics for top-k lists (users x k item indices).

    A duplicate of an item already higher in the slate earns nothing (the user has seen
    it); precision@k counts relevant first copies. Returns mean precision, mean number
    of distinct categories, mean number of duplicates shown.
    """
    import numpy as np

    g = np.take_along_axis(group, lists, axis=1)
    k = lists.shape[1]
    earlier_same = (g[:, :, None] == g[:, None, :]) & np.tril(np.ones((k, k), dtype=bool), -1)[None]
    first_copy = ~earlier_same.any(axis=2)
    hits = (np.take_along_axis(rel, lists, axis=1) & first_copy).sum(axis=1)
    c = np.sort(np.take_along_axis(cat, lists, axis=1), axis=1)
    n_cats = 1 + (np.diff(c, axis=1) != 0).sum(axis=1)
    return float(hits.mean() / k), float(n_cats.mean()), float((~first_copy).sum(axis=1).mean())


@lab(
    id="recs-diversity",
    case=CASE,
    step="evaluation",
    title="Dedup and diversity re-ranking vs precision",
    summary="Removing near-duplicates raises precision and diversity at once; MMR or a per-category cap "
            "buys more categories per slate at a visible cost in precision.",
)
def diversity(seed: int) -> LabOutput:
    """Re-ranking a relevance-sorted slate: near-duplicate removal, then MMR or a category cap.

    Each of 500 users gets 100 scored candidates from 10 categories; tastes are
    concentrated (Dirichlet(0.3) over categories), so a pure relevance sort fills the
    slate with one or two categories. A fifth of the candidates are near-duplicates
    (re-uploads) of another candidate: same category, almost the same embedding, same
    relevance; a duplicate shown below its original earns nothing. Dedup drops any
    candidate whose embedding has cosine > 0.95 with a higher-scored one. MMR (Carbonell
    and Goldstein, "The Use of MMR, Diversity-Based Reranking...", SIGIR 1998) picks
    greedily by lambda * relevance - (1 - lambda) * max similarity to the slate so far.
    Precision here is a short-term proxy: diversity's payoff (discovery, long-term
    engagement, less fatigue) does not show in it, which is exactly why teams set the
    trade-off with online experiments rather than this offline number.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    n_users, n_cand, n_cat, dim, k = 500, 100, 10, 16, 10
    n_dup = n_cand // 5
    centroids = rng.normal(size=(n_cat, dim))
    cat = rng.integers(0, n_cat, (n_users, n_cand))
    taste = rng.dirichlet(np.full(n_cat, 0.3), size=n_users)
    affinity = np.take_along_axis(taste, cat, axis=1)
    p_true = np.clip(0.05 + 0.6 * affinity / affinity.max(axis=1, keepdims=True)
                     + 0.1 * rng.normal(size=(n_users, n_cand)), 0.01, 0.95)
    emb = centroids[cat] + 0.7 * rng.normal(size=(n_users, n_cand, dim))

    # The last n_dup candidates are near-copies of one of the first n_cand - n_dup.
    src = rng.integers(0, n_cand - n_dup, (n_users, n_dup))
    dup = slice(n_cand - n_dup, n_cand)
    cat[:, dup] = np.take_along_axis(cat, src, axis=1)
    p_true[:, dup] = np.take_along_axis(p_true, src, axis=1)
    emb[:, dup] = np.take_along_axis(emb, src[:, :, None], axis=1) + 0.05 * rng.normal(size=(n_users, n_dup, dim))
    group = np.tile(np.arange(n_cand), (n_users, 1))
    group[:, dup] = src
    rel = rng.random((n_users, n_cand)) < p_true
    rel[:, dup] = np.take_along_axis(rel, src, axis=1)
    score = np.log(p_true / (1 - p_true)) + 0.5 * rng.normal(size=(n_users, n_cand))
    score[:, dup] = np.take_along_axis(score, src, axis=1) + 0.05 * rng.normal(size=(n_users, n_dup))

    unit = emb / np.linalg.norm(emb, axis=2, keepdims=True)
    sim = unit @ unit.transpose(0, 2, 1)
    higher = score[:, None, :] > score[:, :, None]  # [u, i, j]: j scores above i
    removed = ((sim > 0.95) & higher).any(axis=2)

    def top_k(s):
        return np.argsort(-s, axis=1, kind="stable")[:, :k]

    def mmr(lam):
        s = (score - score.min(axis=1, keepdims=True)) / np.ptp(score, axis=1, keepdims=True)
        available = ~removed
        max_sim = np.zeros((n_users, n_cand))
        picks = np.empty((n_users, k), dtype=int)
        rows = np.arange(n_users)
        for j in range(k):
            obj = np.where(available, lam * s - (1 - lam) * max_sim, -np.inf)
            pick = np.argmax(obj, axis=1)
            picks[:, j] = pick
            available[rows, pick] = False
            max_sim = np.maximum(max_sim, sim[rows, :, pick])
        return picks

    def category_cap(cap):
        order = np.argsort(-np.where(removed, -np.inf, score), axis=1, kind="stable")
        cats = np.take_along_axis(cat, order, axis=1)
        seen_before = np.cumsum(np.eye(n_cat, dtype=int)[cats], axis=1)
        count = np.take_along_axis(seen_before, cats[:, :, None], axis=2)[:, :, 0]
        ok = (count <= cap) & ~np.take_along_axis(removed, order, axis=1)
        first_ok = np.argsort(~ok, axis=1, kind="stable")[:, :k]
        return np.take_along_axis(order, first_ok, axis=1)

    slates = {
        "relevance only": top_k(score),
        "dedup": top_k(np.where(removed, -np.inf, score)),
        "dedup + MMR lambda=0.8": mmr(0.8),
        "dedup + MMR lambda=0.6": mmr(0.6),
        "dedup + max 3 per category": category_cap(3),
    }
    res = {name: _diversity_eval(lists, group, rel, cat) for name, lists in slates.items()}
    keys = {"relevance only": "relevance", "dedup": "dedup", "dedup + MMR lambda=0.8": "mmr_0_8",
            "dedup + MMR lambda=0.6": "mmr_0_6", "dedup + max 3 per category": "cap3"}
    metrics = {}
    for name, (prec, n_cats, n_dups) in res.items():
        metrics[f"precision10_{keys[name]}"] = prec
        metrics[f"categories_{keys[name]}"] = n_cats
        metrics[f"duplicates_{keys[name]}"] = n_dups
    metrics["dedup_removed_share"] = float(removed.mean())

    lambdas = [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4]
    curve = [_diversity_eval(mmr(lam), group, rel, cat) for lam in lambdas]
    metrics = {key: float(val) for key, val in metrics.items()}

    table = [{"slate": name, "precision@10": p, "categories": c, "duplicates": d}
             for name, (p, c, d) in res.items()]
    r, dd, m8 = res["relevance only"], res["dedup"], res["dedup + MMR lambda=0.8"]
    takeaway = (
        f"Dedup is a pure gain: precision@10 {r[0]:.3f} -> {dd[0]:.3f} ({r[2]:.1f} duplicates per slate -> 0) and "
        f"categories {r[1]:.1f} -> {dd[1]:.1f}; diversity is a trade: MMR lambda=0.8 lifts categories per slate to "
        f"{m8[1]:.1f} for {dd[0] - m8[0]:.3f} precision and stronger settings cost more; offline precision shows "
        "that cost but not diversity's long-term benefit, so set the trade-off with an online test."
    )
    plot = PlotSpec(
        kind="line", title="MMR trade-off (after dedup)", x_label="MMR lambda (1 = relevance only)",
        y_label="value",
        series=[Series("precision@10", lambdas, [c[0] for c in curve]),
                Series("share of the 10 categories in the slate", lambdas, [c[1] / n_cat for c in curve])],
    )
    return LabOutput(metrics=metrics, table=table, takeaway=takeaway, plot=plot)


# ------------------------------------------------------------------------ serving


FUNNEL_KS = (20, 50, 100, 200, 500)


@lab(
    id="recs-funnel",
    case=CASE,
    step="serving",
    title="Retrieval -> ranking funnel: recall ceiling and what the ranker trains on",
    summary="Final recall@10 can never exceed retrieval recall@K; a ranker trained on the candidates "
            "retrieval served beats one trained on clicks plus random negatives, which learns 'was it retrieved?'.",
)
def funnel(seed: int) -> LabOutput:
    """Two-stage recommender: a cheap retriever picks K of 1,500 items, a ranker picks the top 10.

    Each user has 10 relevant items (sampled from a known utility: a coarse taste match
    + a fine taste match + item popularity). Retrieval is a cheap two-tower-like score
    that sees only the coarse match and popularity, with noise. The ranker (gradient
    boosted trees) sees the retrieval score plus richer features of both matches.
    (1) The ceiling: the final top 10 can only contain retrieved items, so with 10
    relevant items per user, final recall@10 <= retrieval recall@K; beyond some K the
    ranker, not retrieval, is the bottleneck. (2) The training distribution: the logs
    hold K=100 served items per training user and clicks on the relevant ones. Ranker A
    is trained on exactly that (clicked vs shown-not-clicked). Ranker B is trained on
    the clicks plus the same number of random catalogue items as negatives. Every
    positive was retrieved and most random negatives were not, so B learns that a high
    retrieval score (noise included) means "click": it partly re-learns exposure instead
    of preference. The effect is modest but consistent; it is the ranking-side half of
    "train each stage on the distribution it scores" (the retrieval-side half: a model
    trained only on served candidates does badly over the whole catalogue; Huang et al.,
    "Embedding-based Retrieval in Facebook Search", KDD 2020).
    """
    import numpy as np
    from mlsd.labs.xgb import XGBClassifier  # no scikit-learn import

    rng = np.random.default_rng(seed)
    n_users, n_items, d, n_rel, k, k_served = 1000, 1500, 8, 10, 10, 100
    coarse = rng.normal(size=(n_users, d)) @ rng.normal(size=(n_items, d)).T / np.sqrt(d)
    fine = rng.normal(size=(n_users, d)) @ rng.normal(size=(n_items, d)).T / np.sqrt(d)
    popularity = 0.7 * rng.normal(size=n_items)
    utility = coarse + fine + popularity
    relevant = _sample_interactions(rng, utility / 0.5, np.full(n_users, n_rel)) > 0
    retrieval = coarse + 0.5 * popularity + 0.5 * rng.normal(size=utility.shape)
    features = np.stack([
        retrieval,
        coarse + 0.2 * rng.normal(size=utility.shape),
        fine + 0.3 * rng.normal(size=utility.shape),
        np.broadcast_to(popularity, utility.shape),
    ], axis=-1).astype(np.float32)
    n_feat = features.shape[-1]
    order = np.argsort(-retrieval, axis=1)

    train_users = np.arange(n_users // 2)
    test_users = np.arange(n_users // 2, n_users)

    # Logged impressions of training users: the K=100 items retrieval served, clicked if relevant.
    shown = order[train_users, :k_served]
    x_served = np.take_along_axis(features[train_users], shown[:, :, None], axis=1).reshape(-1, n_feat)
    y_served = np.take_along_axis(relevant[train_users], shown, axis=1).ravel().astype(int)
    # Clicks + random negatives: as many rows as the served log.
    clicked = np.take_along_axis(relevant[train_users], shown, axis=1)
    rand_items = rng.integers(0, n_items, (len(train_users), k_served))
    rand_is_click = (rand_items[:, :, None] == np.where(clicked, shown, -1)[:, None, :]).any(axis=2)
    x_pos = x_served[y_served == 1]
    x_neg = np.take_along_axis(features[train_users], rand_items[:, :, None], axis=1)[~rand_is_click]
    x_neg = x_neg[: len(x_served) - len(x_pos)]
    x_random = np.concatenate([x_pos, x_neg])
    y_random = np.r_[np.ones(len(x_pos), dtype=int), np.zeros(len(x_neg), dtype=int)]

    def ranker():
        return XGBClassifier(**xgb_params(seed, n_estimators=60, max_depth=3, learning_rate=0.2))

    rankers = {"served": ranker().fit(x_served, y_served), "random_neg": ranker().fit(x_random, y_random)}

    rel_test = relevant[test_users]
    k_max = FUNNEL_KS[-1]
    cands_all = order[test_users, :k_max]
    x_c = np.take_along_axis(features[test_users], cands_all[:, :, None], axis=1).reshape(-1, n_feat)
    scores = {name: model.predict_proba(x_c)[:, 1].reshape(len(test_users), k_max)
              for name, model in rankers.items()}  # a candidate's score does not depend on K
    rows = []
    for kk in FUNNEL_KS:
        cands = cands_all[:, :kk]
        row = {"k": kk, "retrieval_recall": np.take_along_axis(rel_test, cands, axis=1).sum(axis=1).mean() / n_rel}
        for name, s in scores.items():
            top = np.take_along_axis(cands, np.argsort(-s[:, :kk], axis=1, kind="stable")[:, :k], axis=1)
            row[name] = np.take_along_axis(rel_test, top, axis=1).sum(axis=1).mean() / n_rel
        rows.append(row)
    retrieval_only = np.take_along_axis(rel_test, order[test_users, :k], axis=1).sum(axis=1).mean() / n_rel

    metrics = {"final_recall10_retrieval_order": retrieval_only}
    for name, model in rankers.items():  # how much each ranker leans on the retrieval score
        gain = model.get_booster().get_score(importance_type="total_gain")
        metrics[f"retrieval_gain_share_{name}"] = gain.get("f0", 0.0) / sum(gain.values())
    for row in rows:
        kk = row["k"]
        metrics[f"retrieval_recall_k{kk}"] = row["retrieval_recall"]
        metrics[f"final_recall10_served_k{kk}"] = row["served"]
        metrics[f"final_recall10_random_neg_k{kk}"] = row["random_neg"]
    metrics = {key: float(val) for key, val in metrics.items()}

    served_col, random_col = "final recall@10, ranker trained on served", "final recall@10, ranker on random negatives"
    table = [{"K retrieved": r["k"], "retrieval recall@K": float(r["retrieval_recall"]),
              served_col: float(r["served"]), random_col: float(r["random_neg"])} for r in rows]
    table.append({"K retrieved": "ranker's split gain on the retrieval score",
                  served_col: metrics["retrieval_gain_share_served"],
                  random_col: metrics["retrieval_gain_share_random_neg"]})
    m = metrics
    takeaway = (
        f"Final recall@10 never exceeds retrieval recall@K (K=20: {m['final_recall10_served_k20']:.3f} <= "
        f"{m['retrieval_recall_k20']:.3f}) and gains little past K=200 ({m['final_recall10_served_k200']:.3f} -> "
        f"{m['final_recall10_served_k500']:.3f}) while ranker cost grows with K; the ranker trained on random "
        f"negatives puts {m['retrieval_gain_share_random_neg']:.0%} of its split gain on the retrieval score "
        f"(served-trained: {m['retrieval_gain_share_served']:.0%}), trails at K=100 "
        f"({m['final_recall10_random_neg_k100']:.3f} vs {m['final_recall10_served_k100']:.3f}, small) and stops "
        f"improving with K ({m['final_recall10_random_neg_k500']:.3f} vs {m['final_recall10_served_k500']:.3f} at "
        "K=500): train the ranker on the candidates retrieval serves."
    )
    plot = PlotSpec(
        kind="line", title="Retrieval recall caps final recall", x_label="K retrieved", y_label="recall",
        series=[
            Series("retrieval recall@K (ceiling)", list(FUNNEL_KS), [float(r["retrieval_recall"]) for r in rows]),
            Series("final recall@10, ranker on served", list(FUNNEL_KS), [float(r["served"]) for r in rows]),
            Series("final recall@10, ranker on random negatives", list(FUNNEL_KS),
                   [float(r["random_neg"]) for r in rows]),
        ],
    )
    return LabOutput(metrics=metrics, table=table, takeaway=takeaway, plot=plot)


# --------------------------------------------------------------------- monitoring


LOOP_EPSILONS = (0.0, 0.05, 0.1, 0.2)


@lab(
    id="recs-feedback-loop",
    case=CASE,
    step="monitoring",
    title="Feedback loop: retraining on the clicks the model caused",
    summary="Retrained each round on its own clicks, a greedy recommender narrows to about a quarter of "
            "the catalogue; a small epsilon of random exploration keeps most of it in play, CTR barely moves.",
)
def feedback_loop(seed: int) -> LabOutput:
    """A recommender that only learns from what it showed.

    600 users, 400 items, clicks drawn from a known probability (hidden tastes +
    popularity). Round 0 shows random slates of 10 (a bootstrap log); every later round
    retrains PureSVD on all clicks so far and shows each user their top 10. Items the
    model stops showing get no new clicks, so their scores can only fall behind: the
    loop (a "degenerate feedback loop", Jiang et al., AIES 2019; Chaney et al.,
    "How Algorithmic Confounding in Recommendation Systems Increases Homogeneity",
    RecSys 2018) shrinks the set of items ever shown. With epsilon-greedy exploration a
    share epsilon of slots shows random items. Honest caveat: on this short horizon CTR
    moves little either way (random slots click less; the better-informed model partly
    makes up for it); exploration pays off through coverage, fresher data on new or
    changing items and supplier health, so monitoring should track catalogue coverage
    next to CTR.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    n_users, n_items, d, k, rounds, dim = 600, 400, 8, 10, 10, 16
    users = rng.normal(size=(n_users, d))
    items = rng.normal(size=(n_items, d))
    popularity = 0.5 * rng.normal(size=n_items)
    p_click = 1.0 / (1.0 + np.exp(-(1.5 * users @ items.T / np.sqrt(d) + popularity - 2.5)))
    first_slates = np.argsort(rng.random((n_users, n_items)), axis=1)[:, :k]
    rows = np.repeat(np.arange(n_users), k)

    def simulate(eps, rng):
        clicks = np.zeros((n_users, n_items))
        slates = first_slates
        coverage, ctr = [], []
        for r in range(rounds + 1):
            if r > 0:  # retrain on every click so far, then serve (with epsilon of random slots)
                x = (clicks > 0).astype(float)
                v = _item_factors(x, dim)
                scores = (x @ v) @ v.T + 1e-9 * rng.random(x.shape)
                exploit = np.argpartition(-scores, k, axis=1)[:, :k]
                explore = rng.random((n_users, k)) < eps
                slates = np.where(explore, rng.integers(0, n_items, (n_users, k)), exploit)
            shown_p = np.take_along_axis(p_click, slates, axis=1)
            clicked = rng.random(shown_p.shape) < shown_p
            np.add.at(clicks, (rows, slates.ravel()), clicked.ravel())
            coverage.append(len(np.unique(slates)) / n_items)
            ctr.append(float(shown_p.mean()))
        exploit_ctr = float(np.take_along_axis(p_click, exploit, axis=1).mean())
        return coverage, ctr, exploit_ctr

    runs = {eps: simulate(eps, np.random.default_rng([seed, i])) for i, eps in enumerate(LOOP_EPSILONS)}
    best_ctr = float(np.sort(p_click, axis=1)[:, -k:].mean())

    def key(eps):
        return f"eps_{eps:g}".replace(".", "_")

    metrics = {"coverage_round0": runs[0.0][0][0], "ctr_random_slates": runs[0.0][1][0], "ctr_oracle": best_ctr}
    for eps, (coverage, ctr, exploit_ctr) in runs.items():
        metrics[f"coverage_final_{key(eps)}"] = coverage[-1]
        metrics[f"ctr_final_{key(eps)}"] = ctr[-1]
        metrics[f"exploit_ctr_final_{key(eps)}"] = exploit_ctr
    metrics = {name: float(val) for name, val in metrics.items()}

    table = [{"exploration": f"epsilon={eps:g}", "coverage": cov[-1], "ctr": ctr[-1], "CTR of the model's own top 10": ex}
             for eps, (cov, ctr, ex) in runs.items()]
    table.append({"exploration": "oracle (true tastes)", "ctr": best_ctr})
    g, e = runs[0.0], runs[0.1]
    takeaway = (
        f"Retrained on its own clicks, the greedy recommender shows {g[0][-1]:.0%} of the catalogue after "
        f"{rounds} rounds ({g[0][0]:.0%} in the random bootstrap round); "
        f"epsilon=0.1 keeps it at {e[0][-1]:.0%} with CTR {e[1][-1]:.3f} vs greedy {g[1][-1]:.3f} "
        f"({e[1][-1] - g[1][-1]:+.3f}), so CTR alone would not show the narrowing: monitor "
        "catalogue coverage too."
    )
    plot = PlotSpec(
        kind="line", title="Catalogue coverage per round", x_label="round", y_label="share of items shown",
        series=[Series(f"epsilon={eps:g}", list(range(rounds + 1)), cov) for eps, (cov, _, _) in runs.items()],
    )
    return LabOutput(metrics=metrics, table=table, takeaway=takeaway, plot=plot)
