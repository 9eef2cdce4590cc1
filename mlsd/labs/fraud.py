"""Labs for the real-time card payment fraud case.

Every lab draws its own synthetic payments with numpy: legitimate payments and two
kinds of fraud with known feature distributions, so the ground truth is known
exactly. Fraud is 0.5-1% of payments here (the case's 0.1% would leave too few
frauds for a one-second lab); the effects shown only get stronger as fraud gets rarer.

Fraud kinds:
- "stolen card" (kind 1): new accounts, bursts of payments, new devices, mid-size
  amounts; cardholders spot it on their statement, so chargebacks come early (30-60 days).
- "account takeover" (kind 2): old, trusted accounts, large amounts, far from home;
  it is noticed late (chargebacks after 50-90 days).
"""

from __future__ import annotations

from mlsd.labs.base import LabOutput, PlotSpec, Series
from mlsd.labs.models import sigmoid as _sigmoid
from mlsd.labs.models import xgb_params
from mlsd.labs.registry import lab

CASE = "fraud"

FEATURES = (
    "log_amount", "log_account_age_days", "payments_last_hour", "log_km_from_home",
    "new_device", "ip_country_mismatch", "night", "merchant_risk",
)
LEGIT, STOLEN_CARD, TAKEOVER = 0, 1, 2


def _features(rng, n: int, kind: int):
    """n payments of one kind, columns as in FEATURES (independent within a kind)."""
    import numpy as np

    # log amount, log account age, payments last hour, log km, new device, ip mismatch, night, merchant risk
    params = {
        LEGIT: (3.7, 0.9, 6.0, 1.0, 0.5, 2.0, 1.0, 0.05, 0.03, 0.10, (2.0, 8.0)),
        STOLEN_CARD: (4.2, 1.0, 4.0, 1.6, 1.5, 2.6, 1.2, 0.30, 0.15, 0.25, (3.0, 7.0)),
        TAKEOVER: (4.8, 0.9, 6.0, 1.0, 0.7, 3.0, 1.2, 0.35, 0.20, 0.20, (2.5, 7.5)),
    }[kind]
    am, asd, ag, agsd, vel, km, kmsd, dev, ip, night, (ba, bb) = params
    return np.column_stack([
        rng.normal(am, asd, n),
        rng.normal(ag, agsd, n),
        rng.poisson(vel, n),
        rng.normal(km, kmsd, n),
        rng.random(n) < dev,
        rng.random(n) < ip,
        rng.random(n) < night,
        rng.beta(ba, bb, n),
    ]).astype(float)


def _payments(rng, n: int, prevalence: float = 0.01, takeover_share: float = 0.5):
    """Synthetic payments: features X, fraud label y (0/1), kind (0 legit, 1 stolen card, 2 takeover)."""
    import numpy as np

    is_fraud = rng.random(n) < prevalence
    kind = np.where(is_fraud, np.where(rng.random(n) < takeover_share, TAKEOVER, STOLEN_CARD), LEGIT)
    X = _features(rng, n, LEGIT)
    for k in (STOLEN_CARD, TAKEOVER):
        idx = np.flatnonzero(kind == k)
        X[idx] = _features(rng, idx.size, k)
    return X, is_fraud.astype(int), kind


def _xgb(seed: int, **params):
    """A small, deterministic xgboost classifier (one thread, hist)."""
    from xgboost import XGBClassifier

    return XGBClassifier(**xgb_params(seed, **{"n_estimators": 100, "max_depth": 3, **params}))


def _top_k_mask(scores, share: float):
    """Boolean mask of the top `share` of scores (ties broken by position: deterministic)."""
    import numpy as np

    k = int(round(share * scores.size))
    mask = np.zeros(scores.size, dtype=bool)
    mask[np.argsort(-scores, kind="stable")[:k]] = True
    return mask


