"""Is an answer about this case at all?

A good answer to the same step of a *different* case uses that case's
vocabulary (chargebacks and velocity features in a CTR interview). We build
one TF-IDF profile per (case, step) from the case files themselves (question,
hints, rubric phrasings, model answer, prompt) and compare the answer with
its own case's profile and with the other cases' profiles of the same step.
Pure Python: a few hundred terms per profile, microseconds per answer.
"""

from __future__ import annotations

import math
from collections import Counter
from functools import lru_cache

from mlsd.grader import memo
from mlsd.grader import text as textmod
from mlsd.content.schema import Case

Profile = dict[str, float]
MIN_TERMS = 25
# An answer written for another case is typically 0.2-0.6 similar to that case's
# profile and several times less to ours; generic prose that merely leans one
# way (monitoring talk is alike across problems) must not be capped.
OFF_TOPIC_MARGIN = 1.8
OFF_TOPIC_MIN_SIMILARITY = 0.10
# a sentence is about another step when it is this relevant to one and below ELSEWHERE_OWN to its own
ELSEWHERE_OTHER, ELSEWHERE_OWN = 0.5, 0.2
FOCUSED_SIMILARITY = 0.15  # cosine with the pooled step profile of an answer that stays on the step


@lru_cache(maxsize=64)
def _terms(text: str) -> tuple[str, ...]:
    # cached: one grade asks for the same answer's terms up to three times
    # (enough text? similar to which case? on which step?)
    return textmod.content_terms(textmod.tokens(text))


Text = "str | tuple[str, ...]"  # an answer, or its content terms already read (see content_terms)


def _terms_of(text: Text) -> tuple[str, ...]:
    return _terms(text) if isinstance(text, str) else text


def _step_text(case: Case, step_id: str) -> str:
    step = case.steps[step_id]
    parts = [case.title, case.prompt, step.question, step.model_answer, *step.hints, *step.follow_ups]
    for concept in step.rubric.concepts:
        parts += [concept.label, *concept.phrasings]
    return "\n".join(parts)


