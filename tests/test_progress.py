"""Progress (stats), spaced-repetition review and the step-restricted drill."""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone

import pytest
from rich.console import Console
from typer.testing import CliRunner

from conftest import COURSE
from mlsd.session.context import Context
from mlsd.session.engine import SessionEngine
from mlsd.session.history import session_summaries
from mlsd.reports.progress import StepAttempt, bar, compute_progress, sparkline, step_attempts
from mlsd.reports.review import describe_due, plan_drill, review_queue
from mlsd.session.store import Store

DAY = 86_400.0
T0 = 1_700_000_000.0
COURSE_ARGS = ["--cases-dir", str(COURSE / "cases")]


def grade_json(step: str, score: float, hit: list[str], missed: list[str]) -> dict:
    return {"step": step, "score": score, "hit": [{"id": h, "evidence": h} for h in hit],
            "missed": [{"id": m, "hint": m, "why": m} for m in missed], "red_flags": [], "advice": ""}


def add_session(store: Store, case, framework, day: float, answers: dict, *, mode: str = "practice",
                level: str = "senior", finish: bool = True, step_ids: list[str] | None = None) -> int:
    """A session on day `day` whose steps get {step: (score, hit, missed)} or "skip"."""
    engine = SessionEngine.start(store, case, framework, level=level, mode=mode, now=T0 + day * DAY,
                                 step_ids=step_ids)
    for offset, (step, value) in enumerate(answers.items()):
        at = T0 + day * DAY + 60 * (offset + 1)
        if value == "skip":
            store.add_answer(engine.id, step, "", kind="skip", score=0.0, now=at)
        else:
            score, hit, missed = value
            store.add_answer(engine.id, step, f"answer on day {day}", score=score,
                             grade=grade_json(step, score, hit, missed), now=at)
    if finish:
        engine.finish(now=T0 + day * DAY + 600)
    return engine.id


@pytest.fixture
def toy(course_catalog, toy_case):
    return toy_case, course_catalog.framework_for(toy_case)


@pytest.fixture
def history(toy):
    """Three practice sessions, a review drill and a graded sheet, over twelve days."""
    store = Store.memory()
    add_session(store, *toy, 0, {"requirements": (0.3, ["scale"], ["latency", "goal"]), "evaluation": "skip"})
    add_session(store, *toy, 5, {"requirements": (0.6, ["scale", "latency"], []),
                                 "evaluation": (0.4, ["calibration"], ["ab"])})
    add_session(store, *toy, 12, {"requirements": (0.9, ["scale", "latency"], []),
                                  "evaluation": (0.2, [], ["calibration", "ab"])})
    add_session(store, *toy, 13, {"evaluation": (1.0, ["calibration", "ab"], [])}, mode="review",
                step_ids=["evaluation"])
    add_session(store, *toy, 14, {"requirements": (0.0, [], ["scale", "latency"])}, mode="grade")
    return store


# ------------------------------------------------------------ attempts and stats


def test_step_attempts_count_skips_as_misses_and_ignore_graded_sheets(history, course_catalog, toy_case):
    attempts = step_attempts(history, {"toy": toy_case})
    assert len(attempts) == 7  # 2 + 2 + 2 + 1; the graded sheet is left out
    first = [a for a in attempts if a.session_id == 1]
    req, ev = first
    assert req.missed == ("latency",)  # "goal" is a staff concept: not expected at senior
    assert ev.kind == "skip" and ev.score == 0.0 and ev.missed == ("calibration", "ab")
    assert [a.at for a in attempts] == sorted(a.at for a in attempts)


def test_progress_per_case_step_and_concept(history, course_catalog):
    progress = compute_progress(history, course_catalog)
    assert progress.sessions == 4 and progress.attempts == 7
    (case,) = progress.cases
    assert case.totals == pytest.approx([0.15, 0.5, 0.55])  # the review drill is not a whole session
    assert case.best == pytest.approx(0.55) and case.change == pytest.approx(0.4)
    assert [s.step for s in progress.steps] == ["requirements", "evaluation"]
    assert progress.steps[0].title == "Clarify requirements"
    assert progress.steps[1].scores == pytest.approx([0.0, 0.4, 0.2, 1.0])
    assert [s.step for s in progress.weakest] == ["evaluation", "requirements"]
    top = [(c.concept_id, c.missed, c.seen) for c in progress.concepts]
    assert top == [("ab", 3, 4), ("calibration", 2, 4), ("latency", 1, 3)]
    assert progress.concepts[0].label == "A/B test"
    data = progress.to_json()
    assert data["cases"][0]["totals"][0]["date"].startswith("2023-11-14T22:")
    assert data["weakest"] == ["evaluation", "requirements"] and data["concepts"][0]["miss_rate"] == 0.75
    assert compute_progress(history, course_catalog, case_id="ctr").attempts == 0


