"""Effects of the ETA labs hold across seeds (direction and margin, not exact floats)."""

from __future__ import annotations

import pytest

from mlsd.labs import labs_for_case
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


@pytest.mark.parametrize("seed", SEEDS)
def test_residual(seed):
    m = _metrics("eta-residual", seed)
    # inside the training range: equal, both far better than the routing engine alone
    assert abs(m["mae_raw_in_range"] - m["mae_correction_in_range"]) < 0.05 * m["mae_raw_in_range"]
    assert m["mae_correction_in_range"] < 0.6 * m["mae_routing_in_range"]
    # beyond the training range the raw model flat-lines; the gain is all there
    assert m["max_raw_prediction"] <= m["max_train_duration"] + 1e-6
    assert m["mae_raw_beyond"] > 1.1 * m["mae_correction_beyond"]
    assert m["mae_raw_8_12km"] > 1.25 * m["mae_correction_8_12km"]
    assert m["mae_correction_beyond"] < m["mae_routing_beyond"]


@pytest.mark.parametrize("seed", SEEDS)
def test_orders_look_like_the_case(seed):
    """The synthetic orders speak the case's numbers: median ~34 min, P90 in the 50s, a few percent under 20."""
    import numpy as np

    from mlsd.labs.eta import _city, _orders

    rng = np.random.default_rng(seed)
    _, y, seg, _ = _orders(rng, _city(rng), 50000)
    assert 30 < np.median(y) < 38
    assert 48 < np.quantile(y, 0.9) < 60
    assert 0.03 < (y < 20).mean() < 0.12
    assert 1.1 < np.median(y[seg == 2]) / np.median(y[seg == 0]) < 1.35  # rain about 20% slower


@pytest.mark.parametrize("seed", SEEDS)
def test_leaky_feature(seed):
    m = _metrics("eta-leaky-feature", seed)
    assert m["mae_leaky_offline"] < 0.8 * m["mae_clean"]  # looks better offline
    assert m["mae_leaky_online"] > m["mae_clean"]  # the gain is gone at checkout
    assert m["bias_leaky_online"] < -1.5 and abs(m["bias_clean"]) < 0.3  # and it promises early
    assert m["late_5min_leaky_online"] > 1.15 * m["late_5min_clean"]


@pytest.mark.parametrize("seed", SEEDS)
def test_quantile(seed):
    m = _metrics("eta-quantile", seed)
    # same average promise
    assert abs(m["promise_quantile_all"] - m["promise_buffer_all"]) < 0.02 * m["promise_quantile_all"]
    # overall the buffer is on time a little more often...
    assert m["on_time_buffer_all"] > m["on_time_quantile_all"]
    # ...but only the quantile model holds its coverage in every segment
    for segment in ("calm", "peak", "rain"):
        assert 0.85 < m[f"on_time_quantile_{segment}"] < 0.95
    assert m["on_time_buffer_calm"] > 0.93
    assert m["on_time_buffer_rain"] < 0.85
    assert m["on_time_spread_buffer"] > 3 * m["on_time_spread_quantile"]


@pytest.mark.parametrize("seed", SEEDS)
def test_mape(seed):
    m = _metrics("eta-mape", seed)
    # short deliveries weigh far more in MAPE than in minutes of error
    assert m["short_share_of_mape"] > m["short_share_of_orders"] + 0.04
    assert m["short_share_of_mape"] > 1.8 * m["short_share_of_abs_error"]
    assert m["mape_short_mse"] > 1.3 * m["mape_long_mse"]
    # training for MAPE wins on MAPE by predicting low: more late orders, worse WAPE and MAE
    assert m["mape_mape_trained"] < m["mape_mse"] - 0.008
    assert m["bias_mape_trained"] < -0.8 and abs(m["bias_mse"]) < 0.3
    assert m["late_5min_mape_trained"] > m["late_5min_mse"] + 0.05
    assert m["wape_mape_trained"] > m["wape_mse"]
    assert m["mae_mape_trained"] > m["mae_mse"]
