"""Soft concept matching: a sentence that uses several of a concept's distinctive words.

Phrasings catch the usual ways of saying an idea; plain English spreads the same
idea over words no phrasing lists together ("the number it gives has to mean a
real chance, since prices are computed from it"). Each concept's cue words are
the content words of its label, hint and phrasings, weighted by how rare they
are among the step's concepts: "calibr", "chance", "price" point at one concept,
"model" or "data" at none, and rarity is counted over every step of the case. A sentence that holds enough cue weight of one
concept, with at least two distinct cues, earns part of its credit.
"""

from __future__ import annotations

import math
from collections import Counter

from mlsd.grader import memo
from mlsd.grader import text as textmod
from mlsd.content.schema import Rubric

MIN_CUES = 2  # one rare word is a mention, not an idea
THRESHOLD = 6  # summed rarity (nats) of the cues one sentence holds: about three rare words
CREDIT = 0.7  # share of the concept's points a soft hit earns: less than saying it plainly


_CACHE: dict = {}


def _cue_weights(rubric: Rubric, context: tuple[Rubric, ...]) -> dict[str, dict[str, float]]:
    """Concept id -> {cue term: rarity}; cached per rubric and context (rubrics are frozen)."""
    return memo.by_identity(_CACHE, (rubric, *context), lambda: _build(rubric, context))


_CUES: dict = {}


def seed_case(context: tuple[Rubric, ...]) -> None:
    """Cue weights of every step of a case (`context`: its rubrics, in order), read from the content
    cache or built and stored there: they depend only on the concepts' words and this code."""
    from mlsd.content import cache

    shape = "\0\0".join("\0".join(f"{c.id}\0{c.label}\0{c.hint}\0" + "\0".join(c.phrasings) for c in r.concepts)
                         for r in context)
    entry = cache.derived_key("soft-cues", shape, cache.sources_beside(__file__))
    stored = cache.get(entry, list)
    if stored is None or len(stored) != len(context):
        stored = [_build(rubric, context) for rubric in context]
        cache.put(entry, stored)
    for rubric, weights in zip(context, stored):
        memo.by_identity(_CACHE, (rubric, *context), lambda weights=weights: weights)


def _concept_cues(rubric: Rubric) -> dict[str, set[str]]:
    # once per rubric: every step's weights count the cues of all seven rubrics of the case
    return memo.by_identity(_CUES, (rubric,), lambda: _build_concept_cues(rubric))


def _build_concept_cues(rubric: Rubric) -> dict[str, set[str]]:
    cues: dict[str, set[str]] = {}
    for concept in rubric.concepts:
        words: set[str] = set()
        for phrase in [concept.label, concept.hint, *concept.phrasings]:
            words.update(t for t in textmod.phrase_terms(phrase) if len(t) > 2 and not t.isdigit())
        cues[concept.id] = words
    return cues


def _build(rubric: Rubric, context: tuple[Rubric, ...]) -> dict[str, dict[str, float]]:
    """Rarity is counted over the concepts of every step of the case (`context`), so a
    word that belongs to another step ("rollback" in requirements) points nowhere here."""
    cues = _concept_cues(rubric)
    pool = [words for other in (context or (rubric,)) for words in _concept_cues(other).values()]
    df = Counter(w for words in pool for w in words)
    n = len(pool)
    local = Counter(w for words in cues.values() for w in words)
    return {cid: {w: math.log((n + 1) / df[w]) for w in words if local[w] <= max(1, len(cues) // 3)}
            for cid, words in cues.items()}


def soft_hits(rubric: Rubric, sents: list[textmod.Sentence], skip: frozenset[int],
              already: set[str], context: tuple[Rubric, ...] = ()) -> dict[str, tuple[int, float]]:
    """concept id -> (sentence index, cue weight) for concepts not hit by a phrasing.
    `context`: the rubrics of every step of the case, for word rarity."""
    weights = _cue_weights(rubric, context)
    unique = max((w for cue in weights.values() for w in cue.values()), default=0.0)
    found: dict[str, tuple[int, float]] = {}
    for index, sentence in enumerate(sents):
        if index in skip:
            continue
        terms = {t.term for t in sentence.tokens}
        for concept_id, cue in weights.items():
            if concept_id in already:
                continue
            present = [cue[t] for t in terms if t in cue]
            weight = sum(present)
            # and one of them belongs to this concept alone in the whole case: its signature
            signature = bool(present) and max(present) >= unique - 1e-9
            if (len(present) >= MIN_CUES and signature and weight >= THRESHOLD
                    and weight > found.get(concept_id, (0, 0.0))[1]):
                found[concept_id] = (index, weight)
    return found
