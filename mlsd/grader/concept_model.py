"""Concepts said in words no phrasing lists, read by a small learned model.

Phrasings and soft cues catch the usual ways of naming an idea; a candidate who knows the idea
but not its name describes the mechanism instead ("a slower, more careful reader that looks at
the query and the listing together, used only on the top hundred" is a cross-encoder re-ranker),
and non-native English puts it in still other words. One multinomial logistic regression per
case, over the same sentence features as the claim model (stems, stem bigrams, negated stems),
was trained on the concept drill lines helpers wrote from each concept's label, hint and why
(`benchmarks/train_concept_model.py`, from `benchmarks/data/drill_lines/` and the content). Its
classes are "STEP/CONCEPT" for every concept of every step, and "none" for vague lines that name
the subject and commit to nothing. Scored in plain Python (see sparse_model).

It reads every sentence that may earn credit (not one that makes a wrong claim or is filler), and
what it finds earns a soft hit's share of the concept's points: less than saying it plainly (see
core.grade_rubric).
"""

from __future__ import annotations

import functools
from typing import Callable
from pathlib import Path

from mlsd.grader import claim_model, memo, sparse_model
from mlsd.grader import text as textmod

MODEL_DIR = Path(__file__).with_name("data") / "concept_model"  # <case>.json.gz, one per case
NONE = "none"
# the probability that the sentence states this concept, over the step's own concepts and "none": the
# step is known, and over every step's concepts a sentence that says three things of this step lost
# its mass to look-alikes elsewhere. Held-out drill lines read, against 0.5 over every step: round 3
# 225 -> 285 of 360, round 5 336 -> 347, round 6 155 -> 171 and round 7 97 -> 125 of 180, vague lines
# read as a concept 5 of 105 either way (at 0.5 given the step: 8, and prose about another step's
# subject starts to earn this step's nearest concept)
THRESHOLD = 0.6
# a sentence this long (in tokens) is also read clause by clause (dev sets: plain-English strong answers
# 0.80 -> 0.83, vague 0.17 -> 0.17; at 12 or 24 tokens alike)
LONG_SENTENCE = 16


def label(step_id: str, concept_id: str) -> str:
    """A model class: concepts are read per step, since two steps may share an id."""
    return f"{step_id}/{concept_id}"


def model_file(case_id: str) -> Path:
    return sparse_model.case_file(MODEL_DIR, case_id)


@functools.lru_cache(maxsize=None)
def load(case_id: str) -> dict | None:
    return sparse_model.read_case(MODEL_DIR, case_id)


def has_model(case_id: str) -> bool:
    return load(case_id) is not None


def likely_concepts(case_id: str, step_id: str, sentence: "str | textmod.Sentence",
                    about_another_step: "Callable[[textmod.Sentence], bool] | None" = None) -> list[tuple[str, float]]:
    """(concept id, probability given the step) of each concept of `step_id` the sentence states with
    probability at least THRESHOLD, most likely first; [] when the case has no model.
    `about_another_step(sentence)`: whether a sentence is plainly about another step's subject; such a
    sentence is read whole only."""
    model = load(case_id)
    if model is None:
        return []
    found = (claim_model.features(sentence) if isinstance(sentence, str)
             else claim_model.features(sentence.text, sentence.tokens, sentence.start))
    likely = {c: p for c, p in _given_step(model, step_id, found).items() if c != NONE and p >= THRESHOLD}
    if (not isinstance(sentence, str) and len(sentence.tokens) >= LONG_SENTENCE
            and not (about_another_step and about_another_step(sentence))):
        # each line the model learned from states one idea, so a long sentence that states two or three
        # splits its probability among them and earns none; each clause is read on its own as well,
        # unless the sentence is about another step: a clause alone loses what the sentence is about
        # ("wait for the delayed labels to measure live quality", said of monitoring, is no success metric)
        for clause in textmod.clauses(sentence):
            if clause is not sentence:
                read = _given_step(model, step_id, claim_model.features(clause.text, clause.tokens, clause.start))
                for concept_id, p in read.items():
                    if concept_id != NONE and p >= THRESHOLD:
                        likely.setdefault(concept_id, p)
    return sorted(likely.items(), key=lambda item: -item[1])


def _given_step(model: dict, step_id: str, found) -> dict[str, float]:
    """Concept id (or NONE) -> probability given the step: a softmax over the step's classes alone."""
    indices, names = _step_classes(model, step_id)
    logits = sparse_model.logits(model, found)
    return dict(zip(names, sparse_model.softmax([logits[i] for i in indices])))


_STEP_CLASSES: dict = {}


def _step_classes(model: dict, step_id: str) -> tuple[list[int], list[str]]:
    """The indices of a step's classes (and NONE) in the model, with their concept ids; kept per model."""
    per_step = memo.by_identity(_STEP_CLASSES, (model,), dict)
    if step_id not in per_step:
        prefix = step_id + "/"
        chosen = [(i, name.removeprefix(prefix)) for i, name in enumerate(model["classes"])
                  if name.startswith(prefix) or name == NONE]
        per_step[step_id] = ([i for i, _ in chosen], [name for _, name in chosen])
    return per_step[step_id]
