"""A new user runs `mlsd estimate ctr` to the end in a real pseudo-terminal."""

from __future__ import annotations

import os

import pytest

pexpect = pytest.importorskip("pexpect")

from conftest import spawn_mlsd  # noqa: E402
from mlsd.drills import estimate_log  # noqa: E402
from mlsd.content.loader import load_catalog  # noqa: E402

pytestmark = pytest.mark.skipif(os.name != "posix", reason="needs a POSIX pseudo-terminal")


def test_a_new_user_runs_the_ctr_drill_to_the_end(isolated_home):
    questions = load_catalog().case("ctr").estimates
    child = spawn_mlsd(["estimate", "ctr"], isolated_home)
    child.expect("back-of-envelope drill")
    for number, estimate in enumerate(questions, start=1):
        child.expect(f"{number}/{len(questions)} ")
        child.expect("> ")
        if number == 1:
            child.send("?\r")  # a hint first
            child.expect("hint: ")
            child.expect("> ")
            child.send("24000\r")  # no unit: told what is expected, asked again
            child.expect("has no unit")
            child.expect("> ")
            child.send("24k qps\r")
        elif number == 2:
            child.send("72M/s\r")  # ten times too high
            child.expect("off by a factor of 10")
        else:
            child.send(f"{estimate.expected:g} {estimate.unit}\r")
        child.expect("worked chain")
    child.expect(f"{len(questions) - 1} of {len(questions)} right")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    os.environ["MLSD_HOME"] = str(isolated_home)
    logged = estimate_log.attempts()
    assert len(logged) == len(questions) and [a.correct for a in logged].count(False) == 1
