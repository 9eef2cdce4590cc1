"""Rubric scoring: which concepts an answer shows, which wrong claims it makes.

A phrasing matches when all its content terms occur close together in one
sentence, in any order (see `mlsd.grader.text` for normalisation). A red
flag counts only when its clause is not negated ("we won't use a random
split" does not raise the random-split flag).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from mlsd.grader import text as textmod
from mlsd.grader import claim_model, concept_model, memo, soft, tone
from mlsd.grader.polarity import is_dismissed, is_negated, is_wished
from mlsd.content.schema import LEVELS, Case, Concept, RedFlag, Rubric

DEFAULT_LEVEL = "senior"

# How much a concept of a given level counts for a candidate at a given level.
# Concepts above the candidate's level are a bonus: they add to what was hit
# but are not expected, so missing them costs nothing.
_EXPECTED = {"mid": {"mid"}, "senior": {"mid", "senior"}, "staff": {"mid", "senior", "staff"}}
BONUS_FACTOR = 0.5
DISMISSAL_PENALTY = 0.1
SATURATION = 0.75  # full marks at 75% of the expected weight: a strong answer may skip a minor point
DEPTH_WORDS = 40  # content words at which an answer is long enough to show a design
ELABORATION_PER_IDEA = 18  # content words, per idea credited, to explain it rather than name it
ELABORATION_WORDS = 120  # and never more than this in all: a long answer's ideas need not each get a paragraph
ELABORATION_SHARE = 0.4  # what an answer that only names its ideas loses at most
NOTE_CONCISION = 0.5  # how much less a bullet line needs to say to explain its idea (see elaboration)
_BULLET = re.compile(r"\s*(?:[-*>\u2022\u2013]|\d+[.)])\s")  # "- ", "* ", "• ", "1. ", "2) " at the line's start
CONCEPTS_PER_SENTENCE = 3
LISTED_CREDIT = 0.3  # what a concept beyond CONCEPTS_PER_SENTENCE in one sentence keeps: it was listed
OFF_TOPIC_CAP = 0.0  # a good answer to another problem says nothing about this one
# cosine with this case's profile of the step (topic.py) from which an answer reads as about this
# problem: on the dev sets strong answers have a median of 0.43 (tenth percentile 0.27), vague ones 0.06
SPECIFIC_SIMILARITY = 0.15
_ANY_PROBLEM = "Could be said of any problem: tie it to this case's users, numbers and constraints."
# the most an answer with 1, 2, 3+ wrong claims (red flags) can score: one confident wrong claim
# keeps the step below a partial answer that says nothing wrong (a partial answer is about half
# marks); a tighter cap for one claim (0.3) sank strong answers a phrasing misread on fresh text.
# Two confident wrong claims are what an interviewer calls an answer that wrong claims dominate (0-1
# of 4): below a vague answer (dev sets 0.40 -> 0.15 for two: wrong 0.193 -> 0.182, strong unchanged)
WRONG_CLAIM_CAPS = (0.4, 0.15, 0.05)
# On-topic prose that names nothing specific ("clarify scale, latency and scope")
# is worth a little: more than a bare list of terms, far less than a design.
ENGAGEMENT_CREDIT = 0.15
LIST_FLOOR = 0.05  # share of its coverage a pure list of terms keeps
MAX_ANSWER_CHARS = 20_000  # about 3,000 words, ten times a long step answer


@dataclass(frozen=True)
class Hit:
    id: str
    label: str
    evidence: str
    level: str
    weight: float
    points: float = 0.0  # what it added: weight x claim credit (half for a concept above the level)


@dataclass(frozen=True)
class ScorePart:
    """One visible step from the checklist to the percentage."""
    label: str  # "concepts", "shape", "specific", "general terms", "red flag", "cap", "elaboration", "tone", "floor"
    detail: str
    score: float  # the running score after this part


@dataclass(frozen=True)
class Miss:
    id: str
    label: str
    hint: str
    why: str
    level: str
    weight: float
    expected: bool  # False when the concept is above the candidate's level


@dataclass(frozen=True)
class RaisedFlag:
    id: str
    claim: str
    evidence: str
    why: str
    penalty: float
    fix: str = ""  # what to say or do instead


@dataclass
class Grade:
    case: str
    step: str
    level: str
    score: float
    answered: bool
    hits: list[Hit] = field(default_factory=list)
    misses: list[Miss] = field(default_factory=list)
    red_flags: list[RaisedFlag] = field(default_factory=list)
    advice: str = ""
    notes: list[str] = field(default_factory=list)  # caps applied (stuffing, off-topic), for the report
    breakdown: list[ScorePart] = field(default_factory=list)  # how the score follows from the checklist
    self_assessed: list[str] = field(default_factory=list)  # missed concept ids the user marked covered
    disputed: list[str] = field(default_factory=list)  # raised red flag ids the user says misread them
    architecture: dict | None = None  # the answer's sketch graded (mlsd.grader.architecture), when it has one

    def explain(self) -> str:
        """The score as arithmetic on the checklist, one part per line."""
        return "\n".join(f"{part.label}: {part.detail} -> {round(part.score * 100)}%" for part in self.breakdown)

    def to_json(self) -> dict:
        """The per-step object of the `mlsd grade --json` contract."""
        sketch = {"architecture": self.architecture} if self.architecture is not None else {}
        return {
            "step": self.step,
            "score": round(self.score, 4),
            "hit": [{"id": h.id, "evidence": h.evidence} for h in self.hits],
            "missed": [{"id": m.id, "hint": m.hint, "why": m.why} for m in self.misses],
            "red_flags": [{"id": f.id, "claim": f.claim, "evidence": f.evidence, "why": f.why, "fix": f.fix,
                           "penalty": f.penalty}
                          for f in self.red_flags],
            "advice": self.advice,
            "breakdown": [{"part": p.label, "detail": p.detail, "score": round(p.score, 4)} for p in self.breakdown],
            "self_assessed": list(self.self_assessed),
            "disputed": list(self.disputed),
            **sketch,
        }


# ------------------------------------------------------------ matching


def _window(n_terms: int) -> int:
    """Largest token span a phrasing's terms may spread over in one sentence."""
    return max(6, 3 * n_terms + 2)


def find_ordered(sentence: textmod.Sentence, terms: tuple[str, ...]) -> tuple[int, int] | None:
    """Like find_phrase, but the terms must appear in the phrasing's order (for claims:
    "optimize MAPE" is a claim, "MAPE ... is not the optimal" is not)."""
    toks = sentence.tokens
    limit = 2 * len(terms) + 1  # a claim's words sit close together
    for start, tok in enumerate(toks):
        if tok.term != terms[0]:
            continue
        position, matched = start, 1
        for term in terms[1:]:
            position = next((i for i in range(position + 1, min(len(toks), start + limit)) if toks[i].term == term), -1)
            if position < 0:
                break
            matched += 1
        if matched == len(terms):
            return start, position if len(terms) > 1 else start
    return None


