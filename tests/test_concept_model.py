"""The learned concept model (mlsd.grader.concept_model): how it reads a sentence, how a grade uses
what it reads, and that the shipped weights were trained on today's content."""

from __future__ import annotations

import functools
import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from mlsd.content.loader import load_catalog
from mlsd.content.schema import Rubric
from mlsd.grader import concept_model, grade, soft
from mlsd.grader.core import SURE_READ_CREDIT, grade_rubric, model_read_share

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def toy_model(tmp_path, monkeypatch):
    # "careful reader" states the re-ranker of step model; "cheap" the baseline of both steps
    folder = tmp_path / "concept_model"
    folder.mkdir()
    model = {"classes": ["none", "model/reranker", "model/baseline", "data/baseline"], "intercept": [2.0, 0.0, 0.0, 0.0],
             "weights": {"care": [[1, 5.0]], "reader": [[1, 2.0]], "cheap": [[2, 4.0], [3, 4.0]]}}
    (folder / "toy.json.gz").write_bytes(gzip.compress(json.dumps(model).encode()))
    monkeypatch.setattr(concept_model, "MODEL_DIR", folder)
    concept_model.load.cache_clear()
    yield
    concept_model.load.cache_clear()


def test_a_sentence_is_read_as_the_concepts_of_its_step_only(toy_model):
    [(concept, probability)] = concept_model.likely_concepts("toy", "model", "a slower, careful reader on the top hundred")
    assert concept == "reranker" and probability >= concept_model.THRESHOLD
    assert concept_model.likely_concepts("toy", "data", "a slower, careful reader on the top hundred") == []


def test_probability_is_given_the_step_being_graded(toy_model):
    # "cheap" points at the baseline of two steps: over both, neither reaches the threshold, but the
    # step is known, so each step reads its own baseline
    [(concept, probability)] = concept_model.likely_concepts("toy", "model", "something cheap first")
    assert concept == "baseline" and probability >= concept_model.THRESHOLD
    assert [c for c, _ in concept_model.likely_concepts("toy", "data", "something cheap first")] == ["baseline"]
    # and a step's share still competes with "none"
    assert concept_model.likely_concepts("toy", "model", "a reader") == []


def test_a_vague_sentence_reads_as_nothing(toy_model):
    assert concept_model.likely_concepts("toy", "model", "we make the model good and fast") == []


def test_a_long_sentence_is_read_clause_by_clause_as_well(toy_model):
    from mlsd.grader import text as textmod

    # read whole, the re-ranker's words outweigh the baseline's; each clause states one of them
    text = ("first something cheap and simple that we can ship in a week or two, "
            "then a slower careful reader on the top hundred candidates only")
    [sentence] = textmod.sentences(text)
    assert len(sentence.tokens) >= concept_model.LONG_SENTENCE
    assert [c for c, _ in concept_model.likely_concepts("toy", "model", text)] == ["reranker"]
    assert {c for c, _ in concept_model.likely_concepts("toy", "model", sentence)} == {"reranker", "baseline"}
    # a short sentence is read whole only
    [short] = textmod.sentences("something cheap, then a careful reader")
    assert [c for c, _ in concept_model.likely_concepts("toy", "model", short)] == ["reranker"]


def test_clauses_are_cut_at_punctuation_and_clause_words_and_short_pieces_join_the_next():
    from mlsd.grader import text as textmod

    [sentence] = textmod.sentences("Cancelled orders never get a delivery time, so they count as at least the time "
                                   "until the cancel, while it splits into prep, the wait and the drive itself.")
    assert [c.text for c in textmod.clauses(sentence)] == [
        "Cancelled orders never get a delivery time", "so they count as at least the time until the cancel",
        "while it splits into prep, the wait and the drive itself"]
    assert all(c.tokens[0].start == c.start for c in textmod.clauses(sentence))
    [one] = textmod.sentences("We log features as they were served.")
    assert textmod.clauses(one) == [one]


def test_the_notifications_model_hears_each_idea_of_a_long_plain_sentence():
    case = load_catalog().case("notifications")
    text = ("We estimate how much more likely the person is to open the app in the next day because of this push "
            "compared with not sending it, and we learn that from a small group we randomly held back, so the "
            "effect is the push's own.")
    assert {"uplift", "randomised-data"} <= {h.id for h in grade(case, "framing", text).hits}


def test_no_model_or_an_unreadable_one_reads_nothing(tmp_path, monkeypatch):
    assert concept_model.likely_concepts("no-such-case", "model", "anything") == []
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "toy.json.gz").write_bytes(b"\x1f\x8b not really gzip")
    monkeypatch.setattr(concept_model, "MODEL_DIR", folder)
    concept_model.load.cache_clear()
    try:
        assert not concept_model.has_model("toy") and concept_model.likely_concepts("toy", "model", "x") == []
        assert not concept_model.has_model("../toy")
    finally:
        concept_model.load.cache_clear()


# ------------------------------------------------------------------ in a grade


def _rubric() -> Rubric:
    return Rubric.model_validate({
        "concepts": [{"id": "reranker", "label": "Cross-encoder re-ranker", "weight": 2, "level": "mid",
                      "phrasings": ["cross encoder"], "why": "w"},
                     {"id": "baseline", "label": "Baseline", "weight": 2, "level": "mid",
                      "phrasings": ["baseline"], "why": "w"}],
        "red_flags": [{"id": "no-baseline", "claim": "Skip the baseline.", "phrasings": ["skip baseline"],
                       "penalty": 0.2, "why": "w", "fix": "f"}],
    })


def _reader(words: str, concept_id: str = "reranker"):
    return lambda sentence: [(concept_id, 0.8)] if words in sentence.text else []


