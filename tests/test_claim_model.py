"""The learned wrong-claim model (mlsd.grader.claim_model): how it reads a sentence, how a grade
uses what it reads, and that the shipped weights were trained on today's content."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from mlsd.content.loader import load_catalog
from mlsd.content.schema import RedFlag, Rubric
from mlsd.grader import claim_model, grade
from mlsd.grader.core import WRONG_CLAIM_CAPS, grade_rubric

ROOT = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------ features


def test_a_negated_clause_reads_apart_from_the_same_words_asserted():
    said = claim_model.features("calibration matters for the auction")
    denied = claim_model.features("calibration doesn't matter for the auction")
    assert "neg_matter" in denied and "neg_matter" not in said
    assert "neg_auction" in denied  # to the end of the clause


def test_a_negation_ends_at_the_clause_and_bigrams_do_not_cross_it():
    found = claim_model.features("we never split at random, we split by time")
    assert "neg_random" in found and "neg_time" not in found
    assert "random_we" not in found and "random" in found and "split_time" in found


def test_kept_small_words_count_and_other_stopwords_do_not():
    found = claim_model.features("only the order of the ads matters")
    assert "only" in found and "the" not in found and "only_order" in found


# ------------------------------------------------------------------ scoring a sentence


def _model(tmp_path, monkeypatch, model: dict) -> None:
    folder = tmp_path / "claim_model"
    folder.mkdir()
    (folder / "toy.json.gz").write_bytes(gzip.compress(json.dumps(model).encode()))
    monkeypatch.setattr(claim_model, "MODEL_DIR", folder)
    claim_model.load.cache_clear()


@pytest.fixture
def toy_model(tmp_path, monkeypatch):
    # two flags that make the same claim in other words, and "ok"
    _model(tmp_path, monkeypatch, {"classes": ["ok", "order-only", "ranking-only"], "intercept": [2.0, 0.0, 0.0],
                                    "weights": {"order": [[1, 4.0], [2, 4.0]], "calibr": [[0, 3.0]]}})
    yield
    claim_model.load.cache_clear()


def test_flags_that_make_one_claim_add_up(toy_model):
    # alone each has about 47%: together the sentence is wrong with about 94%
    flag, probability = claim_model.likely_flag("toy", "the order", frozenset({"order-only", "ranking-only"}))
    assert flag in {"order-only", "ranking-only"} and probability > claim_model.THRESHOLD
    alone = claim_model.likely_flag("toy", "the order", frozenset({"order-only"}))
    assert alone is None  # the other flag belongs to another step: its share does not count here


def test_a_sentence_the_model_reads_as_ok_raises_nothing(toy_model):
    assert claim_model.likely_flag("toy", "the order needs calibration", frozenset({"order-only", "ranking-only"})) is None


def test_no_model_or_an_unreadable_one_reads_nothing(tmp_path, monkeypatch):
    assert claim_model.likely_flag("no-such-case", "anything", frozenset({"x"})) is None
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "toy.json.gz").write_bytes(b"not gzip at all")
    monkeypatch.setattr(claim_model, "MODEL_DIR", folder)
    claim_model.load.cache_clear()
    try:
        assert not claim_model.has_model("toy") and claim_model.likely_flag("toy", "x", frozenset({"x"})) is None
        assert not claim_model.has_model("../toy")
    finally:
        claim_model.load.cache_clear()


# ------------------------------------------------------------------ in a grade


def _rubric() -> Rubric:
    return Rubric.model_validate({
        "concepts": [{"id": "split", "label": "Out-of-time split", "weight": 1, "level": "mid",
                      "phrasings": ["split by time"], "why": "w"},
                     {"id": "calib", "label": "Calibration", "weight": 1, "level": "mid",
                      "phrasings": ["calibration"], "why": "w"}],
        "red_flags": [{"id": "random-split", "claim": "A random split is fine.", "phrasings": ["shuffle rows"],
                       "penalty": 0.2, "why": "It leaks the future.", "fix": "Split by time."}],
    })


def _reader(wrong_words: str):
    def read(sentence: str, allowed: frozenset[str]):
        return ("random-split", 0.9) if wrong_words in sentence.text and "random-split" in allowed else None
    return read


def test_a_sentence_read_as_wrong_costs_a_little_and_names_itself():
    text = "We split by time so nothing leaks. Calibration is tracked daily."
    clean = grade_rubric("toy", "data", _rubric(), text)
    read = grade_rubric("toy", "data", _rubric(), text, claim_reader=_reader("Calibration is tracked"))
    [flag] = read.red_flags
    assert flag.id == claim_model.PREFIX + "random-split" and flag.claim.startswith("Likely wrong: ")
    assert flag.penalty == claim_model.PENALTY and flag.fix == "Split by time." and "Calibration" in flag.evidence
    assert "calib" not in {h.id for h in read.hits}  # the sentence read as wrong earns nothing
    assert "calib" in {m.id for m in read.misses}
    assert read.score < clean.score


# a fluent, correct data-step answer that scores above the one-wrong-claim cap; tests add one more sentence
_FLUENT_DATA_ANSWER = ("We split by time so that nothing from the future leaks into training, because the model is used "
                       "on tomorrow's traffic and rows from one day are correlated. We also keep calibration in view: "
                       "reliability curves per segment each day, since the scores are read as probabilities downstream. "
                       "A held-out week after the training window is the test period, and every feature is computed "
                       "only from events logged before each example's timestamp, exactly as serving would see them, "
                       "so that offline numbers carry over to the live system. ")


def test_a_sentence_read_as_wrong_counts_toward_the_wrong_claim_cap():
    # a fluent answer whose one wrong claim only the model caught does not keep its coverage
    text = _FLUENT_DATA_ANSWER + "Calibration is tracked daily."
    clean = grade_rubric("toy", "data", _rubric(), text)
    read = grade_rubric("toy", "data", _rubric(), text, claim_reader=_reader("Calibration is tracked"))
    assert clean.score - claim_model.PENALTY > WRONG_CLAIM_CAPS[0]
    assert read.score == pytest.approx(WRONG_CLAIM_CAPS[0])
    assert any(p.label == "cap" and "1 wrong claim" in p.detail for p in read.breakdown)


def test_a_phrasing_flag_is_read_first_and_the_model_does_not_add_the_same_flag():
    text = "We shuffle rows and hold out a fifth. We shuffle rows again later."
    result = grade_rubric("toy", "data", _rubric(), text, claim_reader=_reader("shuffle"))
    assert [f.id for f in result.red_flags] == ["random-split"]


def test_the_json_of_a_grade_keeps_each_flag_claim():
    result = grade_rubric("toy", "data", _rubric(), "We split by time. Calibration is tracked.",
                          claim_reader=_reader("Calibration"))
    [flag] = result.to_json()["red_flags"]
    assert flag["id"].startswith(claim_model.PREFIX) and flag["claim"].startswith("Likely wrong: ")


def _sure_reader(probability: float):
    """Reads "ignore position" as the model step's flag with `probability`, honouring the threshold asked."""
    def read(sentence, allowed: frozenset[str], threshold: float = claim_model.THRESHOLD):
        if "ignore position" in sentence.text and "ignore-position-bias" in allowed and probability >= threshold:
            return ("ignore-position-bias", probability)
        return None
    return read


