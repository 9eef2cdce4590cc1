"""`mlsd --help` prints the root help from the content cache (mlsd.cli.helpcache): the same bytes
rendering would print, rendered afresh whenever the width, the colours or the code change."""

from __future__ import annotations


import pytest

from cliprobe import run_main
from mlsd.cli import helpcache


def _help(tmp_path, args, **env):
    return run_main(tmp_path, args, ("typer.rich_utils",), **env)


@pytest.mark.parametrize("env", [{"NO_COLOR": "1", "COLUMNS": "80"}, {"FORCE_COLOR": "1", "COLUMNS": "120"}])
@pytest.mark.parametrize("args", [["--help"], ["-h"], []])
def test_cached_help_is_what_rendering_prints(tmp_path, args, env):
    first, how_first = _help(tmp_path, args, **env)
    second, how_second = _help(tmp_path, args, **env)
    fresh, _ = _help(tmp_path, args, MLSD_NO_CACHE="1", **env)
    assert "Usage: " in first and "practice" in first
    assert how_first == "rendered=True code=0"
    assert how_second == "rendered=False code=0"  # from the cache: typer's help renderer never imported
    assert second == first == fresh
    assert ("\x1b[" in first) == ("FORCE_COLOR" in env)


def test_another_width_renders_again_at_that_width(tmp_path):
    narrow, _ = _help(tmp_path, ["--help"], NO_COLOR="1", COLUMNS="80")
    wide, how = _help(tmp_path, ["--help"], NO_COLOR="1", COLUMNS="120")
    assert how == "rendered=True code=0"
    assert max(len(line) for line in narrow.splitlines()) <= 80 < max(len(line) for line in wide.splitlines())


def test_other_commands_are_not_served_from_it():
    ran = []
    for args in (["list"], ["--version"], ["grade", "--help"], ["--help", "list"]):
        assert helpcache.run(args, lambda: ran.append(1)) is False
    assert ran == []


def test_a_failing_render_is_not_stored(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("MLSD_NO_CACHE", raising=False)

    def broken():
        print("half a help")
        raise SystemExit(2)

    with pytest.raises(SystemExit):
        helpcache.run(["--help"], broken)
    served = []
    assert helpcache.run(["--help"], lambda: served.append("rendered")) is True
    assert served == ["rendered"]  # nothing cached from the failed run


def test_help_into_a_pipe_closed_early_exits_cleanly_and_caches_the_whole_help(tmp_path):
    """`mlsd --help | head -2` on a cold cache: the pipe breaks mid-help; the command must neither
    crash nor store a mangled help (click's write(b"") probe once reached the cache as bytes)."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"), NO_COLOR="1", COLUMNS="80")
    env.pop("MLSD_NO_CACHE", None)
    shell = f"{sys.executable} -m mlsd --help | head -2 >/dev/null"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", shell], env=env, capture_output=True, text=True, timeout=60)
    assert "Traceback" not in done.stderr, done.stderr
    whole = subprocess.run([sys.executable, "-m", "mlsd", "--help"], env=env, capture_output=True, text=True, timeout=60)
    fresh = subprocess.run([sys.executable, "-m", "mlsd", "--help"], env={**env, "MLSD_NO_CACHE": "1"},
                           capture_output=True, text=True, timeout=60)
    assert whole.returncode == 0 and whole.stdout == fresh.stdout and "practice" in whole.stdout


def test_a_guarded_stream_refuses_bytes_like_a_text_stream():
    import io

    from mlsd.cli.streams import GuardedStream

    stream = GuardedStream(io.StringIO())
    with pytest.raises(TypeError):
        stream.write(b"")
    assert stream.write("text") == 4
