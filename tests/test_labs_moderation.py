"""The moderation labs: each lab's effect holds across seeds (direction and margin), and runs are reproducible."""

from __future__ import annotations

import pytest

from mlsd.labs.registry import labs_for_case
from conftest import lab_metrics as metrics  # noqa: E402

SEEDS = (0, 1, 2)
MODERATION_LABS = ("moderation-fusion", "moderation-prevalence-sampling", "moderation-language-thresholds",
                   "moderation-review-queue", "moderation-evasion-drift")


def test_all_moderation_labs_registered_with_their_steps():
    steps = {spec.id: spec.step for spec in labs_for_case("moderation")}
    assert steps == {
        "moderation-fusion": "model",
        "moderation-prevalence-sampling": "evaluation",
        "moderation-language-thresholds": "evaluation",
        "moderation-review-queue": "serving",
        "moderation-evasion-drift": "monitoring",
    }


@pytest.mark.parametrize("seed", SEEDS)
def test_late_fusion_misses_memes_hateful_only_in_combination(seed):
    m = metrics("moderation-fusion", seed)
    # Unimodal models see only their own modality's harm.
    assert m["recall_picture_text"] < 0.05 and m["recall_caption_image"] < 0.05
    # Late fusion catches unimodal harm but almost none of the combinations.
    assert m["recall_caption_late"] > 0.5 and m["recall_picture_late"] > 0.5
    assert m["recall_combination_late"] < 0.15
    # The joint model with cross-modal terms catches them, without losing the unimodal kinds.
    assert m["recall_combination_joint"] > m["recall_combination_late"] + 0.3
    assert m["recall_combination_joint"] > m["recall_combination_concat"] + 0.2
    assert m["recall_caption_joint"] >= m["recall_caption_late"] - 0.05
    assert m["pr_auc_joint"] > m["pr_auc_late"] + 0.05
    assert m["pr_auc_joint"] > m["pr_auc_concat"] + 0.05


@pytest.mark.parametrize("seed", SEEDS)
def test_stratified_view_sample_beats_simple_random_and_items_are_the_wrong_unit(seed):
    m = metrics("moderation-prevalence-sampling", seed)
    # The case's rates: about 0.15% of views and 0.4% of items.
    assert 0.10 < m["true_prevalence_pct"] < 0.20 and 0.3 < m["item_prevalence_pct"] < 0.5
    # Sampling items instead of views overstates the share of views at least twofold.
    assert m["rel_bias_items"] > 1.0
    # Simple random and stratified view samples are unbiased (within Monte Carlo noise) ...
    for key in ("srs", "strat", "strat_weak"):
        assert abs(m[f"rel_bias_{key}"]) < 0.1
    # ... but stratifying by a good score cuts the error, so a simple sample needs several times the labels.
    assert m["rel_rmse_strat"] < 0.6 * m["rel_rmse_srs"]
    assert m["srs_labels_for_same_error"] > 4 * m["budget"]
    assert m["rel_rmse_strat"] < m["rel_rmse_strat_weak"]
    assert m["zero_share_srs"] > 0.01


@pytest.mark.parametrize("seed", SEEDS)
def test_one_global_threshold_removes_wrongly_in_low_resource_languages(seed):
    m = metrics("moderation-language-thresholds", seed)
    assert m["precision_global_english"] > 0.95
    assert m["precision_global_tagalog"] < 0.9 and m["precision_global_hindi"] < 0.94
    assert m["wrongful_ratio_global_tagalog_vs_english"] > 2.5
    # A threshold per language restores precision where the global one failed, at lower recall.
    for language in ("hindi", "tagalog"):
        assert m[f"precision_own_{language}"] > 0.93
        assert m[f"precision_own_{language}"] > m[f"precision_global_{language}"] + 0.03
        assert m[f"recall_own_{language}"] < m[f"recall_global_{language}"]
        assert m[f"wrongful_per_million_own_{language}"] < m[f"wrongful_per_million_global_{language}"] / 2
    assert m["recall_own_tagalog"] < m["recall_own_english"] - 0.3


@pytest.mark.parametrize("seed", SEEDS)
def test_review_queue_by_expected_harm_prevents_most_harm(seed):
    m = metrics("moderation-review-queue", seed)
    assert m["capacity"] < m["queue"] / 2
    # Ranking by p maximises violations found (the hit rate) ...
    for key in ("fifo", "reports", "harm", "tier1_harm"):
        assert m["violations_found_p"] > m[f"violations_found_{key}"]
    # ... but expected harm prevents far more harm, and FIFO least of all.
    assert m["harm_prevented_harm"] > m["harm_prevented_p"] + 0.1
    assert m["harm_prevented_fifo"] < m["harm_prevented_p"] - 0.2
    # Tier 1 first reviews every tier-1 violation at almost no cost in harm prevented.
    assert m["tier1_reviewed_tier1_harm"] > 0.99 > m["tier1_reviewed_harm"]
    assert m["harm_prevented_tier1_harm"] > m["harm_prevented_harm"] - 0.02


@pytest.mark.parametrize("seed", SEEDS)
def test_evasion_halves_recall_while_precision_of_removals_holds(seed):
    m = metrics("moderation-evasion-drift", seed)
    assert m["recall_word_week6"] < 0.6 * m["recall_word_week0"]
    # The audit of removals barely moves: it would not raise an alarm.
    assert m["precision_word_week6"] > 0.85
    assert m["precision_word_week0"] - m["precision_word_week6"] < 0.1
    # Character n-grams lose less; weekly retraining on fresh labels holds recall.
    drop_word = m["recall_word_week0"] - m["recall_word_week6"]
    drop_char = m["recall_char_week0"] - m["recall_char_week6"]
    assert drop_char < drop_word - 0.15
    assert m["recall_retrained_week6"] > m["recall_word_week6"] + 0.3
    assert m["recall_retrained_week6"] > m["recall_char_week6"]
