"""Real mock interviews in a pseudo-terminal: the clock runs out mid-step, Ctrl-C, kills, a closed terminal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

pexpect = pytest.importorskip("pexpect")

from conftest import spawn_mlsd  # noqa: E402
from mlsd.session.store import Store  # noqa: E402

pytestmark = pytest.mark.skipif(os.name != "posix", reason="needs a POSIX pseudo-terminal")


def spawn(args: list[str], home, term: str = "xterm") -> "pexpect.spawn":
    return spawn_mlsd(args, home, term)


def started(child) -> None:
    child.expect("Mock interview")
    child.expect("Press Enter to start the clock")
    child.send("\r")
    child.expect("Step 1/7")


def test_one_minute_mock_keeps_the_line_typed_in_the_first_step_and_exports_it(isolated_home):
    child = spawn(["mock", "ctr", "--minutes", "1"], isolated_home)
    started(child)
    child.expect("interview")  # the live footer with the clock
    child.send("? what is the peak QPS\r")
    child.expect("About 60,000 search queries per second")
    child.send("Revenue per thousand queries is the goal.\r")
    child.send("and the latency budget for scoring is")  # no Enter: the step's time runs out mid-line
    begun = time.monotonic()
    child.expect("let's talk about how you'd frame it", timeout=15)
    assert time.monotonic() - begun < 12  # the interviewer moved on by itself
    child.expect("Step 2/7")
    time.sleep(0.5)
    child.sendintr()  # Ctrl-C in the second step
    child.expect("Interview stopped")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "mlsd resume" not in child.before  # one message, and a true one: a mock is not resumed

    store = Store.open(isolated_home / "mlsd.sqlite3")
    session = store.sessions()[0]
    assert session.mode == "mock" and session.minutes == 1 and session.meta["ended"] == "interrupted"
    rows = store.answers(session.id)
    question = next(r for r in rows if r.kind == "question")
    assert question.text == "what is the peak QPS" and question.extra["fact_id"] == "qps"
    answer = next(r for r in rows if r.kind == "answer")
    assert answer.step == "requirements" and answer.extra["timed_out"] is True
    assert answer.text == "Revenue per thousand queries is the goal.\nand the latency budget for scoring is"
    allotted = session.meta["allotted"]["requirements"]
    assert allotted == pytest.approx(60 * 5 / 45, abs=0.1)
    assert allotted - 0.5 <= answer.seconds <= allotted + 2
    assert answer.score is not None  # graded silently, shown only on the scorecard
    assert store.last_unfinished() is None  # never offered to `mlsd resume`
    store.close()

    env = dict(os.environ, MLSD_HOME=str(isolated_home), NO_COLOR="1")
    note = subprocess.run([sys.executable, "-m", "mlsd", "export", str(session.id), "-o", "-"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert note.returncode == 0, note.stderr
    assert "and the latency budget for scoring is" in note.stdout
    requirements = next(line for line in note.stdout.splitlines() if "| Clarify requirements |" in line)
    assert "answered" in requirements

    resumed = subprocess.run([sys.executable, "-m", "mlsd", "resume", str(session.id)], env=env,
                             capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert resumed.returncode == 2 and "mock" in resumed.stderr and "Traceback" not in resumed.stderr


@pytest.mark.parametrize("how", ["kill", "term", "hangup"])
def test_lines_typed_in_a_mock_step_survive_a_kill(isolated_home, how):
    child = spawn(["mock", "ctr", "--minutes", "5"], isolated_home)
    started(child)
    lines = [f"line {n} about queries per second and latency" for n in range(1, 6)]
    for line in lines:
        child.send(line + "\r")
        child.expect(line)
    child.send("and a half-typed one")
    time.sleep(1.6)  # the editor keeps a draft every second of typing
    if how == "kill":
        os.kill(child.pid, signal.SIGKILL)
    elif how == "term":
        os.kill(child.pid, signal.SIGTERM)
    else:
        os.close(child.child_fd)  # the terminal goes away: the kernel sends SIGHUP, reads and writes fail
        child.child_fd = -1
    deadline = time.monotonic() + 30
    while child.isalive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not child.isalive()

    store = Store.open(isolated_home / "mlsd.sqlite3")
    session = store.sessions()[0]
    rows = [r for r in store.answers(session.id) if r.step == "requirements" and r.kind == "answer"]
    kept = rows[0].text if rows else session.meta["drafts"]["requirements"]
    assert kept.splitlines() == [*lines, "and a half-typed one"]
    if how != "kill":  # a signal it can catch: stored as the answer and the interview closed
        assert rows and rows[0].extra["interrupted"] is True and session.meta["ended"] == "interrupted"
    store.close()


def test_mock_with_nothing_on_stdin_stores_nothing(isolated_home):
    env = dict(os.environ, MLSD_HOME=str(isolated_home), NO_COLOR="1")
    done = subprocess.run([sys.executable, "-m", "mlsd", "mock", "ctr"], env=env, capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2 and "nothing was stored" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    if (isolated_home / "mlsd.sqlite3").exists():
        store = Store.open(isolated_home / "mlsd.sqlite3")
        assert store.sessions() == []
        store.close()


def test_mock_line_editing_and_quit_shows_the_scorecard(isolated_home):
    """A dumb terminal: lines are read whole, with the terminal's own erase and kill keys."""
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