_MODEL_STEP_FLAG = RedFlag.model_validate({"id": "ignore-position-bias", "claim": "Position bias can be ignored.",
                                           "phrasings": ["position never matters"], "penalty": 0.2,
                                           "why": "Top slots get clicks for being on top.", "fix": "Model position."})


def test_a_claim_another_step_flags_is_read_only_when_the_model_is_surer():
    text = "We split by time so nothing leaks. We can ignore position in the logged clicks."
    unsure = grade_rubric("toy", "data", _rubric(), text, claim_reader=_sure_reader(0.95),
                          other_step_flags=[_MODEL_STEP_FLAG])
    sure = grade_rubric("toy", "data", _rubric(), text, claim_reader=_sure_reader(0.99),
                        other_step_flags=[_MODEL_STEP_FLAG])
    assert claim_model.THRESHOLD < 0.95 < claim_model.CROSS_STEP_THRESHOLD < 0.99
    assert not unsure.red_flags
    [flag] = sure.red_flags
    assert flag.id == claim_model.PREFIX + "ignore-position-bias" and "ignore position" in flag.evidence
    assert sure.score < unsure.score


def test_another_steps_claim_costs_its_points_but_does_not_cap_the_step():
    text = _FLUENT_DATA_ANSWER + "We can ignore position in the logged clicks."
    clean = grade_rubric("toy", "data", _rubric(), text)
    read = grade_rubric("toy", "data", _rubric(), text, claim_reader=_sure_reader(0.99),
                        other_step_flags=[_MODEL_STEP_FLAG])
    assert [f.id for f in read.red_flags] == [claim_model.PREFIX + "ignore-position-bias"]
    assert clean.score - claim_model.PENALTY > WRONG_CLAIM_CAPS[0]
    assert read.score == pytest.approx(clean.score - claim_model.PENALTY)
    assert not any(p.label == "cap" for p in read.breakdown)