def test_sparkline_and_bar_use_a_fixed_scale():
    assert sparkline([0.0, 0.5, 1.0]) == "▁▅█"
    assert sparkline([0.2] * 30, width=5) == "▂" * 5
    assert bar(0.5, 10) == "█████" and bar(1.0, 4) == "████" and bar(None) == ""
    assert bar(0.0625, 2) == "▏"


# ------------------------------------------------------------ review scheduling


def att(day: float, hits=(), missed=(), step="evaluation", case="toy") -> StepAttempt:
    return StepAttempt(int(day), case, "practice", "senior", step, "answer", 0.5, T0 + day * DAY,
                       tuple(hits), tuple(missed))


def at_day(day: float) -> datetime:
    return datetime.fromtimestamp(T0 + day * DAY, tz=timezone.utc)


def test_review_order_missed_recently_and_often_first():
    attempts = [
        att(0, hits=["hit-then-missed"], missed=["missed-then-hit", "missed-often", "missed-long-ago"]),
        att(5, hits=["missed-then-hit"], missed=["missed-often"]),
        att(12, hits=["missed-then-hit"], missed=["hit-then-missed", "missed-often"]),
        att(12, hits=["always-hit"], step="requirements"),
    ]
    queue = review_queue(attempts, at_day(13))
    order = [i.concept_id for i in queue]
    # never-missed concepts are not candidates; a concept shown twice since its miss waits longest
    assert order == ["missed-long-ago", "missed-often", "hit-then-missed", "missed-then-hit"]
    assert [i.is_due(at_day(13)) for i in queue] == [True, True, True, False]
    often, once = queue[1], queue[2]
    assert often.misses == 3 and once.misses == 1 and often.retrievability < once.retrievability
    assert queue[3].due > at_day(20)
    assert review_queue(attempts, at_day(13)) == queue  # deterministic


def test_a_fresh_miss_comes_back_within_days_and_a_hit_pushes_it_out():
    missed = review_queue([att(0, missed=["x"])], at_day(0))[0]
    assert at_day(0) < missed.due <= at_day(2)
    recovered = review_queue([att(0, missed=["x"]), att(2, hits=["x"])], at_day(2))[0]
    assert recovered.due > missed.due + (at_day(2) - at_day(0))


def test_plan_drill_takes_the_most_urgent_case_and_its_steps():
    attempts = [att(0, missed=["a"], case="toy"), att(0, missed=["r"], step="requirements", case="toy"),
                att(10, missed=["z"], case="other")]
    queue = review_queue(attempts, at_day(11))
    plan = plan_drill(queue, at_day(11), max_steps=1)
    assert plan.case_id == "toy" and len(plan.step_ids) == 1 and not plan.ahead
    assert {i.case_id for i in plan.items} == {"toy"} and {i.step for i in plan.items} == set(plan.step_ids)
    both = plan_drill(queue, at_day(11), max_steps=2)
    assert sorted(both.step_ids) == ["evaluation", "requirements"]
    assert plan_drill(queue, at_day(11), case_id="other").case_id == "other"
    fresh = review_queue([att(0, missed=["a"])], at_day(0))
    assert plan_drill(fresh, at_day(0)) is None
    early = plan_drill(fresh, at_day(0), ahead=True)
    assert early.ahead and early.step_ids == ["evaluation"]


def test_describe_due():
    now = at_day(10)
    assert describe_due(at_day(10), now) == "due now"
    assert describe_due(at_day(7), now) == "overdue 3 days"
    assert describe_due(at_day(12), now) == "in 2 days"
    assert describe_due(at_day(10.25), now) == "in 6 hours"


# ------------------------------------------------------------ the drill


def scripted(lines: list[str]) -> tuple[Context, io.StringIO]:
    out = io.StringIO()
    feed = iter(lines)

    def read_line(prompt: str) -> str:
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None

    console = Console(file=out, width=100, no_color=True, color_system=None)
    return Context(console=console, err_console=console, read_line=read_line, clock=lambda: 0.0,
                   stdin_is_tty=True, env={}), out


def test_drill_asks_only_the_chosen_steps(toy):
    from mlsd.tui.practice import run_interactive

    store = Store.memory()
    engine = SessionEngine.start(store, *toy, level="senior", mode="review", step_ids=["evaluation"])
    assert [s.id for s in engine.steps] == ["evaluation"]
    ctx, out = scripted(["We check calibration, then run an a/b test.", "."])
    total = run_interactive(ctx, engine, offer_labs=False)
    text = out.getvalue()
    assert "Step 1/1 · Evaluation" in text and "Clarify requirements" not in text
    rows = store.answers(engine.id)
    assert [(r.step, r.kind) for r in rows] == [("evaluation", "answer")]
    assert total == pytest.approx(rows[0].score) and store.session(engine.id).finished
    again = SessionEngine.reopen(store, *toy, engine.id)  # a resumed drill walks the same steps
    assert [s.id for s in again.steps] == ["evaluation"]
    assert store.best_scores() == {}  # a drill is not a whole interview