def find_claim(sentence: textmod.Sentence, terms: tuple[str, ...]) -> tuple[int, int] | None:
    """A red flag's words close together: in order within a short window, or in
    any order within an even tighter one ("fine to split randomly")."""
    span = find_ordered(sentence, terms)
    if span is not None:
        return span
    span = find_phrase(sentence, terms)
    if span is not None and span[1] - span[0] + 1 <= len(terms) + 2 \
            and not any(t.raw in _CONTRAST_WORDS for t in sentence.tokens[span[0] : span[1] + 1]):
        return span  # (out of order across "but", the words belong to two clauses: "keeps BM25, but replaces X")
    return None


_CONTRAST_WORDS = frozenset("but while whereas though although".split())


def find_phrase(sentence: textmod.Sentence, terms: tuple[str, ...]) -> tuple[int, int] | None:
    """Smallest token span of `sentence` containing all `terms`, or None."""
    if not terms:
        return None
    toks = sentence.tokens
    wanted = set(terms)
    positions = [i for i, tok in enumerate(toks) if tok.term in wanted]
    if not positions:
        return None
    best: tuple[int, int] | None = None
    for a_index, start in enumerate(positions):
        seen: set[str] = set()
        for end in positions[a_index:]:
            seen.add(toks[end].term)
            if len(seen) == len(wanted):
                if best is None or end - start < best[1] - best[0]:
                    best = (start, end)
                break
    if best is None or best[1] - best[0] + 1 > _window(len(wanted)):
        return None
    return best


def _evidence(answer: str, sentence: textmod.Sentence, span: tuple[int, int]) -> str:
    """The answer's own words around the match, trimmed to a readable length."""
    start = sentence.tokens[span[0]].start
    end = sentence.tokens[span[1]].end
    # widen to a few words of context on each side, within the sentence
    lo = max(sentence.start, start - 30)
    hi = min(sentence.start + len(sentence.text), end + 30)
    snippet = answer[lo:hi].strip()
    if lo > sentence.start:
        snippet = "…" + snippet.split(" ", 1)[-1] if " " in snippet else snippet
    if hi < sentence.start + len(sentence.text):
        snippet = (snippet.rsplit(" ", 1)[0] if " " in snippet else snippet) + "…"
    return " ".join(snippet.split())


# Oversimplifying words: a concept named in a clause with one of these is
# usually asserted without its caveats ("retraining yearly is fine").
_OVERSIMPLIFY = frozenset("just simply fine enough always never obviously basically".split())
OVERSIMPLIFIED_CREDIT = 0.5

FUNCTION_WORDS = textmod.STOPWORDS | textmod.NEGATION_CUES

# Terse notes relate terms with symbols instead of words: "label: click within 30m",
# "downsample -> recalibrate", "gbdt w/ 200 feats", "p99 < 15ms". Each connector or
# number does the work of a function word; a bare list of nouns has none of them.
_CONNECTOR = re.compile(r"->|=>|\u2192|<-|\bw/|\bb/c\b|\bbc\b|\bvs\b|[:=~+<>\u2248]")


_ARROW_REASON = re.compile(r"->|=>|\u2192|\bb/c\b|\bbc\b")
# Across a whole answer, notes also qualify terms in brackets and give alternatives with slashes:
# "smoothed hist CTR (1d/7d/30d)", "label: click within 30m (last touch)". A bare list has neither.
_QUALIFIER = re.compile(r"[(/]")


def connectors(text: str) -> int:
    """Symbols and numbers that relate terms in notes (arrows, colons, w/, vs, numbers)."""
    return len(_CONNECTOR.findall(text))


@dataclass
class _Match:
    evidence: str
    sentence_index: int
    quality: float  # 1.0 for a claim in prose, less for a bare item in a list of nouns


def _clause_bounds(answer: str, sentence: textmod.Sentence, span: tuple[int, int]) -> tuple[int, int]:
    toks = sentence.tokens
    begin = span[0]
    while begin > 0:
        between = answer[toks[begin - 1].end : toks[begin].start]
        if any(ch in between for ch in ",;()/|"):
            break
        begin -= 1
    finish = span[1]
    while finish < len(toks) - 1:
        between = answer[toks[finish].end : toks[finish + 1].start]
        if any(ch in between for ch in ",;()/|"):
            break
        finish += 1
    return begin, finish


# Items of an enumeration are separated by commas, semicolons, "+", "&", "plus", "and", "or"
# (not colons: "health: a, b" relates a heading to its items);
# an item of at most LIST_ITEM_TERMS terms with no function word or connector is a bare
# name, and LIST_RUN or more bare names in a row are a list, whatever surrounds it
# ("you want full observability: model monitoring, data drift, concept drift, alerting, ...").
_ITEM_BREAK = re.compile(r"[,;&+]|\b(?:plus|and|or|etc)\b")
_ITEM_WORDS = frozenset({"and", "or", "plus", "etc"})
LIST_ITEM_TERMS = 3
_LEADING = frozenset("the a an then also maybe just all".split())  # "the NDCG", "then bandits"
LIST_RUN = 4
LIST_RUN_CREDIT = 0.3
SURE_READ_CREDIT = 0.9  # what a certain reading of the concept model earns (see model_read_share)


def _listed_tokens(answer: str, sentence: textmod.Sentence) -> frozenset[int]:
    """Token indices of the sentence that sit in a run of LIST_RUN or more bare items."""
    key = (answer, sentence.start, len(sentence.text))
    found = _LISTED.get(key)
    if found is None:
        if len(_LISTED) > 512:
            _LISTED.clear()
        found = _LISTED[key] = _find_listed(answer, sentence)
    return found


_LISTED: dict[tuple[str, int, int], frozenset[int]] = {}  # one grade asks about the same sentence many times


def _find_listed(answer: str, sentence: textmod.Sentence) -> frozenset[int]:
    toks = sentence.tokens
    items: list[list[int]] = [[]]
    for i, tok in enumerate(toks):
        if tok.raw in _ITEM_WORDS:
            items.append([])
            continue
        if i and items[-1] and _ITEM_BREAK.search(answer[toks[i - 1].end : tok.start]):
            items.append([])
        items[-1].append(i)
    items = [item for item in items if item]

    def bare(item: list[int]) -> bool:
        if len(item) > 1 and toks[item[0]].raw in _LEADING:
            item = item[1:]
        if len(item) > LIST_ITEM_TERMS:
            return False
        if any(toks[i].raw in FUNCTION_WORDS or toks[i].raw.isdigit() for i in item):
            return False
        return not connectors(answer[toks[item[0]].start : toks[item[-1]].end])

    listed: set[int] = set()
    run: list[list[int]] = []
    for item in [*items, None]:
        if item is not None and bare(item):
            run.append(item)
            continue
        if len(run) >= LIST_RUN:
            listed.update(i for it in run for i in it)
        run = []
    return frozenset(listed)


def claim_quality(answer: str, sentence: textmod.Sentence, span: tuple[int, int]) -> float:
    """How much the match reads as a statement rather than an item in a list of nouns.

    A comma-separated fragment with no function words ("PR-AUC, p99, GBDT")
    names a concept without saying anything about it, and so does a name in a
    long run of them inside a sentence (see `_listed_tokens`).
    """
    quality = _claim_quality(answer, sentence, span)
    if quality > LIST_RUN_CREDIT and {span[0], span[1]} & _listed_tokens(answer, sentence):
        return LIST_RUN_CREDIT
    return quality