def test_the_steps_own_flag_is_read_first_at_its_own_threshold():
    # the same id in this step and another: read once, at the step's threshold
    own = _rubric().model_copy(update={"red_flags": [*_rubric().red_flags, _MODEL_STEP_FLAG]})
    result = grade_rubric("toy", "data", own, "We can ignore position in the logged clicks.",
                          claim_reader=_sure_reader(0.95), other_step_flags=[_MODEL_STEP_FLAG])
    assert [f.id for f in result.red_flags] == [claim_model.PREFIX + "ignore-position-bias"]


def test_a_real_case_reads_another_steps_wrong_claim_and_not_its_own_correct_talk():
    case = load_catalog().case("ctr")
    assert "random-split" not in {f.id for f in case.steps["serving"].rubric.red_flags}
    wrong = grade(case, "serving", "We can shuffle all the logged impressions randomly and hold out 20% of them "
                                   "as the test set.")
    assert claim_model.PREFIX + "random-split" in {f.id for f in wrong.red_flags}
    right = grade(case, "model", "Train a logistic regression baseline on hashed crosses, then a DCN with "
                                 "position as a feature that is set to a fixed slot at serving time.")
    assert not right.red_flags


# ------------------------------------------------------------------ the shipped models


@pytest.mark.parametrize("case_id", sorted(load_catalog().cases))
def test_every_graded_case_ships_a_model(case_id):
    assert claim_model.has_model(case_id)


def test_the_shipped_models_were_trained_on_todays_content():
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "train_claim_model.py"), "--check"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{done.stdout}{done.stderr}: run python benchmarks/train_claim_model.py"


def test_the_ctr_model_reads_a_random_split_said_plainly_and_not_its_fix():
    case = load_catalog().case("ctr")
    wrong = grade(case, "data", "I'd just shuffle all the logged impressions and keep a random 20% of them to test on.")
    right = grade(case, "data", "I'd train on the first three weeks of logs and test on the week after them.")
    assert any(f.id.endswith("random-split") for f in wrong.red_flags)
    assert not right.red_flags


def test_a_split_sentence_gives_the_features_its_text_gives():
    from mlsd.grader.text import sentences

    answer = "Intro first. Then we don't split at random, since it leaks; we split by time."
    second = sentences(answer)[1]
    assert claim_model.features(second.text, second.tokens, second.start) == claim_model.features(second.text)


def test_the_advice_for_a_likely_flag_quotes_the_sentence_and_the_plain_claim():
    result = grade_rubric("toy", "data", _rubric(), "We split by time. Calibration is tracked.",
                          claim_reader=_reader("Calibration"))
    assert result.advice.startswith('"Calibration is tracked." reads like a known mistake, "A random split is fine":')
    assert claim_model.LABEL not in result.advice


def test_lines_that_state_an_idea_through_the_wrong_practice_do_not_train_it_as_correct():
    """Round 7's third line per concept ("if we dropped cancelled orders, the P90 would be short")
    names a wrong practice: the concept model learns it, the claim model does not learn it as ok."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from train_claim_model import LINES, concept_lines

    path = LINES / "eta_concept_lines_r7.txt"
    every = [line for line in concept_lines(path)]
    for_claims = [line for line in concept_lines(path, for_claims=True)]
    assert len(every) - len(for_claims) == len({(step, concept) for step, concept, _, _ in every if concept != "-"})
    assert {line for line in every if line[1] == "-"} <= set(for_claims)  # vague lines stay
