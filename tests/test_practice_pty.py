"""A real interactive session in a pseudo-terminal: type, ask for a hint, Ctrl-C, resume, finish."""

from __future__ import annotations


import pytest

pexpect = pytest.importorskip("pexpect")

from conftest import COURSE, spawn_mlsd  # noqa: E402
from mlsd.session.store import Store  # noqa: E402


def spawn(args: list[str], home) -> "pexpect.spawn":
    """A dumb terminal: the plain editor (keys one by one, echoed as typed, no cursor movement)."""
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
    child.expect("Calibration matters most")  # the draft comes back, to carry on from
    child.sendline("")  # a new line under it
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
    assert answer == "Calibration matters most\nand then an A/B test online, since offline gains may not hold."
    store.close()


# ----------------------------------------------------------- in the editor (a real terminal kind)


def editor(args: list[str], home) -> "pexpect.spawn":
    return spawn_mlsd(args, home, term="xterm")


def stored(home):
    store = Store.open(home / "mlsd.sqlite3")
    try:
        session = store.sessions()[0]
        return session, store.answers(session.id)
    finally:
        store.close()


def test_ctrl_c_mid_line_keeps_the_half_typed_line_and_resume_puts_it_back(isolated_home):
    cases = ["--cases-dir", str(COURSE / "cases")]
    child = editor(["practice", "toy", *cases, "--no-labs"], isolated_home)
    child.expect("Step 1/2")
    child.expect("›")
    child.send("We need the peak queries per second\r")
    child.send("and the p99 lat")  # no Enter
    child.expect("p99 lat")
    child.sendcontrol("c")
    child.expect("nothing typed was lost")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    session, rows = stored(isolated_home)
    assert rows == [] and session.meta["drafts"]["requirements"] == "We need the peak queries per second\nand the p99 lat"

    child = editor(["resume", *cases, "--no-labs"], isolated_home)
    child.expect("Your unfinished answer is in the editor")
    child.expect("and the p99 lat")  # pre-filled, the cursor after it
    child.send("ency budget.\r.\r")  # the same line goes on
    child.expect("Clarify requirements: ")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    _, rows = stored(isolated_home)
    assert rows[0].text == "We need the peak queries per second\nand the p99 latency budget."


def test_back_edits_the_graded_answer_and_adding_a_sentence_does_not_lower_the_score(isolated_home):
    cases = ["--cases-dir", str(COURSE / "cases")]
    child = editor(["practice", "toy", *cases, "--no-labs"], isolated_home)
    child.expect("Step 1/2")
    child.expect("›")
    child.send("I'd ask how many queries per second we serve at peak,\r")
    child.send("and the p99 latency budget in milliseconds.\r.\r")
    child.expect("Clarify requirements: ")
    child.expect(">")
    child.send(".\r")  # pass the follow-up
    child.expect("Step 2/2")
    child.expect("›")
    child.send("Calibration offline\r:back\r")
    child.expect("Your earlier answer is in the editor")
    child.expect("p99 latency budget in milliseconds.")
    child.send("The business goal is revenue.\r.\r")
    child.expect("Clarify requirements: ")
    child.expect(">")
    child.send(".\r")
    child.expect("Step 2/2")
    child.expect("Your unfinished answer is in the editor")  # step 2's line waited as a draft
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()

    session, rows = stored(isolated_home)
    first, second = [r for r in rows if r.step == "requirements" and r.kind == "answer"]
    assert second.text == first.text + "\nThe business goal is revenue."  # edited, not replaced
    assert second.score >= first.score  # a sentence more never costs the step its grade
    assert session.meta["drafts"]["evaluation"] == "Calibration offline"
