"""`mlsd list` and `mlsd show` print from the content cache (mlsd.cli.screencache) when nothing
they show changed: the same bytes rendering prints, rendered afresh when the content, the scores,
the arguments or the terminal change, and never stored from a failed render."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys

import pytest
from rich.console import Console

from cliprobe import run_main
from mlsd import paths
from mlsd.cli import screencache


def _run(tmp_path, args, **env):
    return run_main(tmp_path, args, ("rich.table", "mlsd.content.schema"), **env)  # table code, a loaded case


@pytest.mark.parametrize("env", [{"NO_COLOR": "1", "COLUMNS": "80"}, {"FORCE_COLOR": "1", "COLUMNS": "120"}])
@pytest.mark.parametrize("args", [["list"], ["show", "ctr"], ["show", "eta", "--step", "data", "--answers"]])
def test_a_cached_screen_is_what_rendering_prints(tmp_path, args, env):
    env = {**env, "MLSD_PAGER": ""}  # FORCE_COLOR makes rich call it a terminal: print, do not page
    first, how_first = _run(tmp_path, args, **env)
    second, how_second = _run(tmp_path, args, **env)
    fresh, _ = _run(tmp_path, args, MLSD_NO_CACHE="1", **env)
    assert how_first == "rendered=True code=0"
    assert how_second == "rendered=False code=0"  # from the cache: no table code, no case loaded
    assert second == first == fresh
    assert ("\x1b[" in first) == ("FORCE_COLOR" in env)
    width = int(env["COLUMNS"])
    assert max(len(re.sub(r"\x1b\[[0-9;]*m", "", line)) for line in fresh.splitlines()) <= width


def test_another_width_or_other_arguments_render_again(tmp_path):
    narrow, _ = _run(tmp_path, ["show", "ctr"], NO_COLOR="1", COLUMNS="80")
    wide, how = _run(tmp_path, ["show", "ctr"], NO_COLOR="1", COLUMNS="120")
    assert how == "rendered=True code=0"
    assert max(len(line) for line in narrow.splitlines()) <= 80 < max(len(line) for line in wide.splitlines())
    one_step, how = _run(tmp_path, ["show", "ctr", "--step", "model"], NO_COLOR="1", COLUMNS="80")
    assert how == "rendered=True code=0" and "Model development" in one_step and "Evaluation" not in one_step


def test_an_edited_case_is_shown_as_edited(tmp_path):
    cases = tmp_path / "cases"
    cases.mkdir()
    shutil.copy(paths.shipped_cases_dir() / "ctr.yaml", cases / "ctr.yaml")
    args = ["show", "ctr", "--cases-dir", str(cases)]
    before, _ = _run(tmp_path, args, NO_COLOR="1", COLUMNS="100")
    text = (cases / "ctr.yaml").read_text(encoding="utf-8")
    (cases / "ctr.yaml").write_text(text.replace("title: CTR prediction", "title: Click prediction", 1), encoding="utf-8")
    after, how = _run(tmp_path, args, NO_COLOR="1", COLUMNS="100")
    assert "CTR prediction for sponsored search" in before
    assert how == "rendered=True code=0" and "Click prediction for sponsored search" in after


def test_errors_still_come_from_the_commands(tmp_path):
    for args, message in ((["show", "frud"], "did you mean 'fraud'"), (["show", "ctr", "--step", "dat"], "did you mean 'data'")):
        for _ in range(2):  # a failed render stores nothing: the second run fails the same way
            full = {k: v for k, v in os.environ.items() if k != "MLSD_NO_CACHE"}
            full.update(XDG_CACHE_HOME=str(tmp_path / "cache"), MLSD_HOME=str(tmp_path / "home"))
            done = subprocess.run([sys.executable, "-m", "mlsd", *args], capture_output=True, text=True, env=full,
                                  timeout=60)
            assert done.returncode == 2 and message in done.stderr and done.stdout == ""


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("MLSD_NO_CACHE", raising=False)
    return tmp_path


def _console() -> Console:
    return Console(file=io.StringIO(), width=60, color_system=None)


def test_parts_are_the_key_and_a_failed_render_is_not_stored(cache_home):
    renders = []

    def render_for(score):
        def render():
            renders.append(score)
            console.print(f"best {score}")
        return render

    console = _console()
    screencache.show(console, "t", ["ctr=0.5"], render_for(0.5))
    screencache.show(console, "t", ["ctr=0.5"], render_for(0.5))
    screencache.show(console, "t", ["ctr=0.7"], render_for(0.7))  # a new score: rendered again
    assert renders == [0.5, 0.7]
    assert console.file.getvalue() == "best 0.5\nbest 0.5\nbest 0.7\n"

    def broken():
        console.print("half a screen")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        screencache.show(console, "t", ["broken"], broken)
    screencache.show(console, "t", ["broken"], render_for("fixed"))
    assert renders[-1] == "fixed"


def test_no_cache_renders_every_time(cache_home, monkeypatch):
    monkeypatch.setenv("MLSD_NO_CACHE", "1")
    renders = []
    console = _console()
    for _ in range(2):
        screencache.show(console, "t", ["x"], lambda: (renders.append(1), console.print("x")))
    assert renders == [1, 1] and console.file.getvalue() == "x\nx\n"


def test_on_a_terminal_the_screen_goes_through_the_pager(cache_home, monkeypatch):
    paged = cache_home / "paged.txt"
    monkeypatch.setenv("MLSD_PAGER", f"{sys.executable} -c \"import sys; open(sys.argv[1], 'w').write(sys.stdin.read())\" {paged}")
    console = Console(file=io.StringIO(), width=60, force_terminal=True, color_system="standard", no_color=False)
    for _ in range(2):  # rendered, then from the cache: both through the pager, with colours
        screencache.show(console, "t", ["paged"], lambda: console.print("[red]long text[/]"), page=True)
        assert "\x1b[31mlong text" in paged.read_text()
        paged.unlink()
    assert console.file.getvalue() == ""
    screencache.show(console, "t", ["paged"], lambda: None, page=False)  # --no-pager: straight out
    assert "long text" in console.file.getvalue() and not paged.exists()
