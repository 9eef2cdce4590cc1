"""Small numpy stand-ins for the few scikit-learn estimators the labs fit.

Importing scikit-learn costs about 1.6 s of CPU (scipy.stats, pandas and more) for
labs that fit one logistic regression in a tenth of that. Each class here has the
scikit-learn estimator's name, constructor arguments the labs use, fit and predict
methods, and reaches the same optimum:

- LogisticRegression: L2-regularised, scikit-learn's objective
  0.5 * ||w||^2 + C * sum(logloss) with the intercept not penalised. The default
  solver="lbfgs" makes scikit-learn's own call (scipy's L-BFGS-B on the mean loss with
  the same start, gtol=tol=1e-4, ftol, maxls and the same loss and gradient formulas),
  so it stops where scikit-learn stops. (Solving to the exact optimum, by Newton's
  method, was tried: lbfgs at tol=1e-4 ends up to ~1e-4 short of it in predicted
  probability, and the labs print enough digits to show that gap in NE, ECE and
  recall.) scipy.optimize costs ~0.27 s CPU to import. Dense or scipy.sparse X.
- Ridge: the closed form on centred data (scikit-learn's cholesky solver), intercept
  recovered from the means.
- IsotonicRegression: increasing, pool-adjacent-violators on the sorted inputs grouped as
  scikit-learn groups them (x within the dtype's resolution of a group's first x share
  its mean y; float32 scores stay float32), y clipped to [y_min, y_max], scipy's linear
  interpolation between the kept points and, with out_of_bounds="clip", the end values.
- MultinomialNB: scikit-learn's exact formula (smoothed counts, log prior from class
  frequencies, normalised with log-sum-exp).
- StandardScaler: mean and population standard deviation (a zero scale becomes 1).

tests/test_lab_estimators.py checks each against scikit-learn on random data.
"""

from __future__ import annotations


def _np():
    import numpy as np

    return np


def _is_sparse(x) -> bool:
    return hasattr(x, "tocsr") and hasattr(x, "nnz")


def _expit(z):
    np = _np()
    with np.errstate(over="ignore"):  # exp(-z) = inf gives 0, as scipy's expit
        return 1.0 / (1.0 + np.exp(-z))


def _half_binomial(y, raw):
    """Per-sample log loss and its gradient in the raw score, by scikit-learn's formulas
    (sklearn/_loss/_loss.pyx, closs_grad_half_binomial), branch for branch.

    Both branches use e = exp(-|raw|) (exp(raw) where raw <= 0, exp(-raw) above): one exp
    and one log1p over the whole array and each branch picked per element, the same floats
    as evaluating each branch on its half, without gathering and scattering the halves
    (the labs' fits spend most of their time here).
    """
    np = _np()
    neg = raw <= 0
    e = np.exp(-np.abs(raw))
    log1p_e = np.log1p(e)
    loss = np.where(neg, np.where(raw <= -37, e, log1p_e) - y * raw,
                    np.where(raw <= 18, log1p_e, e) + (1 - y) * raw)
    grad = np.where(neg, (1 - y) * e - y, (1 - y) - y * e) / (1 + e)
    return loss, grad


class LogisticRegression:
    """Binary L2 logistic regression with scikit-learn's objective and C (intercept unpenalised)."""

    def __init__(self, C: float = 1.0, max_iter: int = 100, tol: float = 1e-4, warm_start: bool = False):
        self.C, self.max_iter, self.tol, self.warm_start = float(C), max_iter, tol, warm_start

    def fit(self, x, y):
        np = _np()
        y = np.asarray(y).ravel()
        self.classes_ = np.unique(y)
        if self.classes_.size != 2:
            raise ValueError("LogisticRegression here is binary: y needs exactly two classes")
        t = (y == self.classes_[1]).astype(np.float64)
        start = None
        if self.warm_start and getattr(self, "coef_", None) is not None and self.coef_.shape[1] == x.shape[1]:
            start = np.r_[self.coef_[0], self.intercept_]  # scikit-learn's warm_start: the last fit's solution
        w, b = self._fit_lbfgs(x, t, start)
        self.coef_ = w[None, :]
        self.intercept_ = np.array([b])
        return self

    def _fit_lbfgs(self, x, t, start=None):
        """scikit-learn's lbfgs call: L-BFGS-B on mean loss + 0.5 / (C n) ||w||^2, w0 = 0 (or `start`)."""
        np = _np()
        from scipy import optimize

        n, d = x.shape
        l2 = 1.0 / (self.C * n)
        x = x.tocsr() if _is_sparse(x) else np.asarray(x, dtype=np.float64)

        def loss_gradient(coef):
            weights, intercept = coef[:d], coef[d]
            raw = np.asarray(x @ weights).ravel() + intercept
            loss, grad_pointwise = _half_binomial(t, raw)
            value = float(loss.sum() / n) + float(0.5 * l2 * (weights @ weights))
            grad_pointwise /= n
            grad = np.empty_like(coef)
            grad[:d] = np.asarray(x.T @ grad_pointwise).ravel() + l2 * weights
            grad[d] = grad_pointwise.sum()
            return value, grad

        res = optimize.minimize(
            loss_gradient, np.zeros(d + 1) if start is None else np.asarray(start, dtype=np.float64),
            method="L-BFGS-B", jac=True,
            options={"maxiter": self.max_iter, "maxls": 50, "gtol": self.tol, "ftol": 64 * np.finfo(float).eps},
        )
        return res.x[:d], float(res.x[d])

    def decision_function(self, x):
        np = _np()
        return np.asarray(x @ self.coef_[0]).ravel() + self.intercept_[0]

    def predict_proba(self, x):
        np = _np()
        p = _expit(self.decision_function(x))
        return np.column_stack([1.0 - p, p])

    def predict(self, x):
        return self.classes_[(self.decision_function(x) > 0).astype(int)]