def _claim_quality(answer: str, sentence: textmod.Sentence, span: tuple[int, int]) -> float:
    begin, finish = _clause_bounds(answer, sentence, span)
    clause = sentence.tokens[begin : finish + 1]
    function = sum(1 for t in clause if t.raw in FUNCTION_WORDS)
    function += connectors(answer[clause[0].start : clause[-1].end])
    extra = (finish - begin + 1) - (span[1] - span[0] + 1)
    if finish + 1 < len(sentence.tokens) and answer[clause[-1].end : sentence.tokens[finish + 1].start].strip().startswith("("):
        function, extra = function + 1, extra + 1  # "warm-start training (hourly)": the bracket qualifies it
    if function >= 2 or (function >= 1 and extra >= 3):
        return 1.0
    if extra >= 2 and function / (finish - begin + 1) < 0.1:
        return 0.2  # a long run of terms with no grammar around them
    # a fragment: is the whole sentence a list? (mostly short comma-separated fragments)
    sentence_function = sum(1 for t in sentence.tokens if t.raw in FUNCTION_WORDS) + connectors(sentence.text)
    if len(sentence.tokens) >= 8 and sentence_function / len(sentence.tokens) >= 0.2:
        return 0.8  # a short list inside a real sentence ("features such as a, b and c")
    if function >= 1 and extra >= 1:
        return 0.8  # a note's labelled value: "baselines: popularity", "label -> click in 30 min"
    return 0.35 if function or extra >= 2 else 0.2


def is_oversimplified(answer: str, sentence: textmod.Sentence, span: tuple[int, int]) -> bool:
    begin, finish = _clause_bounds(answer, sentence, span)
    return any(t.raw in _OVERSIMPLIFY for t in sentence.tokens[begin : finish + 1])


# Quantifiers are stopwords (they join too many ideas to match on), but in a wrong claim they are
# the claim: "just monitor AUC" is not "monitor AUC and calibration", "any play is positive" is not
# "a qualified play is positive". A red-flag phrasing that says one needs a word of its group in the
# sentence too.
_QUANTIFIER_GROUPS = (frozenset("just only alone solely simply merely purely nothing".split()),
                      frozenset("all every each whole entire everything everyone always".split()),
                      frozenset("any anything whatever".split()))


def _quantifiers(phrasing: str) -> tuple[frozenset[str], ...]:
    """The quantifier groups a phrasing says (cached with its terms)."""
    found = _QUANTIFIERS.get(phrasing)
    if found is None:
        words = set(textmod.phrase_words(phrasing))
        found = _QUANTIFIERS[phrasing] = tuple(g for g in _QUANTIFIER_GROUPS if words & g)
    return found


_QUANTIFIERS: dict[str, tuple[frozenset[str], ...]] = {}


def _says_quantifiers(sentence: textmod.Sentence, groups: tuple[frozenset[str], ...]) -> bool:
    return all(sentence.raws & group for group in groups)


def _phrase_spans(sents: list[textmod.Sentence], phrasings: list[str], skip: frozenset[int], find,
                  quantified: bool = False):
    """(sentence index, sentence, span, the phrasing's terms) of each place a phrasing matches, phrasing by phrasing.
    A phrasing whose terms the answer (or a sentence) lacks is skipped before any search. With
    `quantified` (red flags), a sentence must also say the phrasing's quantifiers ("just", "all", "any")."""
    everything = textmod.all_terms(sents)
    for phrasing in phrasings:
        needed = textmod.phrase_term_set(phrasing)
        if not needed <= everything:
            continue
        terms = textmod.phrase_terms(phrasing)
        groups = _quantifiers(phrasing) if quantified else ()
        for index, sentence in enumerate(sents):
            if index in skip or not needed <= sentence.terms or groups and not _says_quantifiers(sentence, groups):
                continue
            span = find(sentence, terms)
            if span is not None:
                yield index, sentence, span, terms


def match_phrasings(answer: str, sents: list[textmod.Sentence], phrasings: list[str],
                    *, respect_negation: bool, skip: frozenset[int] = frozenset()) -> _Match | None:
    """The best match of any phrasing: for concepts the highest claim quality,
    for red flags the first match whose clause is not negated."""
    best: _Match | None = None
    dismissed: _Match | None = None
    find = find_claim if respect_negation else find_phrase
    for index, sentence, span, terms in _phrase_spans(sents, phrasings, skip, find, quantified=respect_negation):
        if respect_negation:
            if is_negated(answer, sentence, span, claimed=_said_negation(answer, sentence, span, terms)):
                continue
            return _Match(_evidence(answer, sentence, span), index, 1.0)
        if is_wished(answer, sentence, span):
            continue  # "make sure there is no leakage": a goal, not a way to reach it
        if is_dismissed(answer, sentence, span):
            dismissed = dismissed or _Match(_evidence(answer, sentence, span), index, 0.0)
            continue
        quality = claim_quality(answer, sentence, span)
        if is_oversimplified(answer, sentence, span):
            quality *= OVERSIMPLIFIED_CREDIT
        if best is None or quality > best.quality:
            best = _Match(_evidence(answer, sentence, span), index, quality)
            if quality >= 1.0:
                return best
    if best is None and dismissed is not None:
        return dismissed  # mentioned only to wave it away: quality 0, with the words that did it
    return best


def _said_negation(answer: str, sentence: textmod.Sentence, span: tuple[int, int],
                   terms: tuple[str, ...]) -> frozenset[str]:
    """The phrasing's terms when it says a negation itself ("no chargeback after 14 days =
    legit") and the answer says it in the same order, in one clause: then that negation is the
    claim, not a rejection of it. In any other order ("we need calibration, not just ranking" for
    "calibration is not needed"), or across a comma ("no focal loss, the auction needs calibrated
    probabilities" for "no need to recalibrate": the "no" is about focal loss), the negation still governs."""
    if any(textmod.is_negation_term(t) for t in terms) and find_ordered(sentence, terms) == span \
            and _negation_reaches(answer, sentence, span, frozenset(terms)):
        return frozenset(terms)
    return frozenset()


_NEGATION_SCOPE_END = re.compile(r"[,;:()]")  # a negation's scope ends with its clause


def _negation_reaches(answer: str, sentence: textmod.Sentence, span: tuple[int, int], terms: frozenset[str]) -> bool:
    """Whether each negation of the phrasing inside the span governs the phrasing term after it:
    no clause break lies between them ("no chargeback, so legit" yes; "no focal loss, it needs
    calibrated scores" no: that "no" is about focal loss)."""
    toks = sentence.tokens
    for i in range(span[0], span[1] + 1):
        if not textmod.is_negation_term(toks[i].term) or toks[i].term not in terms or i and toks[i - 1].raw == "or":
            continue  # ("yes or no: late?" names two answers, it negates nothing)
        after = next((j for j in range(i + 1, span[1] + 1)
                      if toks[j].term in terms and not textmod.is_negation_term(toks[j].term)), None)
        if after is not None and _NEGATION_SCOPE_END.search(answer[toks[i].end : toks[after].start]):
            return False
    return True


