"""Effects of the ETA labs hold across seeds (direction and margin, not exact floats)."""

from __future__ import annotations

import pytest

from mlsd.labs import labs_for_case, run_lab
from conftest import lab_metrics as _metrics  # noqa: E402

SEEDS = (0, 1, 2)
LAB_IDS = ("eta-residual", "eta-leaky-feature", "eta-quantile", "eta-mape")


def test_eta_labs_registered_with_their_steps():
    steps = {spec.id: spec.step for spec in labs_for_case("eta")}
    assert steps == {
        "eta-residual": "framing",
        "eta-leaky-feature": "data",
        "eta-quantile": "model",
        "eta-mape": "evaluation",
    }


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_same_seed_same_metrics(lab_id):
    first = _metrics(lab_id, 0)
    again = run_lab(lab_id, 0)  # a fresh run through the registry, not the cache
    assert again.metrics == first
    assert 2 <= len(again.table) <= 8
    assert again.takeaway


@pytest.mark.parametrize("seed", SEEDS)
def test_residual(seed):
    m = _metrics("eta-residual", seed)
    # in range: about equal, both far better than the routing engine alone
    assert abs(m["mae_raw_in_range"] - m["mae_correction_in_range"]) < 0.1 * m["mae_raw_in_range"]
    assert m["mae_correction_in_range"] < 0.6 * m["mae_routing_in_range"]
    # beyond the training range the raw model flat-lines
    assert m["max_raw_prediction"] <= m["max_train_duration"] + 1e-6
    assert m["mae_raw_beyond"] > 1.4 * m["mae_correction_beyond"]
    assert m["mae_raw_25_40km"] > 2 * m["mae_correction_25_40km"]
    assert m["mae_correction_beyond"] < m["mae_routing_beyond"]


@pytest.mark.parametrize("seed", SEEDS)
def test_leaky_feature(seed):
    m = _metrics("eta-leaky-feature", seed)
    assert m["mae_leaky_offline"] < 0.8 * m["mae_clean"]  # looks better offline
    assert m["mae_leaky_online"] > 1.15 * m["mae_clean"]  # is worse when served
    assert m["bias_leaky_online"] < -1.5 and abs(m["bias_clean"]) < 0.3
    assert m["late_5min_leaky_online"] > 1.5 * m["late_5min_clean"]


@pytest.mark.parametrize("seed", SEEDS)
def test_quantile(seed):
    m = _metrics("eta-quantile", seed)
    # same average promise
    assert abs(m["promise_quantile_all"] - m["promise_buffer_all"]) < 0.02 * m["promise_quantile_all"]
    for segment in ("calm", "peak", "rain"):
        assert 0.85 < m[f"on_time_quantile_{segment}"] < 0.95
    assert m["on_time_buffer_calm"] > 0.95
    assert m["on_time_buffer_rain"] < 0.85
    assert m["on_time_spread_buffer"] > 3 * m["on_time_spread_quantile"]


@pytest.mark.parametrize("seed", SEEDS)
def test_mape(seed):
    m = _metrics("eta-mape", seed)
    # short trips weigh far more in MAPE than in minutes of error
    assert m["short_share_of_mape"] > m["short_share_of_trips"] + 0.05
    assert m["short_share_of_mape"] > 1.8 * m["short_share_of_abs_error"]
    assert m["mape_short_mse"] > 1.3 * m["mape_long_mse"]
    # training for MAPE wins on MAPE by predicting low: more late trips, worse WAPE and MAE
    assert m["mape_mape_trained"] < m["mape_mse"] - 0.01
    assert m["bias_mape_trained"] < -0.8 and abs(m["bias_mse"]) < 0.3
    assert m["late_2min_mape_trained"] > m["late_2min_mse"] + 0.05
    assert m["wape_mape_trained"] > m["wape_mse"]
    assert m["mae_mape_trained"] > m["mae_mse"]
