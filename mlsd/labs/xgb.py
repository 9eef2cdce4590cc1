"""xgboost models with the scikit-learn-style calls the labs use, without importing scikit-learn.

`import xgboost` imports scikit-learn's base classes for its wrappers (XGBClassifier
and friends) when scikit-learn is installed, and scikit-learn imports scipy.stats
and pandas: about 1 s of CPU before a lab has fitted anything, three times the
cost of xgboost itself. The classes here make the same calls the wrappers make
(xgboost 2.x/3.x: `get_xgb_params()` minus the wrapper's own, a DMatrix (the
wrappers' QuantileDMatrix gives the same cuts), `xgboost.train`, `inplace_predict` for predictions, `pred_leaf` for
`apply`), so a lab gets the same numbers, bit for bit, as with XGBClassifier.

Only what the labs call is here: fit(X, y, sample_weight=, qid=), predict,
predict_proba (binary), apply, get_booster. A lab that also needs scikit-learn
pays for it anyway; xgboost is then imported the ordinary way.
"""

from __future__ import annotations

import sys
from typing import Any

_WRAPPER_ONLY = {"n_estimators", "missing", "enable_categorical", "early_stopping_rounds", "callbacks",
                 "feature_types", "feature_weights", "importance_type", "eval_metric"}


def xgboost():
    """The xgboost module; imported without its scikit-learn glue unless scikit-learn is loaded already.

    (Without the glue, xgboost's own XGBClassifier refuses to be built in this process,
    so every lab uses the classes below.)
    """
    module = sys.modules.get("xgboost")
    if module is not None:
        return module
    if "sklearn" in sys.modules:
        import xgboost as module

        return module
    sys.modules["sklearn"] = None  # type: ignore[assignment]  # `import sklearn` raises ImportError
    try:
        import xgboost as module
    finally:
        if "sklearn" in sys.modules and sys.modules["sklearn"] is None:
            del sys.modules["sklearn"]
    return module


class _Model:
    _objective = "reg:squarederror"

    def __init__(self, **params: Any):
        self.params = dict(params)
        self.n_estimators = params.get("n_estimators", 100)
        self._booster = None

    def _train_params(self) -> dict[str, Any]:
        params = {"objective": self._objective}
        params.update({k: v for k, v in self.params.items() if k not in _WRAPPER_ONLY and v is not None})
        if self.params.get("eval_metric") is not None:
            params["eval_metric"] = self.params["eval_metric"]
        return params

    def _matrix(self, X, y, **meta):
        # The wrappers build a QuantileDMatrix for `hist`; a plain DMatrix gives the same
        # quantile cuts, hence the same trees (tests/test_lab_speed.py checks bit for bit),
        # and on one thread costs ~0.03 s less per fit than sketching into a QuantileDMatrix.
        xgb = xgboost()
        return xgb.DMatrix(data=X, label=y, missing=float("nan"), enable_categorical=False, feature_types=None,
                           nthread=self.params.get("n_jobs"), **meta)

    def _fit(self, X, y, params: dict[str, Any], **meta):
        xgb = xgboost()
        with xgb.config_context(verbosity=self.params.get("verbosity")):
            dtrain = self._matrix(X, y, **meta)
            self._booster = xgb.train(params, dtrain, self.n_estimators, evals=[], early_stopping_rounds=None,
                                      evals_result={}, obj=None, custom_metric=None, verbose_eval=True,
                                      xgb_model=None, callbacks=None)
        return self

    def fit(self, X, y, *, sample_weight=None):
        return self._fit(X, y, self._train_params(), weight=sample_weight)

    def get_booster(self):
        return self._booster

    def predict(self, X):
        xgb = xgboost()
        with xgb.config_context(verbosity=self.params.get("verbosity")):
            return self._booster.inplace_predict(data=X, iteration_range=(0, 0), predict_type="value",
                                                 missing=float("nan"), base_margin=None, validate_features=True)

    def apply(self, X):
        xgb = xgboost()
        with xgb.config_context(verbosity=self.params.get("verbosity")):
            matrix = xgb.DMatrix(X, missing=float("nan"), feature_types=None, nthread=self.params.get("n_jobs"),
                                 enable_categorical=False)
            return self._booster.predict(matrix, pred_leaf=True, iteration_range=(0, 0))


class XGBRegressor(_Model):
    _objective = "reg:squarederror"


class XGBClassifier(_Model):
    """Binary classification only (every lab's case)."""

    _objective = "binary:logistic"

    def fit(self, X, y, *, sample_weight=None):
        import numpy as np

        classes = np.unique(np.asarray(y))
        if classes.shape != (2,) or not (classes == np.arange(2)).all():
            raise ValueError(f"XGBClassifier here takes labels 0 and 1, got {classes}")
        self.classes_ = classes
        return self._fit(X, y, self._train_params(), weight=sample_weight)

    def predict_proba(self, X):
        import numpy as np

        positive = super().predict(X)
        return np.vstack((1.0 - positive, positive)).transpose()

    def predict(self, X):
        import numpy as np

        return np.asarray(self.predict_proba(X)[:, 1] > 0.5, dtype=int)


class XGBRanker(_Model):
    _objective = "rank:ndcg"

    def fit(self, X, y, *, qid=None, sample_weight=None):
        if qid is None:
            raise ValueError("Either `group` or `qid` is required for ranking task")
        return self._fit(X, y, self._train_params(), qid=qid, weight=sample_weight)