def match_dismissal(answer: str, sents: list[textmod.Sentence], phrasings: list[str],
                    skip: frozenset[int] = frozenset()) -> _Match | None:
    """The first place a phrasing is denied or waved away ("no need to recalibrate")."""
    for index, sentence, span, _ in _phrase_spans(sents, phrasings, skip, find_phrase):
        if is_dismissed(answer, sentence, span):
            return _Match(_evidence(answer, sentence, span), index, 1.0)
    return None


class _WordEntry(NamedTuple):
    """An `unless` or `needs` entry of a red flag, as a sentence is checked against it."""
    terms: frozenset[str]  # its content terms, which the sentence must hold
    order: tuple[str, ...]  # the same, as written: several of them must come together
    small: frozenset[str]  # its stopwords as written, which the sentence must hold too


def _entry_words(entry: str) -> _WordEntry:
    """The parts of an `unless` or `needs` entry a sentence is checked against; cached."""
    found = _ENTRIES.get(entry)
    if found is None:
        order = textmod.phrase_terms(entry)
        small = frozenset(t.raw for t in textmod.tokens(entry) if t.raw in textmod.STOPWORDS)  # "a/b" is one term
        found = _ENTRIES[entry] = _WordEntry(frozenset(order), order, small)
    return found


_ENTRIES: dict[str, _WordEntry] = {}


def _says_entry(sentence: textmod.Sentence, entry: _WordEntry) -> bool:
    """Whether the sentence says the entry: all its words, together, its small words included (an
    `unless` entry said gives the flag's words their correct sense; a `needs` entry, their context)."""
    return (entry.terms <= sentence.terms and (len(entry.terms) == 1 or _said_together(sentence, entry.order))
            and entry.small <= sentence.raws)


def _denier(raw: str) -> bool:
    """A word that denies what follows ("no", "never", "wouldn't"), not one that judges it ("bad", "avoid")."""
    return raw in _DENIERS or raw.endswith(("n't", "nt")) and textmod.is_negation(raw)


_DENIERS = frozenset("not no never none nor without".split())


def _unless_said(sentence: textmod.Sentence, entry: _WordEntry) -> bool:
    """An `unless` entry said, and not refused: "no prior needed", "I wouldn't bother filtering bots"
    name the fix only to turn it down, which is the wrong claim, not its correct sense. (A plain denial
    is not a refusal: "no post-auction fields as features" keeps the harm out, correctly.)"""
    if not _says_entry(sentence, entry):
        return False
    toks = sentence.tokens

    def refused(i: int) -> bool:
        near = toks[max(0, i - 3) : i + 4]
        return (any(_denier(t.raw) for t in toks[max(0, i - 3) : i])
                and any(t.term in _NEEDED or t.raw.startswith("bother") for t in near))

    return any(t.term == entry.order[0] and not refused(i) for i, t in enumerate(toks))


_NEEDED = frozenset(textmod.phrase_terms("need needed necessary required require bother"))


def _said_together(sentence: textmod.Sentence, terms: tuple[str, ...]) -> bool:
    """An entry of several words is a phrase: its terms in order, a small word or two apart
    ("time split", "split by time"; not "split the orders randomly, since the time of day")."""
    span = find_ordered(sentence, terms) or find_phrase(sentence, terms)
    return span is not None and span[1] - span[0] + 1 <= len(terms) + 2


def find_red_flags(answer: str, sents: list[textmod.Sentence], red_flags: list[RedFlag]) -> list[tuple[RedFlag, _Match]]:
    """Each red flag or pitfall the answer raises, with the match that raised it."""
    raised = []
    raised_ids: set[str] = set()
    taken: set[int] = set()  # sentences that raised a flag
    everything = textmod.all_terms(sents)
    for flag in red_flags:
        if flag.id in raised_ids:
            continue  # a flag raised once is one claim, however many of its phrasings match
        if not flag.patterns and not any(textmod.phrase_term_set(p) <= everything for p in flag.phrasings):
            continue  # no phrasing can match: its unless words need not be looked for
        # "split users at random for the A/B test" is right: those words give another sense
        # an entry of several words ("log loss") needs all of them, not any one ("log" alone spares nothing)
        # and its small words count too: "on top" is not "top", "late for many" is not "late"
        # (only entries whose words are all in the answer can be said in one of its sentences)
        unless = [found for found in map(_entry_words, flag.unless) if found.terms and found.terms <= everything]
        # a claim with a context ("scores are probabilities as they are", said of a model trained on
        # SMOTE) is made only by a sentence that names it: said of plain logistic regression it is true
        needs = [found for found in map(_entry_words, flag.needs) if found.terms]
        if needs and not any(found.terms <= everything for found in needs):
            continue  # its context is said nowhere
        # one wrong sentence is one wrong claim: a sentence that raised a flag raises no other (a shared
        # pitfall that says the same as a case's flag adds nothing), but this flag may be said elsewhere
        skip = frozenset(i for i, s in enumerate(sents)
                         if i in taken or any(_unless_said(s, entry) for entry in unless)
                         or (needs and not any(_says_entry(s, entry) for entry in needs)))
        if flag.when == "dismissed":
            found = match_dismissal(answer, sents, flag.phrasings, skip)
        else:
            found = match_phrasings(answer, sents, flag.phrasings, respect_negation=True, skip=skip)
            if found is None and flag.patterns:
                found = match_patterns(answer, sents, flag.patterns, skip)
        if found is not None:
            raised.append((flag, found))
            raised_ids.add(flag.id)
            taken.add(found.sentence_index)
    return raised


def match_patterns(answer: str, sents: list[textmod.Sentence], patterns: list[str],
                   skip: frozenset[int] = frozenset()) -> _Match | None:
    """The first match of a red flag's regular expressions whose clause does not negate it ("the bias
    averages out" is the claim, "the bias does not average out" its rejection), as for a phrasing."""
    for index, sentence in enumerate(sents):
        if index in skip or not sentence.tokens:
            continue
        for pattern in patterns:
            for found in _compiled(pattern).finditer(answer, sentence.start, sentence.start + len(sentence.text)):
                # the group named "claim", when there is one, is what a negation must reach ("averages
                # out"), not the subject named before it ("position bias, but ... averages out")
                group = "claim" if "claim" in found.re.groupindex and found.group("claim") else 0
                span = _token_span(sentence, found.start(group), found.end(group))
                if span is None:
                    continue
                # and only up to the claim: what follows it in its clause is its consequence, which a
                # wrong answer often denies ("the bias averages out and we don't need to model it")
                upto = textmod.Sentence(answer[sentence.start : sentence.tokens[span[1]].end], sentence.start,
                                        sentence.tokens[: span[1] + 1])
                after = answer[sentence.tokens[span[1]].end :][:80]  # a ";" ends a sentence here, not a refutation
                if not is_negated(answer, upto, span) and not _REFUTED.match(after):
                    return _Match(_evidence(answer, sentence, span), index, 1.0)
    return None