def _focal_grad_hess(y, margin, gamma: float = 2.0):
    """Gradient and hessian of the binary focal loss w.r.t. the raw margin z (p = sigmoid(z)).

    FL = -y (1-p)^g log p - (1-y) p^g log(1-p)   (Lin et al. 2017, without the alpha weight).
    For y=1, with q = 1-p:
        dFL/dz   = g p q^g log p - q^(g+1)
        d2FL/dz2 = g (p q^(g+1) log p - g p^2 q^g log p + p q^(g+1)) + (g+1) p q^(g+1)
    and y=0 is the mirror image (swap p and q, flip the gradient's sign). With g=0 these
    reduce to logloss's p - y and p(1-p). The hessian can be slightly negative for
    confident mistakes; it is floored at 1e-6 so Newton steps stay defined.
    """
    import numpy as np

    p = _sigmoid(margin)
    q = 1.0 - p
    log_p = np.log(np.clip(p, 1e-16, 1.0))
    log_q = np.log(np.clip(q, 1e-16, 1.0))
    g = gamma
    grad_pos = g * p * q**g * log_p - q ** (g + 1)
    hess_pos = g * (p * q ** (g + 1) * log_p - g * p * p * q**g * log_p + p * q ** (g + 1)) + (g + 1) * p * q ** (g + 1)
    grad_neg = -(g * q * p**g * log_q - p ** (g + 1))
    hess_neg = g * (q * p ** (g + 1) * log_q - g * q * q * p**g * log_q + q * p ** (g + 1)) + (g + 1) * q * p ** (g + 1)
    pos = np.asarray(y) > 0.5
    grad = np.where(pos, grad_pos, grad_neg)
    hess = np.maximum(np.where(pos, hess_pos, hess_neg), 1e-6)
    return grad, hess


# --------------------------------------------------------------------------- data


