"""Where you stand: progress per case and per step, weakest steps, concepts missed most.

Everything here is computed from the store on demand; nothing is cached. The
unit is a *step attempt*: the final answer (or skip) of one step in one
session. What counts:

- graded sessions (`mlsd grade`) are left out, as in `mlsd list`: they often
  grade sheets written elsewhere, such as the model answers;
- a skipped step scores 0 and misses every concept expected at the session's
  level; steps left out of an answer sheet ("unanswered") are not attempts;
- a concept above the session's level that was not shown is not a miss;
- case totals come from finished full sessions only (practice and mock), so
  a two-step review drill does not pass for a whole interview.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

from mlsd.content.loader import Catalog
from mlsd.content.schema import LEVELS, Case
from mlsd.session.store import Store

RECENT = 5  # attempts that make a step's "recent" average
EXCLUDED_MODES = ("grade",)
WHOLE_SESSION_MODES = ("practice", "mock")
SPARKS = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True)
class StepAttempt:
    """The final answer of one step in one session, with what it showed and missed."""

    session_id: int
    case_id: str
    mode: str
    level: str
    step: str
    kind: str  # answer | skip
    score: float
    at: float  # when it was entered (epoch seconds)
    hits: tuple[str, ...] = ()
    missed: tuple[str, ...] = ()  # concepts expected at the session's level and not shown


def expected_at(concept_level: str, level: str) -> bool:
    """A concept is expected from a candidate at its level or above."""
    try:
        return LEVELS.index(concept_level) <= LEVELS.index(level)
    except ValueError:
        return True


def step_attempts(store: Store, cases: dict[str, Case] | None = None, case_id: str | None = None) -> list[StepAttempt]:
    """Every step attempt in the store, oldest first.

    `cases` (id -> Case) lets misses be filtered by level and skips be turned
    into misses; without a case a stored grade's misses are taken as they are.
    """
    cases = cases or {}
    attempts: list[StepAttempt] = []
    for session in store.sessions(case_id=case_id):
        if session.mode in EXCLUDED_MODES:
            continue
        case = cases.get(session.case_id)
        for row in store.latest_answers(session.id).values():
            if row.kind not in ("answer", "skip"):
                continue
            rubric = case.steps[row.step].rubric if case and row.step in case.steps else None
            levels = {c.id: c.level for c in rubric.concepts} if rubric else {}
            if row.kind == "skip":
                hits: tuple[str, ...] = ()
                missed = tuple(c.id for c in rubric.concepts if expected_at(c.level, session.level)) if rubric else ()
                score = 0.0
            else:
                grade = row.grade or {}
                # a concept the user marked covered counts as shown: it leaves the review queue
                covered = tuple(grade.get("self_assessed", []))
                hits = tuple(h["id"] for h in grade.get("hit", [])) + covered
                missed = tuple(m["id"] for m in grade.get("missed", []) if m["id"] not in covered
                               and (m["id"] not in levels or expected_at(levels[m["id"]], session.level)))
                score = row.score if row.score is not None else float(grade.get("score", 0.0))
            attempts.append(StepAttempt(session.id, session.case_id, session.mode, session.level, row.step,
                                        row.kind, score, row.created_at, hits, missed))
    attempts.sort(key=lambda a: (a.at, a.session_id))
    return attempts


# ------------------------------------------------------------ the summary


@dataclass
class CaseProgress:
    case_id: str
    title: str
    totals: list[float]  # finished whole sessions, oldest first
    dates: list[float]

    @property
    def sessions(self) -> int:
        return len(self.totals)

    @property
    def best(self) -> float | None:
        return max(self.totals) if self.totals else None

    @property
    def last(self) -> float | None:
        return self.totals[-1] if self.totals else None

    @property
    def change(self) -> float | None:
        """Last total minus first total; None with fewer than two sessions."""
        return self.totals[-1] - self.totals[0] if len(self.totals) > 1 else None


@dataclass
class StepProgress:
    step: str
    title: str
    scores: list[float]  # every attempt, oldest first, across cases

    @property
    def attempts(self) -> int:
        return len(self.scores)

    @property
    def mean(self) -> float | None:
        return sum(self.scores) / len(self.scores) if self.scores else None

    @property
    def recent(self) -> float | None:
        """Mean of the last RECENT attempts: where the step stands now."""
        tail = self.scores[-RECENT:]
        return sum(tail) / len(tail) if tail else None


@dataclass
class ConceptStat:
    case_id: str
    step: str
    concept_id: str
    label: str
    missed: int
    seen: int  # attempts where it was expected (hit or missed)
    last_missed: float | None

    @property
    def miss_rate(self) -> float:
        return self.missed / self.seen if self.seen else 0.0


@dataclass
class EstimateQuestionStat:
    case_id: str
    estimate_id: str
    tries: int
    missed: int
    last_verdict: str


@dataclass
class EstimateProgress:
    """Back-of-envelope accuracy (`mlsd estimate`): overall, recent, per day and per case."""

    attempts: int = 0
    right: int = 0
    recent: float | None = None  # share right of the last RECENT_ESTIMATES answers
    days: list[tuple[float, int, int]] = field(default_factory=list)  # (first answer that day, answers, right)
    cases: dict[str, tuple[int, int]] = field(default_factory=dict)  # case -> (answers, right)
    missed: list[EstimateQuestionStat] = field(default_factory=list)  # questions missed most

    @property
    def accuracy(self) -> float | None:
        return self.right / self.attempts if self.attempts else None

    @property
    def daily(self) -> list[float]:
        """Share right per day, oldest first (for a trend line)."""
        return [right / count for _, count, right in self.days]


RECENT_ESTIMATES = 10


def estimate_progress(log: list, top: int = 5) -> EstimateProgress:
    """Accuracy over `log` (mlsd.drills.estimate_log attempts, oldest first)."""
    if not log:
        return EstimateProgress()
    result = EstimateProgress(len(log), sum(1 for a in log if a.correct))
    tail = log[-RECENT_ESTIMATES:]
    result.recent = sum(1 for a in tail if a.correct) / len(tail)
    by_day: dict[str, list] = {}
    for attempt in log:
        day = datetime.fromtimestamp(attempt.at).strftime("%Y-%m-%d")  # the user's own calendar day
        by_day.setdefault(day, []).append(attempt)
    result.days = [(items[0].at, len(items), sum(1 for a in items if a.correct)) for items in by_day.values()]
    questions: dict[tuple[str, str], EstimateQuestionStat] = {}
    for attempt in log:
        count, right = result.cases.get(attempt.case_id, (0, 0))
        result.cases[attempt.case_id] = (count + 1, right + (1 if attempt.correct else 0))
        stat = questions.setdefault((attempt.case_id, attempt.estimate_id),
                                    EstimateQuestionStat(attempt.case_id, attempt.estimate_id, 0, 0, ""))
        stat.tries += 1
        stat.missed += 0 if attempt.correct else 1
        stat.last_verdict = attempt.verdict
    missed = [s for s in questions.values() if s.missed]
    missed.sort(key=lambda s: (-s.missed, -s.missed / s.tries, s.case_id, s.estimate_id))
    result.missed = missed[:top]
    return result


@dataclass
class Progress:
    attempts: int
    sessions: int  # sessions with at least one step attempt
    cases: list[CaseProgress] = field(default_factory=list)
    steps: list[StepProgress] = field(default_factory=list)
    weakest: list[StepProgress] = field(default_factory=list)
    concepts: list[ConceptStat] = field(default_factory=list)
    estimates: EstimateProgress = field(default_factory=EstimateProgress)

    def to_json(self) -> dict[str, Any]:
        def iso(ts: float | None) -> str | None:
            return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat(timespec="seconds") if ts else None

        def rnd(x: float | None) -> float | None:
            return None if x is None else round(x, 4)

        return {
            "sessions": self.sessions,
            "attempts": self.attempts,
            "cases": [{"case": c.case_id, "title": c.title, "sessions": c.sessions, "best": rnd(c.best),
                       "last": rnd(c.last), "change": rnd(c.change),
                       "totals": [{"date": iso(d), "total": rnd(t)} for d, t in zip(c.dates, c.totals)]}
                      for c in self.cases],
            "steps": [{"step": s.step, "title": s.title, "attempts": s.attempts, "mean": rnd(s.mean),
                       "recent": rnd(s.recent), "scores": [rnd(x) for x in s.scores]} for s in self.steps],
            "weakest": [s.step for s in self.weakest],
            "concepts": [{**{k: v for k, v in asdict(c).items() if k != "last_missed"},
                          "miss_rate": rnd(c.miss_rate), "last_missed": iso(c.last_missed)} for c in self.concepts],
            "estimates": {
                "attempts": self.estimates.attempts, "right": self.estimates.right,
                "accuracy": rnd(self.estimates.accuracy), "recent": rnd(self.estimates.recent),
                "days": [{"date": iso(at), "answers": n, "right": r} for at, n, r in self.estimates.days],
                "cases": [{"case": cid, "answers": n, "right": r} for cid, (n, r) in sorted(self.estimates.cases.items())],
                "missed": [asdict(s) for s in self.estimates.missed],
            },
        }


def compute_progress(store: Store, catalog: Catalog | None = None, case_id: str | None = None,
                     top: int = 10, weakest: int = 3, estimate_log: list | None = None) -> Progress:
    """Progress per case and per step, the `weakest` steps and the `top` concepts missed most often;
    estimation accuracy from `estimate_log` (default: the user's log, mlsd.drills.estimate_log)."""
    cases = {cid: item.case for cid, item in catalog.cases.items()} if catalog else {}
    if estimate_log is None:
        from mlsd.drills import estimate_log as log_module

        estimate_log = log_module.attempts(case_id)
    else:
        estimate_log = [a for a in estimate_log if case_id is None or a.case_id == case_id]
    attempts = step_attempts(store, cases, case_id)

    # cases: finished whole sessions
    case_rows: dict[str, CaseProgress] = {}
    for session in sorted(store.sessions(case_id=case_id), key=lambda s: (s.started_at, s.id)):
        if (session.mode not in WHOLE_SESSION_MODES or not session.finished or session.total is None
                or session.meta.get("step_ids")):
            continue
        title = cases[session.case_id].title if session.case_id in cases else session.case_id
        row = case_rows.setdefault(session.case_id, CaseProgress(session.case_id, title, [], []))
        row.totals.append(session.total)
        row.dates.append(session.finished_at or session.started_at)

    # steps, in framework order (the first framework that names them), then any others
    order: list[str] = []
    titles: dict[str, str] = {}
    if catalog is not None:
        frameworks = [catalog.frameworks[c.framework] for c in cases.values() if c.framework in catalog.frameworks]
        frameworks.sort(key=lambda f: (f.id != "seven-step", f.id))
        for framework in frameworks:
            for fw_step in framework.steps:
                if fw_step.id not in titles:
                    order.append(fw_step.id)
                    titles[fw_step.id] = fw_step.title
    by_step: dict[str, list[float]] = {}
    for attempt in attempts:
        by_step.setdefault(attempt.step, []).append(attempt.score)
    ordered = [s for s in order if s in by_step] + sorted(s for s in by_step if s not in titles)
    steps = [StepProgress(s, titles.get(s, s), by_step[s]) for s in ordered]
    weakest_steps = sorted(steps, key=lambda s: (s.recent, -s.attempts, ordered.index(s.step)))[:weakest]

    # concepts
    stats: dict[tuple[str, str, str], ConceptStat] = {}
    for attempt in attempts:
        case = cases.get(attempt.case_id)
        labels = {}
        if case and attempt.step in case.steps:
            labels = {c.id: c.label for c in case.steps[attempt.step].rubric.concepts}
        for concept_id, was_missed in [(c, False) for c in attempt.hits] + [(c, True) for c in attempt.missed]:
            key = (attempt.case_id, attempt.step, concept_id)
            stat = stats.get(key)
            if stat is None:
                stat = stats[key] = ConceptStat(attempt.case_id, attempt.step, concept_id,
                                                labels.get(concept_id, concept_id), 0, 0, None)
            stat.seen += 1
            if was_missed:
                stat.missed += 1
                stat.last_missed = attempt.at
    missed = [s for s in stats.values() if s.missed]
    missed.sort(key=lambda s: (-s.missed, -s.miss_rate, -(s.last_missed or 0), s.case_id, s.step, s.concept_id))

    case_list = sorted(case_rows.values(), key=lambda c: c.case_id)
    sessions = len({a.session_id for a in attempts})
    return Progress(len(attempts), sessions, case_list, steps, weakest_steps, missed[:top],
                    estimate_progress(estimate_log))


# ------------------------------------------------------------ text charts


def sparkline(values: list[float], width: int = 20) -> str:
    """Scores in [0, 1] as block characters on a fixed scale (so 50% always looks the same).

    Only the last `width` values are drawn.
    """
    out = []
    for value in values[-width:]:
        value = min(max(value, 0.0), 1.0)
        out.append(SPARKS[min(len(SPARKS) - 1, int(value * len(SPARKS)))])
    return "".join(out)


def bar(value: float | None, width: int = 20) -> str:
    """A horizontal bar for a score in [0, 1], with eighth-cell resolution."""
    if value is None:
        return ""
    eighths = int(round(min(max(value, 0.0), 1.0) * width * 8))
    full, rest = divmod(eighths, 8)
    return "█" * full + (" ▏▎▍▌▋▊▉"[rest] if rest else "")