class Ridge:
    """Ridge regression with an intercept: (Xc'Xc + alpha I) W = Xc'Yc on centred data."""

    def __init__(self, alpha: float = 1.0):
        self.alpha = float(alpha)

    def fit(self, x, y):
        np = _np()
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        x_mean, y_mean = x.mean(axis=0), y.mean(axis=0)
        xc, yc = x - x_mean, y - y_mean
        a = xc.T @ xc
        a.flat[:: a.shape[0] + 1] += self.alpha
        coef = np.linalg.solve(a, xc.T @ yc)  # (features, targets)
        self.coef_ = coef.T
        self.intercept_ = y_mean - x_mean @ coef
        return self

    def predict(self, x):
        np = _np()
        return np.asarray(x, dtype=np.float64) @ self.coef_.T + self.intercept_


class IsotonicRegression:
    """Increasing isotonic regression of y on one feature (scikit-learn's fit and predict)."""

    def __init__(self, y_min=None, y_max=None, out_of_bounds: str = "nan"):
        if out_of_bounds not in ("nan", "clip", "raise"):
            raise ValueError("out_of_bounds must be 'nan', 'clip' or 'raise'")
        self.y_min, self.y_max, self.out_of_bounds = y_min, y_max, out_of_bounds

    def fit(self, x, y):
        np = _np()
        x = np.asarray(x)
        dtype = np.float32 if x.dtype == np.float32 else np.float64  # scikit-learn keeps float32
        x = x.astype(dtype, copy=False).ravel()
        y = np.asarray(y).astype(dtype).ravel()
        order = np.lexsort((y, x))
        x, y = x[order], y[order]
        ux, uy, counts = _make_unique(x, y)
        fitted = _pava(uy.astype(np.float64), counts.astype(np.float64)).astype(dtype)
        if self.y_min is not None or self.y_max is not None:
            lo = -np.inf if self.y_min is None else self.y_min
            hi = np.inf if self.y_max is None else self.y_max
            fitted = np.clip(fitted, lo, hi).astype(dtype)
        self.X_min_, self.X_max_ = ux[0], ux[-1]
        self.X_thresholds_, self.y_thresholds_ = _trim(ux, fitted)
        return self

    def predict(self, x):
        np = _np()
        x = np.asarray(x)
        dtype = np.float32 if x.dtype == np.float32 else np.float64
        shape = x.shape
        x = x.astype(dtype, copy=False).ravel()
        outside = (x < self.X_min_) | (x > self.X_max_)
        if self.out_of_bounds == "raise" and outside.any():
            raise ValueError("A value in x_new is outside the fitted range")
        if self.X_thresholds_.size == 1:
            out = np.full(x.size, self.y_thresholds_[0], dtype=dtype)
        else:
            out = _interp_linear(self.X_thresholds_, self.y_thresholds_, np.clip(x, self.X_min_, self.X_max_))
        if self.out_of_bounds == "nan":
            out[outside] = np.nan
        return out.astype(dtype).reshape(shape)

    transform = predict


