from __future__ import annotations

import pytest

from mlsd.grader import grade


def test_empty_answer_scores_zero(toy_case):
    result = grade(toy_case, "requirements", "   ", "senior")
    assert result.score == 0 and not result.answered
    assert {m.id for m in result.misses} == {"scale", "latency", "goal"}


GOOD = (
    "First I'd ask how many queries per second we serve at peak, because that decides how many machines "
    "we need and whether a heavier model is affordable at all. Then I would pin down the p99 latency budget "
    "in milliseconds for the scoring call, since the page has to render quickly and the model only gets a "
    "slice of the total time. Finally I'd confirm the business goal with the product team, which is revenue "
    "from the shop rather than raw clicks, so that the metric we optimise matches what the company wants."
)


def test_good_answer_hits_with_evidence(toy_case):
    result = grade(toy_case, "requirements", GOOD, "senior")
    hits = {h.id: h.evidence for h in result.hits}
    assert set(hits) == {"scale", "latency", "goal"}
    assert "queries per second" in hits["scale"]
    assert result.score >= 0.9


def test_stuffed_list_of_terms_scores_low(toy_case):
    stuffed = "qps, requests per second, p99 latency, latency budget, milliseconds, business goal, revenue"
    result = grade(toy_case, "requirements", stuffed, "senior")
    assert len(result.hits) == 3  # the terms are there ...
    assert result.score < 0.3 < grade(toy_case, "requirements", GOOD, "senior").score  # ... but say nothing
    assert any("list of terms" in n for n in result.notes)


def test_dismissing_a_concept_is_not_a_hit(toy_case):
    addressed = grade(toy_case, "requirements", GOOD)
    waved = grade(toy_case, "requirements", GOOD.replace(
        "Then I would pin down the p99 latency budget", "The p99 latency budget doesn't matter, and I would not pin down the"))
    assert "latency" in {h.id for h in addressed.hits}
    assert "latency" not in {h.id for h in waved.hits}
    assert waved.score < addressed.score


def test_typos_are_tolerated(toy_case):
    result = grade(toy_case, "evaluation", "The scores must be well calibratd before anything else.")
    assert "calibration" in {h.id for h in result.hits}


def test_short_answers_score_below_developed_ones(toy_case):
    short = grade(toy_case, "requirements", "I'd ask about qps, p99 latency and revenue.", "senior").score
    assert 0 < short < grade(toy_case, "requirements", GOOD, "senior").score


def test_inflection_order_and_abbreviation(toy_case):
    # "QPS" abbreviation, "budget for latency" reversed order, "calibrated" inflection
    assert "scale" in {h.id for h in grade(toy_case, "requirements", "What QPS do we expect?").hits}
    assert "latency" in {h.id for h in grade(toy_case, "requirements", "What is our budget for latency?").hits}
    assert "calibration" in {h.id for h in grade(toy_case, "evaluation", "Scores must be well calibrated.").hits}
    assert "ab" in {h.id for h in grade(toy_case, "evaluation", "We would run an AB test.").hits}


def test_level_changes_expectations(toy_case):
    text = GOOD.split(". Then")[0] + "."
    mid = grade(toy_case, "requirements", text, "mid").score
    senior = grade(toy_case, "requirements", text, "senior").score
    staff = grade(toy_case, "requirements", text, "staff").score
    assert mid > senior > staff


def test_red_flag_only_when_claimed(toy_case):
    claimed = grade(toy_case, "evaluation", "Calibration matters. Accuracy is the right metric here.")
    denied = grade(toy_case, "evaluation", "Calibration matters. Accuracy is not the right metric here.")
    avoided = grade(toy_case, "evaluation", "Calibration matters; we won't use accuracy, since clicks are rare.")
    assert "accuracy" in [f.id for f in claimed.red_flags]
    assert denied.red_flags == [] and avoided.red_flags == []
    assert claimed.score < denied.score


def test_scores_stay_in_unit_interval(toy_case):
    bad = "Latency doesn't matter. Use accuracy. Accuracy is the right metric."
    for step in ("requirements", "evaluation"):
        for level in ("mid", "senior", "staff"):
            assert 0.0 <= grade(toy_case, step, bad, level).score <= 1.0


def test_advice_and_json_shape(toy_case):
    result = grade(toy_case, "requirements", "We need to know the qps.")
    data = result.to_json()
    assert data["step"] == "requirements"
    assert data["missed"][0]["id"] == "latency" and data["missed"][0]["hint"]
    assert "latency" in result.advice.lower()


def test_unknown_level_rejected(toy_case):
    with pytest.raises(ValueError):
        grade(toy_case, "requirements", "qps", "principal")
