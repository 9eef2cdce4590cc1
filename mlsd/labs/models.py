"""Model helpers shared by the labs: the logistic link and deterministic xgboost.

Every lab fit must give the same numbers for the same seed on any machine, and
run on one thread (registry.run_lab also caps BLAS/OpenMP threads: on a busy
two-core machine spinning threads made fits 10-20x slower). xgb_params is the
one place those settings live; each lab passes the model size it needs.
"""

from __future__ import annotations


def sigmoid(z):
    import numpy as np

    return 1.0 / (1.0 + np.exp(-np.clip(z, -35.0, 35.0)))  # clipped: no overflow warnings


def logit(p):
    import numpy as np

    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def xgb_params(seed: int, **params) -> dict:
    """Keyword arguments for any xgboost sklearn estimator: hist trees, one thread, seeded, quiet."""
    base = dict(tree_method="hist", n_jobs=1, random_state=seed, verbosity=0, learning_rate=0.15)
    base.update(params)
    return base