# "some think the bias cancels out; it doesn't": the claim stated to be refuted in the next clause
_REFUTED = re.compile(r"[^.!?;:,]{0,30}[;:,\u2013\u2014-]+\s*(?:but\s+)?(?:it|that|this|they)\s+(?:does\s*n[o']t|do\s*n[o']t|"
                      r"won'?t|will\s+not|is\s*n[o']t|are\s*n[o']t|never|cannot|can'?t)\b", re.IGNORECASE)


@functools.lru_cache(maxsize=None)
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)


def _token_span(sentence: textmod.Sentence, start: int, end: int) -> tuple[int, int] | None:
    """The first and last token of the sentence inside the characters start..end of the answer."""
    inside = [i for i, t in enumerate(sentence.tokens) if t.end > start and t.start < end]
    return (inside[0], inside[-1]) if inside else None


# ------------------------------------------------------------- scoring


def _advice(hits: list[Hit], misses: list[Miss], flags: list[RaisedFlag], score: float) -> str:
    if flags:
        worst = max(flags, key=lambda f: f.penalty)
        if worst.id.startswith(claim_model.PREFIX):  # the model's reading: say which words, as less than certain
            claim = worst.claim.removeprefix(claim_model.LABEL).rstrip(".")
            return f"\"{worst.evidence}\" reads like a known mistake, \"{claim}\": {worst.why}"
        return f"Rethink the claim \"{worst.claim}\": {worst.why}"
    expected = [m for m in misses if m.expected]
    if expected:
        top = max(expected, key=lambda m: m.weight)
        return f"Cover {lower_first(top.label)} next time: {top.why}"
    stretch = [m for m in misses if not m.expected]
    if stretch:
        top = max(stretch, key=lambda m: m.weight)
        return f"Solid for this level; to reach the next one, add {lower_first(top.label)}: {top.why}"
    return "Everything the rubric listens for is there; practise saying it in under two minutes."


_JUSTIFICATION = frozenset(
    """because since therefore hence otherwise so whereas tradeoff instead rather versus vs cost risk
    means avoid prevent unless""".split()
)


def _answer_shape(sents: list[textmod.Sentence]) -> tuple[float, float, float]:
    """(prose factor, depth factor, justification rate) of a whole answer.

    Prose: share of function words; natural prose is ~40%, terse notes ~25%,
    a buzzword list ~0%. Depth: content words; a one-liner cannot show a
    design. Justification: reasons given ("because", "so that", trade-offs).
    """
    toks = [t for s in sents for t in s.tokens]
    if not toks:
        return 0.0, 0.0, 0.0
    words = sum(1 for t in toks if t.raw in FUNCTION_WORDS)
    function = words + sum(connectors(s.text) + len(_QUALIFIER.findall(s.text)) for s in sents)
    prose = min(1.0, max(0.0, (function / len(toks) - 0.06) / 0.16))
    content = len(toks) - words
    depth = min(1.0, (content / DEPTH_WORDS) ** 0.5)
    reasons = sum(1 for t in toks if t.raw in _JUSTIFICATION or t.term == "tradeoff")
    # in notes an arrow or "b/c" carries the reason: "2% pos -> downsample + recalibrate"
    reasons += sum(len(_ARROW_REASON.findall(s.text)) for s in sents)
    return prose, depth, min(1.0, reasons / max(1.0, len(sents) / 2))


def elaboration(said: list[textmod.Sentence], ideas: int) -> float:
    """How much the answer says about the `ideas` it was credited for: content words in the sentences
    that may earn credit, against ELABORATION_PER_IDEA each (at most ELABORATION_WORDS in all). Naming
    six ideas in six short lines and explaining them (how, with what numbers, at what cost) cover the
    same checklist; an interviewer hears the difference. The how and the why often sit in sentences
    that earn no concept themselves ("Then log loss. It punishes confident misses, which the auction
    pays for"), so those count; a wrong claim, filler and buzzword prose do not (they are `skip`ped).
    (Dev sets: counting only the sentences that earned a concept, at 12 words per idea and 60 in all,
    left strong and solid answers tied at the top, 39% of their pairs misordered; now 22%.)"""
    content = sum(1 for sentence in said for t in sentence.tokens if t.raw not in FUNCTION_WORDS)
    target = min(ELABORATION_WORDS, ELABORATION_PER_IDEA * ideas)
    # a bullet line that relates its terms packs its idea into fewer words than a spoken sentence
    # ("pinball loss at q=0.9 -> P90"); a bullet list of names does not (dev sets: whiteboard strong
    # answers on v11, v2, v4, v5 0.62, 0.80, 0.80, 0.76 -> 0.69, 0.89, 0.87, 0.82, stuffed bullet
    # lists unchanged; mean Spearman 0.882 -> 0.883)
    bullets = sum(1 for sentence in said if _BULLET.match(sentence.text) and _relates(sentence))
    target *= 1 - NOTE_CONCISION * bullets / max(1, len(said))
    return 1 - ELABORATION_SHARE + ELABORATION_SHARE * min(1.0, content / target)


_EQUATION = re.compile(r"\w\s*(?:>=|<=|=|<|>|\u2264|\u2265)\s*\w")  # "P90 >= P50", "label = click"


def _relates(sentence: textmod.Sentence) -> bool:
    """Whether a line relates its terms (a small word or a number: "pinball loss at q=0.9", "ratio by
    slot -> ~1.0") rather than lists them ("XLM-R / mBERT / GPT-4", "transformers -> LLM -> CLIP")."""
    return (any(t.raw in FUNCTION_WORDS or any(ch.isdigit() for ch in t.raw) for t in sentence.tokens)
            or bool(_EQUATION.search(sentence.text)))


def hit_points(hit: Hit, credit: float, level: str) -> float:
    """What one hit adds: its weight, times how much it reads as a claim; half for a concept above the level."""
    return (hit.weight if hit.level in _EXPECTED[level] else BONUS_FACTOR * hit.weight) * credit


def _score(hits: list[Hit], misses: list[Miss], level: str) -> tuple[float, float, float]:
    """(coverage, points got, expected points): weighted share of expected concepts shown;
    concepts above the level add a bonus."""
    expected_levels = _EXPECTED[level]
    expected_total = sum(m.weight for m in misses if m.expected) + sum(
        h.weight for h in hits if h.level in expected_levels
    )
    got = sum(h.points for h in hits)
    if expected_total <= 0:
        return 0.0, got, 0.0
    # a strong answer covers most, not all, of a long rubric: full marks at SATURATION of the weight
    return min(1.0, got / (SATURATION * expected_total)), got, expected_total


_VOCABULARY: dict = {}


def rubric_vocabulary(rubric: Rubric) -> frozenset[str]:
    """Every word the rubric's phrasings use (for typo tolerance); cached per rubric."""
    return memo.by_identity(_VOCABULARY, (rubric,), lambda: frozenset(
        w for item in [*rubric.concepts, *rubric.red_flags] for p in item.phrasings
        for w in textmod.phrase_words(p)))


