"""In a real practice session: ':why' explains the last grade and ':covered N' marks a miss covered."""

from __future__ import annotations

import pytest

pexpect = pytest.importorskip("pexpect")

from conftest import COURSE, spawn_mlsd  # noqa: E402
from mlsd.session.store import Store  # noqa: E402


def test_why_and_covered_after_a_grade(isolated_home):
    cases = ["--cases-dir", str(COURSE / "cases")]
    child = spawn_mlsd(["practice", "toy", *cases, "--no-labs"], isolated_home, term="dumb")
    child.expect("Step 1/2")
    child.expect("› ")
    child.sendline("I'd ask how many queries per second we serve at peak, because that sizes the fleet.")
    child.sendline(".")
    child.expect("Clarify requirements: ")
    child.expect(r"✗ (\d)\. ")
    number = child.match.group(1).decode() if isinstance(child.match.group(1), bytes) else child.match.group(1)
    child.expect("Interviewer: ")
    child.expect("> ")
    child.sendline(".")  # pass on the follow-up
    child.expect("Step 2/2")
    child.expect("› ")
    child.sendline(":why")
    child.expect("listens for: ")
    child.sendline(f":covered {number}")
    child.expect("marked covered")
    child.sendline(":quit")
    child.expect(pexpect.EOF)
    child.close()

    store = Store.open(isolated_home / "mlsd.sqlite3")
    session = store.sessions()[0]
    grade = store.latest_answers(session.id)["requirements"].grade
    assert grade["self_assessed"] and grade["self_assessed"][0] in {m["id"] for m in grade["missed"]}
    assert store.dispute_counts()[0][2] == grade["self_assessed"][0]
    store.close()
