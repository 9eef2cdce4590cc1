"""The notifications labs: each lab's effect holds across seeds (direction and margin), and runs are reproducible."""

from __future__ import annotations

import pytest

from mlsd.labs.registry import labs_for_case
from conftest import lab_metrics as metrics  # noqa: E402

SEEDS = (0, 1, 2)
NOTIFICATION_LABS = (
    "notifications-uplift-vs-response", "notifications-confounded-logs", "notifications-qini-vs-auc",
    "notifications-budget-threshold", "notifications-long-term",
)


def test_all_notification_labs_registered_with_their_steps():
    steps = {spec.id: spec.step for spec in labs_for_case("notifications")}
    assert steps == {
        "notifications-uplift-vs-response": "framing",
        "notifications-confounded-logs": "data",
        "notifications-qini-vs-auc": "evaluation",
        "notifications-budget-threshold": "serving",
        "notifications-long-term": "monitoring",
    }


@pytest.mark.parametrize("seed", SEEDS)
def test_uplift_targeting_buys_more_visits_than_response_targeting(seed):
    m = metrics("notifications-uplift-vs-response", seed)
    # the world matches the case: ~46% visit within 24 h unpushed, a push adds about a point
    assert 43 < m["control_visit_rate"] < 49
    assert 0.8 < m["average_effect_pts"] < 1.8
    # response-style rankers win on the dashboard metric and pick users who would come anyway ...
    assert m["open_rate_open"] > 2 * m["open_rate_uplift"]
    assert m["anyway_open"] > m["anyway_uplift"] + 30
    assert m["anyway_response"] > m["anyway_random"] + 30
    # ... and buy fewer extra visits than even random targeting; uplift buys the most
    assert m["extra_open"] < m["extra_random"] - 5
    assert m["extra_response"] < m["extra_random"] - 5
    assert m["extra_uplift"] > m["extra_random"] + 4
    assert m["extra_uplift"] > m["extra_open"] + 12
    assert m["extra_oracle"] > m["extra_uplift"]


@pytest.mark.parametrize("seed", SEEDS)
def test_logged_sends_are_confounded_and_propensities_fix_it(seed):
    m = metrics("notifications-confounded-logs", seed)
    truth = m["true_effect_pts"]
    assert m["naive_pts"] > 20 * truth  # the old policy pushed the engaged users
    assert m["adjusted_pts"] > 10 * truth  # modelling cannot fix what the policy never varied
    assert m["adjusted_pts"] < m["naive_pts"]
    # the exploration slice makes both unbiased estimates land near the truth, with honest intervals
    assert abs(m["ipw_pts"] - truth) < 1.5 * m["ipw_ci_pts"]
    assert abs(m["slice_pts"] - truth) < 1.5 * m["slice_ci_pts"]
    assert 1.0 < m["ipw_ci_pts"] < 4.0


@pytest.mark.parametrize("seed", SEEDS)
def test_auc_picks_the_response_model_while_qini_picks_an_uplift_model(seed):
    m = metrics("notifications-qini-vs-auc", seed)
    assert m["auc_best_is_response"] == 1.0
    assert m["auc_response"] > m["auc_uplift"] + 0.2
    assert m["auc_response"] > m["auc_s_learner"] + 0.2
    assert m["qini_best_is_uplift"] == 1.0
    assert max(m["qini_uplift"], m["qini_s_learner"]) > m["qini_response"] + 1.0
    # the truth agrees with Qini, not with AUC
    assert min(m["true_top_uplift"], m["true_top_s_learner"]) > m["true_top_response"] + 10
    # and so does the uplift read off the randomised holdout, within its wide interval
    best = max(m["uplift_top_uplift"], m["uplift_top_s_learner"])
    assert best > m["uplift_top_response"] + 10
    assert m["uplift_ci_uplift"] > 10


@pytest.mark.parametrize("seed", SEEDS)
def test_net_marginal_threshold_beats_a_flat_cap_at_the_same_volume(seed):
    m = metrics("notifications-budget-threshold", seed)
    for policy in ("effect", "net"):
        assert abs(m[f"pushes_{policy}"] - m["pushes_flat"]) < 1e-9  # the same volume
    assert m["visits_net"] > m["visits_flat"] * 1.05
    assert m["opt_outs_net"] < m["opt_outs_flat"]
    assert m["net_net"] > m["net_flat"] * 1.08
    # ranking by effect alone buys visits but pays for them in opt-outs
    assert m["opt_outs_effect"] > 1.3 * m["opt_outs_flat"]
    assert m["net_effect"] < m["net_net"] - 4
    # the rule sends nothing to some users and more than the cap to others
    assert m["zero_share_net"] > 5 * m["zero_share_flat"]
    assert m["max_per_user_net"] > m["max_per_user_flat"]
    # the budget binds: the unconstrained rule would send more, and the last push taken is worth something
    assert m["pushes_free"] > m["pushes_flat"]
    assert m["shadow_price"] > 0
    assert m["net_free"] >= m["net_net"]
    # opt-outs near the case's 0.06% a day under the flat cap
    assert 30 < m["opt_outs_flat"] < 90


@pytest.mark.parametrize("seed", SEEDS)
def test_week_one_overstates_a_volume_increase(seed):
    m = metrics("notifications-long-term", seed)
    assert m["lift_week1_pct"] > 0.8
    assert m["lift_week8_pct"] < m["lift_week1_pct"] / 3
    assert m["peak_lift_pct"] == m["lift_week1_pct"]
    assert m["push_off_ratio"] > 1.2
    assert m["lift_after_rollback_pct"] < 0  # opt-outs do not come back
    assert m["lift_week9_pct"] < m["lift_after_rollback_pct"]  # the dip right after the rollback is fatigue wearing off
    assert 0.03 < m["daily_push_off_control_pct"] < 0.08
    assert m["pushes_per_day_test"] > m["pushes_per_day_control"] + 0.5
