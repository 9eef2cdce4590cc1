"""The recs labs: each lab's effect holds across seeds (direction and margin), and runs are reproducible."""

from __future__ import annotations

import pytest

from mlsd.labs.registry import labs_for_case
from conftest import lab_metrics as metrics  # noqa: E402
from conftest import lab_result as result  # noqa: E402

SEEDS = (0, 1, 2)
RECS_LABS = ("recs-cold-start", "recs-mf-dimension", "recs-diversity", "recs-funnel", "recs-feedback-loop")


def test_all_recs_labs_registered_with_their_steps():
    steps = {spec.id: spec.step for spec in labs_for_case("recs")}
    assert steps == {
        "recs-cold-start": "data",
        "recs-mf-dimension": "model",
        "recs-diversity": "evaluation",
        "recs-funnel": "serving",
        "recs-feedback-loop": "monitoring",
    }


@pytest.mark.parametrize("seed", SEEDS)
def test_cold_start_cf_at_chance_content_rescues(seed):
    m = metrics("recs-cold-start", seed)
    chance = m["new_recall10_chance"]
    # Collaborative filtering has nothing on new items: chance level.
    assert abs(m["new_recall10_cf"] - chance) < 0.02
    # Content features rescue them, by a wide margin.
    assert m["new_recall10_content_profile"] > chance + 0.07
    assert m["new_recall10_content_to_factors"] > chance + 0.10
    # On established items CF is still the best model.
    assert m["warm_recall10_cf"] > m["warm_recall10_content_to_factors"] + 0.03
    assert m["warm_recall10_cf"] > m["warm_recall10_popularity"] + 0.03


@pytest.mark.parametrize("seed", SEEDS)
def test_mf_dimension_overfits_only_without_regularisation(seed):
    m = metrics("recs-mf-dimension", seed)
    assert 8 <= m["best_dim"] <= 32
    # Unregularised: rises above popularity, then overfits below it.
    assert m["recall20_best"] > m["recall20_popularity"] + 0.05
    assert m["recall20_best"] > m["recall20_dim_4"] + 0.02
    assert m["recall20_largest_dim"] < m["recall20_popularity"] - 0.05
    # In-sample fit keeps rising: the fall is overfitting, not underfitting.
    assert m["train_recall20_largest_dim"] > m["train_recall20_best_dim"] + 0.3
    # With L2 tuned per dimension the collapse is gone: the largest dimension stays near the best.
    assert m["recall20_l2_largest_dim"] > m["recall20_popularity"] + 0.04
    assert m["recall20_l2_largest_dim"] > m["recall20_l2_best"] - 0.03
    assert m["recall20_l2_best"] >= m["recall20_best"] - 1e-9


def test_mf_dimension_table_and_chart_show_the_same_dimensions():
    r = result("recs-mf-dimension", 0)
    table_dims = [row["model"] for row in r.table if row["model"] != "popularity"]
    assert table_dims == [f"dimension {x}" for s in r.plot.series[:1] for x in s.x]
    assert all(list(s.x) == list(r.plot.series[0].x) for s in r.plot.series)


@pytest.mark.parametrize("seed", SEEDS)
def test_dedup_helps_and_diversity_trades_precision(seed):
    m = metrics("recs-diversity", seed)
    assert m["duplicates_relevance"] > 1.0
    assert m["duplicates_dedup"] == 0.0
    assert m["precision10_dedup"] > m["precision10_relevance"] + 0.05
    assert abs(m["dedup_removed_share"] - 0.2) < 0.02
    # MMR buys categories with precision, more so with a lower lambda.
    assert m["categories_mmr_0_8"] > m["categories_dedup"] + 1.0
    assert m["categories_mmr_0_6"] > m["categories_mmr_0_8"] + 1.0
    assert m["precision10_dedup"] > m["precision10_mmr_0_8"] + 0.01
    assert m["precision10_mmr_0_8"] > m["precision10_mmr_0_6"] + 0.05
    assert m["categories_cap3"] > m["categories_dedup"] + 1.0
    assert m["precision10_cap3"] < m["precision10_dedup"]


@pytest.mark.parametrize("seed", SEEDS)
def test_funnel_ceiling_and_training_distribution(seed):
    m = metrics("recs-funnel", seed)
    ks = (20, 50, 100, 200, 500)
    for k in ks:
        # Retrieval recall is the ceiling of final recall (10 relevant items, 10 slots).
        assert m[f"final_recall10_served_k{k}"] <= m[f"retrieval_recall_k{k}"] + 1e-9
    recall = [m[f"retrieval_recall_k{k}"] for k in ks]
    assert recall == sorted(recall)
    # Final recall flattens: the last 300 candidates add far less than retrieval recall gains.
    gain_final = m["final_recall10_served_k500"] - m["final_recall10_served_k200"]
    gain_retrieval = m["retrieval_recall_k500"] - m["retrieval_recall_k200"]
    assert gain_final < 0.25 * gain_retrieval
    # The ranker beats retrieval order.
    assert m["final_recall10_served_k100"] > m["final_recall10_retrieval_order"] + 0.1
    # Trained on what is served beats clicks + random negatives, which leans on the retrieval score.
    assert m["final_recall10_served_k100"] > m["final_recall10_random_neg_k100"] + 0.005
    assert m["final_recall10_served_k500"] > m["final_recall10_random_neg_k500"] + 0.02
    assert m["retrieval_gain_share_random_neg"] > m["retrieval_gain_share_served"] + 0.4


@pytest.mark.parametrize("seed", SEEDS)
def test_feedback_loop_shrinks_coverage_unless_exploring(seed):
    m = metrics("recs-feedback-loop", seed)
    assert m["coverage_round0"] == 1.0
    assert m["coverage_final_eps_0"] < 0.4
    assert m["coverage_final_eps_0_1"] > m["coverage_final_eps_0"] + 0.35
    assert m["coverage_final_eps_0_05"] < m["coverage_final_eps_0_1"] < m["coverage_final_eps_0_2"]
    # CTR barely moves, and every policy beats the random bootstrap slates.
    assert abs(m["ctr_final_eps_0_1"] - m["ctr_final_eps_0"]) < 0.04
    assert min(m["ctr_final_eps_0"], m["ctr_final_eps_0_1"]) > m["ctr_random_slates"] + 0.05


@pytest.mark.parametrize("lab_id", RECS_LABS)
def test_output_shape(lab_id):
    r = result(lab_id, 0)
    assert r.metrics and all(isinstance(v, float) for v in r.metrics.values())
    assert all(k == k.lower() and " " not in k for k in r.metrics)
    assert 2 <= len(r.table) <= 8
    assert r.takeaway and r.plot is not None
