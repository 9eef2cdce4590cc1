"""Dismissals and sweeping claims (mlsd.grader.tone), with examples of our own."""

from __future__ import annotations

import pytest

from mlsd.grader import grade, tone
from mlsd.grader.tone import dismissal_penalty, dismissals, filler, filler_penalty, sweeping_penalty
from mlsd.content.loader import load_catalog


@pytest.mark.parametrize("text", [
    "Latency isn't a real concern since the page can load the ads later.",
    "We don't really need to monitor drift for this product.",
    "Offline AUC alone is enough to decide the launch.",
    "Retraining once a quarter should be plenty.",
    "No guardrails are needed because revenue is the goal.",
    "A feature store is overkill at this size.",
    "Calibration is completely irrelevant for ranking.",
    "Canary releases only slow us down.",
    "Watch time is noisy and biased toward long videos, so skip it.",
    "position bias? ignore it",
])
def test_waving_something_away_is_a_dismissal(text):
    assert dismissals(text), text
    assert dismissal_penalty(dismissals(text)) > 0


@pytest.mark.parametrize("text", [
    "AUC alone is not enough: the auction needs calibrated probabilities.",
    "Irrelevant ads teach users to skip the ad slots.",
    "Items with no history need a cold-start plan.",
    "Latency matters because the whole page has a 100 ms budget.",
    "We need to watch drift in the input features.",
    "We can skip it for low-risk payments while the fraud rate stays under the limit.",
    "Too many poor ads and searchers learn to ignore them.",
    "bot clicks: ignore them when building labels",
])
def test_stating_what_matters_is_not_a_dismissal(text):
    assert dismissals(text) == []


def test_dismissals_cost_from_the_first_and_are_capped():
    one = dismissal_penalty(dismissals("Drift isn't a concern."))
    two = dismissal_penalty(dismissals("Drift isn't a concern. Latency doesn't matter either."))
    many = dismissal_penalty(dismissals(" ".join(["Drift isn't a concern."] * 10)))
    assert 0 < one < two <= many <= 0.3


def test_one_sweeping_word_is_free_a_stream_is_not():
    assert sweeping_penalty("We always log the features served at request time.") == 0
    assert sweeping_penalty("Just use XGBoost, it is obviously the best and always simply works.") > 0


def test_a_confidently_wrong_answer_scores_below_the_same_answer_with_reasons():
    case = load_catalog().case("ctr")
    careful = ("I would evaluate offline with normalized entropy and calibration per slice, then run an A/B test "
               "with revenue per search as the goal and ad click quality and latency as guardrails.")
    waved = careful + " Honestly the guardrails don't matter much and offline NE alone is enough to launch."
    assert grade(case, "evaluation", waved).score < grade(case, "evaluation", careful).score - 0.1
    assert any("Waves things away" in note for note in grade(case, "evaluation", waved).notes)


def test_corporate_filler_is_named_and_costs_per_word():
    deck = ("We'd leverage a holistic, state-of-the-art MLOps platform to unlock synergies and drive "
            "proactive monitoring excellence.")
    assert len(filler(deck)) >= 5 and filler_penalty(filler(deck)) >= 0.5
    engineering = ("A robust, scalable end-to-end pipeline: a Flink job keeps per-card counters in Redis, "
                   "and the model is retrained weekly on matured labels.")
    assert filler(engineering) == []


def test_buzzword_prose_scores_far_below_the_same_ideas_said_plainly():
    case = load_catalog().case("eta")
    plain = ("I would compare the live distribution of each feature with the training window using PSI and "
             "alert on large shifts, and track the share of orders that arrive after the promised time by city "
             "and hour, retraining weekly and after big weather events.")
    deck = ("We'd leverage a holistic, state-of-the-art monitoring framework with proactive drift detection, "
            "seamless continuous training and data-centric alerting excellence so the ETA stays robust.")
    assert grade(case, "monitoring", deck).score < 0.5 * grade(case, "monitoring", plain).score


