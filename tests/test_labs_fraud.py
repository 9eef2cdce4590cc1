"""Effects of the fraud labs hold across seeds (direction and margin, not exact floats)."""

from __future__ import annotations

import pytest

from mlsd.labs import labs_for_case
from conftest import lab_metrics as _metrics  # noqa: E402

SEEDS = (0, 1, 2)
LAB_IDS = ("fraud-label-maturity", "fraud-imbalance", "fraud-accuracy-paradox", "fraud-cascade", "fraud-drift")


def test_fraud_labs_registered_with_their_steps():
    steps = {spec.id: spec.step for spec in labs_for_case("fraud")}
    assert steps == {
        "fraud-label-maturity": "data",
        "fraud-imbalance": "model",
        "fraud-accuracy-paradox": "evaluation",
        "fraud-cascade": "serving",
        "fraud-drift": "monitoring",
    }


def test_focal_gradient_and_hessian_match_finite_differences():
    import numpy as np

    from mlsd.labs.fraud import _focal_grad_hess

    def loss(y, z, g):
        p = 1.0 / (1.0 + np.exp(-z))
        return np.where(y > 0, -((1 - p) ** g) * np.log(p), -(p**g) * np.log(1 - p))

    z = np.linspace(-6.0, 6.0, 41)
    eps = 1e-5
    for label in (0.0, 1.0):
        y = np.full_like(z, label)
        grad, hess = _focal_grad_hess(y, z, 2.0)
        num_grad = (loss(y, z + eps, 2.0) - loss(y, z - eps, 2.0)) / (2 * eps)
        num_hess = (_focal_grad_hess(y, z + eps, 2.0)[0] - _focal_grad_hess(y, z - eps, 2.0)[0]) / (2 * eps)
        assert np.allclose(grad, num_grad, atol=1e-6)
        ok = num_hess > 1e-6  # the hessian is floored where it would be <= 0
        assert np.allclose(hess[ok], num_hess[ok], atol=1e-6)
        # gamma = 0 is plain logloss
        g0, h0 = _focal_grad_hess(y, z, 0.0)
        p = 1.0 / (1.0 + np.exp(-z))
        assert np.allclose(g0, p - y) and np.allclose(h0, np.maximum(p * (1 - p), 1e-6))


@pytest.mark.parametrize("seed", SEEDS)
def test_label_maturity(seed):
    m = _metrics("fraud-label-maturity", seed)
    assert m["label_coverage_recent"] < 0.25
    assert m["label_coverage_recent_takeover"] < 0.1
    # training on immature labels hurts ranking, late fraud and calibration
    assert m["pr_auc_matured"] > m["pr_auc_recent_immature"] + 0.06
    assert m["recall_takeover_matured"] > m["recall_takeover_recent_immature"] + 0.1
    assert m["calibration_ratio_recent_immature"] < 0.3
    assert 0.75 < m["calibration_ratio_matured"] < 1.3
    # a matured window is as good as waiting for the same recent window to mature
    assert abs(m["pr_auc_matured"] - m["pr_auc_recent_after_wait"]) < 0.08
    # mixing immature rows into all history keeps ranking but under-predicts
    assert m["pr_auc_all_history"] > m["pr_auc_recent_immature"] + 0.05
    assert m["calibration_ratio_all_history"] < 0.8
    # weighting unlabelled rows by label maturity keeps the recent rows and fixes most of the scale
    assert m["pr_auc_delay_weighted"] > m["pr_auc_matured"]
    assert m["pr_auc_delay_weighted"] > m["pr_auc_all_history"] - 0.01
    assert m["calibration_ratio_delay_weighted"] > m["calibration_ratio_all_history"] + 0.15


@pytest.mark.parametrize("seed", SEEDS)
def test_imbalance(seed):
    m = _metrics("fraud-imbalance", seed)
    keys = ("unweighted", "class_weighted", "focal", "downsampled")
    pr = [m[f"pr_auc_{k}"] for k in keys]
    assert max(pr) - min(pr) < 0.08  # ranking barely moves
    assert 0.8 < m["calibration_ratio_unweighted"] < 1.25
    for k in ("class_weighted", "focal", "downsampled"):
        assert m[f"calibration_ratio_{k}"] > 3.0
        assert m[f"ece_{k}"] > 5 * m["ece_unweighted"]
        assert m[f"ece_{k}_isotonic"] < m[f"ece_{k}"] / 10
    for k in keys:
        assert 0.75 < m[f"calibration_ratio_{k}_isotonic"] < 1.33
        assert m[f"ece_{k}_isotonic"] < 0.005


@pytest.mark.parametrize("seed", SEEDS)
def test_accuracy_paradox(seed):
    m = _metrics("fraud-accuracy-paradox", seed)
    assert m["accuracy_always_legit"] > 0.99
    assert m["recall_at_1pct_alerts_always_legit"] == 0.0
    assert abs(m["accuracy_xgb"] - m["accuracy_always_legit"]) < 0.005
    assert abs(m["accuracy_random"] - m["accuracy_always_legit"]) < 0.005
    assert m["pr_auc_always_legit"] < 0.01 and m["pr_auc_random"] < 0.02
    assert m["pr_auc_xgb"] > 20 * m["fraud_rate"]
    assert m["recall_at_1pct_alerts_xgb"] > 0.25


@pytest.mark.parametrize("seed", SEEDS)
def test_cascade_at_the_case_capacity(seed):
    m = _metrics("fraud-cascade", seed)
    # the case's costs scale with the amount, so the decline threshold barely does
    assert 0.15 < m["threshold_at_20"] < m["threshold_at_1000"] < 0.26
    # the case's queue is 0.01% of payments: it helps, a little
    assert m["review_capacity"] == 30
    assert m["cost_per_1000_queue_loss"] < m["cost_per_1000_decline_only"]
    assert m["recall_queue_loss"] - m["recall_decline_only"] < 0.05
    # one threshold at the same recall costs more than expected-cost declines plus review
    assert abs(m["recall_one_threshold"] - m["recall_queue_loss"]) < 0.01
    assert m["cost_per_1000_one_threshold"] > m["cost_per_1000_queue_loss"]
    # a 1% queue with perfect reviewers is a different system
    assert m["cost_per_1000_big_queue"] < 0.7 * m["cost_per_1000_queue_loss"]
    assert m["recall_big_queue"] > 2 * m["recall_queue_loss"]


def test_cascade_queue_by_expected_loss_catches_more_dollars_on_average():
    gain = [_metrics("fraud-cascade", s)["fraud_dollars_caught_queue_loss"]
            - _metrics("fraud-cascade", s)["fraud_dollars_caught_queue_p"] for s in SEEDS]
    assert sum(gain) / len(gain) > 0.01


@pytest.mark.parametrize("seed", SEEDS)
def test_drift(seed):
    m = _metrics("fraud-drift", seed)
    assert m["psi_max_feature_stable"] < 0.02
    assert m["psi_max_feature_covariate"] > 0.25
    assert m["psi_max_feature_concept"] < 0.02 and m["psi_score_concept"] < 0.02
    # covariate shift: the model still ranks; concept drift: it does not
    assert m["roc_auc_covariate"] > m["roc_auc_reference"] - 0.05
    assert m["pr_auc_concept"] < 0.5 * m["pr_auc_reference"]
    assert m["recall_at_threshold_concept"] < 0.6 * m["recall_at_threshold_reference"]
