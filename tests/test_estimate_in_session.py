"""An estimation question asked inside a session's requirements step: practice (in a real
pseudo-terminal) and the mock interview's state machine."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from conftest import FakeClock
from mlsd.content.loader import load_catalog
from mlsd.drills import estimate_log
from mlsd.drills.estimate import pick_question, show
from mlsd.session.mock import MockInterview
from mlsd.session.store import Store


@pytest.fixture(scope="module")
def ctr():
    catalog = load_catalog()
    case = catalog.case("ctr")
    return case, catalog.framework_for(case)


def attempt(estimate_id: str, verdict: str, at: float, case_id: str = "ctr"):
    return SimpleNamespace(case_id=case_id, estimate_id=estimate_id, at=at, correct=verdict == "right")


# ------------------------------------------------------------------ which question


def test_pick_question_prefers_untried_then_missed_then_oldest(ctr):
    case, _ = ctr
    ids = [e.id for e in case.estimates if e.step == "requirements"]
    assert len(ids) >= 3
    assert pick_question(case, "requirements").id == ids[0]
    tried_all = [attempt(i, "right", 100.0 + n) for n, i in enumerate(ids)]
    assert pick_question(case, "requirements", tried_all).id == ids[0]  # the one tried longest ago
    missed = tried_all + [attempt(ids[2], "off", 500.0)]
    assert pick_question(case, "requirements", missed).id == ids[2]  # a miss comes back first
    untried = [a for a in missed if a.estimate_id != ids[1]]
    assert pick_question(case, "requirements", untried).id == ids[1]  # one never tried before anything
    other_case = [attempt(i, "right", 1.0, case_id="fraud") for i in ids]
    assert pick_question(case, "requirements", other_case).id == ids[0]  # other cases' attempts do not count
    assert pick_question(case, "requirements", asked=set(ids[:-1])).id == ids[-1]
    assert pick_question(case, "requirements", asked=set(ids)) is None
    assert pick_question(case, "framing") is None or pick_question(case, "framing").step == "framing"


# ------------------------------------------------------------------ mock interview


def _through_requirements(case, framework, store, clock, **kwargs) -> MockInterview:
    interview = MockInterview(store, case, framework, level="senior", minutes=45, clock=clock, **kwargs)
    interview.start()
    clock.advance(60)
    for line in case.steps["requirements"].model_answer.strip().splitlines():
        interview.line(line)
    interview.line(".")
    if interview.phase == "followup":
        interview.line(".")
    return interview


def test_mock_asks_one_estimate_after_requirements_and_checks_it_silently(ctr, store):
    case, framework = ctr
    clock = FakeClock()
    interview = _through_requirements(case, framework, store, clock)
    assert interview.phase == "estimate" and interview.current.step_id == "requirements"
    said = interview.drain()
    asked = [s for s in said if s.data.get("estimate")]
    assert len(asked) == 1
    estimate = case.estimate(asked[0].data["estimate"])
    assert "a number with its unit" in interview.toolbar()

    interview.line("? how many search queries per second at peak")  # the interviewer gives the facts
    replies = [s for s in interview.drain() if s.kind == "reply"]
    assert replies and replies[0].data["answered"]
    interview.line("lots")  # unreadable: one line saying why, and the question stays open
    notices = [s.text for s in interview.drain() if s.kind == "notice"]
    assert notices and "no number" in notices[0] and interview.phase == "estimate"

    requirements_before = interview.engine.latest()["requirements"].score
    clock.advance(20)
    interview.line(show(estimate, estimate.expected * 10))  # ten times too high
    assert interview.phase == "answer" and interview.current.step_id == "framing"
    said = " ".join(s.text for s in interview.drain())
    assert "factor" not in said and "off" not in said  # nothing is scored aloud in a mock

    rows = interview.engine.estimates()
    assert len(rows) == 1 and rows[0].extra["id"] == estimate.id and rows[0].extra["verdict"] == "off"
    assert rows[0].seconds == pytest.approx(20)
    logged = estimate_log.attempts("ctr")
    assert [(a.estimate_id, a.verdict) for a in logged] == [(estimate.id, "off")]
    assert interview.engine.latest()["requirements"].score == requirements_before  # never part of the score

    interview.line(":quit")
    report = interview.report()
    assert [(e.verdict, "factor of 10" in e.message) for e in report.estimates] == [("off", True)]


def test_mock_estimate_time_up_moves_on_and_the_next_session_asks_another(ctr, store):
    case, framework = ctr
    clock = FakeClock()
    interview = _through_requirements(case, framework, store, clock)
    first = interview.drain()[-1].data["estimate"]
    clock.advance(interview.step_remaining() + 1)
    interview.tick()
    assert interview.phase == "answer" and interview.current.step_id == "framing"
    interview.line(":quit")
    assert [e.verdict for e in interview.report().estimates] == ["passed"]

    # a pass leaves no attempt in the log: the next session asks the same question ...
    again = _through_requirements(case, framework, store, FakeClock())
    assert again.phase == "estimate" and again.drain()[-1].data["estimate"] == first
    estimate = case.estimate(first)
    again.line(show(estimate, estimate.expected))
    assert [a.verdict for a in estimate_log.attempts("ctr")] == ["right"]
    # ... and once it is answered right, the one after asks a question never tried
    third = _through_requirements(case, framework, store, FakeClock())
    assert third.phase == "estimate" and third.drain()[-1].data["estimate"] != first


def test_mock_without_estimates_goes_straight_on(ctr, store):
    case, framework = ctr
    interview = _through_requirements(case, framework, store, FakeClock(), ask_estimates=False)
    assert interview.phase == "answer" and interview.current.step_id == "framing"


# ------------------------------------------------------------------ practice, for real


pexpect = pytest.importorskip("pexpect")


def test_practice_asks_an_estimate_in_a_pseudo_terminal(isolated_home):
    from conftest import spawn_mlsd

    child = spawn_mlsd(["practice", "ctr", "--level", "senior", "--no-labs"], isolated_home, term="dumb")
    child.expect("Step 1/7")
    child.expect("› ")
    child.sendline("We need calibrated pCTR for the auction and p99 latency under 20 ms.")
    child.sendline(".")
    child.expect("Clarify requirements: ")
    child.expect("Interviewer: ")  # the follow-up: passed
    child.expect("> ")
    child.sendline(".")
    child.expect("a quick estimate")
    child.expect("≈ ")
    child.sendline("?")  # the facts the question needs
    child.expect("Interviewer: ")
    child.expect("≈ ")
    child.sendline("24k/s")
    child.expect("right")
    child.expect("worked chain")
    child.expect("Step 2/7")
    child.expect("› ")
    child.sendline(":quit")
    child.expect(pexpect.EOF)
    child.close()

    store = Store.open(isolated_home / "mlsd.sqlite3")
    session = store.sessions()[0]
    rows = [r for r in store.answers(session.id) if r.kind == "estimate"]
    assert len(rows) == 1 and rows[0].step == "requirements" and rows[0].extra["correct"] is True
    store.close()
    assert [a.verdict for a in estimate_log.attempts("ctr")] == ["right"]


def test_export_shows_the_estimate_beside_its_step(ctr, store):
    from mlsd.reports.export import render, session_view

    case, framework = ctr
    interview = _through_requirements(case, framework, store, FakeClock())
    estimate = case.estimate(interview.drain()[-1].data["estimate"])
    interview.line(show(estimate, estimate.expected / 5))
    interview.line(":quit")
    view = session_view(store, store.session(interview.engine.id), case, framework)
    shown = view["steps"][0]["estimates"]
    assert [(e["id"], e["correct"]) for e in shown] == [(estimate.id, False)]
    notes = render(view, "session.md.j2")
    assert "**Estimates**" in notes and "factor of 5" in notes
    assert " ".join(estimate.question.split()) in notes
    first, second = notes.index("\n## 1. "), notes.index("\n## 2. ")
    assert first < notes.index("**Estimates**") < second  # under requirements, before the next step


def test_export_of_a_mock_shows_the_time_each_step_was_given(ctr, store):
    """A step after a skipped one is given the time saved: the notes say 'X of' that time, in the
    same units, not the framework's minutes."""
    from mlsd.reports.export import fmt_duration, render, session_view

    case, framework = ctr
    clock = FakeClock()
    interview = MockInterview(store, case, framework, level="senior", minutes=10, clock=clock)
    interview.start()
    clock.advance(5)
    interview.line(":skip")  # most of the requirements step's time rolls over to framing
    given = interview.step_remaining()
    clock.advance(7)
    interview.line("Binary classification of click within 30 minutes, log loss.")
    interview.line(":quit")
    view = session_view(store, store.session(interview.engine.id), case, framework)
    framing = view["steps"][1]
    assert framing["budget_seconds"] == pytest.approx(given, abs=0.1)
    notes = render(view, "session.md.j2")
    assert f"7 s of {fmt_duration(given)}" in notes
    assert "time used 12 s of 10 min" in notes