@lab(
    id="fraud-label-maturity",
    case=CASE,
    step="data",
    title="Immature labels: recent payments without a chargeback yet are not legitimate",
    summary="Chargebacks arrive 30-90 days late. Training on the freshest window with today's labels "
            "teaches the model that late-reported fraud is fine; a matured window (or waiting) fixes it.",
)
def label_maturity(seed: int) -> LabOutput:
    """Label maturity: a payment without a chargeback *yet* is not a legitimate example.

    150 days of payments; today is day 150. Each fraud gets its chargeback after a
    delay: 30-60 days for stolen cards, 50-90 days for account takeovers. Labels "as
    of today" mark every not-yet-charged-back fraud as legitimate. Four training sets
    of the same model:
    - last 60 days, labels as of today (the freshest data, most of its fraud unlabelled);
    - days 0-60, whose 90-day windows have all closed (matured);
    - last 60 days with all labels in (what you get by waiting 90 days before using it);
    - all 150 days, labels as of today (matured rows plus immature ones).
    All are scored on the next 30 days against true labels (known in the simulation;
    in practice you evaluate on a matured window too).

    If the delay did not depend on the kind of fraud, missing labels would only scale
    the predicted rate down and ranking would survive; because late-reported fraud
    looks different (takeovers), the immature window teaches the model that this whole
    pattern is legitimate. See Dal Pozzolo et al., "Credit Card Fraud Detection: A
    Realistic Modeling and a Novel Learning Strategy" (IEEE TNNLS 2018) on verification
    latency.
    """
    import numpy as np
    from sklearn.metrics import average_precision_score

    from mlsd.labs.metrics import calibration_ratio

    rng = np.random.default_rng(seed)
    today, per_day = 150, 320
    n = today * per_day
    X, y, kind = _payments(rng, n, prevalence=0.01)
    day = np.repeat(np.arange(today), per_day) + rng.random(n)
    delay = np.where(kind == STOLEN_CARD, rng.uniform(30, 60, n), rng.uniform(50, 90, n))
    y_today = ((y == 1) & (day + delay <= today)).astype(int)
    Xt, yt, kt = _payments(rng, 30000, prevalence=0.01)

    recent = day >= today - 60
    matured = day < 60  # ages 90-150 days: every chargeback window has closed
    setups = [
        ("recent_immature", "last 60 days, labels as of today", recent, y_today),
        ("matured", "days 0-60 (matured), labels complete", matured, y_today),
        ("recent_after_wait", "last 60 days, after waiting 90 days", recent, y),
        ("all_history", "all 150 days, labels as of today", np.ones(n, dtype=bool), y_today),
    ]
    late = kt == TAKEOVER
    metrics: dict[str, float] = {
        "label_coverage_recent": float(y_today[recent].sum() / y[recent].sum()),
        "label_coverage_recent_takeover": float(y_today[recent & (kind == TAKEOVER)].sum()
                                                / (recent & (kind == TAKEOVER)).sum()),
    }
    table = []
    for key, name, rows, labels in setups:
        model = _xgb(seed).fit(X[rows], labels[rows])
        p = model.predict_proba(Xt)[:, 1]
        alerts = _top_k_mask(p, 0.01)
        pr_auc = float(average_precision_score(yt, p))
        recall_late = float(alerts[late].mean())
        recall_early = float(alerts[kt == STOLEN_CARD].mean())
        ratio = calibration_ratio(yt, p)
        metrics[f"pr_auc_{key}"] = pr_auc
        metrics[f"recall_takeover_{key}"] = recall_late
        metrics[f"calibration_ratio_{key}"] = ratio
        table.append({
            "training data": name,
            "fraud labelled": round(float(labels[rows].sum() / y[rows].sum()), 3),
            "PR-AUC": round(pr_auc, 3),
            "recall stolen card @1% alerts": round(recall_early, 3),
            "recall takeover @1% alerts": round(recall_late, 3),
            "mean pred / fraud rate": round(ratio, 2),
        })

    m = metrics
    takeaway = (
        f"With labels as of today only {m['label_coverage_recent']:.0%} of the last 60 days' fraud is labelled "
        f"({m['label_coverage_recent_takeover']:.0%} of late-reported takeovers), so the model trained on it "
        f"reaches PR-AUC {m['pr_auc_recent_immature']:.2f} and catches {m['recall_takeover_recent_immature']:.0%} "
        f"of takeovers, against {m['pr_auc_matured']:.2f} and {m['recall_takeover_matured']:.0%} for a matured "
        f"window ({m['pr_auc_recent_after_wait']:.2f} after waiting); adding immature rows to all history keeps "
        f"ranking ({m['pr_auc_all_history']:.2f}) but predicts only {m['calibration_ratio_all_history']:.2f}x "
        f"the true fraud rate."
    )
    names = [row["training data"].split(",")[0] if i != 2 else "last 60 days, waited" for i, row in enumerate(table)]
    plot = PlotSpec(
        kind="bar", title="Same model, different label maturity (scored on the next 30 days)",
        x_label="training data", y_label="score",
        series=[
            Series("PR-AUC", names, [float(r["PR-AUC"]) for r in table]),
            Series("takeover recall @1% alerts", names, [float(r["recall takeover @1% alerts"]) for r in table]),
        ],
    )
    return LabOutput(metrics=metrics, table=table, takeaway=takeaway, plot=plot)


# --------------------------------------------------------------------------- model


