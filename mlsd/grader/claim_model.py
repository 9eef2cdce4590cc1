"""Wrong claims said in words no phrasing lists, read by a small learned model.

Red-flag phrasings catch a wrong claim in the words content authors foresaw; fresh plain-word
wordings of the same claim mostly slip past them (of held-out drill lines, under a third were
caught after three drills). One multinomial logistic regression per case, over a sentence's
stems, stem bigrams and the negation and quantifier words, was trained on many wordings of each
flag's claim, its correct counterparts and the case's concept lines (`benchmarks/train_claim_model.py`,
from `benchmarks/data/drill_lines/` and the content). It is shipped as sparse weights and scored
here in plain Python, so grading needs neither scikit-learn nor numpy.

What it finds is shown as a likely wrong claim, quoting the sentence, and counts toward the
wrong-claim caps like a phrasing's flag: at a probability of 0.9 it is about as precise on answers
(flags on 46 wrong dev answers and 7 others, against a phrasing's 149 and 31).
"""

from __future__ import annotations

import functools
from pathlib import Path

from mlsd.grader import memo, sparse_model
from mlsd.grader import text as textmod

MODEL_DIR = Path(__file__).with_name("data") / "claim_model"  # <case>.json.gz, one per case
PREFIX = "likely-"  # a raised flag's id: the model's reading, not a phrasing's
LABEL = "Likely wrong: "  # before its claim, wherever it is shown
THRESHOLD = 0.9  # the probability that the sentence makes one of the step's flags' claims (over them and "ok")
# a claim another step of the case flags ("ignore position bias" said while describing the model): wrong
# answers often make it in the step they are answering, but a step's correct talk borders other steps'
# claims, so the model must be surer (at 0.9 it flagged 17 right answers of the dev sets for 19 wrong ones)
CROSS_STEP_THRESHOLD = 0.98
PENALTY = 0.15
OK = "ok"

# kept although stopwords: they carry what a claim says ("not only", "never", "all of it")
KEPT_WORDS = frozenset("not no never without just only all every any always none nothing same whole".split())


_NEGATIONS = frozenset({"not", "no", "never", "without", "cannot", "nor", "none", "nothing"})
_CLAUSE_ENDS = frozenset(",.;:!?()")
_CLAUSE_WORDS = frozenset({"but", "so", "because", "since", "instead", "rather", "although", "though", "while"})


def features(text: str, tokens: "tuple[textmod.Token, ...] | None" = None, offset: int = 0) -> frozenset[str]:
    """A sentence's stems (the kept small words as written), the bigrams of consecutive ones within
    a clause, and each stem said after a negation in its clause again as "neg_" + stem, so that
    "the order is not all that matters" reads apart from "all that matters is the order".
    `tokens` (with character offsets `offset` past the start of `text`): the sentence already split."""
    return _features(text, tuple(textmod.tokens(text)) if tokens is None else tokens, offset)


@functools.lru_cache(maxsize=4096)
def _features(text: str, tokens: "tuple[textmod.Token, ...]", offset: int) -> frozenset[str]:
    # cached: both learned readers, and the claim reader once per flag set, read the same sentence
    out: set[str] = set()
    previous = None
    negated = False
    last_end = 0
    for token in tokens:
        start, end = token.start - offset, token.end - offset
        gap = text[last_end:start]
        last_end = end
        if any(ch in _CLAUSE_ENDS for ch in gap) or token.raw in _CLAUSE_WORDS:
            previous, negated = None, False
        negation = token.raw in _NEGATIONS or token.raw.endswith("n't")
        if token.raw in textmod.STOPWORDS and token.raw not in KEPT_WORDS:
            negated = negated or negation
            continue
        term = token.raw if token.raw in KEPT_WORDS else token.term
        out.add(term)
        if negated and not negation:
            out.add("neg_" + term)
        negated = negated or negation
        if previous is not None:
            out.add(f"{previous}_{term}")
        previous = term
    return frozenset(out)


def model_file(case_id: str) -> Path:
    return sparse_model.case_file(MODEL_DIR, case_id)


@functools.lru_cache(maxsize=None)
def load(case_id: str) -> dict | None:
    return sparse_model.read_case(MODEL_DIR, case_id)


def has_model(case_id: str) -> bool:
    return load(case_id) is not None


_SHARES: dict = {}


def _shares(model: dict, found: frozenset[str]) -> list[float]:
    """Each class's probability for these features; kept per model, since a sentence is read for the
    step's own flags and again for the other steps' flags."""
    seen = memo.by_identity(_SHARES, (model,), dict)
    if found not in seen:
        if len(seen) >= 4096:
            seen.clear()  # bounded: a long session reads many sentences once each
        seen[found] = sparse_model.probabilities(model, found)
    return seen[found]


def likely_flag(case_id: str, sentence: "str | textmod.Sentence", allowed: frozenset[str],
                threshold: float = THRESHOLD) -> tuple[str, float] | None:
    """The flag id among `allowed` the sentence most likely claims, with the probability that it makes
    one of them, when that is at least `threshold`; None otherwise (or when the case has no model)."""
    model = load(case_id)
    if model is None:
        return None
    classes = model["classes"]
    found = features(sentence) if isinstance(sentence, str) else features(sentence.text, sentence.tokens, sentence.start)
    shares = _shares(model, found)
    candidates = [i for i, name in enumerate(classes) if name != OK and name in allowed]
    if not candidates:
        return None
    # several flags can make nearly the same claim ("only the order matters", "calibration does not
    # matter") and split the mass between them: the sentence is wrong when their sum is high
    probability = sum(shares[i] for i in candidates)
    best = max(candidates, key=lambda i: shares[i])
    return (classes[best], probability) if probability >= threshold else None
