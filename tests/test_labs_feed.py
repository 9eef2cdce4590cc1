"""The feed labs: each lab's effect holds across seeds (direction and margin), and runs are reproducible."""

from __future__ import annotations

import pytest

from mlsd.labs.registry import labs_for_case
from conftest import lab_metrics as metrics  # noqa: E402

SEEDS = (0, 1, 2)
FEED_LABS = ("feed-value-weights", "feed-position-bias", "feed-head-calibration", "feed-network-interference",
             "feed-integrity-demotion", "feed-long-term-holdout")


def test_all_feed_labs_registered_with_their_steps():
    steps = {spec.id: spec.step for spec in labs_for_case("feed")}
    assert steps == {
        "feed-value-weights": "framing",
        "feed-position-bias": "data",
        "feed-head-calibration": "model",
        "feed-network-interference": "evaluation",
        "feed-integrity-demotion": "serving",
        "feed-long-term-holdout": "monitoring",
    }


@pytest.mark.parametrize("seed", SEEDS)
def test_value_weights_move_the_mix(seed):
    m = metrics("feed-value-weights", seed)
    # A heavier click weight brings recommended posts and bait into the top ten.
    assert m["recommended_clicks_pct"] > m["recommended_today_pct"] + 10
    assert m["bait_clicks_pct"] > 1.4 * m["bait_today_pct"]
    # Without the hide penalty bait takes about twice its share under today's weights.
    assert m["bait_nohide_pct"] > 1.5 * m["bait_today_pct"]
    # Today's heavy comment weight already amplifies bait beyond the inventory.
    assert m["bait_today_pct"] > 1.3 * m["bait_inventory_pct"]
    # A worth-your-time head pushes bait out and raises worth.
    assert m["bait_worth_pct"] < 0.85 * m["bait_today_pct"]
    assert m["worth_worth_pct"] > m["worth_today_pct"] + 1
    # No weight set wins everything: likes only has the least bait but fewer comments than today.
    assert m["bait_likes_pct"] < m["bait_today_pct"]
    assert m["comments_likes_pct"] < m["comments_today_pct"]


@pytest.mark.parametrize("seed", SEEDS)
def test_position_blind_model_overrates_freshness(seed):
    m = metrics("feed-position-bias", seed)
    truth = m["age_effect_oracle"]
    # Blind to position, the model learns a freshness effect several times too strong.
    assert m["age_effect_blind"] < 2.5 * truth
    assert m["top10_age_blind_h"] < m["top10_age_oracle_h"] - 4
    assert m["like_if_seen_blind_pct"] < m["like_if_seen_oracle_pct"] - 0.3
    # The additive slot feature helps part of the way; the factorised model recovers most of it.
    assert abs(m["age_effect_slot"] - truth) < abs(m["age_effect_blind"] - truth)
    assert abs(m["age_effect_exam"] - truth) < abs(m["age_effect_slot"] - truth)
    assert m["like_if_seen_exam_pct"] > m["like_if_seen_blind_pct"] + 0.3
    assert abs(m["exam_slot10_estimated"] - m["exam_slot10_true"]) < 0.1


@pytest.mark.parametrize("seed", SEEDS)
def test_uncorrected_head_skews_the_value_model(seed):
    m = metrics("feed-head-calibration", seed)
    # Same ranking quality (the correction is monotone), very different scale.
    assert abs(m["auc_raw"] - m["auc_corrected"]) < 1e-9
    assert m["calibration_raw"] > 8
    assert abs(m["calibration_corrected"] - 1.0) < 0.2
    # The inflated head hands the feed to recommended posts and costs value.
    assert m["recommended_raw_pct"] > m["recommended_calibrated_pct"] + 15
    assert m["value_raw"] < 0.93 * m["value_calibrated"]
    assert m["worth_raw_pct"] < m["worth_calibrated_pct"] - 3
    # The correction gives the calibrated model's feed back.
    assert abs(m["value_corrected"] - m["value_calibrated"]) < 0.01
    assert m["value_oracle"] > m["value_calibrated"]


@pytest.mark.parametrize("seed", SEEDS)
def test_only_cluster_randomisation_sees_the_posters(seed):
    m = metrics("feed-network-interference", seed)
    assert m["posts_truth_pct"] < -3
    # A user-randomised test reads about zero for posters: the truth is outside its interval.
    assert abs(m["posts_user_pct"]) < m["ci_posts_user_pct"] + 0.5
    assert m["posts_user_pct"] - m["ci_posts_user_pct"] > m["posts_truth_pct"]
    # Randomising communities measures most of the effect.
    assert m["posts_cluster_pct"] + m["ci_posts_cluster_pct"] < 0
    assert m["posts_cluster_pct"] < 0.6 * m["posts_truth_pct"]
    # Both designs see the viewers' side.
    for key in ("user", "cluster"):
        assert abs(m[f"time_{key}_pct"] - m["time_truth_pct"]) < 2 * m[f"ci_time_{key}_pct"]


@pytest.mark.parametrize("seed", SEEDS)
def test_demotion_by_probability_reaches_borderline_posts(seed):
    m = metrics("feed-integrity-demotion", seed)
    # Engagement ranking amplifies borderline posts well beyond their share of candidates.
    assert m["borderline_none_pct"] > 2 * m["prevalence_pct"]
    # A rule above 0.9 acts on few of them and barely moves the feed.
    assert m["cut_borderline_today_pct"] < 10
    assert m["borderline_today_pct"] > m["borderline_none_pct"] - 1.5
    # Proportional demotion does better than removal above 0.5 at about the same engagement.
    assert m["borderline_linear_pct"] < m["borderline_remove_pct"] - 1
    assert abs(m["engagement_linear_pct"] - m["engagement_remove_pct"]) < 1.5
    # The squared factor about halves the share for a few percent of engagement.
    assert m["borderline_square_pct"] < 0.6 * m["borderline_none_pct"]
    assert m["engagement_square_pct"] > 93
    assert m["worth_square_pct"] > m["worth_none_pct"]


@pytest.mark.parametrize("seed", SEEDS)
def test_short_test_wins_while_holdout_loses(seed):
    m = metrics("feed-long-term-holdout", seed)
    # The two-week readout is a significant win ...
    assert m["lift_week1_pct"] > 2 and m["lift_week2_pct"] > 1.5
    assert m["lift_week2_pct"] > 2 * m["ci_week2_pct"]
    # ... the six-month holdout a significant loss.
    assert m["lift_week26_pct"] < -m["ci_week26_pct"]
    assert m["lift_week26_pct"] < m["lift_week8_pct"] < m["lift_week1_pct"]
    # The survey moved in week one.
    assert m["worth_week1_pts"] + m["worth_ci_week1_pts"] < 0