@lab(
    id="fraud-imbalance",
    case=CASE,
    step="model",
    title="Class weights, focal loss, downsampling: ranking holds, calibration breaks",
    summary="Four ways to train on 1% fraud reach about the same PR-AUC, but weighting, focal loss and "
            "downsampling inflate the predicted probabilities; isotonic recalibration on a held-out split repairs them.",
)
def imbalance(seed: int) -> LabOutput:
    """Imbalance tricks change calibration far more than ranking.

    Four xgboost models on the same 1%-fraud training set: plain logloss; class
    weights (scale_pos_weight = negatives / positives); focal loss with gamma=2 as a
    custom objective (gradient and hessian w.r.t. the margin, Lin et al., "Focal Loss
    for Dense Object Detection", ICCV 2017); and logloss on a sample keeping every
    fraud and 10% of legitimate payments. Each model's scores are then recalibrated
    with isotonic regression fit on a separate calibration split (sklearn's
    IsotonicRegression; CalibratedClassifierCV no longer takes a prefit model).

    Ranking is not entirely unaffected: with weight ~100 on each of ~300 frauds, the
    class-weighted model overfits them a little and loses 0.01-0.04 PR-AUC here; the
    others stay within about 0.02 of the plain model.

    PR-AUC is reported for the raw scores only: isotonic regression is monotone, so it
    keeps the order (it only merges scores into steps). After recalibration the mean
    prediction / fraud rate sits within sampling noise of 1 (the calibration and test
    splits each hold about 600 frauds, so their fraud rates differ by a few percent). Focal loss is miscalibrated by
    design: for a true rate of 1%, the probability that minimises it is about 0.15.
    Downsampling alone could also be corrected analytically, q = p / (p + (1 - p) / w)
    with w the sampling rate (He et al. 2014); weights and focal loss have no such formula.
    """
    import numpy as np
    import xgboost as xgb
    from sklearn.isotonic import IsotonicRegression
    from sklearn.metrics import average_precision_score

    from mlsd.labs.metrics import calibration_ratio, expected_calibration_error

    rng = np.random.default_rng(seed)
    X, y, _ = _payments(rng, 30000)
    Xc, yc, _ = _payments(rng, 60000)
    Xt, yt, _ = _payments(rng, 60000)
    dcal, dtest = xgb.DMatrix(Xc), xgb.DMatrix(Xt)
    base = dict(max_depth=3, eta=0.2, nthread=1, seed=seed, tree_method="hist", verbosity=0)
    rounds = 80

    def fit(params, Xtr, ytr, obj=None):
        booster = xgb.train(params, xgb.DMatrix(Xtr, label=ytr), rounds, obj=obj)
        return (_sigmoid(booster.predict(dcal, output_margin=True)),
                _sigmoid(booster.predict(dtest, output_margin=True)))

    keep = (y == 1) | (rng.random(y.size) < 0.10)
    spw = float((y == 0).sum() / (y == 1).sum())
    models = [
        ("unweighted", "logloss, no weights",
         fit({**base, "objective": "binary:logistic"}, X, y)),
        ("class_weighted", f"scale_pos_weight={spw:.0f}",
         fit({**base, "objective": "binary:logistic", "scale_pos_weight": spw}, X, y)),
        ("focal", "focal loss, gamma=2",
         fit({**base, "base_score": 0.0}, X, y, obj=lambda margin, d: _focal_grad_hess(d.get_label(), margin, 2.0))),
        ("downsampled", "10% of negatives kept",
         fit({**base, "objective": "binary:logistic"}, X[keep], y[keep])),
    ]

    metrics: dict[str, float] = {}
    table = []
    for key, name, (p_cal, p_test) in models:
        iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(p_cal, yc)
        q_test = iso.predict(p_test)
        row = {
            "pr_auc": float(average_precision_score(yt, p_test)),
            "calibration_ratio": calibration_ratio(yt, p_test),
            "ece": expected_calibration_error(yt, p_test),
            "calibration_ratio_isotonic": calibration_ratio(yt, q_test),
            "ece_isotonic": expected_calibration_error(yt, q_test),
        }
        for metric, value in row.items():
            metrics[f"{metric}_{key}" if not metric.endswith("_isotonic")
                    else f"{metric[:-len('_isotonic')]}_{key}_isotonic"] = value
        table.append({
            "model": name,
            "PR-AUC": round(row["pr_auc"], 3),
            "mean pred / fraud rate": round(row["calibration_ratio"], 2),
            "ECE": round(row["ece"], 4),
            "after isotonic: mean pred / rate": round(row["calibration_ratio_isotonic"], 2),
            "after isotonic: ECE": round(row["ece_isotonic"], 4),
        })

    m = metrics
    keys = [k for k, _, _ in models]
    takeaway = (
        f"Ranking moves little (PR-AUC {m['pr_auc_unweighted']:.2f} unweighted, {m['pr_auc_class_weighted']:.2f} "
        f"class-weighted, {m['pr_auc_focal']:.2f} focal, {m['pr_auc_downsampled']:.2f} downsampled), but class "
        f"weights, focal loss and downsampling predict {m['calibration_ratio_class_weighted']:.0f}x, {m['calibration_ratio_focal']:.0f}x "
        f"and {m['calibration_ratio_downsampled']:.0f}x the real fraud rate (ECE up to "
        f"{max(m[f'ece_{k}'] for k in keys):.2f}); isotonic recalibration on a held-out split brings every model "
        f"back to {min(m[f'calibration_ratio_{k}_isotonic'] for k in keys):.2f}-"
        f"{max(m[f'calibration_ratio_{k}_isotonic'] for k in keys):.2f}x with ECE below "
        f"{max(m[f'ece_{k}_isotonic'] for k in keys):.3f}."
    )
    plot = PlotSpec(
        kind="bar", title="Ranking holds, calibration breaks, isotonic repairs",
        x_label="training scheme", y_label="value",
        series=[
            Series("PR-AUC", keys, [m[f"pr_auc_{k}"] for k in keys]),
            Series("ECE (raw)", keys, [m[f"ece_{k}"] for k in keys]),
            Series("ECE (isotonic)", keys, [m[f"ece_{k}_isotonic"] for k in keys]),
        ],
    )
    return LabOutput(metrics=metrics, table=table, takeaway=takeaway, plot=plot)