def test_a_concept_the_model_reads_earns_a_soft_share_and_quotes_its_sentence():
    text = ("First we ship the baseline ranker we have today, because it is cheap to run. Then a slower, more "
            "careful reader looks at the query and the listing together, but only for the top hundred results.")
    plain = grade_rubric("toy", "model", _rubric(), text)
    read = grade_rubric("toy", "model", _rubric(), text, concept_reader=_reader("careful reader"))
    assert "reranker" not in {h.id for h in plain.hits}
    [hit] = [h for h in read.hits if h.id == "reranker"]
    assert "careful reader" in hit.evidence
    # a full sentence of prose: a soft hit's share, a little more as the model is surer (0.8 here)
    assert hit.points == pytest.approx(model_read_share(0.8) * hit.weight)
    assert "reranker" not in {m.id for m in read.misses}
    assert read.score > plain.score


def test_a_surer_reading_earns_more_but_never_a_phrasings_full_credit():
    assert model_read_share(concept_model.THRESHOLD) == pytest.approx(soft.CREDIT)
    assert soft.CREDIT < model_read_share(0.8) < model_read_share(1.0) < 1.0
    assert model_read_share(1.0) == pytest.approx(SURE_READ_CREDIT)


def test_the_model_reads_only_sentences_no_phrasing_credited_and_adds_no_second_hit():
    text = "Our baseline is the current ranker, kept as the bar to beat. A cross encoder reranks the top hundred."
    result = grade_rubric("toy", "model", _rubric(), text,
                          concept_reader=lambda sentence: [("reranker", 0.9), ("baseline", 0.9)])
    hits = {h.id: h for h in result.hits}
    assert set(hits) == {"reranker", "baseline"}
    assert hits["baseline"].points == pytest.approx(hits["baseline"].weight)  # the phrasing's hit, not the model's


def test_a_sentence_that_makes_a_wrong_claim_earns_nothing_from_the_model():
    text = "We skip the baseline, a careful reader of query and listing is all we need."
    result = grade_rubric("toy", "model", _rubric(), text, concept_reader=_reader("careful reader"))
    assert "no-baseline" in {f.id for f in result.red_flags}
    assert "reranker" not in {h.id for h in result.hits}


# ------------------------------------------------------------------ the shipped models


@pytest.mark.parametrize("case_id", sorted(load_catalog().cases))
def test_every_graded_case_ships_a_model(case_id):
    assert concept_model.has_model(case_id)


def test_the_shipped_models_were_trained_on_todays_content():
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "train_concept_model.py"), "--check"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{done.stdout}{done.stderr}: run python benchmarks/train_concept_model.py"


def test_the_search_model_reads_a_cross_encoder_described_without_its_name():
    case = load_catalog().case("search")
    text = ("For the final ordering, a second, slower model reads the query and each listing's text side by side "
            "and scores how well they fit, but only for the top hundred or so candidates, since it is expensive.")
    assert "cross-encoder" in {h.id for h in grade(case, "model", text).hits}


def test_a_sentence_about_another_steps_subject_is_read_whole_only():
    from mlsd.grader.topic import model_for

    case = load_catalog().case("recs")
    topics = model_for(case)
    monitoring = ("After launch I would watch the inputs and the predictions for drift, wait for the delayed labels "
                  "to measure live quality, retrain on a regular cadence, and alert the on-call engineer.")
    plain = ("We show people what they will probably enjoy watching next, and we judge it by whether they come "
             "back over the following weeks rather than by what they click today.")
    assert topics.about_another_step("requirements", monitoring)
    assert not topics.about_another_step("monitoring", monitoring)
    assert not topics.about_another_step("requirements", plain)  # about no step's vocabulary in particular
    # read by clause, one clause of the monitoring sentence would earn a requirements concept; the check
    # keeps it whole, and whole it earns nothing there
    from mlsd.grader import text as textmod

    [sentence] = textmod.sentences(monitoring)
    assert concept_model.likely_concepts("recs", "requirements", sentence) != []
    about = functools.partial(topics.about_another_step, "requirements")
    assert concept_model.likely_concepts("recs", "requirements", sentence, about_another_step=about) == []


def test_a_sentence_split_into_tokens_reads_as_its_text_does_for_the_topic_check():
    from mlsd.grader import text as textmod
    from mlsd.grader.topic import model_for

    topics = model_for(load_catalog().case("recs"))
    monitoring = ("After launch I would watch the inputs and the predictions for drift, wait for the delayed labels "
                  "to measure live quality, retrain on a regular cadence, and alert the on-call engineer.")
    [sentence] = textmod.sentences(monitoring)
    for step_id in ("requirements", "monitoring"):
        assert topics.about_another_step(step_id, sentence) == topics.about_another_step(step_id, monitoring)
    terms = textmod.content_terms(sentence.tokens)
    assert topics.similarities("monitoring", terms) == topics.similarities("monitoring", monitoring)


def test_a_step_is_read_by_a_softmax_over_its_own_classes(toy_model):
    # the same as every class's probability, renormalised over the step's classes and "none"
    from mlsd.grader import sparse_model

    model = concept_model.load("toy")
    found = frozenset({"care", "cheap"})
    full = dict(zip(model["classes"], sparse_model.probabilities(model, found)))
    step = concept_model._given_step(model, "model", found)
    assert set(step) == {"none", "reranker", "baseline"}
    total = full["none"] + full["model/reranker"] + full["model/baseline"]
    for concept_id, p in step.items():
        name = concept_id if concept_id == "none" else "model/" + concept_id
        assert p == pytest.approx(full[name] / total, rel=1e-12)
    assert step["reranker"] > step["none"]  # "care" says the re-ranker