def test_step_filter_is_validated_and_optional(toy):
    store = Store.memory()
    with pytest.raises(ValueError):
        SessionEngine.start(store, *toy, level="mid", step_ids=["nope"])
    plain = SessionEngine.start(store, *toy, level="mid")
    assert [s.id for s in plain.steps] == ["requirements", "evaluation"]
    assert "step_ids" not in store.session(plain.id).meta
    ordered = SessionEngine.start(store, *toy, level="mid", step_ids=["evaluation", "requirements"])
    assert store.session(ordered.id).meta["step_ids"] == ["requirements", "evaluation"]


def test_history_counts_a_drills_own_steps(history):
    rows = {r.id: r for r in session_summaries(history, step_counts={"mini": 2})}
    assert (rows[1].answered, rows[1].steps) == (1, 2)
    assert (rows[4].mode, rows[4].answered, rows[4].steps) == ("review", 1, 1)
    assert session_summaries(history)[-1].steps == 7  # framework unknown: seven assumed


# ------------------------------------------------------------ CLI


runner = CliRunner()


def _fill_store(toy) -> None:
    store = Store.open()
    try:
        add_session(store, *toy, 0, {"requirements": (0.3, ["scale"], ["latency"]), "evaluation": "skip"})
        add_session(store, *toy, 3, {"requirements": (0.8, ["scale", "latency"], []),
                                     "evaluation": (0.4, ["calibration"], ["ab"])})
    finally:
        store.close()


def test_cli_stats_and_review_with_no_sessions():
    from mlsd.cli import app

    for command in ("stats", "review"):
        result = runner.invoke(app, [command, *COURSE_ARGS])
        assert result.exit_code == 0 and "No sessions yet" in result.output, command
    assert json.loads(runner.invoke(app, ["stats", "--json", *COURSE_ARGS]).stdout)["attempts"] == 0


def test_cli_stats_shows_charts_weakest_steps_and_missed_concepts(toy):
    from mlsd.cli import app

    _fill_store(toy)
    result = runner.invoke(app, ["stats", *COURSE_ARGS])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Progress: 2 sessions, 4 step attempts" in out
    assert "Toy click model" in out and "+45 pts" in out and "▂▅" in out  # totals 15% -> 60%
    assert "Weakest steps: Evaluation 20% · Clarify requirements 55%" in out
    assert "A/B test" in out and "2 of 2" in out
    data = json.loads(runner.invoke(app, ["stats", "--json", *COURSE_ARGS]).stdout)
    assert data["cases"][0]["case"] == "toy" and data["concepts"][0]["concept_id"] == "ab"


def test_cli_review_plans_and_drills_from_a_sheet(toy):
    from mlsd.cli import app

    _fill_store(toy)
    plan = runner.invoke(app, ["review", "--plan", *COURSE_ARGS])
    assert plan.exit_code == 0, plan.output
    assert "Due for review" in plan.output and "A/B test" in plan.output
    assert "Next drill: Toy click model" in plan.output

    drill = runner.invoke(app, ["review", "--steps", "1", *COURSE_ARGS],
                          input="## evaluation\nWe run an a/b test and check calibration.\n")
    assert drill.exit_code == 0, drill.output
    assert "✓ shown:" in drill.output
    store = Store.open()
    try:
        session = store.last_session()
        assert session.mode == "review" and session.meta["step_ids"] == ["evaluation"]
        assert [r.step for r in store.answers(session.id)] == ["evaluation"]
    finally:
        store.close()
    history = runner.invoke(app, ["history", "--json"])
    assert json.loads(history.stdout)[0]["steps"] == 1


def test_cli_review_errors(toy):
    from mlsd.cli import app

    _fill_store(toy)
    unknown = runner.invoke(app, ["review", "--case", "nope", *COURSE_ARGS])
    assert unknown.exit_code == 2 and "unknown case 'nope'" in unknown.output
    level = runner.invoke(app, ["review", "--level", "guru", *COURSE_ARGS])
    assert level.exit_code == 2 and "unknown level" in level.output
    stats = runner.invoke(app, ["stats", "--case", "nope", *COURSE_ARGS])
    assert stats.exit_code == 2 and "unknown case 'nope'" in stats.output
    quiet = runner.invoke(app, ["stats", "--case", "ctr", *COURSE_ARGS])
    assert quiet.exit_code == 0 and "No sessions of 'ctr' yet" in quiet.output