# --------------------------------------------------------------------------- evaluation


@lab(
    id="fraud-accuracy-paradox",
    case=CASE,
    step="evaluation",
    title="The accuracy paradox: 'always legitimate' is 99.5% accurate",
    summary="At 0.5% fraud, predicting 'legitimate' for everything scores 99.5% accuracy and catches nothing; "
            "accuracy barely separates it from a real model, PR-AUC does.",
)
def accuracy_paradox(seed: int) -> LabOutput:
    """Accuracy is the wrong metric at a 0.5% base rate.

    Four scorers on the same test set: a constant "always legitimate", random scores,
    logistic regression and xgboost. Accuracy (threshold 0.5) is within a few tenths of
    a point for all of them; recall at a 1%-of-payments alert budget and PR-AUC
    (average precision, whose no-skill baseline is the fraud rate) tell them apart.
    ROC-AUC looks flattering at this imbalance because its no-skill baseline is 0.5 and
    the huge pool of easy negatives dominates it (Saito & Rehmsmeier, PLoS ONE 2015).
    """
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import average_precision_score, roc_auc_score
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(seed)
    prevalence = 0.005
    X, y, _ = _payments(rng, 60000, prevalence=prevalence)
    Xt, yt, _ = _payments(rng, 60000, prevalence=prevalence)
    scaler = StandardScaler().fit(X)
    logreg = LogisticRegression(max_iter=1000).fit(scaler.transform(X), y)
    scorers = [
        ("always_legit", "always legitimate", np.zeros(yt.size)),
        ("random", "random score around the base rate", rng.uniform(0.0, 2 * prevalence, yt.size)),
        ("logreg", "logistic regression", logreg.predict_proba(scaler.transform(Xt))[:, 1]),
        ("xgb", "xgboost", _xgb(seed).fit(X, y).predict_proba(Xt)[:, 1]),
    ]
    metrics: dict[str, float] = {"fraud_rate": float(yt.mean())}
    table = []
    for key, name, p in scorers:
        pred = p >= 0.5
        alerts = _top_k_mask(p, 0.01) if key != "always_legit" else np.zeros(yt.size, dtype=bool)
        row = {
            "accuracy": float((pred == (yt == 1)).mean()),
            "recall_at_0_5": float(pred[yt == 1].mean()),
            "recall_at_1pct_alerts": float(alerts[yt == 1].mean()),
            "pr_auc": float(average_precision_score(yt, p)),
            "roc_auc": float(roc_auc_score(yt, p)),
        }
        for metric, value in row.items():
            metrics[f"{metric}_{key}"] = value
        table.append({
            "scorer": name,
            "accuracy": round(row["accuracy"], 4),
            "recall @0.5": round(row["recall_at_0_5"], 3),
            "recall @1% alerts": round(row["recall_at_1pct_alerts"], 3),
            "ROC-AUC": round(row["roc_auc"], 3),
            "PR-AUC": round(row["pr_auc"], 3),
        })

    m = metrics
    takeaway = (
        f"'Always legitimate' is {m['accuracy_always_legit']:.2%} accurate and catches no fraud; xgboost is "
        f"{m['accuracy_xgb']:.2%} accurate, a gap of {100 * (m['accuracy_xgb'] - m['accuracy_always_legit']):.2f} "
        f"points, yet it catches {m['recall_at_1pct_alerts_xgb']:.0%} of fraud with 1% of payments flagged and its "
        f"PR-AUC is {m['pr_auc_xgb']:.2f} against a no-skill baseline of {m['fraud_rate']:.3f} "
        f"(its ROC-AUC is {m['roc_auc_xgb']:.2f} against a baseline of 0.5)."
    )
    names = [row["scorer"] for row in table]
    plot = PlotSpec(
        kind="bar", title="Accuracy cannot tell a useless scorer from a useful one at 0.5% fraud",
        x_label="scorer", y_label="value",
        series=[
            Series("accuracy", names, [float(r["accuracy"]) for r in table]),
            Series("recall @1% alerts", names, [float(r["recall @1% alerts"]) for r in table]),
            Series("PR-AUC", names, [float(r["PR-AUC"]) for r in table]),
        ],
    )
    return LabOutput(metrics=metrics, table=table, takeaway=takeaway, plot=plot)


