"""Whole mock interviews on a fake clock: no terminal, no waiting."""

from __future__ import annotations

import io
import re
import time

import pytest
from rich.console import Console
from typer.testing import CliRunner

from conftest import COURSE, FakeClock
from mlsd.cli import app
from mlsd.session.context import Context
from mlsd.errors import UserError
from mlsd.grader import grade
from mlsd.content.loader import load_catalog
from mlsd.session.mock import MockInterview, check_minutes, clock_text, step_budgets
from mlsd.session.store import Store
from mlsd.tui.answer_input import LineInterrupted, LineTimeout
from mlsd.tui.mock import run_mock

COURSE_ARGS = ["--cases-dir", str(COURSE / "cases")]
INTERRUPT = object()


class Typist:
    """A scripted user. Each item is (seconds it takes to type, the line).

    Like the real timed reader it gives up at the timeout, advancing the clock
    and raising LineTimeout with the part of the line typed so far; called
    again with that text as `initial` it carries on typing the same line. When
    the interviewer moves on (the next call does not carry the partial line
    on), the rest of that line is dropped. `honour_timeout=False` plays a
    blocking reader that returns late (the fallback without select()).
    """

    def __init__(self, clock: FakeClock, script: list[tuple[float, object]], honour_timeout: bool = True):
        self.clock = clock
        self.script = [[seconds, seconds, line] for seconds, line in script]
        self.honour_timeout = honour_timeout
        self.prompts: list[str] = []
        self.partial: str | None = None

    def __call__(self, prompt, timeout, initial: str = "") -> str:
        self.prompts.append(prompt() if callable(prompt) else prompt)
        if self.partial is not None and initial != self.partial:
            self.script.pop(0)  # the interviewer took the half-typed line and moved on
        self.partial = None
        if not self.script:
            raise EOFError
        item = self.script[0]
        total, left, line = item
        if line is INTERRUPT:
            self.clock.advance(left)
            self.script.pop(0)
            raise LineInterrupted(initial)
        if self.honour_timeout and timeout is not None and left > timeout:
            self.clock.advance(timeout)
            item[1] = left - timeout
            typed = line[: int(len(line) * (total - item[1]) / total)]
            self.partial = typed
            raise LineTimeout(typed)
        self.clock.advance(left)
        self.script.pop(0)
        return line


def make_ctx(clock: FakeClock, typist: Typist) -> tuple[Context, io.StringIO]:
    out = io.StringIO()
    console = Console(file=out, width=100, no_color=True, force_terminal=False, highlight=False)
    return Context(console=console, err_console=console, read_line=lambda p: "", clock=clock,
                   read_line_timed=typist, stdin_is_tty=False), out


@pytest.fixture
def toy(course_catalog):
    case = course_catalog.case("toy")
    return case, course_catalog.framework_for(case)


def rows_by_step(store: Store, session_id: int) -> dict[str, list]:
    out: dict[str, list] = {}
    for row in store.answers(session_id):
        out.setdefault(row.step, []).append(row)
    return out


# ------------------------------------------------------------------- budgets


def test_budgets_scale_to_the_interview_length(toy):
    case, framework = toy  # mini framework: 2 + 3 default minutes
    budgets = step_budgets(framework, 10)
    assert [(b.step_id, b.seconds) for b in budgets] == [("requirements", 240.0), ("evaluation", 360.0)]
    shipped = load_catalog()
    seven = shipped.framework_for(shipped.case("ctr"))
    assert sum(b.seconds for b in step_budgets(seven, 45)) == pytest.approx(45 * 60)
    assert clock_text(61.2) == "1:02" and clock_text(0) == "0:00"


@pytest.mark.parametrize("minutes", [0, 0.5, 181, float("nan")])
def test_bad_minutes_are_a_user_error(minutes):
    with pytest.raises(UserError, match="--minutes"):
        check_minutes(minutes)


# ------------------------------------------------------- a whole interview