def grade_rubric(case_id: str, step_id: str, rubric: Rubric, text: str, level: str = DEFAULT_LEVEL,
                 topic_check=None, relevance=None, red_flags: list[RedFlag] | None = None,
                 context: tuple[Rubric, ...] = (), known_terms: frozenset[str] = frozenset(),
                 specificity=None, claim_reader=None, concept_reader=None,
                 other_step_flags: list[RedFlag] = ()) -> Grade:
    """Score one answer against a rubric.

    score = (max(coverage x shape, engagement) - red-flag penalties, capped by wrong claims) x elaboration
    - tone penalties, capped when off-topic, where coverage
    is the level-weighted share of concepts shown (each hit weighted by how
    much it reads as a claim rather than a listed noun), shape reflects prose,
    depth and reasons given, and penalties come from red flags and concepts
    waved away ("latency isn't a concern"), and engagement is a small credit for
    prose about the step's subject in general terms (see topic.step_relevance), and elaboration
    how much the answer says about the ideas it was credited for (see `elaboration`).
    claim_reader(Sentence, flag ids) -> (flag id, probability) or None: the learned model's reading
    of a sentence no phrasing flagged (see claim_model); what it finds counts as a wrong claim.
    concept_reader(Sentence) -> [(concept id, probability)]: the learned model's reading of a sentence
    no phrasing credited (see concept_model); what it finds earns a soft hit's share.
    other_step_flags: the red flags of the case's other steps, which only claim_reader reads here, and
    only when it is surer (claim_model.CROSS_STEP_THRESHOLD): a claim is wrong in whichever step it is made.
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")
    answer = text or ""
    truncated = len(answer) > MAX_ANSWER_CHARS
    if truncated:  # a pasted 5 MB line must not take minutes; no spoken answer is this long
        answer = answer[:MAX_ANSWER_CHARS]
    if not answer.strip():
        misses = [_miss(c, level) for c in rubric.concepts]
        return Grade(case_id, step_id, level, 0.0, False, [], misses, [],
                     "No answer: even a rough outline of the key points earns credit.")
    # known_terms: stems of real words (every case's text), never taken for a typo of a rubric word
    sents = textmod.sentences(answer, textmod.typo_aliases(answer, rubric_vocabulary(rubric), known_terms))
    hits: list[Hit] = []
    misses: list[Miss] = []
    credit: dict[str, float] = {}
    dismissed: list[tuple[Concept, str]] = []
    by_sentence: dict[int, list[Concept]] = {}
    waved_sentences: set[int] = set()
    flags: list[RaisedFlag] = []
    wrong_sentences: set[int] = set()
    step_flags = rubric.red_flags if red_flags is None else red_flags
    for flag, found in find_red_flags(answer, sents, step_flags):
        flags.append(_raised(flag, found.evidence))
        wrong_sentences.add(found.sentence_index)
    # a sentence that makes a wrong claim earns no credit for the words it uses, and nor does one
    # that waves something away ("rebuild it monthly, that's fresh enough"): it names the idea to
    # brush it off; such a sentence can still deny a concept ("drift isn't a concern")
    wrong_only = frozenset(wrong_sentences)
    # (buzzword prose too: "a holistic, AI-driven drift framework" names drift to sound modern)
    skip = wrong_only | tone.sentences_without_credit(answer, [(s.start, s.start + len(s.text)) for s in sents])
    # what the topic checks read: the answer's content terms, from the tokens already split
    topic_terms = textmod.content_terms(t for s in sents for t in s.tokens)
    for concept in rubric.concepts:
        found = match_phrasings(answer, sents, concept.phrasings, respect_negation=False, skip=skip)
        if found is None and skip != wrong_only:
            waved = match_phrasings(answer, sents, concept.phrasings, respect_negation=False, skip=wrong_only)
            found = waved if waved is not None and waved.quality <= 0 else None
        if found is None or found.quality <= 0:
            misses.append(_miss(concept, level))
            if found is not None:
                dismissed.append((concept, found.evidence))
                waved_sentences.add(found.sentence_index)
        else:
            hits.append(Hit(concept.id, concept.label, found.evidence, concept.level, concept.weight))
            credit[concept.id] = found.quality
            by_sentence.setdefault(found.sentence_index, []).append(concept)
    # ideas said in words no phrasing lists together ("the number must mean a real chance")
    waved_ids = {c.id for c, _ in dismissed}
    hit_ids = {h.id for h in hits} | waved_ids
    # only in sentences no phrasing matched: a sentence already about named concepts is not
    # also, in other words, about a further one
    said = frozenset(by_sentence) | skip
    concepts = {c.id: c for c in rubric.concepts}

    def sentence_hit(concept: Concept, index: int, share: float = soft.CREDIT) -> None:
        """A concept read from a whole sentence rather than a phrasing: a soft hit's share of its points."""
        sentence = sents[index]
        span = (0, len(sentence.tokens) - 1)
        hits.append(Hit(concept.id, concept.label, _evidence(answer, sentence, span), concept.level, concept.weight))
        credit[concept.id] = share * claim_quality(answer, sentence, span)
        misses[:] = [m for m in misses if m.id != concept.id]
        by_sentence.setdefault(index, []).append(concept)
        hit_ids.add(concept.id)

    for concept_id, (index, _) in soft.soft_hits(rubric, sents, said, hit_ids, context).items():
        sentence_hit(concepts[concept_id], index)
    if concept_reader is not None:
        # and the learned reading of every sentence that may earn credit: a mechanism described without
        # its name, beside an idea a phrasing named or not (a sentence still holds CONCEPTS_PER_SENTENCE)
        for index, sentence in enumerate(sents):
            if index not in skip and not _waves_away(answer, sentence):
                for concept_id, probability in concept_reader(sentence):
                    if concept_id in concepts and concept_id not in hit_ids:
                        sentence_hit(concepts[concept_id], index, model_read_share(probability))
    elsewhere_ids: set[str] = set()
    read: list[tuple[RedFlag, int]] = []
    if claim_reader is not None:
        # last, so that a phrasing's flag or a concept waved away is what a sentence is read as first
        read = _likely_flags(sents, step_flags, wrong_sentences | waved_sentences, {f.id for f in flags}, claim_reader)
        own_ids = {f.id for f in step_flags}  # (a phrasing's flags are among them)
        elsewhere = [f for f in other_step_flags if f.id not in own_ids]
        if elsewhere:
            taken = wrong_sentences | waved_sentences | {index for _, index in read}
            cross = _likely_flags(sents, elsewhere, taken, set(), functools.partial(
                claim_reader, threshold=claim_model.CROSS_STEP_THRESHOLD))
            read += cross
            # another step's claim costs its points but is not this step's wrong claim for the cap: an
            # answer that runs over several steps (a write-up graded step by step) is not sunk in all
            # seven by one sentence (dev sets alike either way; public write-ups 0.47 -> 0.52 on their case)
            elsewhere_ids = {claim_model.PREFIX + f.id for f, _ in cross}
        for flag, index in read:
            sentence = sents[index]
            flags.append(RaisedFlag(claim_model.PREFIX + flag.id, claim_model.LABEL + flag.claim,
                                    _evidence(answer, sentence, (0, len(sentence.tokens) - 1)), flag.why,
                                    claim_model.PENALTY, flag.fix))
            for concept in by_sentence.pop(index, []):  # a sentence read as wrong earns nothing for its words
                hits[:] = [h for h in hits if h.id != concept.id]
                credit.pop(concept.id, None)
                misses.append(_miss(concept, level))
    # one sentence can say something about two or three things, not eight:
    # concepts beyond that in the same sentence were listed, not discussed
    for crowded in by_sentence.values():
        for concept in sorted(crowded, key=lambda c: -c.weight)[CONCEPTS_PER_SENTENCE:]:
            credit[concept.id] *= LISTED_CREDIT
    for concept, evidence in dismissed:
        flags.append(RaisedFlag(f"dismissed-{concept.id}", f"{concept.label} does not matter here",
                                evidence, f"It does: {concept.why}", DISMISSAL_PENALTY))
    notes: list[str] = []
    if truncated:
        notes.append(f"Only the first {MAX_ANSWER_CHARS:,} characters were graded.")
    hits = [replace(h, points=hit_points(h, credit[h.id], level)) for h in hits]
    coverage, got, expected = _score(hits, misses, level)
    parts = [ScorePart("concepts", f"{got:.1f} of {expected:.0f} expected points, full marks at "
                       f"{SATURATION * expected:.1f}", coverage)]
    prose, length, reasons = _answer_shape(sents)
    if prose < 0.6:
        notes.append("Reads as a list of terms: say what you would do with each and why.")
    # senior and staff answers are expected to justify choices, not only name them
    depth = length * (0.85 + 0.15 * reasons) if level != "mid" else length
    shape = (LIST_FLOOR + (1 - LIST_FLOOR) * prose) * depth
    score = coverage * shape
    if shape < 0.995:
        why = [w for w, weak in (("reads as a list", prose < 0.95), ("short", length < 0.95),
                                 ("few reasons given", level != "mid" and reasons < 0.95)) if weak]
        parts.append(ScorePart("shape", f"x {shape:.2f} ({', '.join(why) or 'form'})", score))
    if specificity is not None and score > 0:
        # the same concepts named in words that fit any problem ("ask about latency and scale,
        # align on success metrics") are what an interviewer calls vague: this case's own words
        # (its entities, numbers, constraints) are what make a requirement or a design specific
        specific = min(1.0, specificity(step_id, topic_terms) / SPECIFIC_SIMILARITY) ** 0.5
        if specific < 0.995:
            score *= specific
            notes.append(_ANY_PROBLEM)
            parts.append(ScorePart("specific", f"x {specific:.2f} (little that is particular to this problem)", score))
    if relevance is not None and score < ENGAGEMENT_CREDIT:
        # prose that engages with the step's subject in general terms ("clarify
        # scale, latency and scope") shows more than a list of terms or nothing;
        # it never earns more than ENGAGEMENT_CREDIT, so a higher score skips it
        engaged = ENGAGEMENT_CREDIT * prose * depth * relevance(step_id, topic_terms)
        if engaged > score:
            notes[:] = [note for note in notes if note != _ANY_PROBLEM]  # the note below says it
            notes.append("On the right subject but in general terms: name concrete choices, numbers and why.")
            score = engaged
            parts.append(ScorePart("general terms", f"on the subject, nothing specific: at most "
                                   f"{round(ENGAGEMENT_CREDIT * 100)}%", score))
    for flag in flags:
        score -= flag.penalty
        parts.append(ScorePart("red flag", f"- {round(flag.penalty * 100)} pts: {flag.claim}", score))
    # an interviewer who hears a confident wrong claim does not pass the step on coverage alone,
    # and two or three of them sink it, however much else was said
    # (not a concept waved away, which is less sure; the model's reading of a sentence counts: on the dev
    # answers its flags fell on 46 wrong answers and 7 others, as sure as a phrasing's 149 and 31)
    claims = sum(1 for flag in flags if not flag.id.startswith("dismissed-") and flag.id not in elsewhere_ids)
    if claims:
        cap = WRONG_CLAIM_CAPS[min(claims, len(WRONG_CLAIM_CAPS)) - 1]
        if score > cap:
            score = cap
            parts.append(ScorePart("cap", f"{claims} wrong claim{'s' if claims > 1 else ''}: at most "
                                   f"{round(cap * 100)}%", score))
    unsaid = skip | {index for _, index in read}  # wrong claims, the model's readings too, explain nothing
    elaborated = elaboration([s for i, s in enumerate(sents) if i not in unsaid], len(hits)) if hits else 1.0
    if elaborated < 0.995 and score > 0:
        # on what the checklist earned less its wrong claims (general-terms credit included); tone costs whole points
        score *= elaborated
        notes.append("Names its ideas more than it explains them: say how each would work, with numbers and why.")
        parts.append(ScorePart("elaboration", f"x {elaborated:.2f} (little said about the ideas it names)", score))
    waved = tone.dismissals(answer)
    if waved:
        notes.append(f"Waves things away (\"{waved[0]}\"): say what it would cost and why you accept that.")
        score -= tone.dismissal_penalty(waved)
        parts.append(ScorePart("tone", f"- {round(tone.dismissal_penalty(waved) * 100)} pts: waves things away", score))
    fluff = tone.filler(answer)
    fluff_cost = tone.filler_penalty(fluff, len(answer.split())) if fluff else 0.0
    if fluff_cost:
        notes.append(f"Corporate filler (\"{fluff[0]}\"): say what you would build, with numbers and reasons.")
        score -= fluff_cost
        parts.append(ScorePart("tone", f"- {round(fluff_cost * 100)} pts: corporate filler", score))
    buzz = tone.stack_buzz(answer)
    buzz_cost = tone.stack_buzz_penalty(buzz, len(answer.split()))
    if buzz_cost:
        notes.append(f"A stack of tool names (\"{buzz[0]}\", \"{buzz[1]}\", ...): say what each part does for this problem and why.")
        score -= buzz_cost
        parts.append(ScorePart("tone", f"- {round(buzz_cost * 100)} pts: names tools instead of a design", score))
    sweeping = tone.sweeping_penalty(answer)
    if sweeping:
        notes.append("Several sweeping claims (\"just\", \"always\", \"obviously\"): give reasons instead.")
        score -= sweeping
        parts.append(ScorePart("tone", f"- {round(sweeping * 100)} pts: sweeping claims", score))
    if topic_check is not None:
        other = topic_check(step_id, topic_terms)
        if other is not None:
            notes.append(f"This reads like an answer about another problem ({other}); answer for this case.")
            score = min(score, OFF_TOPIC_CAP)
            parts.append(ScorePart("cap", f"about another problem ({other}): capped at {round(OFF_TOPIC_CAP * 100)}%",
                                   score))
    if score < 0:
        parts.append(ScorePart("floor", "a score never goes below 0%", 0.0))
    score = max(0.0, min(1.0, score))
    return Grade(case_id, step_id, level, score, True, hits, misses, flags, _advice(hits, misses, flags, score),
                 notes, parts)