# --------------------------------------------------------------------------- serving


@lab(
    id="fraud-cascade",
    case=CASE,
    step="serving",
    title="Auto-block plus a review queue vs blocking everything above a threshold",
    summary="At the same recall, auto-blocking only the highest scores and sending the grey zone to a "
            "limited review queue blocks about 10x fewer good customers; ranking the queue by p x amount "
            "catches more fraud dollars.",
)
def cascade(seed: int) -> LabOutput:
    """Decision cascade: auto-block, human review, approve.

    One calibrated xgboost model scores 50,000 payments (1% fraud). Policies:
    - cascade: auto-block p >= 0.7; the next payments by score go to a review queue
      with room for 1% of traffic; reviewers (assumed accurate) block the fraud and
      release the good customers; the rest is approved;
    - block-all: block every payment above one threshold, set so that its recall
      (share of frauds stopped) equals the cascade's.
    Because the p-ranked queue takes exactly the next-highest scores, the cascade and
    block-all stop the same frauds; the difference is who decides the grey zone. Then the
    same queue is ranked by expected loss p x amount instead of p: fewer frauds by count,
    more fraud dollars. Reviewers are perfect here; real ones are not, and review adds
    delay and cost per case.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    X, y, _ = _payments(rng, 40000)
    Xt, yt, _ = _payments(rng, 50000)
    amount = np.exp(Xt[:, 0])
    p = _xgb(seed).fit(X, y).predict_proba(Xt)[:, 1]
    fraud, good = yt == 1, yt == 0
    auto_block = p >= 0.7
    capacity = int(0.01 * yt.size)
    rest = np.flatnonzero(~auto_block)

    def run_cascade(priority):
        queue = rest[np.argsort(-priority[rest], kind="stable")[:capacity]]
        stopped = auto_block.copy()
        stopped[queue] = True
        reviewed = np.zeros(yt.size, dtype=bool)
        reviewed[queue] = True
        return stopped, auto_block & good, reviewed

    stopped_p, blocked_p, reviewed_p = run_cascade(p)
    recall_target = stopped_p[fraud].mean()
    order = np.argsort(-p, kind="stable")
    k = int(np.searchsorted(np.cumsum(yt[order]), recall_target * fraud.sum()) + 1)
    block_all = np.zeros(yt.size, dtype=bool)
    block_all[order[:k]] = True
    stopped_pa, blocked_pa, reviewed_pa = run_cascade(p * amount)

    fraud_dollars = float(amount[fraud].sum())
    policies = [
        ("block_all", f"block all p >= {p[order[k - 1]]:.2f}", block_all, block_all & good, np.zeros(yt.size, bool)),
        ("cascade", "auto-block p >= 0.7 + queue ranked by p", stopped_p, blocked_p, reviewed_p),
        ("cascade_amount", "auto-block p >= 0.7 + queue ranked by p x amount", stopped_pa, blocked_pa, reviewed_pa),
    ]
    metrics: dict[str, float] = {"review_capacity": float(capacity), "auto_blocked": float(auto_block.sum())}
    table = []
    for key, name, stopped, blocked_good, reviewed in policies:
        row = {
            "recall": float(stopped[fraud].mean()),
            "fraud_dollars_caught": float(amount[stopped & fraud].sum() / fraud_dollars),
            "good_blocked": float(blocked_good.sum()),
            "good_reviewed": float((reviewed & good).sum()),
        }
        for metric, value in row.items():
            metrics[f"{metric}_{key}"] = value
        table.append({
            "policy": name,
            "recall (count)": round(row["recall"], 3),
            "fraud $ caught": round(row["fraud_dollars_caught"], 3),
            "good customers blocked": int(row["good_blocked"]),
            "good customers reviewed": int(row["good_reviewed"]),
        })
    metrics["good_blocked_ratio"] = metrics["good_blocked_block_all"] / max(metrics["good_blocked_cascade"], 1.0)

    m = metrics
    takeaway = (
        f"At the same recall ({m['recall_cascade']:.0%} of frauds), blocking everything above one threshold blocks "
        f"{m['good_blocked_block_all']:.0f} good customers against {m['good_blocked_cascade']:.0f} for auto-block plus "
        f"a {capacity}-payment review queue ({m['good_blocked_ratio']:.0f}x fewer); ranking the queue by p x amount "
        f"instead of p raises fraud dollars caught from {m['fraud_dollars_caught_cascade']:.0%} to "
        f"{m['fraud_dollars_caught_cascade_amount']:.0%} while recall by count drops to "
        f"{m['recall_cascade_amount']:.0%}."
    )
    names = ["block all", "cascade (p)", "cascade (p x amount)"]
    plot = PlotSpec(
        kind="bar", title=f"Same model, three policies ({yt.size:,} payments)",
        x_label="policy", y_label="good customers blocked",
        series=[Series("good customers blocked", names, [m[f"good_blocked_{k}"] for k, *_ in policies])],
    )
    return LabOutput(metrics=metrics, table=table, takeaway=takeaway, plot=plot)


# --------------------------------------------------------------------------- monitoring


@lab(
    id="fraud-drift",
    case=CASE,
    step="monitoring",
    title="PSI sees covariate shift, not concept drift",
    summary="Feature and score PSI flag a shift in who pays (while the model still works), but stay flat when "
            "fraudsters change tactics; only label-based metrics, once chargebacks arrive, show that drop.",
)
def drift(seed: int) -> LabOutput:
    """Covariate shift vs concept drift, seen by PSI and by label-based monitoring.

    A model trained on a reference period is watched over three new periods:
    - stable: same distribution;
    - covariate shift: a holiday season with bigger, more distant purchases, made by
      resampling payments with weights on amount and distance, so P(fraud | features)
      is unchanged while P(features) moves;
    - concept drift: the stolen-card fraudsters start using aged accounts, clean
      devices and no bursts (their features copy legitimate ones); the feature
      distribution barely moves because fraud is 1% of traffic.
    PSI (population stability index, quantile bins of the reference; > 0.25 is a large
    shift) is computed per feature and on the score. PR-AUC and recall at the reference
    alert threshold need labels, which in production arrive weeks later.
    """
    import numpy as np
    from sklearn.metrics import average_precision_score, roc_auc_score

    from mlsd.labs.metrics import psi

    rng = np.random.default_rng(seed)
    X, y, _ = _payments(rng, 40000)
    model = _xgb(seed).fit(X, y)
    n = 25000
    Xr, yr, _ = _payments(rng, n)
    p_ref = model.predict_proba(Xr)[:, 1]
    threshold = float(np.quantile(p_ref, 0.99))

    Xs, ys, _ = _payments(rng, n)

    pool_X, pool_y, _ = _payments(rng, 3 * n)
    z = 0.9 * (pool_X[:, 0] - 3.7) / 0.9 + 0.5 * (pool_X[:, 3] - 2.0)
    w = np.exp(z - z.max())
    idx = rng.choice(pool_X.shape[0], n, replace=False, p=w / w.sum())
    Xcov, ycov = pool_X[idx], pool_y[idx]

    Xcon, ycon, kcon = _payments(rng, n)
    mimic = np.flatnonzero(kcon == STOLEN_CARD)
    cols = [1, 2, 4, 5, 6]  # account age, bursts, new device, ip mismatch, night
    Xcon[np.ix_(mimic, cols)] = _features(rng, mimic.size, LEGIT)[:, cols]

    periods = [
        ("reference", "reference (held out)", Xr, yr),
        ("stable", "stable", Xs, ys),
        ("covariate", "covariate shift (holiday season)", Xcov, ycov),
        ("concept", "concept drift (fraud mimics good users)", Xcon, ycon),
    ]

    metrics: dict[str, float] = {}
    table = []
    for key, name, Xq, yq in periods:
        p = model.predict_proba(Xq)[:, 1]
        feature_psi = [psi(X[:, j], Xq[:, j]) for j in range(X.shape[1])]
        j = int(np.argmax(feature_psi))
        row = {
            "psi_max_feature": float(feature_psi[j]),
            "psi_score": psi(p_ref, p),
            "pr_auc": float(average_precision_score(yq, p)),
            "roc_auc": float(roc_auc_score(yq, p)),
            "recall_at_threshold": float((p[yq == 1] >= threshold).mean()),
        }
        for metric, value in row.items():
            metrics[f"{metric}_{key}"] = value
        table.append({
            "period": name,
            "max feature PSI": f"{row['psi_max_feature']:.3f} ({FEATURES[j]})",
            "score PSI": round(row["psi_score"], 3),
            "fraud rate": round(float(yq.mean()), 4),
            "PR-AUC": round(row["pr_auc"], 3),
            "ROC-AUC": round(row["roc_auc"], 3),
            "recall @ref threshold": round(row["recall_at_threshold"], 3),
        })

    m = metrics
    takeaway = (
        f"The holiday-season shift moves feature PSI to {m['psi_max_feature_covariate']:.2f} while the model still "
        f"works (ROC-AUC {m['roc_auc_covariate']:.2f} vs {m['roc_auc_reference']:.2f}; PR-AUC {m['pr_auc_covariate']:.2f} "
        f"vs {m['pr_auc_reference']:.2f}, helped by a higher fraud rate); when fraudsters mimic good users, "
        f"PSI stays at {m['psi_max_feature_concept']:.3f} (score {m['psi_score_concept']:.3f}) but PR-AUC falls to "
        f"{m['pr_auc_concept']:.2f} and recall at the alert threshold from {m['recall_at_threshold_reference']:.0%} "
        f"to {m['recall_at_threshold_concept']:.0%}, which only labels reveal."
    )
    names = ["reference", "stable", "covariate shift", "concept drift"]
    keys = [k for k, *_ in periods]
    plot = PlotSpec(
        kind="bar", title="What each monitor sees", x_label="period", y_label="value",
        series=[
            Series("max feature PSI", names, [m[f"psi_max_feature_{k}"] for k in keys]),
            Series("score PSI", names, [m[f"psi_score_{k}"] for k in keys]),
            Series("PR-AUC (needs labels)", names, [m[f"pr_auc_{k}"] for k in keys]),
        ],
    )
    return LabOutput(metrics=metrics, table=table, takeaway=takeaway, plot=plot)