def test_questions_follow_ups_and_silent_grading(toy, store):
    case, framework = toy
    clock = FakeClock()
    typist = Typist(clock, [
        (1, ""),  # Enter starts the clock
        (5, "? what's the peak QPS"),
        (4, "? do we have GPUs"),
        (20, "I'd start from the business goal: revenue."),
        (1, "."),
        (30, "p99 latency has to stay under 50 milliseconds."),  # the reply to the follow-up
        (1, "."),
        (40, "Check calibration offline, then run an A/B test."),
        (1, "."),
        (10, ":skip"),  # pass on the follow-up
    ])
    ctx, out = make_ctx(clock, typist)
    interview = MockInterview(store, case, framework, level="senior", minutes=10, clock=clock)
    grade(case, "requirements", "warm the grader's per-case caches up")
    started = time.perf_counter()
    report = run_mock(ctx, interview)
    assert time.perf_counter() - started < 1  # a ten-minute interview in milliseconds
    text = out.getvalue()

    # the interviewer answered from the case's facts, in character, and admitted what it does not know
    assert "Interviewer: About 1,000 requests per second at peak." in text
    assert "make an assumption and state it" in text.lower()
    rows = rows_by_step(store, report.session_id)
    questions = [r for r in rows["requirements"] if r.kind == "question"]
    assert [(q.text, q.extra["fact_id"]) for q in questions] == [("what's the peak QPS", "qps"),
                                                                 ("do we have GPUs", None)]
    assert questions[0].extra["answer"].startswith("About 1,000 requests")

    # the follow-up aimed at the heaviest missed concept (latency, weight 2, expected at senior)
    main, followup = [r for r in rows["requirements"] if r.kind in ("answer", "followup")]
    assert followup.kind == "followup" and followup.extra["concept"] == "latency"
    assert followup.extra["question"] == "The budget bounds model size. What would you want to pin down about that before designing?"
    assert followup.text.startswith("p99 latency")
    # graded with the step: answer + follow-up reply + questions (QPS shows the scale concept)
    hit = {h["id"] for h in main.grade["hit"]}
    assert {"scale", "latency", "goal"} <= hit
    assert main.score == pytest.approx(report.steps[0].score)

    # nothing missed in evaluation: the case's own follow-up, passed with :skip
    eval_rows = rows["evaluation"]
    assert eval_rows[-1].kind == "followup" and eval_rows[-1].extra == {
        "question": "Which guardrails?", "concept": None, "passed": True}

    # no scores or hints during the interview: the first percentage is on the scorecard
    during, _, after = text.partition("Scorecard")
    assert "%" not in during and "hint 1" not in during.lower()
    met = report.verdict.met
    assert f"Meets the senior bar in {met} of 2 steps." in after
    assert met == sum(1 for s in report.steps if s.score is not None and s.score >= 0.6)
    assert "You asked 2 clarifying questions; 1 was answered" in after

    # seconds per step: the answer plus its follow-up replies
    assert main.seconds == pytest.approx(5 + 4 + 20 + 1)
    assert report.steps[0].seconds == pytest.approx(30 + 31)
    session = store.session(report.session_id)
    assert session.mode == "mock" and session.finished and session.minutes == 10
    assert session.meta["ended"] == "done" and session.meta["budgets"] == {"requirements": 240.0, "evaluation": 360.0}


def test_prompt_shows_time_left_and_warnings_come_in_time(toy, store):
    case, framework = toy
    clock = FakeClock()
    # 5 minutes: requirements 2:00, evaluation 3:00. Type one line slowly for 100 s.
    # With 19 s left of the step after the answer, no follow-up: the step's time is almost gone.
    typist = Typist(clock, [(0, ""), (100, "I would ask about qps and the latency budget"), (1, "."),
                            (200, "calibration, and an A/B test")])
    ctx, out = make_ctx(clock, typist)
    interview = MockInterview(store, case, framework, level="senior", minutes=5, clock=clock)
    run_mock(ctx, interview)
    assert typist.prompts[1] == "[2:00 step · 5:00 left] › "
    text = out.getvalue()
    # the step warning at a quarter of its 2 minutes, while the line was still being typed
    assert "⏱ 0:30 left for requirements: start wrapping up." in text
    assert "[0:30 step · 3:30 left] › " in typist.prompts  # the line resumed after the warning
    assert "⏱ 1 minute left in the interview." in text
    assert "5 minutes left" not in text  # not worth saying in a 5-minute interview
    assert "Interviewer: Thanks. Let's talk about evaluation." in text  # no probe with 19 s left
    assert not [r for r in store.answers(1) if r.kind == "followup"]


def test_time_outs_move_on_and_keep_what_was_typed(toy, store):
    case, framework = toy
    clock = FakeClock()
    typist = Typist(clock, [
        (0, ""),
        (10, "We need the qps first."),
        (500, "and then the latency budget in milliseconds, because"),  # still typing when time is up
        (30, "Calibration offline"),
        (500, "then an A/B test online"),  # the interview's time runs out mid-line
    ])
    ctx, out = make_ctx(clock, typist)
    interview = MockInterview(store, case, framework, level="senior", minutes=5, clock=clock)
    report = run_mock(ctx, interview)
    text = out.getvalue()
    assert "Interviewer: Let's stop there on requirements; let's talk about evaluation." in text
    assert "Interviewer: That's time. Thank you, let's see how it went." in text

    rows = rows_by_step(store, report.session_id)
    first = rows["requirements"][0]
    assert first.kind == "answer" and first.extra["timed_out"] is True
    slow_line = "and then the latency budget in milliseconds, because"
    kept = first.text.split("\n")
    assert kept[0] == "We need the qps first." and len(kept) == 2 and slow_line.startswith(kept[1])
    assert len(kept[1]) == int(len(slow_line) * 110 / 500)  # what was typed in the 110 s left
    assert first.seconds == pytest.approx(120)  # exactly its budget
    assert first.score is not None and first.score > 0  # graded, silently
    second = rows["evaluation"][0]
    assert second.extra["timed_out"] is True and second.text.startswith("Calibration offline\nthen")
    assert second.seconds == pytest.approx(180)
    # what was typed is the answer: "answered", as the export says, with the time-out noted apart
    assert report.ended == "time" and [s.status for s in report.steps] == ["answered", "answered"]
    assert [s.timed_out for s in report.steps] == [True, True]
    assert "0:00 / 3:00" not in text and "2:00 / 2:00" in text


