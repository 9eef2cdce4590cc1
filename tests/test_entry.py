"""The `mlsd` script (mlsd.cli:entry) ends read-only commands without the interpreter's teardown:
its output, exit status and atexit handlers must be exactly those of an ordinary exit."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

ENTRY = ("import sys, atexit\n"
         "atexit.register(lambda: sys.stderr.write('atexit ran\\n'))\n"
         "from mlsd.cli import entry\n"
         "sys.argv = ['mlsd', *sys.argv[1:]]\n"
         "entry()\n"
         "sys.stderr.write('not reached\\n')\n")


# the same command ended the ordinary way: main() raises SystemExit and the interpreter tears down
ORDINARY = "import sys\nfrom mlsd.cli import main\nsys.argv = ['mlsd', *sys.argv[1:]]\nmain()\n"
SHEET = "## requirements\nlatency p99 under 10 ms, calibrated pCTR\n"


def _run(tmp_path, *args, stdin=None, program=ENTRY):
    env = dict(os.environ, MLSD_HOME=str(tmp_path / "home"), NO_COLOR="1", COLUMNS="90", MLSD_PAGER="")
    return subprocess.run([sys.executable, "-c", program, *args], capture_output=True, text=True, env=env,
                          input=stdin, timeout=120)


@pytest.mark.parametrize("args, code", [(["list"], 0), (["show", "ctr"], 0), (["show", "frud"], 2),
                                        (["grade", "ctr", "-", "--json"], 0), (["--version"], 0)])
def test_a_fast_exit_prints_everything_and_keeps_the_status(tmp_path, args, code):
    fast = _run(tmp_path, *args, stdin=SHEET)
    ordinary = _run(tmp_path, *args, stdin=SHEET, program=ORDINARY)  # not `-m mlsd`: that runs entry() too
    assert fast.returncode == ordinary.returncode == code
    assert fast.stdout == ordinary.stdout and fast.stdout.strip() or code == 2
    assert "atexit ran" in fast.stderr and "not reached" not in fast.stderr


def test_other_commands_exit_the_ordinary_way(tmp_path):
    done = _run(tmp_path, "history")
    assert done.returncode == 0 and "atexit ran" in done.stderr
