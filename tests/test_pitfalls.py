"""The shared pitfall library: each pitfall catches its examples and spares its correct counterparts,
in every shipped case and every step it applies to."""

from __future__ import annotations

import pytest

from mlsd.content import pitfalls
from mlsd.grader import grade
from mlsd.content.loader import load_catalog

CATALOG = load_catalog()


def _applicable(pitfall):
    for case_id, loaded in sorted(CATALOG.cases.items()):
        for step_id, step in loaded.case.steps.items():
            if (not pitfall.steps or step_id in pitfall.steps) and pitfall.id not in step.rubric.pitfalls_off:
                yield loaded.case, step_id


@pytest.mark.parametrize("pitfall", pitfalls.library(), ids=lambda p: p.id)
def test_each_pitfall_catches_its_examples_in_every_case(pitfall):
    for case, step_id in _applicable(pitfall):
        own = {flag.id for flag in case.steps[step_id].rubric.red_flags}
        for example in pitfall.examples:
            raised = {f.id for f in grade(case, step_id, example).red_flags}
            # a case's own red flag on the same sentence says the same thing in the case's terms
            assert pitfall.id in raised or raised & own, (case.id, step_id, example, raised)


@pytest.mark.parametrize("pitfall", pitfalls.library(), ids=lambda p: p.id)
def test_correct_counterparts_raise_no_flag(pitfall):
    for case, step_id in _applicable(pitfall):
        for counterpart in pitfall.counterparts:
            raised = [f.id for f in grade(case, step_id, counterpart).red_flags]
            assert raised == [], (case.id, step_id, counterpart, raised)


def test_a_raised_pitfall_costs_points_and_shows_its_fix():
    case = CATALOG.case("ctr")
    right = "Train on days 1..N and evaluate on day N+1 so the test is in the future, with point-in-time features."
    wrong = "Take a random 80/20 split of the logs for train and test, with point-in-time features."
    good, bad = grade(case, "data", right), grade(case, "data", wrong)
    flag = next(f for f in bad.red_flags if f.id == "random-split")
    assert flag.fix and flag.evidence
    assert bad.score < good.score


def test_a_step_can_switch_a_pitfall_off():
    from mlsd.content.schema import Rubric

    rubric = Rubric.model_validate({
        "concepts": [{"id": "x", "label": "X", "weight": 1, "level": "mid", "phrasings": ["x"], "why": "w"}],
        "pitfalls_off": ["random-split"],
    })
    ids = {f.id for f in pitfalls.for_step(rubric, "data")}
    assert "random-split" not in ids and "aggregates-over-whole-dataset" in ids


def test_an_ab_test_split_of_users_is_not_a_random_split_of_data():
    case = CATALOG.case("ctr")
    raised = {f.id for f in grade(case, "evaluation", "Online, I'd randomly split users into two arms for two weeks.").red_flags}
    assert "random-split" not in raised


def _overridden():
    """(case, step, case flag, shared pitfall) where a case's red flag has a shared pitfall's id."""
    shared = {p.id: p for p in pitfalls.library()}
    for case_id, loaded in sorted(CATALOG.cases.items()):
        for step_id, step in loaded.case.steps.items():
            for flag in step.rubric.red_flags:
                if flag.id in shared and flag.id not in step.rubric.pitfalls_off:
                    yield loaded.case, step_id, flag, shared[flag.id]


def test_a_case_flag_with_a_pitfalls_id_adds_its_phrasings_under_the_pitfalls_unless_words():
    found = list(_overridden())
    assert found  # the shipped cases do override some pitfalls (random-split among them)
    for case, step_id, flag, common in found:
        same_id = [f for f in pitfalls.for_step(case.steps[step_id].rubric, step_id) if f.id == flag.id]
        assert same_id[0].phrasings == flag.phrasings and same_id[0].unless == flag.unless
        added = [p for p in common.phrasings if p not in flag.phrasings]
        if added:
            assert len(same_id) == 2 and same_id[1].phrasings == added and same_id[1].unless == common.unless
            assert same_id[1].claim == flag.claim  # said in the case's terms


def test_an_id_raised_by_two_sentences_counts_once():
    case = CATALOG.case("fraud")
    text = ("Shuffle all the rows and split 80/20. Then a random split again for the validation set, "
            "and a random 80/20 for the test set.")
    raised = [f.id for f in grade(case, "data", text).red_flags]
    assert raised.count("random-split") == 1


def test_no_pitfall_lists_an_entry_twice():
    from mlsd.content.checks import repeated_entries

    assert [problem for pitfall in pitfalls.library() for problem in repeated_entries(pitfall)] == []


# ------------------------------------------------------------------ patterns: claims carried by small words


def _pattern_flag(pattern: str):
    from mlsd.content.rules import RedFlag

    return RedFlag.model_validate({"id": "bias-cancels", "claim": "The bias cancels out.", "penalty": 0.15,
                                   "why": "w", "phrasings": ["bias cancels itself"], "patterns": [pattern]})


def test_a_pattern_catches_words_a_phrasing_cannot_hold_and_reads_negation_at_its_claim_group():
    from mlsd.grader import text as textmod
    from mlsd.grader.core import find_red_flags

    flag = _pattern_flag(r"\bbias\b[^.!?]{0,80}?\b(?P<claim>averages out)\b")

    def raised(text: str) -> bool:
        return bool(find_red_flags(text, textmod.sentences(text), [flag]))

    assert raised("Position bias, with billions of searches, averages out, so raw clicks are fine.")
    # "cancels out" is one content word, "cancel": as a phrasing it would match "cancelled orders"
    assert not raised("Cancelled orders are out of the label; the bias is measured.")
    assert not raised("The bias never averages out with more traffic.")  # the claim group is negated
    # a negation elsewhere in the sentence is not the claim's: "but ... we don't need to model it"
    assert raised("People raise position bias, but at our traffic the bias averages out and we don't model it.")
    assert not raised("Noise averages out, and position bias is modelled.")  # the bias must come first
    assert not raised("Some think a uniform bias averages out at scale; it doesn't, the thresholds are absolute.")


def test_a_pattern_that_is_not_a_regular_expression_or_matches_nothing_is_refused():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="not a regular expression"):
        _pattern_flag(r"bias (averages")
    with pytest.raises(ValidationError, match="empty string"):
        _pattern_flag(r"(?:bias)?")
