"""A real one-minute mock interview in a pseudo-terminal: the clock runs out mid-step."""

from __future__ import annotations

import os
import time

import pytest

pexpect = pytest.importorskip("pexpect")

from conftest import spawn_mlsd  # noqa: E402
from mlsd.store import Store  # noqa: E402

pytestmark = pytest.mark.skipif(os.name != "posix", reason="needs a POSIX pseudo-terminal")


def spawn(args: list[str], home, term: str = "xterm") -> "pexpect.spawn":
    return spawn_mlsd(args, home, term)


def test_one_minute_mock_times_out_mid_step_and_keeps_what_was_typed(isolated_home):
    child = spawn(["mock", "ctr", "--minutes", "1"], isolated_home)
    child.expect("Mock interview")
    child.expect("Press Enter to start the clock")
    child.sendline("")
    child.expect("Step 1/7")
    child.expect(r"\[0:0\d step · 1:00 left\] › ")  # the time left, in the prompt
    child.sendline("? what is the peak QPS")
    child.expect("About 60,000 search queries per second")
    child.expect("› ")
    child.sendline("Revenue per thousand queries is the goal.")
    child.expect("› ")
    child.send("and the latency budget for scoring is")  # no Enter: the step's time runs out mid-line
    started = time.monotonic()
    child.expect("let's talk about how you'd frame it", timeout=15)
    assert time.monotonic() - started < 12  # the interviewer moved on by itself
    child.expect("Step 2/7")
    child.expect("› ")
    child.sendintr()  # Ctrl-C in the second step
    child.expect("interrupted")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130

    store = Store.open(isolated_home / "mlsd.sqlite3")
    session = store.sessions()[0]
    assert session.mode == "mock" and session.minutes == 1 and not session.finished
    rows = store.answers(session.id)
    question = next(r for r in rows if r.kind == "question")
    assert question.text == "what is the peak QPS" and question.extra["fact_id"] == "qps"
    answer = next(r for r in rows if r.kind == "answer")
    assert answer.step == "requirements" and answer.extra["timed_out"] is True
    assert answer.text == "Revenue per thousand queries is the goal.\nand the latency budget for scoring is"
    budget = session.meta["budgets"]["requirements"]
    assert budget == pytest.approx(60 * 5 / 45, abs=0.1)
    assert budget - 0.5 <= answer.seconds <= budget + 2  # time spent on the step is stored
    assert answer.score is not None  # graded silently, shown only on the scorecard
    store.close()


def test_mock_line_editing_and_quit_shows_the_scorecard(isolated_home):
    child = spawn(["mock", "ctr", "--minutes", "30"], isolated_home, term="dumb")
    child.expect("Press Enter to start the clock")
    child.sendline("")
    child.expect(r"\[3:20 step · 30:00 left\] › ")
    child.send("QPS at peakk\x7f and p99 latency budget\x15")  # backspace, then Ctrl-U wipes the line
    child.sendline("We need QPS at peak and the p99 latency budget.")
    child.sendline(":quit")
    child.expect("Scorecard")
    child.expect("Meets the senior bar in \\d of 7 steps")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    store = Store.open(isolated_home / "mlsd.sqlite3")
    session = store.sessions()[0]
    assert session.finished and session.meta["ended"] == "quit"
    first = store.latest_answers(session.id)["requirements"]
    assert first.text == "We need QPS at peak and the p99 latency budget."
    assert [store.latest_answers(session.id)[s].kind for s in ("framing", "monitoring")] == ["unanswered"] * 2
    store.close()
