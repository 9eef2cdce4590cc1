"""Labs for the people-you-may-know (PYMK) case: who to suggest as a new connection.

The graph labs grow a small synthetic social graph edge by edge with numpy and plain
Python: 3,000 users in communities of 50 (a school, a workplace), each new connection
made by one of three mechanisms the case names: closing a triangle (a friend of a
friend, reached by walking to a random friend and then to one of theirs), meeting
someone in one's own community (school or work, whether or not a friend links them),
or a random, popularity-weighted contact (a few popular accounts become hubs).
About 10% of the users join late, in the last fifth of the timeline, and start with
no friends: the case's new users. The order of the edges is their time.

The case's graph is far bigger (a median of 150 connections, about 8,000 friends of
friends); the toy keeps a mean degree near 18 so each lab runs in well under a
second on one core. The effects the labs show come from the mechanisms, not the size.
"""

from __future__ import annotations

from mlsd.labs.base import LabOutput, PlotSpec, Series
from mlsd.labs.models import logit as _logit
from mlsd.labs.models import sigmoid as _sigmoid
from mlsd.labs.registry import lab

CASE = "pymk"


def _pct(value: float, decimals: int = 1, signed: bool = False) -> str:
    """A table cell in percent, e.g. '27.1%' or '+2.07%' (numbers right-aligned)."""
    return f"{value:{'+' if signed else ''}.{decimals}f}%"