def _waves_away(answer: str, sentence: textmod.Sentence) -> bool:
    """Whether the sentence as a whole brushes something off ("we can ignore position bias", "latency
    isn't a concern"): the learned concept reading hears a subject, not its polarity, so it credits
    nothing in such a sentence (a phrasing's match is judged on its own words instead). Not any
    negation: over a whole sentence "not" mostly qualifies a detail, and the dev sets lost ground."""
    return bool(sentence.tokens) and is_dismissed(answer, sentence, (0, len(sentence.tokens) - 1))


def model_read_share(probability: float) -> float:
    """The share of a concept's points the concept model's reading of a sentence earns: a soft hit's
    share at the model's threshold, rising to SURE_READ_CREDIT as it becomes certain, never a phrasing's
    full credit (dev sets: plain-English strong answers 0.80 -> 0.81, vague 0.173 -> 0.176; at 1.0,
    vague and wrong answers gained as much as strong ones). Since elaboration counts every sentence
    (a vague answer's few words keep it low), 0.7 rising to 0.9 for soft hits and readings alike: dev
    mean Spearman 0.880 -> 0.881, plain-English strong 0.81 -> 0.82, vague 0.171 -> 0.175."""
    sureness = (probability - concept_model.THRESHOLD) / (1 - concept_model.THRESHOLD)
    return soft.CREDIT + (SURE_READ_CREDIT - soft.CREDIT) * max(0.0, min(1.0, sureness))