def _make_unique(x, y):
    """scikit-learn's _make_unique on sorted x: a point starts a new group when it is at least
    the dtype's resolution (1e-6 for float32, 1e-15 for float64) above the group's first x,
    which stands for the group; y is averaged over the group in x's precision. (Sums are
    accumulated in float64: exact for the 0/1 labels the labs fit; a gap within float32
    rounding of the resolution could in principle be grouped differently.)"""
    np = _np()
    eps = float(np.finfo(x.dtype).resolution)
    values = x.tolist()
    starts = [0]
    current = values[0]
    for j, v in enumerate(values):
        if v - current >= eps:
            starts.append(j)
            current = v
    starts = np.array(starts)
    counts = np.diff(np.r_[starts, x.size])
    sums = np.add.reduceat(y.astype(np.float64), starts)
    means = sums.astype(x.dtype) / counts.astype(x.dtype) if x.dtype == np.float32 else sums / counts
    return x[starts], means, counts


def _trim(x, y):
    """Drop interior points whose y equals both neighbours' (scikit-learn's trim_duplicates)."""
    np = _np()
    keep = np.ones(y.size, dtype=bool)
    keep[1:-1] = (y[1:-1] != y[:-2]) | (y[1:-1] != y[2:])
    return x[keep], y[keep]


def _interp_linear(xp, fp, x):
    """scipy's interp1d(kind="linear") evaluation, in the arrays' own precision."""
    np = _np()
    hi = np.clip(np.searchsorted(xp, x), 1, xp.size - 1)
    lo = hi - 1
    slope = (fp[hi] - fp[lo]) / (xp[hi] - xp[lo])
    return slope * (x - xp[lo]) + fp[lo]


def _pava(y, w):
    """Weighted pool-adjacent-violators for a non-decreasing fit (blocks merged left).

    Neighbours with equal y always end in one block (in an optimal block every single point
    at its left end is >= the block's mean and at its right end <= it, so a boundary between
    equal values would give mean_left >= v >= mean_right, not increasing), so runs of equal y
    are pooled first, in numpy: with 0/1 labels and rare positives, 60,000 points become about
    a thousand runs for the Python loop.
    """
    np = _np()
    if y.size == 0:
        return y.copy()
    run_starts = np.flatnonzero(np.r_[True, y[1:] != y[:-1]])
    run_sizes = np.diff(np.r_[run_starts, y.size])
    values, weights, sizes = [], [], []
    for v, wt, size in zip(y[run_starts].tolist(), np.add.reduceat(w, run_starts).tolist(), run_sizes.tolist()):
        while values and values[-1] >= v:
            pw = weights.pop()
            pv = values.pop()
            v = (pv * pw + v * wt) / (pw + wt)
            wt += pw
            size += sizes.pop()
        values.append(v)
        weights.append(wt)
        sizes.append(size)
    return np.repeat(np.array(values), sizes)


class MultinomialNB:
    """Multinomial naive Bayes with additive smoothing alpha and class priors from the data."""

    def __init__(self, alpha: float = 1.0):
        self.alpha = float(alpha)

    def fit(self, x, y):
        np = _np()
        y = np.asarray(y).ravel()
        self.classes_ = np.unique(y)
        onehot = (y[:, None] == self.classes_[None, :]).astype(np.float64)
        counts = onehot.T @ x if not _is_sparse(x) else np.asarray((x.T @ onehot).T)
        self.feature_count_ = np.asarray(counts, dtype=np.float64)
        self.class_count_ = onehot.sum(axis=0)
        smoothed = self.feature_count_ + self.alpha
        self.feature_log_prob_ = np.log(smoothed) - np.log(smoothed.sum(axis=1).reshape(-1, 1))
        self.class_log_prior_ = np.log(self.class_count_) - np.log(self.class_count_.sum())
        return self

    def _joint_log_likelihood(self, x):
        np = _np()
        return np.asarray(x @ self.feature_log_prob_.T) + self.class_log_prior_

    def predict_log_proba(self, x):
        np = _np()
        jll = self._joint_log_likelihood(x)
        top = jll.max(axis=1, keepdims=True)
        log_norm = top + np.log(np.exp(jll - top).sum(axis=1, keepdims=True))
        return jll - log_norm

    def predict_proba(self, x):
        np = _np()
        return np.exp(self.predict_log_proba(x))

    def predict(self, x):
        return self.classes_[self._joint_log_likelihood(x).argmax(axis=1)]


class StandardScaler:
    """Centre each column and divide by its population standard deviation (zero scale -> 1)."""

    def fit(self, x):
        np = _np()
        x = np.asarray(x, dtype=np.float64)
        self.mean_ = x.mean(axis=0)
        self.var_ = ((x - self.mean_) ** 2).mean(axis=0)
        scale = np.sqrt(self.var_)
        scale[scale < 10 * np.finfo(np.float64).eps] = 1.0
        self.scale_ = scale
        return self

    def transform(self, x):
        np = _np()
        return (np.asarray(x, dtype=np.float64) - self.mean_) / self.scale_

    def fit_transform(self, x):
        return self.fit(x).transform(x)