class TopicModel:
    _STATE = ("idf", "profiles", "step_idf", "step_profiles")  # plain dicts: what the content cache keeps

    def __init__(self, cases: list[Case]):
        self._build(cases)

    @classmethod
    def from_state(cls, state: dict) -> "TopicModel":
        """A fitted model from `state()` (e.g. read back from the content cache)."""
        model = cls.__new__(cls)
        model.__dict__.update({name: state[name] for name in cls._STATE})
        return model

    def state(self) -> dict:
        return {name: getattr(self, name) for name in self._STATE}

    def _build(self, cases: list[Case]) -> None:
        counts: dict[tuple[str, str], Counter] = {}
        for case in cases:
            for step_id in case.steps:
                counts[(case.id, step_id)] = Counter(_terms(_step_text(case, step_id)))
        # a term's rarity across cases: vocabulary shared by every case (latency, model) says nothing
        docs_with: Counter = Counter()
        for case in cases:
            vocabulary = set()
            for (case_id, _), counter in counts.items():
                if case_id == case.id:
                    vocabulary |= set(counter)
            docs_with.update(vocabulary)
        n = len(cases)
        self.idf = {term: math.log((1 + n) / (1 + df)) for term, df in docs_with.items()}
        self.profiles: dict[tuple[str, str], Profile] = {key: self._vector(c) for key, c in counts.items()}
        self._build_step_profiles(counts)

    def _build_step_profiles(self, counts: dict[tuple[str, str], Counter]) -> None:
        """One profile per step, pooled over every case, weighted by rarity across steps.

        Here the generic vocabulary that the case profiles ignore is what counts:
        "scale, latency, constraints" is what a requirements answer talks about
        whatever the problem, and "drift, retrain, alert" what monitoring does.
        """
        pooled: dict[str, Counter] = {}
        for (_, step_id), counter in counts.items():
            pooled.setdefault(step_id, Counter()).update(counter)
        docs_with: Counter = Counter()
        for counter in pooled.values():
            docs_with.update(set(counter))
        n = len(pooled)
        self.step_idf = {term: math.log((1 + n) / (1 + df)) for term, df in docs_with.items()}
        self.step_profiles = {step_id: self._weigh(counter, self.step_idf) for step_id, counter in pooled.items()}

    def _vector(self, counter: Counter) -> Profile:
        return self._weigh(counter, self.idf)

    @staticmethod
    def _weigh(counter: Counter, idf: dict[str, float]) -> Profile:
        vec = {t: (1 + math.log(c)) * idf.get(t, 0.0) for t, c in counter.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {t: v / norm for t, v in vec.items() if v > 0}

    def step_relevance(self, step_id: str, text: Text) -> float:
        """How much the answer talks about this step's subject, whatever the case: 0 to 1.

        Cosine with the step's pooled profile, relative to the best-matching
        step (an evaluation answer given to the data question is not engaging
        with data), and scaled so that a focused answer reaches 1.
        """
        return _relevance(self._step_similarities(text), step_id)

    def about_another_step(self, step_id: str, text: "str | textmod.Sentence") -> bool:
        """Whether the text (or a sentence already split into tokens) is plainly about another step's
        subject and hardly about this one's (monitoring prose given to requirements); plain English,
        about no step's vocabulary, is not."""
        sims = self._step_similarities(text if isinstance(text, str) else textmod.content_terms(text.tokens))
        return _relevance(sims, step_id) < ELSEWHERE_OWN and any(
            _relevance(sims, other) >= ELSEWHERE_OTHER for other in sims if other != step_id)

    def _step_similarities(self, text: Text) -> dict[str, float]:
        """Cosine of the text (or its content terms) with each step's pooled profile."""
        vec = self._weigh(Counter(_terms_of(text)), self.step_idf)
        return {sid: sum(v * profile.get(t, 0.0) for t, v in vec.items())
                for sid, profile in self.step_profiles.items()}

    def similarities(self, step_id: str, text: Text) -> dict[str, float]:
        """Cosine similarity of the answer to each case's profile of this step."""
        vec = self._vector(Counter(_terms_of(text)))
        out: dict[str, float] = {}
        for (case_id, sid), profile in self.profiles.items():
            if sid == step_id:
                out[case_id] = sum(v * profile.get(t, 0.0) for t, v in vec.items())
        return out

    def belongs_elsewhere(self, case_id: str, step_id: str, text: Text, margin: float = OFF_TOPIC_MARGIN) -> str | None:
        """The id of another case this answer fits clearly better, or None."""
        if len(set(_terms_of(text))) < MIN_TERMS:
            return None  # too little text to tell one problem's vocabulary from another's
        plain, robust = self._similarities(step_id, text)
        own = plain.get(case_id, 0.0)
        # one word alone is not a problem's vocabulary: "member" says pymk, but a recommender
        # answer about members, titles and watch time is still a recommender answer, so no
        # single term may count for more than all the others together
        others = {c: s for c, s in robust.items() if c != case_id}
        if not others:
            return None
        best = max(others, key=others.get)
        if others[best] > margin * own and others[best] > OFF_TOPIC_MIN_SIMILARITY:
            return best
        return None

    def robust_similarities(self, step_id: str, text: Text) -> dict[str, float]:
        """Like `similarities`, but the single term that adds most counts at most as much as the rest."""
        return self._similarities(step_id, text)[1]

    def _similarities(self, step_id: str, text: Text) -> tuple[dict[str, float], dict[str, float]]:
        """(plain, robust) cosine similarity of the answer to each case's profile of this step."""
        vec = self._vector(Counter(_terms_of(text)))
        plain: dict[str, float] = {}
        robust: dict[str, float] = {}
        for (case_id, sid), profile in self.profiles.items():
            if sid == step_id:
                parts = [v * profile[t] for t, v in vec.items() if t in profile]
                total, top = sum(parts), max(parts, default=0.0)
                plain[case_id] = total
                robust[case_id] = total - max(0.0, top - (total - top))
        return plain, robust


_FOR_CASE: dict = {}  # per case object, this process (memo.by_identity)


def _relevance(sims: dict[str, float], step_id: str) -> float:
    """step_relevance from the text's similarity to every step's profile."""
    own = sims.get(step_id, 0.0)
    best = max(sims.values(), default=0.0)
    if own <= 0 or best <= 0:
        return 0.0
    return min(1.0, own / FOCUSED_SIMILARITY) * (own / best)


def model_for(case: Case) -> TopicModel | None:
    """A topic model over the catalog's cases (shipped, and MLSD_CASES folders) with `case` in
    place of the catalog's case of its id (a case from --cases-dir joins them); None when there
    is no other case to compare with. Once per case object in a process.

    The fitted profiles depend only on those cases' text and the grader's code, so they are kept
    in the content cache, keyed by every catalog file's path and text (read, not parsed), this
    case's text and the grader's source: a warm `mlsd grade` loads no other case. Any change to
    a case or framework file, to this case or to the grader gives a new key: never stale."""
    return memo.by_identity(_FOR_CASE, (case,), lambda: _fitted(case))


def _fitted(case: Case) -> TopicModel | None:
    from mlsd.content import cache
    from mlsd.content.index import catalog_fingerprint
    from mlsd.content.loader import load_catalog

    try:
        fingerprint = catalog_fingerprint()
    except Exception:  # topic checking is an aid; never block grading on it
        fingerprint = "?"
    own = "\0".join(f"{s}\0{_step_text(case, s)}" for s in case.steps)
    entry = cache.derived_key("topic-model-2", f"{fingerprint}\0\0\0{case.id}\0{own}", cache.sources_beside(__file__))
    state = cache.get(entry, dict)
    if state is not None and set(state) == set(TopicModel._STATE):
        return TopicModel.from_state(state)
    cases: dict[str, Case] = {}
    try:
        for item in load_catalog(include_shipped=True).cases.values():
            cases.setdefault(item.case.id, item.case)
    except Exception:  # topic checking is an aid; never block grading on it
        pass
    cases[case.id] = case
    if len(cases) < 2:
        return None
    model = TopicModel([cases[c] for c in sorted(cases)])
    if fingerprint != "?":
        cache.put(entry, model.state())
    return model