def test_an_idle_step_is_stored_unanswered(toy, store):
    case, framework = toy
    clock = FakeClock()
    typist = Typist(clock, [(0, ""), (400, "")])  # says nothing at all
    ctx, _ = make_ctx(clock, typist)
    report = run_mock(ctx, MockInterview(store, case, framework, level="senior", minutes=5, clock=clock))
    rows = rows_by_step(store, report.session_id)
    assert [r.kind for r in rows["requirements"]] == ["unanswered"]
    assert rows["requirements"][0].seconds == pytest.approx(120)
    assert report.steps[0].status == "unanswered" and report.steps[0].score is None
    assert report.total == 0


def test_interview_time_up_stores_steps_not_reached_as_unanswered(toy, store):
    """A reader that cannot be interrupted (no select()) returns late; the clock still rules."""
    case, framework = toy
    clock = FakeClock()
    typist = Typist(clock, [(0, ""), (400, "qps and latency budget, typed very slowly")], honour_timeout=False)
    ctx, out = make_ctx(clock, typist)
    report = run_mock(ctx, MockInterview(store, case, framework, level="mid", minutes=5, clock=clock))
    rows = rows_by_step(store, report.session_id)
    assert rows["requirements"][0].text == "qps and latency budget, typed very slowly"
    assert [r.kind for r in rows["evaluation"]] == ["unanswered"]
    assert report.ended == "time"
    assert "Time ran out with 1 step unanswered" in out.getvalue()
    assert re.search(r"Meets the mid bar in [01] of 2 steps\.", out.getvalue())


def test_quit_ends_early_and_keeps_the_half_written_answer(toy, store):
    case, framework = toy
    clock = FakeClock()
    typist = Typist(clock, [(0, ""), (15, "qps matters"), (1, ":quit")])
    ctx, out = make_ctx(clock, typist)
    report = run_mock(ctx, MockInterview(store, case, framework, level="senior", minutes=5, clock=clock))
    rows = rows_by_step(store, report.session_id)
    assert rows["requirements"][0].text == "qps matters" and rows["requirements"][0].extra["ended"] == "quit"
    assert rows["evaluation"][0].kind == "unanswered"
    assert report.ended == "quit" and "Scorecard" in out.getvalue()


def test_ctrl_c_stores_what_was_typed_and_leaves_the_session_open(toy, store):
    case, framework = toy
    clock = FakeClock()
    typist = Typist(clock, [(0, ""), (10, "first line of my answer"), (5, INTERRUPT)])
    ctx, _ = make_ctx(clock, typist)
    interview = MockInterview(store, case, framework, level="senior", minutes=5, clock=clock)
    with pytest.raises(KeyboardInterrupt):
        run_mock(ctx, interview)
    session = store.sessions()[0]
    assert not session.finished and session.meta["ended"] == "interrupted"
    row = store.answers(session.id)[0]
    assert row.text == "first line of my answer" and row.extra["interrupted"] is True and row.seconds == 15


def test_cancel_before_the_clock_starts_stores_nothing(toy, store):
    case, framework = toy
    clock = FakeClock()
    ctx, out = make_ctx(clock, Typist(clock, [(0, ":q")]))
    assert run_mock(ctx, MockInterview(store, case, framework, level="senior", minutes=5, clock=clock)) is None
    assert store.sessions() == [] and "Cancelled" in out.getvalue()


def test_empty_answer_commands_and_no_hints(toy, store):
    case, framework = toy
    clock = FakeClock()
    typist = Typist(clock, [(0, ""), (1, "."), (1, ":hint"), (1, ":time"), (1, ":help"), (1, ":bogus"),
                            (1, ":skip"), (1, ":skip")])
    ctx, out = make_ctx(clock, typist)
    report = run_mock(ctx, MockInterview(store, case, framework, level="senior", minutes=5, clock=clock))
    text = out.getvalue()
    assert "The answer is empty" in text
    assert "No hints in a mock interview" in text
    assert "1:57 left for this step, 4:57 in the interview." in text
    assert "Unknown command ':bogus'" in text
    assert [s.status for s in report.steps] == ["skipped", "skipped"]


