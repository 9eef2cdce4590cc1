"""mlsd.labs.estimators stands in for the scikit-learn estimators the labs fit (importing
scikit-learn costs ~1.6 s of CPU). Each must give scikit-learn's numbers on random data,
close enough that no printed lab figure changes (the labs print up to 5 significant digits)."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest
from scipy import sparse

from mlsd.labs import estimators as ours

sk_linear = pytest.importorskip("sklearn.linear_model")
import sklearn.isotonic as sk_isotonic  # noqa: E402
import sklearn.naive_bayes as sk_nb  # noqa: E402
import sklearn.preprocessing as sk_pre  # noqa: E402

LABS = pathlib.Path(ours.__file__).parent


def _binary(seed: int, n: int = 4000, d: int = 8, rate: float = 0.5):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)) * rng.uniform(0.3, 3.0, d)
    z = x @ rng.normal(size=d) / np.sqrt(d) + np.log(rate / (1 - rate))
    return x, (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)


@pytest.mark.parametrize("seed,C,rate", [(0, 1.0, 0.5), (1, 0.5, 0.03), (2, 0.01, 0.2), (3, 100.0, 0.01)])
def test_logistic_regression_stops_where_sklearns_lbfgs_stops(seed, C, rate):
    x, y = _binary(seed, rate=rate)
    theirs = sk_linear.LogisticRegression(C=C, max_iter=500).fit(x, y)
    mine = ours.LogisticRegression(C=C, max_iter=500).fit(x, y)
    assert np.abs(mine.predict_proba(x) - theirs.predict_proba(x)).max() < 1e-12
    assert np.abs(mine.coef_ - theirs.coef_).max() < 1e-9
    assert np.array_equal(mine.predict(x), theirs.predict(x))


def test_logistic_regression_warm_start_matches_sklearn():
    # ctr-freshness retrains daily from yesterday's model: the second fit starts where the first ended
    x, y = _binary(5, rate=0.05)
    x2, y2 = _binary(6, rate=0.05)
    theirs = sk_linear.LogisticRegression(C=0.5, max_iter=500, warm_start=True).fit(x, y)
    mine = ours.LogisticRegression(C=0.5, max_iter=500, warm_start=True).fit(x, y)
    cold = ours.LogisticRegression(C=0.5, max_iter=500).fit(x2, y2)
    theirs.fit(x2, y2)
    mine.fit(x2, y2)
    assert np.abs(mine.predict_proba(x2) - theirs.predict_proba(x2)).max() < 1e-12
    assert np.abs(mine.coef_ - cold.coef_).max() > 1e-9  # it did start elsewhere than zero


def test_logistic_regression_on_sparse_one_hot_matches_sklearn():
    rng = np.random.default_rng(4)
    n, levels = 6000, 200
    ids = rng.integers(0, levels, n)
    x = sparse.hstack([sparse.csr_matrix((np.ones(n), (np.arange(n), ids)), shape=(n, levels)),
                       sparse.csr_matrix(rng.normal(size=(n, 3)))]).tocsr()
    y = (rng.random(n) < 1 / (1 + np.exp(-(rng.normal(0, 1, levels)[ids] - 2)))).astype(int)
    theirs = sk_linear.LogisticRegression(C=0.5, max_iter=1000).fit(x, y)
    mine = ours.LogisticRegression(C=0.5, max_iter=1000).fit(x, y)
    assert np.abs(mine.predict_proba(x) - theirs.predict_proba(x)).max() < 1e-12


def test_logistic_regression_takes_only_binary_labels():
    x, y = _binary(5)
    with pytest.raises(ValueError):
        ours.LogisticRegression().fit(x, np.zeros(len(y)))


def test_ridge_matches_sklearn_for_one_and_many_targets():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(400, 12)) + 3.0
    for y in (rng.normal(size=400), rng.normal(size=(400, 5))):
        for alpha in (0.1, 1.0, 30.0):
            theirs = sk_linear.Ridge(alpha=alpha).fit(x, y)
            mine = ours.Ridge(alpha=alpha).fit(x, y)
            assert np.abs(mine.predict(x) - theirs.predict(x)).max() < 1e-10


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kwargs", [dict(out_of_bounds="clip", y_min=1e-4, y_max=1 - 1e-4),
                                    dict(out_of_bounds="clip", y_min=0.0, y_max=1.0),
                                    dict(), dict(y_max=0.5)])
def test_isotonic_matches_sklearn_with_ties_float32_and_out_of_range(dtype, kwargs):
    rng = np.random.default_rng(7)
    scores = 1 / (1 + np.exp(-rng.normal(-3, 1.5, 20_000)))
    scores[:5000] = np.round(scores[:5000], 3)  # many exact ties
    x = scores.astype(dtype)
    y = (rng.random(x.size) < scores).astype(int)
    theirs = sk_isotonic.IsotonicRegression(**kwargs).fit(x[:10_000], y[:10_000])
    mine = ours.IsotonicRegression(**kwargs).fit(x[:10_000], y[:10_000])
    query = np.concatenate([x, np.array([-1.0, 2.0, 0.0, 1.0], dtype=dtype)])
    a, b = theirs.predict(query), mine.predict(query)
    assert a.dtype == b.dtype
    assert np.array_equal(np.isnan(a), np.isnan(b))
    assert np.nanmax(np.abs(a.astype(float) - b.astype(float))) <= (0 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_isotonic_matches_sklearn_on_rare_positives_and_gaps_below_resolution(dtype):
    # the fraud labs' shape (1% positives: long runs of equal labels, pooled before the loop),
    # and scores closer together than the dtype's resolution (the grouping loop, not the shortcut)
    rng = np.random.default_rng(11)
    scores = 1 / (1 + np.exp(-rng.normal(-5, 1.0, 30_000)))
    scores[:300] = 0.25 + np.arange(300) * (1e-7 if dtype == np.float32 else 1e-16)
    x = scores.astype(dtype)
    y = (rng.random(x.size) < 0.01 + scores).astype(int)
    for kwargs in (dict(out_of_bounds="clip", y_min=0.0, y_max=1.0), dict()):
        theirs = sk_isotonic.IsotonicRegression(**kwargs).fit(x, y)
        mine = ours.IsotonicRegression(**kwargs).fit(x, y)
        a, b = theirs.predict(x), mine.predict(x)
        assert a.dtype == b.dtype
        assert np.abs(a.astype(float) - b.astype(float)).max() <= (0 if dtype == np.float32 else 1e-12)


def test_pava_pooling_equal_runs_first_matches_the_point_by_point_algorithm():
    def point_by_point(y, w):
        values, weights, sizes = [], [], []
        for v, wt in zip(y.tolist(), w.tolist()):
            size = 1
            while values and values[-1] >= v:
                pw, pv = weights.pop(), values.pop()
                v, wt, size = (pv * pw + v * wt) / (pw + wt), wt + pw, size + sizes.pop()
            values.append(v)
            weights.append(wt)
            sizes.append(size)
        return np.repeat(np.array(values), sizes)

    rng = np.random.default_rng(12)
    for _ in range(20):
        n = int(rng.integers(1, 400))
        y = rng.integers(0, 3, n).astype(float)  # many equal neighbours
        w = rng.integers(1, 5, n).astype(float)
        assert np.allclose(ours._pava(y, w), point_by_point(y, w), rtol=0, atol=1e-12)


def test_multinomial_nb_matches_sklearn():
    rng = np.random.default_rng(8)
    x = sparse.random(3000, 400, density=0.03, random_state=8, format="csr")
    x.data = np.ceil(x.data * 4)
    y = rng.random(3000) < 0.1
    for alpha in (0.1, 1.0):
        theirs = sk_nb.MultinomialNB(alpha=alpha).fit(x, y)
        mine = ours.MultinomialNB(alpha=alpha).fit(x, y)
        assert np.abs(mine.predict_proba(x) - theirs.predict_proba(x)).max() < 1e-12
        assert np.array_equal(mine.predict(x), theirs.predict(x))


def test_standard_scaler_matches_sklearn_including_constant_columns():
    rng = np.random.default_rng(9)
    x = rng.normal(size=(1000, 4)) * [1.0, 50.0, 1e-3, 0.0] + [0.0, 7.0, -2.0, 3.0]
    theirs, mine = sk_pre.StandardScaler().fit(x), ours.StandardScaler().fit(x)
    assert np.abs(mine.transform(x) - theirs.transform(x)).max() < 1e-12


def test_no_lab_imports_scikit_learn():
    for path in LABS.glob("*.py"):
        for line in path.read_text().splitlines():
            code = line.split("#")[0].strip()
            assert not code.startswith(("from sklearn", "import sklearn")), f"{path.name}: {line.strip()}"
