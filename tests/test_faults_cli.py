"""Fault suite: usage errors, closed and full streams, odd terminals, editors and kills, each one clear line.

Stream faults need a real process (a closed descriptor, /dev/full), so these
run `python -m mlsd`; everything else stays in process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import COURSE, spawn_mlsd
from faultlib import error_lines, run_cli
from mlsd.session.store import Store

COURSE_ARGS = ["--cases-dir", str(COURSE / "cases")]
SHEET = "## requirements\n\nqps and the p99 latency budget\n\n## evaluation\n\ncalibration and an a/b test\n"


def mlsd(args, home, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, env=None, pass_fds=(), **popen):
    environment = dict(os.environ, MLSD_HOME=str(home), NO_COLOR="1", COLUMNS="100")
    environment.pop("MLSD_CASES", None)
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "mlsd", *args], stdin=stdin, stdout=stdout,
                          stderr=subprocess.PIPE, env=environment, timeout=60, pass_fds=pass_fds, **popen)


def _one_line(stderr: bytes | str, *words) -> str:
    text = stderr.decode() if isinstance(stderr, bytes) else stderr
    assert "Traceback" not in text, text
    (line,) = error_lines(text)
    for word in words:
        assert word in line, line
    return line


# ------------------------------------------------------------ usage errors


@pytest.mark.parametrize("args, words", [
    (["show"], ["CASE", "mlsd show --help"]),
    (["nosuchcommand"], ["nosuchcommand"]),
    (["history", "--limit", "x"], ["--limit"]),
    (["history", "--limit", "0"], ["--limit"]),
    (["history", "--bogus"], ["--bogus"]),
    (["grade", "ctr"], ["ANSWERS.md"]),
    (["dev", "check", "--level", "foo"], ["level", "foo"]),
    (["dev", "nosuch"], ["nosuch"]),
    (["lab", "--seed", "-3"], ["--seed"]),
])
def test_usage_errors_are_one_line_exit_2(args, words):
    result = run_cli(args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    line = _one_line(result.stderr, *words)
    assert line.startswith("mlsd") and "╭" not in line


def test_help_still_prints_help():
    assert "Usage" in run_cli(["--help"]).stdout and run_cli(["--help"]).exit_code == 0
    bare = run_cli([])
    assert bare.exit_code in (0, 2) and "practice" in bare.stdout + bare.stderr


# ------------------------------------------------------------ streams


@pytest.mark.parametrize("args", [["practice", "ctr"], ["practice", "ctr", "-f", "-"], ["resume"], ["review"],
                                  ["mock", "ctr"], ["grade", "ctr", "-"], ["lab", "ctr-downsampling"]])
def test_closed_stdin_is_one_line(tmp_path, args):
    result = mlsd(args, tmp_path / "home", stdin=None, preexec_fn=lambda: os.close(0))
    assert result.returncode in (0, 2), result.stderr
    if result.returncode == 2:
        _one_line(result.stderr)
    if args[0] == "practice":
        assert b"standard input is closed" in result.stderr


def test_closed_stdout_is_one_line_exit_2(tmp_path):
    result = mlsd(["list"], tmp_path / "home", stdout=None, preexec_fn=lambda: os.close(1))
    assert result.returncode == 2
    _one_line(result.stderr, "standard output")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_full_stdout_is_one_line_and_the_session_is_stored_whole(tmp_path):
    home = tmp_path / "home"
    with open("/dev/full", "wb") as full:
        listed = mlsd(["list"], home, stdout=full)
    assert listed.returncode == 2
    _one_line(listed.stderr, "No space left")
    sheet = tmp_path / "s.md"
    sheet.write_text(SHEET, encoding="utf-8")
    with open("/dev/full", "wb") as full:
        run = mlsd(["practice", "toy", "-f", str(sheet), "--no-labs", *COURSE_ARGS], home, stdout=full)
    assert run.returncode == 2
    _one_line(run.stderr, "No space left")
    store = Store.open(home / "mlsd.sqlite3")
    (row,) = store.sessions()
    assert row.finished and set(store.latest_answers(row.id)) == {"requirements", "evaluation"}
    store.close()


def test_broken_pipe_is_quiet(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "mlsd", "show", "ctr", "--answers"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=dict(os.environ, MLSD_HOME=str(tmp_path / "h")))
    proc.stdout.read(10)
    proc.stdout.close()
    err = proc.stderr.read()
    proc.wait(timeout=60)
    assert b"Traceback" not in err and proc.returncode in (0, 2, 141, -signal.SIGPIPE)


@pytest.mark.parametrize("columns", ["0", "-5", "abc", "1"])
def test_odd_columns_still_print(tmp_path, columns):
    result = mlsd(["show", "nope"], tmp_path / "home", env={"COLUMNS": columns})
    assert result.returncode == 2
    _one_line(result.stderr, "unknown case 'nope'")
    listed = mlsd(["list"], tmp_path / "home", env={"COLUMNS": columns})
    assert listed.returncode == 0 and b"ctr" in listed.stdout


# ------------------------------------------------------------ in session


class _Console:
    def __init__(self):
        self.printed: list[str] = []

    def print(self, *objects, **kwargs):
        self.printed.append(" ".join(str(o) for o in objects))

    def status(self, *args, **kwargs):
        import contextlib

        return contextlib.nullcontext()


def test_run_a_lab_prompt_takes_odd_digits(monkeypatch):
    from mlsd.session.context import Context
    from mlsd.tui import labs as tui_labs

    typed = iter(["\u00b2", "\u0663", "99999999999999999999", "9" * 5000, ""])
    ctx = Context(console=_Console(), read_line=lambda prompt: next(typed), stdin_is_tty=True)
    ran = []
    monkeypatch.setattr("mlsd.labs.run_lab", lambda lab_id, seed: ran.append(lab_id))
    tui_labs.offer_labs(ctx, engine=None, lab_ids=["ctr-downsampling"])
    assert ran == [] and sum("Pick 1-1" in p for p in ctx.console.printed) == 4


@pytest.mark.parametrize("editor", ["/nonexistent/editor", "", "sh -c 'exit 3'"])
def test_editor_problems_return_to_the_answer(monkeypatch, editor, capsys):
    from mlsd.session.context import _open_editor

    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", editor)
    assert _open_editor("typed so far\n") == "typed so far\n"
    assert "editor" in capsys.readouterr().err.lower()


def test_editor_writing_latin1_keeps_the_text(monkeypatch, tmp_path, capsys):
    from mlsd.session.context import _open_editor

    script = tmp_path / "ed.sh"
    script.write_text("#!/bin/sh\nprintf 'caf\\351 cr\\350me\\n' >> \"$1\"\n", encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", str(script))
    text = _open_editor("typed\n")
    assert text.startswith("typed\ncaf") and "cr" in text
    err = capsys.readouterr().err
    kept = [w for w in err.split() if w.endswith(".md")]
    assert "UTF-8" in err and kept and os.path.exists(kept[0].strip("'\"()"))


# ------------------------------------------------------------ kills in a pseudo-terminal


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM", "SIGHUP"])
def test_practice_killed_mid_answer_keeps_every_line(isolated_home, how):
    pytest.importorskip("pexpect")
    child = spawn_mlsd(["practice", "toy", *COURSE_ARGS, "--no-labs"], isolated_home, term="dumb")
    child.expect("Step 1/2")
    child.expect("› ")
    lines = ["first line about qps", "second line about p99 latency", "third line about revenue"]
    for line in lines:
        child.sendline(line)
        child.expect("  ")
    time.sleep(0.5)
    child.kill(getattr(signal, how))
    child.expect(__import__("pexpect").EOF)
    child.close()
    store = Store.open(isolated_home / "mlsd.sqlite3")
    row = store.last_unfinished()
    assert row is not None
    assert row.meta["drafts"]["requirements"] == "\n".join(lines)
    store.close()