# ------------------------------------------------ the state machine, directly


def test_full_ctr_interview_with_model_answers_meets_the_bar(store):
    catalog = load_catalog()
    case = catalog.case("ctr")
    framework = catalog.framework_for(case)
    clock = FakeClock()
    interview = MockInterview(store, case, framework, level="senior", minutes=45, clock=clock)
    interview.start()
    probes = 0
    for step in framework.steps:
        assert interview.phase == "answer" and interview.current.step_id == step.id
        clock.advance(120)
        for line in case.steps[step.id].model_answer.strip().splitlines():
            interview.line(line)
        interview.line(".")
        while interview.phase == "followup":
            probes += 1
            clock.advance(30)
            interview.line("I'd come back to that with numbers once the design is clear.")
            interview.line(".")
        if interview.phase == "estimate":  # requirements ends with one estimation question
            assert step.id == "requirements"
            interview.line(".")
    assert interview.done and interview.ended == "done"
    report = interview.report()
    assert [e.verdict for e in report.estimates] == ["passed"]
    assert report.verdict.summary == "Meets the senior bar in 7 of 7 steps."
    assert probes == 7  # one follow-up per step at most, never two in a row
    assert all(s.status == "answered" for s in report.steps)
    assert report.seconds_used == pytest.approx(7 * 120 + probes * 30)


def test_rollover_gives_saved_time_to_later_steps(toy, store):
    case, framework = toy
    clock = FakeClock()
    interview = MockInterview(store, case, framework, level="senior", minutes=5, clock=clock)
    interview.start()
    clock.advance(20)
    interview.line(":skip")  # 100 s saved on requirements
    assert interview.current.step_id == "evaluation"
    assert interview.step_remaining() == pytest.approx(280)
    assert interview.timeout() == pytest.approx(280 - 60)  # the next thing due: the 1-minute warning


# ------------------------------------------------------------------- the CLI


def test_mock_command_runs_from_piped_input():
    runner = CliRunner()
    script = "? how much traffic\nqps and the latency budget\n.\np99 latency in milliseconds\n.\n:skip\n"
    result = runner.invoke(app, ["mock", "toy", *COURSE_ARGS, "--minutes", "5"], input=script)
    assert result.exit_code == 0, result.output
    assert "About 1,000 requests per second" in result.output
    assert "Scorecard" in result.output and "Meets the senior bar in" in result.output


@pytest.mark.parametrize("args, message", [
    (["nope"], "unknown case 'nope'"),
    (["toy", "--minutes", "0"], "--minutes must be between 1 and 180"),
    (["toy", "--random"], "not both"),
    ([], "name a case"),
    (["toy", "--level", "principal"], "unknown level"),
])
def test_mock_user_errors_exit_2(args, message):
    result = CliRunner().invoke(app, ["mock", *args, *COURSE_ARGS])
    assert result.exit_code == 2 and message in result.output
    assert "Traceback" not in result.output


def test_mock_random_picks_a_case(monkeypatch):
    import random

    monkeypatch.setattr(random, "choice", lambda options: "toy" if "toy" in options else options[0])
    result = CliRunner().invoke(app, ["mock", "--random", *COURSE_ARGS, "--minutes", "5"], input=":quit\n")
    assert result.exit_code == 0, result.output
    assert "Toy click model" in result.output and "Scorecard" in result.output


def test_each_line_is_a_draft_at_once_and_an_empty_input_stores_nothing(toy, store):
    case, framework = toy
    clock = FakeClock()
    interview = MockInterview(store, case, framework, level="senior", minutes=5, clock=clock)
    engine = interview.start()
    interview.line("qps at peak")
    interview.update("qps at peak\nand the p99 lat")  # the editor's text, the last line half typed
    assert store.session(engine.id).meta["drafts"] == {"requirements": "qps at peak\nand the p99 lat"}
    interview.line(".")  # stored as the answer: the draft goes
    assert store.session(engine.id).meta["drafts"] == {}
    assert store.latest_answers(engine.id)["requirements"].text == "qps at peak\nand the p99 lat"
    assert "⏱ " in interview.toolbar() and "interview" in interview.toolbar()

    quiet = MockInterview(store, case, framework, level="senior", minutes=5, clock=clock)
    quiet_id = quiet.start().id
    quiet.eof("")  # `mlsd mock toy </dev/null`: no interview took place
    assert quiet.done and quiet.ended == "no input"
    assert quiet_id not in {s.id for s in store.sessions()}