def _growing_graph(rng, n: int = 3000, n_edges: int = 27_000, community: int = 50,
                   closure: float = 0.6, local: float = 0.3, late_share: float = 0.1):
    """Edges (u, v) in the order they formed, each user's community, and when each user joined.

    Each step picks a user by activity (lognormal; a new user is three times as active in
    their first weeks) and makes one connection: with chance `closure` a friend of a friend
    (a random friend, then a random friend of theirs), with chance `local` a member of their
    own community weighted by popularity, otherwise anyone weighted by popularity (Pareto
    tail: hubs). Users who have not joined yet neither make nor receive connections.
    Returns (edges as an (m, 2) int array in time order, group per user, join time in [0, 1]).
    """
    import bisect

    import numpy as np

    group = rng.permutation(n) % (n // community)
    joined = np.where(rng.random(n) < late_share, rng.uniform(0.8, 1.0, n), 0.0)
    activity = np.exp(rng.normal(0.0, 0.8, n))
    popularity = rng.pareto(1.8, n) + 1.0
    members = [np.flatnonzero(group == g) for g in range(n // community)]
    member_cum = [np.cumsum(popularity[m]).tolist() for m in members]
    global_cum = np.cumsum(popularity).tolist()
    adj: list[list[int]] = [[] for _ in range(n)]
    nbr: list[set[int]] = [set() for _ in range(n)]
    edges: list[tuple[int, int]] = []

    activity = np.where(joined > 0.0, 3.0 * activity, activity)  # a new user's burst of adding friends
    draws = 8 * n_edges
    users = rng.choice(n, size=draws, p=activity / activity.sum()).tolist()
    kind, r1, r2 = rng.random(draws).tolist(), rng.random(draws).tolist(), rng.random(draws).tolist()
    join, groups = joined.tolist(), group.tolist()
    for i in range(draws):
        if len(edges) >= n_edges:
            break
        now = len(edges) / n_edges
        u = users[i]
        if join[u] > now:
            continue
        k = kind[i]
        if k < closure:
            if not adj[u]:
                continue
            w = adj[u][int(r1[i] * len(adj[u]))]
            v = adj[w][int(r2[i] * len(adj[w]))]
        elif k < closure + local:
            g = groups[u]
            cum = member_cum[g]
            v = int(members[g][min(bisect.bisect(cum, r1[i] * cum[-1]), len(cum) - 1)])
        else:
            v = min(bisect.bisect(global_cum, r1[i] * global_cum[-1]), n - 1)
        if v == u or v in nbr[u] or join[v] > now:
            continue
        adj[u].append(v)
        adj[v].append(u)
        nbr[u].add(v)
        nbr[v].add(u)
        edges.append((u, v))
    return np.array(edges, dtype=np.int64), group, joined


def _adjacency(edges, n: int):
    """Symmetric 0/1 CSR adjacency of an edge list."""
    import numpy as np
    from scipy import sparse

    if len(edges) == 0:
        return sparse.csr_matrix((n, n))
    u, v = edges[:, 0], edges[:, 1]
    data = np.ones(2 * len(edges))
    a = sparse.csr_matrix((data, (np.r_[u, v], np.r_[v, u])), shape=(n, n))
    a.data[:] = 1.0
    return a


def _pair_features(a, pairs, group):
    """Features of candidate pairs from adjacency `a`: common neighbours, Adamic-Adar, degrees, same community."""
    import numpy as np
    from scipy import sparse

    deg = np.asarray(a.sum(axis=1)).ravel()
    inv_log = np.where(deg > 1, 1.0 / np.log(np.maximum(deg, 2.0)), 0.0)
    au, av = a[pairs[:, 0]], a[pairs[:, 1]]
    cn = np.asarray(au.multiply(av).sum(axis=1)).ravel()
    aa = np.asarray(au.multiply(av @ sparse.diags(inv_log)).sum(axis=1)).ravel()
    du, dv = deg[pairs[:, 0]], deg[pairs[:, 1]]
    same = (group[pairs[:, 0]] == group[pairs[:, 1]]).astype(float)
    x = np.column_stack([np.log1p(cn), aa, np.log1p(np.minimum(du, dv)), np.log1p(np.maximum(du, dv)), same])
    return x, cn, aa


def _random_pairs(rng, n: int, size: int, taken: set):
    """`size` random user pairs that are not in `taken` (a set of (min, max) tuples)."""
    import numpy as np

    out = []
    while len(out) < size:
        u, v = rng.integers(0, n, 2 * size), rng.integers(0, n, 2 * size)
        for a_, b_ in zip(u.tolist(), v.tolist()):
            if a_ != b_ and (min(a_, b_), max(a_, b_)) not in taken:
                out.append((a_, b_))
                if len(out) == size:
                    break
    return np.array(out, dtype=np.int64)


def _fof_pairs(rng, a, size: int, taken: set):
    """`size` friend-of-friend pairs in `a` that are not in `taken`: the ranker's real candidates."""
    import numpy as np

    indptr, indices = a.indptr, a.indices
    deg = np.diff(indptr)
    has = np.flatnonzero(deg > 0)
    out = []
    while len(out) < size:
        u = rng.choice(has, 2 * size)
        w = indices[indptr[u] + (rng.random(2 * size) * deg[u]).astype(np.int64)]
        v = indices[indptr[w] + (rng.random(2 * size) * deg[w]).astype(np.int64)]
        for a_, b_ in zip(u.tolist(), v.tolist()):
            if a_ != b_ and (min(a_, b_), max(a_, b_)) not in taken:
                out.append((a_, b_))
                if len(out) == size:
                    break
    return np.array(out, dtype=np.int64)


def _edge_set(edges) -> set:
    return {(min(u, v), max(u, v)) for u, v in edges.tolist()}


class _Logistic:
    """L2-regularised logistic regression on standardised features, fitted by Newton's method.

    Five features and a few thousand rows: numpy alone does it in milliseconds, which keeps
    the lab clear of scikit-learn's import time (over a second on a cold start).
    """

    def __init__(self, x, y, l2: float = 1.0, steps: int = 25):
        import numpy as np

        self.mean, self.scale = x.mean(axis=0), x.std(axis=0) + 1e-9
        z = np.column_stack([np.ones(len(x)), (x - self.mean) / self.scale])
        w = np.zeros(z.shape[1])
        penalty = l2 * np.eye(z.shape[1])
        penalty[0, 0] = 0.0  # no penalty on the intercept
        for _ in range(steps):
            p = _sigmoid(z @ w)
            grad = z.T @ (p - y) + penalty @ w
            hess = (z * (p * (1 - p))[:, None]).T @ z + penalty
            w -= np.linalg.solve(hess, grad)
        self.w = w

    def predict_proba(self, x):
        import numpy as np

        p = _sigmoid(np.column_stack([np.ones(len(x)), (x - self.mean) / self.scale]) @ self.w)
        return np.column_stack([1 - p, p])


def _fit_lr(x, y):
    return _Logistic(x, y)


# --------------------------------------------------------------------------- data


@lab(
    id="pymk-time-split",
    case=CASE,
    step="data",
    title="A random edge split leaks the future through common neighbours",
    summary="Hold out random edges and compute features on the rest, and the graph already holds the "
            "friendships that the held-out edge caused; the AUC it reports is higher than the same model "
            "scores on next period's new connections. Split by time, and score friend-of-friend negatives.",
)
def time_split(seed: int) -> LabOutput:
    """Random edge split vs time split for link prediction (Liben-Nowell and Kleinberg 2007).

    The graph grows to 27,000 edges; the evaluation window is edges 80%-90% of the timeline.
    Time split: features (common neighbours, Adamic-Adar, both degrees, same community) come
    from the graph at the 80% cut; positives are the connections made in the window; a
    logistic model trained the same way one window earlier (features at 70%, positives
    70%-80%). Random edge split: the same number of edges, drawn at random from everything up
    to 90%, is held out and the features come from the rest, which holds edges formed after
    each held-out one; half the held-out edges train the model, half test it. Negatives are
    of two kinds: random pairs of users (easy), and friends of friends who did not connect
    (the candidates the ranker actually sees). The third row, "random-split model", takes the
    model the random split trained and scores it on the time split's test set, which is what a
    launch would see.
    """
    import numpy as np

    from mlsd.labs.metrics import roc_auc

    rng = np.random.default_rng(seed)
    edges, group, _ = _growing_graph(rng)
    n, m = len(group), len(edges)
    c7, c8, c9 = int(0.7 * m), int(0.8 * m), int(0.9 * m)
    upto9 = _edge_set(edges[:c9])

    def dataset(graph_edges, positives, taken):
        a = _adjacency(graph_edges, n)
        k = len(positives)
        rand_neg = _random_pairs(rng, n, k, taken)
        fof_neg = _fof_pairs(rng, a, k, taken)
        xs = {name: _pair_features(a, p, group)[0] for name, p in
              (("pos", positives), ("rand", rand_neg), ("fof", fof_neg))}
        return xs

    def auc(model, xs, neg):
        x = np.vstack([xs["pos"], xs[neg]])
        y = np.r_[np.ones(len(xs["pos"])), np.zeros(len(xs[neg]))]
        return roc_auc(y, model.predict_proba(x)[:, 1])

    def train(xs):
        x = np.vstack([xs["pos"], xs["rand"], xs["fof"]])
        y = np.r_[np.ones(len(xs["pos"])), np.zeros(len(xs["rand"]) + len(xs["fof"]))]
        return _fit_lr(x, y)

    # Time split: train one window earlier, test on the window after the cut.
    train_t = dataset(edges[:c7], edges[c7:c8], _edge_set(edges[:c8]))
    test_t = dataset(edges[:c8], edges[c8:c9], upto9)
    model_t = train(train_t)

    # Random edge split: hold out random edges of everything up to 90%, features from the rest.
    held = rng.permutation(c9)[: 2 * (c9 - c8)]
    keep = np.ones(c9, dtype=bool)
    keep[held] = False
    xs_r = dataset(edges[:c9][keep], edges[held], upto9)
    half = len(held) // 2
    train_r = {k: v[:half] for k, v in xs_r.items()}
    test_r = {k: v[half:] for k, v in xs_r.items()}
    model_r = train(train_r)

    cn_mean = {"random": float(np.expm1(test_r["pos"][:, 0]).mean()), "time": float(np.expm1(test_t["pos"][:, 0]).mean())}
    rows = [
        ("random edge split", "random", model_r, test_r),
        ("time split", "time", model_t, test_t),
        ("random-split model", "deployed", model_r, test_t),
    ]
    metrics, table = {}, []
    for name, key, model, xs in rows:
        a_rand, a_fof = auc(model, xs, "rand"), auc(model, xs, "fof")
        metrics[f"auc_random_neg_{key}"] = a_rand
        metrics[f"auc_fof_neg_{key}"] = a_fof
        table.append({"evaluation": name, "AUC vs random pairs": round(a_rand, 3),
                      "AUC vs friends of friends": round(a_fof, 3)})
    metrics["cn_positive_random"] = cn_mean["random"]
    metrics["cn_positive_time"] = cn_mean["time"]
    for row, key in zip(table, ("random", "time", "time")):
        row["mutual connections of positives"] = round(cn_mean[key], 2)
    metrics = {k: float(v) for k, v in metrics.items()}
    mt = metrics
    takeaway = (
        f"Against friends of friends, the random edge split reports AUC {mt['auc_fof_neg_random']:.3f}; "
        f"the time split {mt['auc_fof_neg_time']:.3f}, and the random-split model scores "
        f"{mt['auc_fof_neg_deployed']:.3f} on next period's connections. Held-out edges look easy because the "
        f"graph already holds what they caused: a held-out pair shares {mt['cn_positive_random']:.2f} mutual "
        f"connections on average, a pair that connects next period {mt['cn_positive_time']:.2f}. Random pairs as negatives flatter "
        f"every split (AUC {mt['auc_random_neg_time']:.3f} on the time split): score against the ranker's real "
        "candidates, friends of friends, with features as of the cut."
    )
    plot = PlotSpec(
        kind="bar", title="Link prediction AUC by split, against two kinds of negatives", x_label="evaluation",
        y_label="AUC",
        series=[Series("friends of friends", [r["evaluation"] for r in table],
                       [r["AUC vs friends of friends"] for r in table]),
                Series("random pairs", [r["evaluation"] for r in table],
                       [r["AUC vs random pairs"] for r in table])],
    )
    return LabOutput(metrics=metrics, table=table, takeaway=takeaway, plot=plot)


# --------------------------------------------------------------------------- model


@lab(
    id="pymk-candidate-recall",
    case=CASE,
    step="model",
    title="Friends of friends: candidate recall against how many candidates you keep",
    summary="Ranked by Adamic-Adar, a few hundred friends of friends hold most of next period's new "
            "connections that lie within two hops, above plain common-neighbour counts at small budgets; "
            "random walks reach past two hops, and new users need a school or work source.",
)
def candidate_recall(seed: int) -> LabOutput:
    """Recall@K of candidate sources for the connections users make after the cut.

    The graph at the 80% cut gives each user's candidates; the relevant set is the connections
    the user makes in the rest of the timeline (accepted ones: the toy has no rejected requests).
    Sources: friends of friends ranked by common neighbours (CN), by Adamic-Adar (AA: each mutual
    friend weighted 1/log(their degree), so a shared hub counts less; Adamic and Adar 2003), by a
    random walk with restart (personalised PageRank, restart 0.3, 12 steps, which also reaches
    three hops), and, for users with no friends at the cut, members of their own community (the
    school or workplace they entered at sign-up) ranked by popularity. Recall is averaged over up
    to 600 established users who connect after the cut, and over every new user who does.
    """
    import numpy as np
    from scipy import sparse

    rng = np.random.default_rng(seed)
    edges, group, joined = _growing_graph(rng)
    n, m = len(group), len(edges)
    cut = int(0.8 * m)
    a = _adjacency(edges[:cut], n)
    deg = np.asarray(a.sum(axis=1)).ravel()
    future: dict[int, set[int]] = {}
    for u, v in edges[cut:].tolist():
        future.setdefault(u, set()).add(v)
        future.setdefault(v, set()).add(u)
    active = np.array(sorted(future), dtype=np.int64)
    established = active[deg[active] > 0]
    established = rng.permutation(established)[:600]
    newcomers = active[deg[active] == 0]

    au = a[established]
    cn = (au @ a).toarray()
    inv_log = np.where(deg > 1, 1.0 / np.log(np.maximum(deg, 2.0)), 0.0)
    aa = (au @ sparse.diags(inv_log) @ a).toarray()
    # Random walk with restart from each user: r <- 0.3 e_u + 0.7 r P, with P row-normalised.
    p = sparse.diags(1.0 / np.maximum(deg, 1.0)) @ a
    start = np.zeros((len(established), n))
    start[np.arange(len(established)), established] = 1.0
    walk = start.copy()
    pt = p.T.tocsr()
    for _ in range(12):
        walk = 0.3 * start + 0.7 * (pt @ walk.T).T
    friends = au.toarray() > 0
    own = np.zeros_like(friends)
    own[np.arange(len(established)), established] = True
    excluded = friends | own
    fof = (cn > 0) & ~excluded
    rel = np.zeros((len(established), n), dtype=bool)
    for i, u in enumerate(established.tolist()):
        rel[i, list(future[u])] = True
    n_rel = rel.sum(axis=1)

    jitter = 1e-9 * rng.random(cn.shape)  # random order among ties

    def recall_curve(score, pool, ks):
        """Recall at each k of `ks`: one partial sort to the largest k, then cumulative hits."""
        kmax = max(ks)
        s = np.where(pool, score + jitter, -np.inf)
        top = np.argpartition(-s, kmax - 1, axis=1)[:, :kmax]
        order = np.argsort(-np.take_along_axis(s, top, axis=1), axis=1)
        top = np.take_along_axis(top, order, axis=1)
        hits = np.cumsum(np.take_along_axis(rel & pool, top, axis=1), axis=1)
        return {k: float(np.mean(hits[:, k - 1] / n_rel)) for k in ks}

    two_hop = float(np.mean((rel & fof).sum(axis=1) / n_rel))
    three = ((sparse.csr_matrix(cn > 0, dtype=float) @ a).toarray() > 0) | (cn > 0)
    three_hop = float(np.mean((rel & three & ~excluded).sum(axis=1) / n_rel))
    # School or work: the most-connected members of the user's own community who are not friends yet.
    same = group[established][:, None] == group[None, :]
    school = np.where(same & ~excluded, deg[None, :], -1.0)
    ks = (10, 50, 200, 500)
    metrics = {"fof_pool_mean": float(fof.sum(axis=1).mean()), "two_hop_ceiling_pct": 100 * two_hop,
               "three_hop_ceiling_pct": 100 * three_hop}
    table = []
    sources = (("common neighbours", "cn", cn, fof), ("Adamic-Adar", "aa", aa, fof),
               ("random walk", "walk", walk, ~excluded), ("school/work", "school", school, same & ~excluded))
    curves = {key: recall_curve(score, pool, ks) for _, key, score, pool in sources}
    for k in ks:
        row = {"candidates kept": k}
        for name, key, _, _ in sources:
            r = 100 * curves[key][k]
            metrics[f"recall_{key}_{k}_pct"] = r
            row[name] = _pct(r)
        table.append(row)
    table.append({"candidates kept": f"every friend of a friend ({metrics['fof_pool_mean']:,.0f})",
                  "common neighbours": _pct(100 * two_hop), "Adamic-Adar": _pct(100 * two_hop),
                  "random walk": None, "school/work": None})
    table.append({"candidates kept": "every user within three hops", "common neighbours": None,
                  "Adamic-Adar": None, "random walk": _pct(100 * three_hop), "school/work": None})
    # New users: no friends at the cut, so no friends of friends and nowhere to walk; their community is a source.
    fracs = []
    for u in newcomers.tolist():
        members = np.flatnonzero((group == group[u]) & (np.arange(n) != u))
        top = members[np.argsort(-deg[members], kind="stable")[:50]]
        fracs.append(len(future[u] & set(top.tolist())) / len(future[u]))
    metrics["newcomers"] = float(len(newcomers))
    metrics["newcomer_school_recall_50_pct"] = 100 * float(np.mean(fracs)) if fracs else 0.0
    table.append({"candidates kept": f"new users ({len(newcomers)}), 50 kept", "common neighbours": _pct(0.0),
                  "Adamic-Adar": _pct(0.0), "random walk": _pct(0.0),
                  "school/work": _pct(metrics["newcomer_school_recall_50_pct"])})
    metrics = {k: float(v) for k, v in metrics.items()}
    mt = metrics
    takeaway = (
        f"Only {mt['two_hop_ceiling_pct']:.1f}% of the connections users make next are friends of friends at the "
        f"cut (a pool of {mt['fof_pool_mean']:,.0f} each), {mt['three_hop_ceiling_pct']:.1f}% within three hops. "
        f"Keeping 50, Adamic-Adar recalls {mt['recall_aa_50_pct']:.1f}% against {mt['recall_cn_50_pct']:.1f}% for "
        f"common-neighbour counts: a shared hub is weak evidence. A random walk recalls {mt['recall_walk_50_pct']:.1f}% "
        f"at 50, and at 500 reaches {mt['recall_walk_500_pct']:.1f}%, past the two-hop ceiling. The "
        f"{mt['newcomers']:.0f} new users have no friends of friends: 50 well-connected members of their school or "
        f"workplace recall {mt['newcomer_school_recall_50_pct']:.1f}% of the friends they go on to make (the "
        "school/work column stops growing because the toy's communities have 50 members). Use several sources, "
        "and measure recall per source and per user segment."
    )
    plot = PlotSpec(
        kind="line", title="Candidate recall of next period's connections", x_label="candidates kept per user",
        y_label="recall (%)",
        series=[Series(name, list(ks), [round(mt[f"recall_{key}_{k}_pct"], 1) for k in ks])
                for name, key, _, _ in sources],
    )
    return LabOutput(metrics=metrics, table=table, takeaway=takeaway, plot=plot)


# --------------------------------------------------------------------------- framing


@lab(
    id="pymk-label-choice",
    case=CASE,
    step="framing",
    title="Rank by requests sent, and you send more requests that nobody accepts",
    summary="People send requests to popular profiles that rarely accept; a ranker trained on 'request "
            "sent' wins on requests and loses on accepted connections, piles ignored requests on the most "
            "popular members, while P(send) x P(accept | send) makes the most connections.",
)
def label_choice(seed: int) -> LabOutput:
    """Which label the ranker learns decides what the product grows.

    50,000 viewers each get 40 candidates from candidate generation and see the top 5. Each
    candidate is a member of a pool of 50,000 with a popularity (how sought-after the profile
    is); each viewer-candidate pair has an affinity (mutual friends, shared school or work). The
    chance that the viewer sends a request rises with affinity and popularity (about 1.2% per
    suggestion shown by today's send-ranker, the case's rate); the chance that the candidate
    accepts rises with affinity and falls with popularity (about 45% of today's requests, the
    case's rate): popular members get many requests from strangers. Rankers use the true chances (this lab is about
    the label, not about estimating it), and outcomes are drawn once per shown suggestion.
    "Ignored" are requests not accepted; the last column is the share of all requests that land
    on the 1% most popular members.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    viewers, per_viewer, shown, pool = 50_000, 40, 5, 50_000
    popularity = rng.normal(0.0, 1.0, pool)
    cand = rng.integers(0, pool, (viewers, per_viewer))
    pop = popularity[cand]
    affinity = rng.normal(0.0, 1.0, (viewers, per_viewer))
    p_send = _sigmoid(_logit(0.012) + 0.8 * affinity + 0.9 * pop - 2.1)
    p_accept = _sigmoid(_logit(0.45) + 1.0 * affinity - 1.1 * pop + 0.3)
    top_members = popularity >= np.quantile(popularity, 0.99)
    u_send, u_accept = rng.random(p_send.shape), rng.random(p_send.shape)

    rankers = (
        ("P(send), today's label", "send", p_send),
        ("P(accept | send)", "accept", p_accept),
        ("P(send) x P(accept | send)", "both", p_send * p_accept),
        ("random candidates", "random", rng.random(p_send.shape)),
    )
    metrics, table = {}, []
    for name, key, score in rankers:
        top = np.argsort(-score, axis=1)[:, :shown]
        ps = np.take_along_axis(p_send, top, axis=1)
        pa = np.take_along_axis(p_accept, top, axis=1)
        sent = np.take_along_axis(u_send, top, axis=1) < ps
        accepted = sent & (np.take_along_axis(u_accept, top, axis=1) < pa)
        to_top = sent & top_members[np.take_along_axis(cand, top, axis=1)]
        per_k = 1000.0 / (viewers * shown)  # per 1,000 suggestions shown
        m = {
            "sent": sent.sum() * per_k,
            "accepted": accepted.sum() * per_k,
            "accept_rate_pct": 100 * accepted.sum() / max(sent.sum(), 1),
            "ignored": (sent & ~accepted).sum() * per_k,
            "to_top1_pct": 100 * to_top.sum() / max(sent.sum(), 1),
        }
        metrics.update({f"{k}_{key}": float(v) for k, v in m.items()})
        table.append({"ranked by": name, "requests": round(m["sent"], 2), "accepted": round(m["accepted"], 2),
                      "accept rate": _pct(m["accept_rate_pct"]), "ignored": round(m["ignored"], 2),
                      "to top 1%": _pct(m["to_top1_pct"])})
    mt = metrics
    takeaway = (
        f"Per 1,000 suggestions, ranking by today's label sends {mt['sent_send']:.2f} requests, the most, but only "
        f"{mt['accept_rate_pct_send']:.1f}% are accepted: {mt['accepted_send']:.2f} connections and "
        f"{mt['ignored_send']:.2f} ignored requests, and {mt['to_top1_pct_send']:.1f}% of its requests go to the 1% "
        f"most popular members. P(send) x P(accept | send) makes {mt['accepted_both']:.2f} connections from "
        f"{mt['sent_both']:.2f} requests ({mt['accept_rate_pct_both']:.1f}% accepted, "
        f"{mt['to_top1_pct_both']:.1f}% to the top 1%); P(accept) alone is accepted "
        f"most often ({mt['accept_rate_pct_accept']:.1f}%) but sends so few that it connects only "
        f"{mt['accepted_accept']:.2f}. Learn both events, and count ignored requests as a cost to the recipient."
    )
    plot = PlotSpec(
        kind="bar", title="Requests and accepted connections per 1,000 suggestions", x_label="ranked by",
        y_label="per 1,000 suggestions",
        series=[Series("requests", [r["ranked by"] for r in table], [r["requests"] for r in table]),
                Series("accepted", [r["ranked by"] for r in table], [r["accepted"] for r in table])],
    )
    return LabOutput(metrics=metrics, table=table, takeaway=takeaway, plot=plot)


# --------------------------------------------------------------------------- serving


@lab(
    id="pymk-refresh",
    case=CASE,
    step="serving",
    title="A nightly list is fine for settled members and stale for new ones",
    summary="Lists refreshed weekly, nightly, or nearline after every new connection: for established "
            "members nightly is nearly as good as nearline, but a new member's first connections open a "
            "whole new set of friends of friends that a list computed last night cannot contain.",
)
def refresh(seed: int) -> LabOutput:
    """How fresh the candidate list must be: weekly, nightly, or updated on each new connection.

    The toy timeline (27,000 connections) is cut into 40 "days". Each connection made in the last
    fifth of the timeline is looked at from both ends: was the new friend in the member's top 50
    friend-of-friend candidates (Adamic-Adar) computed from the graph as of the last refresh? A
    weekly list is computed at the start of the member's week, a nightly list at the start of the
    day, a nearline list from the graph just before the connection (every earlier connection
    applied). New members are those who joined less than four days earlier; most of their
    connections come in a burst, and each one brings the new friend's friends within two hops.
    """
    import bisect
    import math

    import numpy as np

    rng = np.random.default_rng(seed)
    edges, group, joined = _growing_graph(rng)
    n, m = len(group), len(edges)
    days, keep = 40, 50
    day = m / days
    timed: list[list[tuple[int, int]]] = [[] for _ in range(n)]  # (time, neighbour), in time order
    for t, (u, v) in enumerate(edges.tolist()):
        timed[u].append((t, v))
        timed[v].append((t, u))

    def candidates(u: int, t: int) -> set[int]:
        """The top `keep` friends of friends of u by Adamic-Adar on the graph before time t."""
        friends = [x for s, x in timed[u][: bisect.bisect_left(timed[u], (t, -1))]]
        known = set(friends)
        score: dict[int, float] = {}
        for w in friends:
            d = bisect.bisect_left(timed[w], (t, -1))
            if d < 2:
                continue
            weight = 1.0 / math.log(d)
            for _, x in timed[w][:d]:
                if x != u and x not in known:
                    score[x] = score.get(x, 0.0) + weight
        return set(sorted(score, key=lambda x: (-score[x], x))[:keep])

    start = int(0.8 * m)
    events = [(t, a, b) for t in range(start, m) for a, b in (tuple(edges[t]), tuple(edges[t])[::-1])]
    is_new = [joined[a] > 0 and (t / m - joined[a]) * days < 4 for t, a, _ in events]
    new_idx = [i for i, flag in enumerate(is_new) if flag]
    all_idx = rng.choice(len(events), 600, replace=False).tolist()
    new_idx = rng.permutation(new_idx)[:400].tolist()
    policies = (("weekly", 7 * day), ("nightly", day), ("nearline", None))
    cache: dict[tuple[int, int], set[int]] = {}
    metrics: dict[str, float] = {"new_events": float(len(new_idx))}
    for group_name, idx in (("all", all_idx), ("new", new_idx)):
        for name, period in policies:
            hits = 0
            for i in idx:
                t, a, b = events[i]
                snap = t if period is None else int((t // period) * period)
                key = (a, snap)
                if key not in cache:
                    cache[key] = candidates(a, snap)
                hits += b in cache[key]
            metrics[f"recall_{name}_{group_name}_pct"] = 100.0 * hits / max(len(idx), 1)
    mt = metrics
    table = [{"list refreshed": name, "all members": _pct(mt[f"recall_{name}_all_pct"]),
              "new members": _pct(mt[f"recall_{name}_new_pct"])} for name, _ in policies]
    takeaway = (
        f"For members in general, a nightly list holds {mt['recall_nightly_all_pct']:.1f}% of the friends they "
        f"connect with that day, nearline {mt['recall_nearline_all_pct']:.1f}%, weekly "
        f"{mt['recall_weekly_all_pct']:.1f}%. For new members it is {mt['recall_weekly_new_pct']:.1f}% weekly, "
        f"{mt['recall_nightly_new_pct']:.1f}% nightly and {mt['recall_nearline_new_pct']:.1f}% nearline: each of "
        "their first connections brings a new set of friends of friends. Precompute nightly for the many, and "
        "update on events (and on demand at sign-up) for the members whose graph is changing."
    )
    plot = PlotSpec(
        kind="bar", title="Share of the day's new connections already in the member's list",
        x_label="list refreshed", y_label="in the top 50 (%)",
        series=[Series("all members", [r["list refreshed"] for r in table],
                       [round(mt[f"recall_{name}_all_pct"], 1) for name, _ in policies]),
                Series("new members", [r["list refreshed"] for r in table],
                       [round(mt[f"recall_{name}_new_pct"], 1) for name, _ in policies])],
    )
    return LabOutput(metrics={k: float(v) for k, v in metrics.items()}, table=table, takeaway=takeaway, plot=plot)


# --------------------------------------------------------------------------- evaluation


@lab(
    id="pymk-network-ab",
    case=CASE,
    step="evaluation",
    title="A connection has two ends: member-randomised tests halve the lift in accepted connections",
    summary="Treated members send more requests, and many land on control members, who accept and gain "
            "connections too; the member-randomised test reads about half of what a launch would bring. "
            "Randomising graph clusters recovers most of it, at the cost of a wider interval.",
)
def network_ab(seed: int) -> LabOutput:
    """Interference in PYMK experiments (Gui, Xu, Bhasin and Han 2015; Ugander et al. 2013).

    100,000 users in 1,000 graph clusters of 100 (the case's platform clusters hold about 10,000
    members). A better PYMK makes a treated user send 15% more requests; 80% of requests go to
    someone in the sender's own cluster, as in the case, and the rest anywhere; 45% are accepted (the case's rate), and an
    accepted request is a new connection for both ends. Users differ in how many requests they
    send (gamma, 4 per test period on average) and clusters in how active they are (lognormal).
    The metric is new connections per user in each arm, each arm's test period divided by its
    own pre-period (no one treated); "truth" is everyone treated against no one, which by
    construction is the 15% lift itself. "Requests sent" is counted only for the sender,
    so it has no interference. "CI" is the half-width of the 95% interval, from users in the
    user-randomised test and from cluster totals in the cluster-randomised one.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    n, size, inside, lift, accept = 100_000, 100, 0.80, 0.15, 0.45
    n_clusters = n // size
    cluster = np.arange(n) // size
    rate = rng.gamma(2.0, 2.0, n) * np.exp(rng.normal(0.0, 0.3, n_clusters))[cluster]

    def run(treated):
        sent = rng.poisson(rate * (1.0 + lift * treated))
        sender = np.repeat(np.arange(n), sent)
        local = rng.random(len(sender)) < inside
        same = cluster[sender] * size + rng.integers(0, size, len(sender))
        anywhere = rng.integers(0, n, len(sender))
        recipient = np.where(local, same, anywhere)
        ok = (rng.random(len(sender)) < accept) & (recipient != sender)
        conn = np.bincount(sender[ok], minlength=n) + np.bincount(recipient[ok], minlength=n)
        return sent.astype(float), conn.astype(float)

    def estimate(before, after, treated, unit):
        """Relative change (%) of after/before totals between arms, and its 95% half-width over `unit`s.

        Dividing by each arm's pre-period total (a simple form of variance reduction with
        pre-experiment data) removes most of the spread between active and quiet clusters.
        """
        b, a = np.bincount(unit, weights=before), np.bincount(unit, weights=after)
        arm = np.bincount(unit, weights=treated.astype(float)) > 0
        ratios, variances = [], []
        for side in (arm, ~arm):
            r = a[side].sum() / b[side].sum()
            ratios.append(r)
            variances.append((a[side] - r * b[side]).var() * side.sum() / b[side].sum() ** 2)
        change = ratios[0] / ratios[1] - 1.0
        se = np.sqrt(variances[0] / ratios[1] ** 2 + variances[1] * ratios[0] ** 2 / ratios[1] ** 4)
        return 100 * change, 100 * 1.96 * se

    truth = 100 * lift  # every request scales by 1 + lift, so do connections at both ends
    by_user = rng.random(n) < 0.5
    by_cluster = (rng.random(n_clusters) < 0.5)[cluster]
    metrics = {"truth_pct": truth}
    table = [{"randomised": "everyone (truth)", "requests change": _pct(truth, 1, True), "requests CI": None,
              "connections change": _pct(truth, 1, True), "connections CI": None}]
    for name, key, treated, unit in (("by member", "user", by_user, np.arange(n)),
                                     ("by cluster", "cluster", by_cluster, cluster)):
        sent0, conn0 = run(np.zeros(n))
        sent, conn = run(treated.astype(float))
        s_change, s_ci = estimate(sent0, sent, treated, unit)
        c_change, c_ci = estimate(conn0, conn, treated, unit)
        metrics.update({f"sent_{key}_pct": s_change, f"ci_sent_{key}_pct": s_ci,
                        f"conn_{key}_pct": c_change, f"ci_conn_{key}_pct": c_ci})
        table.append({"randomised": name, "requests change": _pct(s_change, 1, True), "requests CI": _pct(s_ci, 1),
                      "connections change": _pct(c_change, 1, True), "connections CI": _pct(c_ci, 1)})
    metrics = {k: float(v) for k, v in metrics.items()}
    mt = metrics
    takeaway = (
        f"Launched to everyone, connections per member rise {mt['truth_pct']:+.1f}%. Randomising members reads "
        f"{mt['conn_user_pct']:+.1f}% (+/- {mt['ci_conn_user_pct']:.1f}): control members accept the treated members' "
        f"extra requests and gain connections too. Randomising clusters reads {mt['conn_cluster_pct']:+.1f}% "
        f"(+/- {mt['ci_conn_cluster_pct']:.1f}), most of the truth (a fifth of requests leave the cluster); its "
        f"interval is wider because clusters, not members, are the units. Requests sent, counted "
        f"only for the sender, read {mt['sent_user_pct']:+.1f}% by member: the bias is in the two-sided metric. "
        "Randomise graph clusters (or ego networks) for anything counted at both ends of an edge."
    )
    plot = PlotSpec(
        kind="bar", title="Change in new connections per member, by what was randomised", x_label="randomised",
        y_label="connections change (%)",
        series=[Series("connections change", [r["randomised"] for r in table],
                       [round(mt[k], 1) for k in ("truth_pct", "conn_user_pct", "conn_cluster_pct")])],
    )
    return LabOutput(metrics=metrics, table=table, takeaway=takeaway, plot=plot)
