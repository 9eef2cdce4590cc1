"""What the interviewer says: answers to clarifying questions, follow-up probes, the verdict.

No terminal here. The mock interview (`mlsd.session.mock`) and the practice loop
(`mlsd.tui.practice`) call these functions; tests call them directly.

- `answer_question(case, question)` finds the case facts a question asks for
  (stemmed, synonym-aware term matching against each fact's `asks` phrasings
  and topic); a question the case has no fact for gets "make an assumption
  and state it", as a real interviewer would say.
- `choose_follow_ups(case, step_id, grade)` aims one or two probes at the
  highest-weight concepts the answer missed, or uses the case's own
  follow-ups when nothing important was missed.
- `verdict(...)` and `biggest_gaps(...)` turn the step grades into the
  scorecard's judgement against a level's bar and what to study next.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import Iterable, Mapping

from mlsd.grader import Grade
from mlsd.grader import text as textmod
from mlsd.content.schema import LEVELS, Case, Concept, Fact

NO_FACT_REPLY = "I don't have a number for that. Make an assumption and state it, then carry on."
EMPTY_QUESTION_REPLY = "Go ahead and ask: type '?' and your question, e.g. '? what is the peak QPS'."

# A step meets a level's bar at this score. Scores are already relative to the
# level (a senior grade expects mid and senior concepts), so one bar serves all.
STEP_BAR = 0.6
# A missed concept this heavy is worth a probe; lighter ones are not.
IMPORTANT_WEIGHT = 2.0

# Short names an interviewer uses when moving on ("let's talk about serving").
STEP_TOPICS = {
    "requirements": "requirements",
    "framing": "how you'd frame it as an ML problem",
    "data": "data and features",
    "model": "the model",
    "evaluation": "evaluation",
    "serving": "serving",
    "monitoring": "monitoring",
}


def step_topic(step_id: str, title: str = "") -> str:
    return STEP_TOPICS.get(step_id) or (title[:1].lower() + title[1:] if title else step_id)


# ---------------------------------------------------------------- questions

# Words of a question that say nothing about what is asked ("roughly", "expected").
_FILLER = frozenset(
    textmod.stem(w)
    for w in """expect expected know tell give assume assuming typical typically rough roughly approximate
    approximately please guess ok okay sure wonder curious idea exact exactly actual actually like look
    need want question ask asking say get go kind sort thing things around ballpark estimate see
    can could we us our happen happens class what whats how hows where wheres who whos there theres it its""".split()
)
# Stems a question may use for a term the facts' phrasings use.
_ALIASES = {
    "fast": "latenc", "speed": "latenc", "slow": "latenc", "sla": "latenc", "respons": "latenc",
    "throughput": "qps", "load": "traffic",
    "big": "size", "larg": "size", "mani": "size",
    "peopl": "user", "custom": "user",
    "imbalanc": "balanc", "skew": "balanc",
    # asking about timing: "how long until", "how quickly", "how soon" all ask *when*
    "long": "when", "until": "when", "soon": "when", "quick": "when", "late": "when",
}


def _terms(text: str) -> tuple[str, ...]:
    out = []
    for term in textmod.phrase_terms(text):
        term = _ALIASES.get(term, term)
        if term not in _FILLER and term not in out:
            out.append(term)
    return tuple(out)


@dataclass(frozen=True)
class _FactIndex:
    asks: tuple[tuple[Fact, tuple[str, ...]], ...]  # (fact, terms of one phrasing or the topic)
    idf: Mapping[str, float]
    default_idf: float


_INDEXES: dict[int, tuple[Case, _FactIndex]] = {}


def _index(case: Case) -> _FactIndex:
    cached = _INDEXES.get(id(case))
    if cached is not None and cached[0] is case:
        return cached[1]
    asks: list[tuple[Fact, tuple[str, ...]]] = []
    df: dict[str, int] = {}
    for fact in case.facts:
        fact_terms: set[str] = set()
        for phrase in [*fact.asks, fact.topic]:
            terms = _terms(phrase)
            if terms:
                asks.append((fact, terms))
                fact_terms.update(terms)
        for term in fact_terms:
            df[term] = df.get(term, 0) + 1
    n = max(1, len(case.facts))
    idf = {term: math.log(1 + n / count) for term, count in df.items()}
    index = _FactIndex(tuple(asks), idf, math.log(1 + n / 0.5))
    _INDEXES[id(case)] = (case, index)
    return index


@dataclass(frozen=True)
class FactMatch:
    fact: Fact
    score: float  # higher is better: phrasing coverage plus question coverage, weighted by rarity
    terms: tuple[str, ...]  # the question terms the fact explains
    question_cover: float  # share of the question (by term rarity) the fact explains


@dataclass(frozen=True)
class Reply:
    """What the interviewer says to a question, and which facts it came from."""

    question: str
    text: str
    facts: tuple[Fact, ...] = ()

    @property
    def answered(self) -> bool:
        return bool(self.facts)

    @property
    def fact_id(self) -> str | None:
        return self.facts[0].id if self.facts else None

    def to_extra(self) -> dict:
        """What the store keeps with the question row."""
        return {"answer": self.text, "fact_id": self.fact_id, "fact_ids": [f.id for f in self.facts]}


def match_facts(case: Case, question: str) -> list[FactMatch]:
    """Facts the question asks for, best first; empty when nothing matches well.

    A fact matches when the question holds all the terms of one of its
    phrasings (or most of its rare ones), and the fact explains a fair share
    of what the question asks. Terms are stemmed and canonicalised like
    grading, so "requests per second" and "QPS" are one term. A question that
    names two facts ("QPS and latency budget?") gets both.
    """
    q_terms = _terms(question)
    if not q_terms:
        return []
    index = _index(case)
    weight = lambda t: index.idf.get(t, index.default_idf)  # noqa: E731 - tiny local helper
    q_weight = sum(weight(t) for t in q_terms)
    fact_terms: dict[str, set[str]] = {}
    for fact, terms in index.asks:
        fact_terms.setdefault(fact.id, set()).update(terms)
    best: dict[str, FactMatch] = {}
    for fact, terms in index.asks:
        common = tuple(t for t in terms if t in q_terms)
        if not common:
            continue
        ask_cover = sum(weight(t) for t in common) / sum(weight(t) for t in terms)
        explained = tuple(t for t in q_terms if t in fact_terms[fact.id])
        question_cover = sum(weight(t) for t in explained) / q_weight
        full = len(common) == len(terms)
        if not (full or (ask_cover >= 0.6 and len(common) >= 2) or (question_cover > 0.99 and ask_cover >= 0.4)):
            continue
        score = ask_cover + question_cover + 0.05 * len(common)
        if fact.id not in best or score > best[fact.id].score:
            best[fact.id] = FactMatch(fact, score, explained, question_cover)
    ranked = sorted(best.values(), key=lambda m: -m.score)
    if not ranked or (ranked[0].question_cover < 0.3 and len(ranked[0].terms) < 2):
        return []  # one shared word in a question about something else
    chosen = [ranked[0]]
    covered = set(ranked[0].terms)
    for match in ranked[1:]:
        if len(chosen) == 2:
            break
        new = [t for t in match.terms if t not in covered]
        tie = abs(match.score - ranked[0].score) < 1e-9
        if tie or (new and sum(weight(t) for t in new) / q_weight >= 0.25):
            chosen.append(match)  # answers another part of the question, or equally well
            covered.update(match.terms)
    return chosen


MAX_FACTS = 3  # facts in one reply, at most

_PARTS = re.compile(r"\s*(?:\band\b|\balso\b|\bplus\b|\bas well as\b|[,;?])\s*", re.IGNORECASE)


def _match_parts(case: Case, question: str) -> list[FactMatch]:
    """Facts for every part of a question that asks several things ("how many users and how many
    videos"), in the order asked, then what the whole question matches; at most MAX_FACTS."""
    parts = [part for part in _PARTS.split(question) if _terms(part)]
    chosen: list[FactMatch] = []
    if len(parts) > 1:
        for part in parts:
            found = match_facts(case, part)
            if found and all(found[0].fact.id != m.fact.id for m in chosen):
                chosen.append(found[0])
    for match in match_facts(case, question):
        if all(match.fact.id != m.fact.id for m in chosen):
            chosen.append(match)
    return chosen[:MAX_FACTS]


def answer_question(case: Case, question: str, *, list_topics: bool = False) -> Reply:
    """The interviewer's reply: the matching facts in character, or "make an assumption".

    `list_topics` adds the topics the case has facts on to a miss (practice mode).
    """
    question = question.strip().lstrip("?").strip()
    if not question:
        return Reply("", EMPTY_QUESTION_REPLY)
    matches = _match_parts(case, question)
    if not matches:
        text = NO_FACT_REPLY
        if list_topics and case.facts:
            text += " (This case has facts on: " + ", ".join(f.topic.lower() for f in case.facts) + ".)"
        return Reply(question, text)
    facts = tuple(m.fact for m in matches)
    if len(facts) == 1:
        text = facts[0].answer.strip()
    else:
        text = "\n".join(f"{f.topic}: {f.answer.strip()}" for f in facts)
    return Reply(question, text, facts)


def question_grading_text(case: Case, question: str, fact_ids: Iterable[str] = ()) -> str:
    """How a clarifying question counts toward the requirements step.

    The question itself, plus the topic and first phrasing of each fact it
    matched, so "how much traffic?" shows the scale concept as "QPS" would.
    """
    parts = [question.strip()]
    facts = {f.id: f for f in case.facts}
    for fact_id in fact_ids:
        fact = facts.get(fact_id)
        if fact is not None:
            parts.append(f"{fact.topic}: {fact.asks[0]}.")
    return "\n\n".join(p for p in parts if p)


# ---------------------------------------------------------------- follow-ups


@dataclass(frozen=True)
class Probe:
    text: str
    concept_id: str | None  # the missed concept it aims at; None for the case's own follow-up
    source: str  # "missed" | "case"


def _concept(case: Case, step_id: str, concept_id: str) -> Concept | None:
    step = case.steps.get(step_id)
    if step is None:
        return None
    return next((c for c in step.rubric.concepts if c.id == concept_id), None)


def _case_follow_up_for(case: Case, step_id: str, concept: Concept, used: set[str]) -> str | None:
    """A case follow-up that is about this concept (shares its rare words), if any."""
    from mlsd.grader.core import match_phrasings

    step = case.steps[step_id]
    for follow_up in step.follow_ups:
        if follow_up in used:
            continue
        sents = textmod.sentences(follow_up)
        if match_phrasings(follow_up, sents, list(concept.phrasings), respect_negation=False) is not None:
            return follow_up
    return None


# What an interviewer asks after stating what is at stake, by step.
_PROBE_QUESTIONS = {
    "requirements": "What would you want to pin down about that before designing?",
    "framing": "How does that change the way you frame the problem?",
    "data": "How would your data pipeline deal with that?",
    "model": "How would that change your model, or how you train it?",
    "evaluation": "How would you measure that, offline and online?",
    "serving": "How would your serving path handle that?",
    "monitoring": "How would you notice that in production, and what would you do?",
}
_PROBE_DEFAULT = "How would your design handle that?"


def _clauses(why: str) -> list[str]:
    """The clauses of a concept's `why`, first first, without citations like "(He et al. 2014)"."""
    import re

    text = re.sub(r"\s*\([^)]*\d{4}[^)]*\)", "", why.strip())
    out = []
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        parts = [p.strip() for p in sentence.split(";") if p.strip()]
        if parts and len(parts[0]) < 25:  # too short to stand alone: keep the sentence whole
            parts = [sentence.strip()]
        out += parts
    return [c.rstrip(" .;:,") + "." for c in out if c.strip(" .;:,")]


def _stake(concept: Concept) -> str:
    """What is at stake in a concept: the first clause of its `why` that does not name the concept."""
    clauses = _clauses(concept.why) or [concept.why.strip()]
    label = concept.label.strip().lower()
    return next((c for c in clauses if label not in c.lower()), clauses[0])


def _probe_text(concept: Concept, step_id: str = "") -> str:
    """A probe in the interviewer's voice: the concept's own question when it has one, else what
    is at stake (from its `why`) and a question about it; never its label, which names the answer."""
    hint = concept.hint.strip()
    if hint.endswith("?"):
        return hint
    return f"{_stake(concept)} {_PROBE_QUESTIONS.get(step_id, _PROBE_DEFAULT)}"


def choose_follow_ups(case: Case, step_id: str, grade: Grade, *, limit: int = 2) -> list[Probe]:
    """One or two probes aimed at the heaviest concepts the answer missed.

    Only concepts expected at the grade's level and weighing at least
    IMPORTANT_WEIGHT count; ties keep the rubric's order. Two probes when two
    such concepts were missed, else one. When nothing important was missed,
    the case's first follow-up pushes deeper instead. No probes for an empty
    answer: there is nothing to follow up on.
    """
    step = case.steps.get(step_id)
    if step is None or not grade.answered or limit <= 0:
        return []
    order = {c.id: i for i, c in enumerate(step.rubric.concepts)}
    important = sorted((m for m in grade.misses if m.expected and m.weight >= IMPORTANT_WEIGHT),
                       key=lambda m: (-m.weight, order.get(m.id, 0)))
    probes: list[Probe] = []
    used: set[str] = set()
    for miss in important[:limit]:
        concept = _concept(case, step_id, miss.id)
        if concept is None:
            continue
        authored = _case_follow_up_for(case, step_id, concept, used)
        if authored:
            used.add(authored)
        probes.append(Probe(authored or _probe_text(concept, step_id), concept.id, "missed"))
    if not probes and step.follow_ups:
        probes.append(Probe(step.follow_ups[0].strip(), None, "case"))
    return probes


# ---------------------------------------------------------------- verdict


@dataclass(frozen=True)
class Verdict:
    level: str
    met: int
    steps: int
    met_steps: tuple[str, ...]

    @property
    def summary(self) -> str:
        return f"Meets the {self.level} bar in {self.met} of {self.steps} steps."

    @property
    def judgement(self) -> str:
        if self.steps == 0:
            return "No steps to judge."
        share = self.met / self.steps
        if self.met == self.steps:
            return f"A clear {self.level} signal in every step."
        if share >= 0.7:
            return f"Overall: meets the {self.level} bar."
        if share >= 0.45:
            return f"Overall: borderline for {self.level}; close the gaps below."
        return f"Overall: below the {self.level} bar for now."


def verdict(scores: Mapping[str, float | None], level: str, bar: float = STEP_BAR) -> Verdict:
    """How many steps meet the level's bar (unanswered steps do not)."""
    met = tuple(step for step, score in scores.items() if score is not None and score >= bar)
    return Verdict(level, len(met), len(scores), met)


def bars_by_level(case: Case, texts: Mapping[str, str], bar: float = STEP_BAR) -> dict[str, int]:
    """Steps meeting the bar at each level, grading the same texts again (cheap)."""
    from mlsd.grader import grade

    out: dict[str, int] = {}
    for level in LEVELS:
        out[level] = sum(1 for step_id, text in texts.items()
                         if step_id in case.steps and text.strip() and grade(case, step_id, text, level).score >= bar)
    return out


# ---------------------------------------------------------------- gaps


@dataclass(frozen=True)
class LabRef:
    id: str
    title: str


@dataclass(frozen=True)
class Gap:
    step_id: str
    step_title: str
    kind: str  # "missed" | "red_flag"
    label: str
    why: str
    hint: str  # the concept's own nudge, when it has one
    references: tuple[str, ...] = ()
    labs: tuple[LabRef, ...] = field(default_factory=tuple)
    answered: bool = True  # False when the whole step went unanswered


def biggest_gaps(case: Case, grades: Mapping[str, Grade], titles: Mapping[str, str], *, limit: int = 3) -> list[Gap]:
    """The heaviest things the candidate got wrong or left out, at most one per step first.

    A raised red flag (a wrong claim) ranks above any miss; misses rank by
    weight, then by how weak their step was. Each gap names what to study
    (the concept's why and the step's references) and the labs that show it.
    """
    candidates: list[tuple[tuple, Gap, Concept | None]] = []
    order = {step_id: i for i, step_id in enumerate(titles)}
    for step_id, result in grades.items():
        case_step = case.steps.get(step_id)
        if case_step is None:
            continue
        refs = tuple(_cite(case, r) for r in case_step.references)
        title = titles.get(step_id, step_id)
        for flag in result.red_flags:
            gap = Gap(step_id, title, "red_flag", flag.claim, flag.why, "", refs, answered=result.answered)
            candidates.append(((0, -flag.penalty, result.score, order.get(step_id, 0)), gap, None))
        for miss in result.misses:
            if not miss.expected:
                continue
            concept = _concept(case, step_id, miss.id)
            gap = Gap(step_id, title, "missed", miss.label, miss.why, concept.hint if concept else "", refs,
                      answered=result.answered)
            candidates.append(((1, -miss.weight, result.score, order.get(step_id, 0)), gap, concept))
    candidates.sort(key=lambda c: c[0])
    chosen: list[tuple[Gap, Concept | None]] = []
    steps_used: set[str] = set()
    for _, gap, concept in candidates:  # first pass: one per step, so the list is not one bad step
        if len(chosen) < limit and gap.step_id not in steps_used:
            chosen.append((gap, concept))
            steps_used.add(gap.step_id)
    for _, gap, concept in candidates:
        if len(chosen) < limit and all(gap is not g for g, _ in chosen):
            chosen.append((gap, concept))
    return [_with_labs(case, gap, concept) for gap, concept in chosen]


def _cite(case: Case, ref_id: str) -> str:
    try:
        return case.reference(ref_id).cite()
    except KeyError:
        return ref_id


def _with_labs(case: Case, gap: Gap, concept: Concept | None) -> Gap:
    """Attach the step's labs, those whose title or summary is about the concept first."""
    lab_ids = list(case.steps[gap.step_id].labs)
    if not lab_ids:
        return gap
    refs: list[tuple[int, LabRef]] = []
    try:
        from mlsd.labs.registry import get_lab  # imports no heavy library

        specs = []
        for lab_id in lab_ids:
            try:
                specs.append(get_lab(lab_id))
            except KeyError:
                continue  # named by the case, not built yet
    except Exception:  # noqa: BLE001 - labs are a bonus on the scorecard, never a reason to fail it
        specs = []
    from mlsd.grader.core import match_phrasings

    for spec in specs:
        about = f"{spec.title}. {spec.summary}"
        phrasings = list(concept.phrasings) if concept else [gap.label]
        hit = match_phrasings(about, textmod.sentences(about), phrasings, respect_negation=False)
        refs.append((0 if hit else 1, LabRef(spec.id, spec.title)))
    refs.sort(key=lambda r: r[0])
    return replace(gap, labs=tuple(r for _, r in refs[:2]))
