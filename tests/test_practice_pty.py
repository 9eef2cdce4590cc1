"""A real interactive session in a pseudo-terminal: type, ask for a hint, Ctrl-C, resume, finish."""

from __future__ import annotations


import pytest

pexpect = pytest.importorskip("pexpect")

from conftest import COURSE, spawn_mlsd  # noqa: E402
from mlsd.store import Store  # noqa: E402


def spawn(args: list[str], home) -> "pexpect.spawn":
    return spawn_mlsd(args, home, term="dumb")


def test_practice_hint_ctrl_c_resume_finish(isolated_home):
    cases = ["--cases-dir", str(COURSE / "cases")]
    child = spawn(["practice", "toy", *cases, "--no-labs"], isolated_home)
    child.expect("Step 1/2")
    child.expect("› ")
    child.sendline(":hint")
    child.expect("hint 1/2: Think about load.")
    child.sendline("I'd ask how many queries per second we serve at peak,")
    child.sendline("because that sizes the fleet.")
    child.sendline(".")
    child.expect("Clarify requirements: ")
    child.expect("Interviewer: ")  # a follow-up, answered at once or passed with '.'
    child.expect("> ")
    child.sendline(".")
    child.expect("Step 2/2")
    child.expect("› ")
    child.sendline("Calibration matters most")
    child.expect("  ")
    child.sendintr()  # Ctrl-C in the middle of the second answer
    child.expect("interrupted")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130

    store = Store.open(isolated_home / "mlsd.sqlite3")
    session = store.last_unfinished()
    assert session is not None
    first = store.latest_answers(session.id)["requirements"]
    assert "queries per second" in first.text and first.score is not None
    assert session.meta["drafts"]["evaluation"] == "Calibration matters most"
    store.close()

    child = spawn(["resume", *cases, "--no-labs"], isolated_home)
    child.expect("1 of 2 steps done")
    child.expect("Step 2/2")
    child.expect("Calibration matters most")  # the draft comes back
    child.expect("  ")
    child.sendline("and then an A/B test online, since offline gains may not hold.")
    child.sendline(".")
    child.expect("Interviewer: Which guardrails?")  # the last step's follow-up can be answered too
    child.expect("> ")
    child.sendline(".")
    child.expect("Scorecard")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    store = Store.open(isolated_home / "mlsd.sqlite3")
    row = store.sessions()[0]
    assert row.finished and row.total > 0
    answer = store.latest_answers(row.id)["evaluation"].text
    assert answer.startswith("Calibration matters most") and "A/B test" in answer
    store.close()