def test_good_enough_and_thats_fine_are_dismissals_but_degree_and_conditions_are_not():
    from mlsd.grader import tone

    assert tone.dismissals("rebuild the index nightly, that's fresh enough for ranking")
    assert tone.dismissals("retrain once a month and that's fine")
    assert tone.dismissals("a week of data is accurate enough")
    for said in ("the catalog is small enough that this is cheap", "a GBDT is fast enough for 60 ms",
                 "boosted trees, and it's quick enough for a few milliseconds",
                 "approve when the chance it's fine times the margin beats the expected loss",
                 "we agree up front what result is enough for launch",
                 "run it until the test is long enough.", "daily is not fresh enough", "fine-grained segments"):
        assert not tone.dismissals(said), said


def test_marketing_words_are_filler_but_their_technical_neighbours_are_not():
    from mlsd.grader import tone

    assert len(tone.filler("an AI-driven, self-healing, omnichannel platform, industry-leading and frictionless")) == 5
    assert not tone.filler("a driven shaft, an AI model, a healing period, a channel per market, a leading indicator")
    assert len(tone.filler("a game-changing, game changer platform")) == 2
    assert not tone.filler("rain, holidays and a big game change everything for the couriers")


def test_a_stack_of_tool_names_is_stuffing_but_one_or_two_are_normal():
    from mlsd.grader.tone import stack_buzz, stack_buzz_penalty

    pile = ("We'd run cloud-native, event-driven microservices on Kubernetes with a service mesh, "
            "fault-tolerant and observable, with MLOps and blue-green deploys.")
    normal = "The ranker runs on Kubernetes behind gRPC; features come from the online store in one batched call."
    assert len(stack_buzz(pile)) >= 6 and stack_buzz_penalty(stack_buzz(pile), len(pile.split())) > 0.3
    assert stack_buzz_penalty(stack_buzz(normal), len(normal.split())) == 0


def test_tool_name_prose_earns_no_concept_credit():
    from mlsd.content.loader import load_catalog
    from mlsd.grader import grade

    case = load_catalog().case("ctr")
    pile = ("So we'd have a cloud-native, event-driven microservices architecture with Kubernetes, a service mesh "
            "and a real-time feature store, served on GPUs with TensorRT, fault-tolerant and observable, "
            "with caching, Redis and gRPC to hit the millisecond SLA.")
    result = grade(case, "serving", pile)
    assert result.score <= 0.15
    assert any("tool names" in note for note in result.notes)


@pytest.mark.parametrize("text", [
    "We use GBDT. Latency isn\u2019t a concern here. We leverage a holistic platform.",
    "Calibration is a minor issue. Kubernetes, service mesh and MLOps on a cloud-native stack. Then rank.",
    "No need to recalibrate.\n- train daily\n- that is good enough\nso we ship",
    "Plain answer with nothing to flag.",
])
def test_sentences_without_credit_are_those_each_sentence_test_finds(text):
    from mlsd.grader.text import sentences

    sents = sentences(text)
    one_by_one = {i for i, s in enumerate(sents) if tone.dismissals(s.text) or tone.filler(s.text)
                  or len(tone.stack_buzz(s.text)) >= tone.STACK_BUZZ_SENTENCE}
    assert tone.sentences_without_credit(text, [(s.start, s.start + len(s.text)) for s in sents]) == one_by_one


def test_a_brush_off_answered_by_a_contrast_keeps_the_sentence_credit():
    """'a bit early is fine, but every minute late costs' makes its point after the 'but'."""
    answer = "A bit early is fine, but every late minute costs us trust. Latency is fine, nobody notices."
    first_end = answer.index("trust.") + len("trust.")
    spans = [(0, first_end), (first_end + 1, len(answer))]
    assert tone.sentences_without_credit(answer, spans) == {1}
    assert tone.sentences_without_credit("It is fine, but that is good enough.", [(0, 36)]) == {0}  # brushed off twice