def _likely_flags(sents: list[textmod.Sentence], step_flags: list[RedFlag], taken: set[int], raised: set[str],
                  claim_reader) -> list[tuple[RedFlag, int]]:
    """Flags the learned model reads in sentences no phrasing flagged, one sentence and one flag at a time."""
    by_id = {flag.id: flag for flag in step_flags}
    open_ids = frozenset(by_id) - raised
    found = []
    for index, sentence in enumerate(sents):
        if index in taken or not open_ids or not sentence.tokens:
            continue
        reading = claim_reader(sentence, open_ids)
        if reading is not None:
            found.append((by_id[reading[0]], index))
            open_ids -= {reading[0]}
    return found


def lower_first(label: str) -> str:
    """'Latency budget' -> 'latency budget', but 'CTR drift' and 'PR-AUC' keep their case."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def _miss(concept: Concept, level: str) -> Miss:
    return Miss(concept.id, concept.label, concept.hint or f"Consider {lower_first(concept.label)}.", concept.why,
                concept.level, concept.weight, concept.level in _EXPECTED[level])


def _raised(flag: RedFlag, evidence: str) -> RaisedFlag:
    return RaisedFlag(flag.id, flag.claim, evidence, flag.why, flag.penalty, flag.fix)


def grade(case: Case, step_id: str, text: str, level: str = DEFAULT_LEVEL) -> Grade:
    """Grade one answer to one step of a case. Score is in [0, 1]."""
    try:
        step = case.steps[step_id]
    except KeyError:
        raise KeyError(f"case '{case.id}' has no step '{step_id}'") from None
    from mlsd.grader.topic import model_for

    topics = model_for(case)
    check = (lambda sid, answer: topics.belongs_elsewhere(case.id, sid, answer)) if topics else None
    relevance = topics.step_relevance if topics else None
    known = memo.by_identity(_KNOWN, (topics,), lambda: frozenset(topics.idf)) if topics else frozenset()
    memo.by_identity(_SEEDED, (case,), lambda: _seed_from_cache(case))
    specificity = (lambda sid, answer: topics.similarities(sid, answer).get(case.id, 0.0)) if topics else None
    reader = functools.partial(claim_model.likely_flag, case.id) if claim_model.has_model(case.id) else None
    about_another_step = functools.partial(topics.about_another_step, step_id) if topics else None
    concepts = (functools.partial(concept_model.likely_concepts, case.id, step_id, about_another_step=about_another_step)
                if concept_model.has_model(case.id) else None)
    flags_by_step = _case_step_flags(case)
    elsewhere = [f for other_id, flags in flags_by_step.items() if other_id != step_id for f in flags] if reader else []
    result = grade_rubric(case.id, step_id, step.rubric, text, level, topic_check=check, relevance=relevance,
                          specificity=specificity, claim_reader=reader, concept_reader=concepts,
                          red_flags=flags_by_step[step_id], context=_case_rubrics(case),
                          known_terms=known, other_step_flags=elsewhere)
    if case.architecture is not None and case.architecture.step == step_id:
        from mlsd.grader.architecture import apply_sketch  # a sketch (arrow lines, Mermaid) counts toward the step

        result = apply_sketch(case, step_id, text, result)
    return result


_RUBRICS: dict = {}
_STEP_FLAGS: dict = {}
_KNOWN: dict = {}
_SEEDED: dict = {}


def _seed_from_cache(case: Case) -> bool:
    """What a warm `mlsd grade` reads back instead of deriving again: phrase terms and cue weights."""
    _seed_terms(case)
    soft.seed_case(_case_rubrics(case))
    return True


def _seed_terms(case: Case) -> bool:
    """Tokenising the case's thousands of phrasings is most of a cold `mlsd grade`: their terms
    and words depend only on the phrasings and the grader's code, so they are kept in the content cache."""
    from mlsd.content import cache, pitfalls

    items = [*(i for r in _case_rubrics(case) for i in (*r.concepts, *r.red_flags)), *pitfalls.library()]
    # concepts' labels and hints too: soft matching reads their terms (soft._build_concept_cues)
    phrases = sorted({p for item in items for p in (*item.phrasings, *getattr(item, "unless", ()),
                                                      getattr(item, "label", ""), getattr(item, "hint", "")) if p})
    entry = cache.derived_key("phrase-terms", "\0".join(phrases), cache.sources_beside(__file__))
    known = cache.get(entry, dict)
    if known is not None and len(known.get("phrases", ())) == len(phrases):
        textmod.seed_phrase_terms(known["phrases"], known["stems"])
        return True
    terms = {p: (textmod.phrase_terms(p), textmod.phrase_words(p)) for p in phrases}
    # and the stem of every phrasing word: the typo check stems the whole rubric vocabulary
    stems = {w: textmod.stem(w) for _, words in terms.values() for w in words}
    cache.put(entry, {"phrases": terms, "stems": stems})
    return True


def _case_step_flags(case: Case) -> dict[str, list[RedFlag]]:
    """Each step's red flags with the shared pitfalls it inherits (pitfalls.for_step); cached per case
    object, since every grade reads the other steps' flags too."""
    from mlsd.content import pitfalls

    return memo.by_identity(_STEP_FLAGS, (case,), lambda: {
        step_id: pitfalls.for_step(step.rubric, step_id) for step_id, step in case.steps.items()})


def _case_rubrics(case: Case) -> tuple[Rubric, ...]:
    """Every step's rubric of the case, in order; cached per case object."""
    return memo.by_identity(_RUBRICS, (case,), lambda: tuple(s.rubric for s in case.steps.values()))
