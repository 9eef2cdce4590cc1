"""The timed mock interview, as a state machine with no terminal.

`MockInterview` keeps the clock (an injected function, so tests run a whole
interview on a fake clock in milliseconds), takes the user's lines and
time-outs as events, stores every row the moment it exists, and queues what
the interviewer says as `Say` items for the terminal loop (`mlsd.tui.mock`)
to render.

Timing rules:
- Each step's budget is the framework's default minutes scaled to the
  interview's length. Time saved on a step rolls over to the next ones: a
  step ends at its planned end on the schedule, or after half its budget if
  an earlier step ran late, and never after the interview's end.
- When a step's time is up the interviewer moves on, keeping what was typed
  (the main answer, or the reply to a follow-up). When the interview's time
  is up the steps not reached are stored as unanswered.
- Warnings: shortly before a step's time is up (a minute, or a quarter of
  the step for short steps), and at 5 and 1 minutes left in the interview.

Nothing is scored aloud: answers are graded silently (to choose follow-up
probes) and the scorecard comes at the end (`report()`).

Estimation: after the requirements answer (and its follow-up), with time left
in the step, the interviewer asks one back-of-envelope question from the case
(`estimate` phase): '? question' gets the facts it needs, a number with its
unit is checked silently (logged for review, shown in the scorecard), '.'
passes. It shares the step's clock and never changes the step's score.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

from mlsd.session.engine import SessionEngine
from mlsd.errors import UserError
from mlsd.grader import Grade, grade
from mlsd.session.interviewer import (Gap, Probe, Verdict, answer_question, bars_by_level, biggest_gaps, choose_follow_ups,
                              step_topic, verdict)
from mlsd.content.schema import Case, Framework
from mlsd.session.store import AnswerRow, Store

DEFAULT_MINUTES = 45.0
MIN_MINUTES = 1.0
MAX_MINUTES = 180.0
INTERVIEW_WARNINGS = (300.0, 60.0)  # seconds left in the interview
STEP_WARNING = 60.0  # warn this long before a step's time is up ...
STEP_WARNING_SHARE = 0.25  # ... or a quarter of the step's time, whichever is shorter
LATE_STEP_SHARE = 0.5  # a step that starts behind schedule still gets this share of its budget
PROBE_MIN_SHARE = 0.25  # a follow-up only with at least this share of the step's budget left ...
PROBE_MIN_SECONDS = 20.0  # ... and at least this long: none when the step's time is almost gone
MAX_PROBES = 1  # one follow-up per step at most, as a real interviewer has time for
ACTIVE = ("answer", "followup", "estimate")  # phases in which the user is typing

HELP = (
    "finish an answer with a line holding only '.'  ·  '? question' asks the interviewer  ·  "
    ":skip move on  ·  :time the clock  ·  :quit end the interview  ·  :help"
)


_PRACTICE_ONLY = {":hint": "hints", ":h": "hints", ":edit": "editor", ":e": "editor", ":back": "going back",
                  ":b": "going back"}


def check_minutes(minutes: float) -> float:
    if not (isinstance(minutes, (int, float)) and math.isfinite(minutes)) or not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise UserError(f"--minutes must be between {MIN_MINUTES:g} and {MAX_MINUTES:g}, not {minutes:g}")
    return float(minutes)


@dataclass(frozen=True)
class StepBudget:
    step_id: str
    title: str
    seconds: float


def step_budgets(framework: Framework, minutes: float) -> list[StepBudget]:
    """Each step's share of the interview, in proportion to the framework's default minutes."""
    total = framework.total_minutes
    return [StepBudget(s.id, s.title, minutes * 60.0 * s.minutes / total) for s in framework.steps]


def clock_text(seconds: float) -> str:
    """m:ss, rounded up so 0:00 means the time is really up."""
    whole = max(0, math.ceil(seconds - 1e-9))
    return f"{whole // 60}:{whole % 60:02d}"


@dataclass(frozen=True)
class Say:
    """One thing for the terminal to show.

    kind: step (a new step; data has number, total, title, question, budget, left) ·
    interviewer (a probe or a transition, in character) · reply (an answer to a
    question) · warning · notice (help, the clock, an empty answer) · end
    """

    kind: str
    text: str
    data: dict = field(default_factory=dict)


@dataclass
class StepReport:
    step_id: str
    title: str
    status: str  # answered | skipped | unanswered (see step_status)
    score: float | None
    seconds: float
    budget_seconds: float  # the time the step was given: its share, plus time saved earlier
    probes: list[str]
    questions: int
    meets_bar: bool
    grade: Grade | None
    timed_out: bool = False  # the step's time ran out while it was being answered


@dataclass
class EstimateReport:
    question: str
    answer: str  # as typed; "" when passed or the time ran out
    verdict: str  # right | off | wrong-unit | passed
    message: str  # e.g. "off by a factor of 3 (too high): ..."


@dataclass
class MockReport:
    session_id: int
    case_id: str
    case_title: str
    level: str
    minutes: float
    ended: str  # done | time | quit | eof
    steps: list[StepReport]
    total: float
    verdict: Verdict
    by_level: dict[str, int]
    gaps: list[Gap]
    questions: list[tuple[str, bool]]  # (question, answered from the case's facts)
    estimates: list[EstimateReport] = field(default_factory=list)

    @property
    def seconds_used(self) -> float:
        return sum(s.seconds for s in self.steps)


class MockInterview:
    """One timed interview of one case. Call `start()`, then feed events until `done`."""

    def __init__(self, store: Store, case: Case, framework: Framework, *, level: str, minutes: float,
                 clock: Callable[[], float], max_probes: int = MAX_PROBES, ask_estimates: bool = True):
        self.store = store
        self.case = case
        self.framework = framework
        self.level = level
        self.minutes = check_minutes(minutes)
        self.clock = clock
        self.max_probes = max_probes
        self.ask_estimates = ask_estimates
        self.budgets = step_budgets(framework, self.minutes)
        self.engine: SessionEngine | None = None
        self.phase = "idle"  # idle | answer | followup | estimate | done
        self.ended = ""
        self._out: list[Say] = []
        self._warned: set[str] = set()
        self.index = 0
        self._t0 = 0.0
        self._end = 0.0
        self._buffer = ""  # the answer or reply being typed; its last line may be unfinished
        self._step_start = 0.0
        self._deadline = 0.0
        self._response_start = 0.0
        self._probes: list[Probe] = []
        self._probe_index = 0
        self._asked: dict[str, list[str]] = {}  # step -> probes asked
        self._questions: dict[str, int] = {}  # step -> questions asked
        self._estimate = None  # the estimation question open in the `estimate` phase (a schema Estimate)
        self._estimates: list[EstimateReport] = []
        self._report: MockReport | None = None

    # ---------------------------------------------------------------- clock

    def now(self) -> float:
        return self.clock()

    def remaining(self) -> float:
        """Seconds left in the interview."""
        return max(0.0, self._end - self.now()) if self.phase != "idle" else self.minutes * 60

    def step_remaining(self) -> float:
        return max(0.0, self._deadline - self.now())

    @property
    def done(self) -> bool:
        return self.phase == "done"

    @property
    def current(self) -> StepBudget | None:
        return self.budgets[self.index] if self.index < len(self.budgets) else None

    def prompt(self) -> str:
        """The input prompt, with the time left for the step and the interview."""
        if self.phase in ("idle", "done"):
            return "› "
        return f"[{clock_text(self.step_remaining())} step · {clock_text(self.remaining())} left] › "

    def toolbar(self) -> str:
        """One line for a live footer: the clock, and what is due or how to go on."""
        if self.phase in ("idle", "done"):
            return ""
        now = self.now()
        left = self._end - now
        clock = f"⏱ {clock_text(self.step_remaining())} step · {clock_text(max(0.0, left))} interview"
        lead = dict(self._warning_times()).get(f"step-{self.index}", self._deadline)
        if left <= 60 and self.minutes * 60 > 90:
            note = "the last minute"
        elif now >= lead:
            note = "time to wrap up"
        elif self.phase == "followup":
            note = "reply, then '.' · '.' alone passes"
        elif self.phase == "estimate":
            note = "a number with its unit · ? asks · '.' passes"
        else:
            note = "'.' ends the answer · ? asks · :help"
        return f"{clock}  │  {note}"

    @property
    def buffer(self) -> str:
        """What is typed of the current answer or reply (the last line may be unfinished)."""
        return self._buffer

    def timeout(self, warnings: bool = True) -> float | None:
        """Seconds until something is due (a warning, a step's end, the interview's end).
        `warnings=False`: only the ends (a live footer shows the warnings)."""
        if self.phase in ("idle", "done"):
            return None
        now = self.now()
        due = [self._deadline, self._end]
        for key, at in self._warning_times() if warnings else []:
            if key not in self._warned:
                due.append(at)
        return max(0.0, min(due) - now)

    def _warning_times(self) -> list[tuple[str, float]]:
        times = [(f"total-{int(th)}", self._end - th) for th in INTERVIEW_WARNINGS if self.minutes * 60 > th + 30]
        allotted = self._deadline - self._step_start
        lead = min(STEP_WARNING, STEP_WARNING_SHARE * allotted)
        times.append((f"step-{self.index}", self._deadline - lead))
        return times

    # --------------------------------------------------------------- events

    def drain(self) -> list[Say]:
        """What the interviewer has said since the last call."""
        out, self._out = self._out, []
        return out

    def start(self) -> SessionEngine:
        """Start the clock and the session, and put the first question."""
        if self.phase != "idle":
            raise RuntimeError("the interview has already started")
        meta = {"budgets": {b.step_id: round(b.seconds, 1) for b in self.budgets}, "allotted": {}}
        self.engine = SessionEngine.start(self.store, self.case, self.framework, level=self.level, mode="mock",
                                          minutes=self.minutes, meta=meta)
        self._t0 = self.now()
        self._end = self._t0 + self.minutes * 60
        self._begin_step()
        return self.engine

    @staticmethod
    def is_command(line: str) -> bool:
        """Lines that do something rather than add to the answer: '? question' and ':word'."""
        return line.startswith("?") or (line.startswith(":") and len(line) > 1 and not line[1].isspace())

    def update(self, text: str) -> None:
        """The text typed so far of the current answer or reply; kept as a draft at once, so a
        kill or a lost terminal loses nothing."""
        if self.phase not in ("answer", "followup") or self.engine is None:
            return  # an estimate is one line: nothing to keep as a draft
        self._buffer = text
        self._save_draft()

    def _save_draft(self) -> None:
        assert self.engine is not None
        step_id = self.budgets[self.index].step_id
        text = self._text()
        if not text:
            return
        if self.phase == "followup":
            self.engine.save_followup_draft(step_id, self._probes[self._probe_index].text, text)
        else:
            self.engine.save_draft(step_id, text)

    def _clear_drafts(self) -> None:
        assert self.engine is not None
        step_id = self.budgets[self.index].step_id
        self.engine.clear_draft(step_id)
        self.engine.clear_followup_draft(step_id)

    def line(self, text: str) -> None:
        """One line the user entered: answer text, a '?' question, '.' or a ':' command."""
        if self.phase not in ACTIVE:
            return
        stripped = text.strip()
        command = stripped.lower()
        if self.phase == "estimate" and stripped and not self.is_command(stripped) and stripped != ".":
            self._estimate_answer(stripped)
        elif self.phase == "estimate" and command in (".", ":skip", ":s", ":next", ":pass"):
            self._end_estimate("", "passed", "passed")
        elif stripped.startswith("?"):
            self._ask(stripped)
        elif stripped == ".":
            if self.phase == "answer" and not self._text():
                self._say("notice", "The answer is empty: write a few lines, or :skip to move on.")
            else:
                self._finish_response()
        elif command in (":skip", ":s", ":next", ":pass"):
            self._finish_response(skipped=True)
        elif command in (":quit", ":q", ":exit", ":end"):
            self._stop("quit")
        elif command in (":time", ":t"):
            self._say("notice", f"{clock_text(self.step_remaining())} left for this step, "
                                f"{clock_text(self.remaining())} in the interview.")
        elif command in (":help", ":?"):
            self._say("notice", HELP)
        elif command in _PRACTICE_ONLY:
            self._say("notice", f"No {_PRACTICE_ONLY[command]} in a mock interview, as in a real one. {HELP}")
        elif command.startswith(":") and " " not in command and len(command) > 1:
            self._say("notice", f"Unknown command {stripped!r}. {HELP}")
        else:
            kept = self._buffer if not self._buffer or self._buffer.endswith("\n") else self._buffer + "\n"
            self._buffer = kept + text.rstrip() + "\n"
            self._save_draft()
        self.tick()  # a line read without a time-out may arrive after a deadline

    def tick(self, text: str | None = None) -> None:
        """The clock moved (a read timed out): show due warnings, end the step or the
        interview when their time is up. `text` is what is typed so far (see `buffer`,
        which is empty again when the time-out used it)."""
        if self.phase not in ACTIVE:
            return
        if text is not None:
            self._buffer = text
        now = self.now()
        if now >= self._end:
            self._time_up_step()
            self._stop("time")
            return
        if now >= self._deadline:
            self._time_up_step()
            return
        self._warn(now)

    def eof(self, text: str | None = None) -> None:
        """The input ended (Ctrl-D at an empty line, or the end of a pipe)."""
        if self.phase not in ACTIVE:
            return
        if text is not None:
            self._buffer = text
        if self.engine is not None and not self._text() and self.engine.is_empty():
            # nothing was ever typed (`mlsd mock ctr </dev/null`): no interview took place
            self.engine.discard_if_empty()
            self.phase = "done"
            self.ended = "no input"
            return
        self._stop("eof")

    def interrupt(self, text: str | None = None) -> None:
        """Ctrl-C or a lost terminal: store what was typed, and close the interview as stopped:
        a timed interview cannot be resumed, so it is never left open for `mlsd resume`."""
        if self.engine is None or self.phase not in ACTIVE:
            return
        if text is not None:
            self._buffer = text
        if self._text() and self.phase != "estimate":
            self._store_response(extra={"interrupted": True})
        self._clear_drafts()
        self.store.update_meta(self.engine.id, ended="interrupted", probes=self._asked, questions=self._questions)
        self.phase = "done"
        self.ended = "interrupted"

    # ---------------------------------------------------------------- steps

    def _say(self, kind: str, text: str, **data) -> None:
        self._out.append(Say(kind, text, data))

    def _text(self) -> str:
        return "\n".join(line.rstrip() for line in self._buffer.split("\n")).strip()

    def _begin_step(self) -> None:
        budget = self.budgets[self.index]
        now = self.now()
        planned_end = self._t0 + sum(b.seconds for b in self.budgets[: self.index + 1])
        self._step_start = self._response_start = now
        self._deadline = min(self._end, max(planned_end, now + LATE_STEP_SHARE * budget.seconds))
        if self.engine is not None:  # the time this step is given (saved time rolls over), for the scorecard and export
            allotted = dict(self.store.session(self.engine.id).meta.get("allotted") or {})
            allotted[budget.step_id] = round(self._deadline - now, 1)
            self.store.update_meta(self.engine.id, allotted=allotted)
        self._buffer = ""
        self._probes, self._probe_index = [], 0
        self.phase = "answer"
        case_step = self.case.steps.get(budget.step_id)
        question = case_step.question if case_step else self.framework.step(budget.step_id).question
        self._say("step", question.strip(), number=self.index + 1, total=len(self.budgets), title=budget.title,
                  step_id=budget.step_id, budget=budget.seconds, allotted=self._deadline - now,
                  left=self.remaining())

    def _ask(self, question: str) -> None:
        assert self.engine is not None
        step_id = self.budgets[self.index].step_id
        reply = answer_question(self.case, question)
        if reply.question:
            self.engine.add_question(step_id, reply.question, reply.to_extra())
            self._questions[step_id] = self._questions.get(step_id, 0) + 1
        self._say("reply", reply.text, answered=reply.answered, fact_ids=[f.id for f in reply.facts])

    def _store_response(self, *, extra: dict | None = None, skipped: bool = False) -> Grade | None:
        """Store the text typed for the current answer or follow-up reply; the step's grade so far."""
        assert self.engine is not None
        step_id = self.budgets[self.index].step_id
        seconds = self.now() - self._response_start
        text = self._text()
        try:
            if self.phase == "followup":
                probe = self._probes[self._probe_index]
                more = {**(extra or {}), **({"passed": True} if skipped or not text else {})}
                self.engine.add_followup(step_id, probe.text, text, seconds=seconds,
                                         extra={"concept": probe.concept_id, **more})
                return self.engine.grade_step(step_id)
            questions = self._questions.get(step_id, 0)
            given = {"allotted": round(self._deadline - self._step_start, 1)}
            if skipped:
                self.engine.skip(step_id, seconds=seconds, text=text)
            elif text or (step_id == self.engine.clarify_step and questions):
                self.engine.add_answer(step_id, text, seconds=seconds,
                                       extra={"questions": questions, **given, **(extra or {})})
                return self.engine.grade_step(step_id)
            else:
                self.engine.add_answer(step_id, "", kind="unanswered", seconds=seconds, extra={**given, **(extra or {})})
            return None
        finally:
            self._clear_drafts()

    def _finish_response(self, *, skipped: bool = False) -> None:
        """The user finished an answer or a follow-up reply ('.' or :skip)."""
        step_id = self.budgets[self.index].step_id
        result = self._store_response(skipped=skipped)
        if self.phase == "answer":
            if skipped:
                self._next_step("skipped")
                return
            self._probes = choose_follow_ups(self.case, step_id, result, limit=self.max_probes) if result else []
            self._probe_index = -1
        self._next_probe_or_step()

    def _next_probe_or_step(self) -> None:
        step_id = self.budgets[self.index].step_id
        self._probe_index += 1
        budget = self.budgets[self.index].seconds
        room = self.step_remaining() >= max(PROBE_MIN_SECONDS, PROBE_MIN_SHARE * budget)
        if self._probe_index < len(self._probes) and room:
            probe = self._probes[self._probe_index]
            self._asked.setdefault(step_id, []).append(probe.text)
            self.phase = "followup"
            self._buffer = ""
            self._response_start = self.now()
            self._say("interviewer", probe.text, probe=True, concept=probe.concept_id)
            return
        if self.step_remaining() >= PROBE_MIN_SECONDS and self._ask_estimate(step_id):
            return
        self._next_step("done")

    # ------------------------------------------------------------ estimates

    def _ask_estimate(self, step_id: str) -> bool:
        """Put one estimation question of the step, if the case has one; True when asked."""
        if not self.ask_estimates or self.engine is None:
            return False
        estimate = self.engine.next_estimate(step_id)
        if estimate is None:
            return False
        self._estimate = estimate
        self.phase = "estimate"
        self._buffer = ""
        self._response_start = self.now()
        self._say("interviewer", "A quick estimate before we move on: " + " ".join(estimate.question.split()),
                  estimate=estimate.id)
        return True

    def _estimate_answer(self, line: str) -> None:
        """A number with its unit: checked and logged, never scored aloud; unreadable: say why, try again."""
        from mlsd.drills import estimate_log
        from mlsd.drills.estimate import EstimateError, check

        assert self.engine is not None and self._estimate is not None
        try:
            result = check(self._estimate, line, self.case.id)
        except EstimateError as exc:
            self._say("notice", f"{exc} ('.' passes)")
            return
        estimate_log.record(result)
        self.engine.add_estimate(self.budgets[self.index].step_id, result, seconds=self.now() - self._response_start)
        self._end_estimate(line, result.verdict, result.message)

    def _end_estimate(self, answer: str, verdict: str, message: str, *, move_on: bool = True) -> None:
        assert self._estimate is not None
        self._estimates.append(EstimateReport(" ".join(self._estimate.question.split()), answer, verdict, message))
        self._estimate = None
        if move_on:
            self._next_step("done")

    def _time_up_step(self) -> None:
        """The step's time is up: keep what was typed and move on."""
        if self.phase == "estimate":  # nothing typed counts: the question goes unanswered
            self._end_estimate("", "passed", "the step's time ran out", move_on=False)
        else:
            self._store_response(extra={"timed_out": True})
        if self.now() < self._end:
            self._next_step("time")

    def _next_step(self, why: str) -> None:
        finished = self.budgets[self.index]
        self.index += 1
        following = self.current
        if following is None:
            self._say("interviewer", "That's all the steps. Thank you, let's see how it went.")
            self._stop("done")
            return
        topic = step_topic(following.step_id, following.title)
        if why == "time":
            text = f"Let's stop there on {step_topic(finished.step_id, finished.title)}; let's talk about {topic}."
            self._say("interviewer", text, timed_out=True)
        elif why == "skipped":
            self._say("interviewer", f"OK, let's move on and talk about {topic}.")
        else:
            self._say("interviewer", f"Thanks. Let's talk about {topic}.")
        self._begin_step()

    def _warn(self, now: float) -> None:
        due = [(key, at) for key, at in self._warning_times() if key not in self._warned and now >= at]
        if not due:
            return
        for key, _ in due:
            self._warned.add(key)
        total_keys = [key for key, _ in due if key.startswith("total-")]
        if total_keys:
            seconds = min(float(key.split("-")[1]) for key in total_keys)
            minutes = int(seconds // 60)
            self._say("warning", f"{minutes} minute{'s' if minutes != 1 else ''} left in the interview.")
            return  # one warning at a time; the step's would say the same
        step = self.budgets[self.index]
        where = "this follow-up" if self.phase == "followup" else step_topic(step.step_id, step.title)
        self._say("warning", f"{clock_text(self.step_remaining())} left for {where}: start wrapping up.")

    def _stop(self, why: str) -> None:
        """End the interview: steps not reached are unanswered; grade, finish, report."""
        if self.phase == "done":
            return
        assert self.engine is not None
        if why in ("quit", "eof") and self.phase in ("answer", "followup"):
            self._store_response(extra={"ended": why})  # what was typed, or the step as unanswered
        elif self.phase == "estimate":
            self._end_estimate("", "passed", "the interview ended", move_on=False)
        latest = self.engine.latest()
        for budget in self.budgets:
            if budget.step_id not in latest:
                self.engine.add_answer(budget.step_id, "", kind="unanswered", seconds=0.0)
        self.phase = "done"
        self.ended = why
        if why == "time":
            self._say("interviewer", "That's time. Thank you, let's see how it went.", timed_out=True)
        elif why in ("quit", "eof"):
            self._say("interviewer", "OK, let's stop here and see how it went.")
        self.engine.grade_step(self.engine.clarify_step)  # questions asked in later steps count too
        self.engine.finish()
        self.store.update_meta(self.engine.id, ended=why, probes=self._asked, questions=self._questions)

    # --------------------------------------------------------------- report

    def report(self) -> MockReport:
        """The scorecard: per-step scores and time, the verdict, gaps, questions."""
        if self._report is not None:
            return self._report
        if self.engine is None or self.phase != "done":
            raise RuntimeError("the interview has not ended")
        engine = self.engine
        steps: list[StepReport] = []
        grades: dict[str, Grade] = {}
        texts: dict[str, str] = {}
        scores: dict[str, float | None] = {}
        for budget in self.budgets:
            main, followups = engine.step_rows(budget.step_id)
            seconds = sum(r.seconds or 0.0 for r in ([main] if main else []) + followups)
            result = engine.grade_step(budget.step_id) if main is not None and main.kind == "answer" else None
            status = step_status(main)
            allotted = float((main.extra.get("allotted") if main is not None else None) or budget.seconds)
            score = result.score if result is not None else None
            if result is None:
                result_for_gaps = grade(self.case, budget.step_id, "", self.level)
            else:
                result_for_gaps = result
                texts[budget.step_id] = engine.step_text(budget.step_id)
            grades[budget.step_id] = result_for_gaps
            scores[budget.step_id] = score
            steps.append(StepReport(budget.step_id, budget.title, status, score, seconds, allotted,
                                    [r.extra.get("question", "") for r in followups],
                                    self._questions.get(budget.step_id, 0), False, result,
                                    timed_out=bool(main is not None and main.extra.get("timed_out"))))
        decision = verdict(scores, self.level)
        for row in steps:
            row.meets_bar = row.step_id in decision.met_steps
        titles = {b.step_id: b.title for b in self.budgets}
        session = self.store.session(engine.id)
        self._report = MockReport(
            session_id=engine.id, case_id=self.case.id, case_title=self.case.title, level=self.level,
            minutes=self.minutes, ended=self.ended, steps=steps, total=session.total or 0.0, verdict=decision,
            by_level=bars_by_level(self.case, texts), gaps=biggest_gaps(self.case, grades, titles),
            questions=[(q.text, bool(q.extra.get("fact_id"))) for q in engine.questions()],
            estimates=list(self._estimates),
        )
        return self._report


def step_status(main: AnswerRow | None) -> str:
    """One word per step, the same in the scorecard and the export: answered (time-outs
    included: what was typed is the answer), skipped or unanswered."""
    if main is None or main.kind == "unanswered":
        return "unanswered"
    if main.kind == "skip":
        return "skipped"
    return "answered"
