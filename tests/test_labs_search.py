"""The search labs: each lab's effect holds across seeds (direction and margin), and runs are reproducible."""

from __future__ import annotations

import pytest

from mlsd.labs.registry import labs_for_case
from conftest import lab_metrics as metrics  # noqa: E402
from conftest import lab_result as result  # noqa: E402

SEEDS = (0, 1, 2)
SEARCH_LABS = ("search-position-bias", "search-ltr-objectives", "search-group-split", "search-rerank-depth")


def test_all_search_labs_registered_with_their_steps():
    steps = {spec.id: spec.step for spec in labs_for_case("search")}
    assert steps == {
        "search-position-bias": "data",
        "search-ltr-objectives": "model",
        "search-group-split": "evaluation",
        "search-rerank-depth": "serving",
    }


@pytest.mark.parametrize("seed", SEEDS)
def test_debiasing_clicks_beats_naive_training(seed):
    m = metrics("search-position-bias", seed)
    assert m["ndcg5_unbiased_lambdamart"] > m["ndcg5_naive_lambdamart"] + 0.02
    assert m["ndcg5_ipw_pointwise"] > m["ndcg5_naive_pointwise"] + 0.005
    # True grades remain the upper bound; every click-trained model beats the logging ranker.
    assert m["ndcg5_true_labels_lambdamart"] > m["ndcg5_unbiased_lambdamart"] + 0.01
    assert m["ndcg5_naive_lambdamart"] > m["ndcg5_logging_ranker"] + 0.1
    # The estimated examination bias falls with rank, near the true 1/r.
    assert 0.4 < m["propensity_est_pos2"] < 0.7
    assert m["propensity_est_pos3"] < m["propensity_est_pos2"]
    # Naive training copies the logging ranker's irrelevant feature more than debiased training.
    assert m["feature7_gain_share_naive_lambdamart"] > m["feature7_gain_share_unbiased_lambdamart"] + 0.03
    assert m["feature7_gain_share_true_labels_lambdamart"] < 0.02


@pytest.mark.parametrize("seed", SEEDS)
def test_ltr_objectives_differ_little(seed):
    m = metrics("search-ltr-objectives", seed)
    scores = [m["ndcg10_pointwise"], m["ndcg10_pairwise"], m["ndcg10_listwise"]]
    assert max(scores) - min(scores) < 0.05
    assert all(0.8 < s < m["ndcg10_noiseless_signal"] for s in scores)


def test_ltr_ranking_objectives_edge_ahead_on_average():
    gaps = [metrics("search-ltr-objectives", s)["gap_pairwise_vs_pointwise"] for s in SEEDS]
    assert sum(gaps) / len(gaps) > 0.005


@pytest.mark.parametrize("seed", SEEDS)
def test_time_split_with_point_in_time_history_predicts_next_week(seed):
    m = metrics("search-group-split", seed)
    # A row split flatters the model; grouping by query scores every query as new and undersells it.
    assert m["row_split_error"] > 0.02
    assert m["group_split_error"] < -0.035
    # A time split with point-in-time history lands where next week does, overall and on seen queries.
    assert abs(m["time_split_error"]) < 0.02
    assert abs(m["auc_time_split_seen"] - m["auc_next_week_seen"]) < 0.02
    # Most of next week's traffic is queries seen before, and history helps them: report the two apart.
    assert 0.8 < m["seen_share_next_week"] < 0.9
    assert m["auc_next_week_seen"] > m["auc_next_week_unseen"] + 0.03
    assert m["auc_time_split_seen"] > m["auc_time_split_unseen"] + 0.03
    # The query-grouped number is closer to the new-query slice than to the traffic as a whole.
    assert abs(m["auc_group_split"] - m["auc_next_week_unseen"]) < abs(m["auc_group_split"] - m["auc_next_week"])


@pytest.mark.parametrize("seed", SEEDS)
def test_rerank_depth_rises_then_saturates(seed):
    m = metrics("search-rerank-depth", seed)
    ks = (10, 20, 50, 100, 200, 500, 1000)
    recall = [m[f"first_stage_recall_k{k}"] for k in ks]
    assert recall == sorted(recall) and recall[-1] == 1.0
    # Steep at first...
    assert m["ndcg10_k100"] > m["ndcg10_k10"] + 0.15
    assert m["ndcg10_k10"] > m["ndcg10_first_stage_only"] + 0.03
    # ...then flat: ten times the cost after K=100 buys almost nothing.
    assert m["ndcg10_k1000"] - m["ndcg10_k100"] < 0.02
    assert m["saturation_k"] <= 200


@pytest.mark.parametrize("lab_id", SEARCH_LABS)
def test_output_shape(lab_id):
    r = result(lab_id, 0)
    assert r.metrics and all(isinstance(v, float) for v in r.metrics.values())
    assert all(k == k.lower() and " " not in k for k in r.metrics)
    assert 2 <= len(r.table) <= 8
    assert r.takeaway and r.plot is not None
