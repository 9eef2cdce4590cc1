"""The ctr labs: each lab's effect holds across seeds (direction and margin), and runs are reproducible."""

from __future__ import annotations

import pytest

from mlsd.labs.registry import labs_for_case
from conftest import lab_metrics as metrics  # noqa: E402

SEEDS = (0, 1, 2)
CTR_LABS = ("ctr-leaky-history", "ctr-downsampling", "ctr-gbdt-lr", "ctr-calibration-ne", "ctr-freshness")


def test_all_ctr_labs_registered_with_their_steps():
    steps = {spec.id: spec.step for spec in labs_for_case("ctr")}
    assert steps == {
        "ctr-leaky-history": "data",
        "ctr-downsampling": "model",
        "ctr-gbdt-lr": "model",
        "ctr-calibration-ne": "evaluation",
        "ctr-freshness": "monitoring",
    }


@pytest.mark.parametrize("seed", SEEDS)
def test_leaky_history_inflates_offline_auc_even_with_time_split(seed):
    m = metrics("ctr-leaky-history", seed)
    # The leak shows under both splits: a time split does not remove it.
    assert m["auc_leaky_random"] > m["auc_pit_random"] + 0.05
    assert m["auc_leaky_time"] > m["auc_pit_time"] + 0.05
    assert m["offline_gap_time"] > 0.05
    # Served with point-in-time values, the leaky model loses its offline edge.
    assert m["auc_leaky_served"] < m["auc_leaky_time"] - 0.05
    assert m["auc_leaky_served"] < m["auc_pit_time"] + 0.02
    assert m["ne_leaky_served"] > m["ne_pit_time"]


@pytest.mark.parametrize("seed", SEEDS)
def test_downsampling_keeps_auc_breaks_then_restores_calibration(seed):
    m = metrics("ctr-downsampling", seed)
    assert abs(m["auc_full"] - m["auc_down"]) < 0.01
    assert m["max_auc_drop"] < 0.015
    assert m["train_rows_share"] < 0.2
    # Raw predictions of the downsampled model over-predict and NE is much worse.
    assert m["calibration_down_raw"] > 3.0
    assert m["ne_down_raw"] > m["ne_full"] + 0.3
    # The q = p / (p + (1 - p) / w) correction restores both.
    assert abs(m["calibration_down_recal"] - 1.0) < 0.1
    assert m["ne_down_recal"] < m["ne_full"] + 0.01


@pytest.mark.parametrize("seed", SEEDS)
def test_gbdt_lr_hybrid_beats_lr_and_trees(seed):
    m = metrics("ctr-gbdt-lr", seed)
    # He et al. 2014, Table 1 ordering: hybrid < LR only < trees only (NE, lower is better).
    assert m["ne_hybrid"] < m["ne_lr"] - 0.005
    assert m["ne_lr"] < m["ne_trees"]
    assert m["ne_gain_vs_lr_pct"] > 0.5
    assert m["auc_hybrid"] > m["auc_lr"] > m["auc_trees"]


@pytest.mark.parametrize("seed", SEEDS)
def test_calibration_moves_ne_not_auc(seed):
    m = metrics("ctr-calibration-ne", seed)
    assert m["auc_spread"] < 1e-9  # strictly monotone maps: identical ranking
    assert m["ne_overconfident"] > m["ne_model"] + 0.02
    assert m["ne_underconfident"] > m["ne_model"] + 0.01
    assert m["ne_shifted"] > m["ne_model"] + 0.05
    assert m["calibration_shifted"] > 1.8
    assert abs(m["calibration_model"] - 1.0) < 0.1
    assert m["ece_overconfident"] > 3 * m["ece_model"]
    assert m["ece_shifted"] > 3 * m["ece_model"]
    # Isotonic recalibration on a holdout repairs the shift.
    assert m["ne_recalibrated"] < m["ne_model"] + 0.03
    assert abs(m["calibration_recalibrated"] - 1.0) < 0.15


@pytest.mark.parametrize("seed", SEEDS)
def test_stale_model_ne_grows_with_days_since_training(seed):
    m = metrics("ctr-freshness", seed)
    assert m["ne_stale_slope_per_day"] > 0.0005
    assert m["ne_stale_day14"] > m["ne_stale_day1"] + 0.015
    assert m["ne_gap_day14_pct"] > 2.0
    assert m["ne_stale_day14"] > m["ne_fresh_day14"]
    # The retrained model stays about where the stale one started.
    assert abs(m["ne_fresh_mean"] - m["ne_stale_day1"]) < 0.02
    assert m["unseen_ads_share_day14"] > 0.3
