"""Labs import only what they use: xgboost without scikit-learn, folds and metrics in numpy.
Each stand-in must give scikit-learn's / xgboost's own numbers exactly (same floats, same
indices), or the labs' outputs would change."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from mlsd.labs import metrics, splits
from mlsd.labs import xgb as shim
from mlsd.labs.models import xgb_params


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 5))
    y = (X[:, 0] + rng.normal(size=2000) > 0.5).astype(int)
    target = np.abs(3 * X[:, 1] + rng.normal(size=2000)) + 5
    qid = np.repeat(np.arange(200), 10)
    rel = rng.integers(0, 4, 2000)
    return X, y, target, qid, rel


@pytest.fixture(scope="module")
def data():
    return _data()


def _compare_with_wrappers() -> None:
    """Run where xgboost's own wrappers work (scikit-learn imported before xgboost)."""
    import sklearn  # noqa: F401
    import xgboost

    X, y, target, qid, rel = _data()
    params = xgb_params(1, n_estimators=25, max_depth=3)
    weight = 1.0 / target
    ours, theirs = shim.XGBClassifier(**params).fit(X, y, sample_weight=weight), \
        xgboost.XGBClassifier(**params).fit(X, y, sample_weight=weight)
    assert np.array_equal(ours.predict_proba(X), theirs.predict_proba(X))
    assert np.array_equal(ours.apply(X), theirs.apply(X))
    for extra in ({}, {"objective": "reg:quantileerror", "quantile_alpha": 0.9}):
        ours = shim.XGBRegressor(**params, **extra).fit(X, target, sample_weight=weight)
        theirs = xgboost.XGBRegressor(**params, **extra).fit(X, target, sample_weight=weight)
        assert np.array_equal(ours.predict(X), theirs.predict(X))
    for extra in ({}, {"lambdarank_unbiased": True}):
        ours = shim.XGBRanker(**params, **extra).fit(X, rel, qid=qid)
        theirs = xgboost.XGBRanker(**params, **extra).fit(X, rel, qid=qid)
        assert np.array_equal(ours.predict(X), theirs.predict(X))
    print("SAME")


def test_xgboost_models_match_the_sklearn_wrappers_bit_for_bit():
    # in a fresh process: once mlsd.labs.xgb has imported xgboost without its scikit-learn
    # glue (as an earlier test may have), xgboost's own wrappers refuse to work in that process
    pytest.importorskip("xgboost")
    pytest.importorskip("sklearn")
    here = os.path.dirname(os.path.abspath(__file__))
    code = f"import sys; sys.path.insert(0, {here!r}); import test_lab_speed as t; t._compare_with_wrappers()"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and out.stdout.strip().endswith("SAME"), out.stderr[-2000:]


def test_classifier_takes_only_binary_labels(data):
    X, _, _, _, rel = data
    with pytest.raises(ValueError, match="labels 0 and 1"):
        shim.XGBClassifier(**xgb_params(0, n_estimators=2)).fit(X, rel)


def test_folds_match_sklearn():
    model_selection = pytest.importorskip("sklearn.model_selection")
    rng = np.random.default_rng(3)
    for n in (11, 600):
        for seed in (0, 5):
            theirs = list(model_selection.KFold(3, shuffle=True, random_state=seed).split(np.arange(n)))
            ours = splits.kfold(n, 3, shuffle=True, seed=seed)
            assert len(ours) == len(theirs)
            assert all(np.array_equal(a, c) and np.array_equal(b, d) for (a, b), (c, d) in zip(ours, theirs))
        groups = rng.integers(0, 40, n)
        theirs = list(model_selection.GroupKFold(3).split(np.arange(n), groups=groups))
        ours = splits.group_kfold(groups, 3)
        assert all(np.array_equal(a, c) and np.array_equal(b, d) for (a, b), (c, d) in zip(ours, theirs))
    with pytest.raises(ValueError, match="n_splits=3"):
        splits.group_kfold([1, 1, 2], 3)


def test_ranking_metrics_are_sklearns_floats():
    sk = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(4)
    for n, rate in ((50, 0.3), (5000, 0.01)):
        y = (rng.random(n) < rate).astype(int)
        y[0], y[1] = 1, 0
        for score in (rng.random(n), np.round(rng.random(n), 2), rng.random(n).astype(np.float32)):
            assert metrics.average_precision(y, score) == sk.average_precision_score(y, score)
            assert metrics.roc_auc_exact(y, score) == sk.roc_auc_score(y, score)


# the last two fitted scikit-learn models before mlsd.labs.estimators stood in for them
@pytest.mark.parametrize("lab_id", ["eta-residual", "search-group-split", "fraud-drift",
                                    "moderation-evasion-drift", "fraud-accuracy-paradox"])
def test_labs_without_sklearn_models_do_not_import_it(lab_id):
    probe = ("import sys\nfrom mlsd.labs.registry import run_lab\n"
             f"run_lab({lab_id!r})\n"
             "print(','.join(m for m in ('sklearn', 'scipy.stats', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300,
                         env=dict(os.environ))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


def test_a_fresh_lab_process_runs_blas_on_one_thread():
    # numpy and scipy load inside the lab, after threadpoolctl's limit was set: the
    # thread-count variables must hold them to one thread too (recs-feedback-loop spun
    # 20 s of CPU on two cores instead of 1.3 s before they did)
    probe = ("import json\nfrom mlsd.labs.registry import run_lab\nrun_lab('recs-diversity')\n"
             "from threadpoolctl import threadpool_info\n"
             "print(json.dumps([i['num_threads'] for i in threadpool_info() if i['user_api'] == 'blas']))")
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, env=env)
    assert out.returncode == 0, out.stderr
    import json

    threads = json.loads(out.stdout.strip().splitlines()[-1])
    assert threads and all(n == 1 for n in threads)
