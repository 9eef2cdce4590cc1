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
