"""`mlsd` starts with stand-ins for its commands (mlsd.cli.lazy_app) and loads only the module of
the command it runs. The stand-ins come from an index derived from the real commands; these tests
hold the two to the same names, help and order, and the lazy app to the full app's behaviour."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import typer.main
from typer.testing import CliRunner

import mlsd.cli as cli

FIELDS = ("help", "short_help", "hidden", "deprecated", "rich_help_panel")


@pytest.fixture(scope="module")
def index():
    return cli.command_index()


@pytest.fixture(scope="module")
def full_group():
    return typer.main.get_command(cli.app)


def _paths(group):
    paths = [[]]
    for name, command in group.commands.items():
        paths.append([name])
        paths.extend([name, sub] for sub in getattr(command, "commands", {}))
    return paths


def test_standins_have_the_real_commands_names_order_and_help(index, full_group):
    assert list(index) == list(full_group.commands)  # same names, same order in `mlsd --help`
    assert {"list", "show", "practice", "grade", "history", "lab", "dev"} <= set(index)
    for name, real in full_group.commands.items():
        stand_in = cli.standin(name, index[name])
        for field in FIELDS:
            assert getattr(stand_in, field) == getattr(real, field), (name, field)
        assert stand_in.get_short_help_str() == real.get_short_help_str()
        assert stand_in.params == []  # nothing for typer to convert at start-up


def _invoke(app, args, width=100):
    return CliRunner().invoke(app, args, env={"NO_COLOR": "1", "COLUMNS": str(width), "TERM": "dumb"})


@pytest.mark.parametrize("width", [80, 120])
def test_top_level_help_reads_the_same(index, width):
    lazy = cli.lazy_app(index)
    for args in (["--help"], []):
        ours, theirs = _invoke(lazy, args, width), _invoke(cli.app, args, width)
        assert ours.exit_code == theirs.exit_code == 0
        assert ours.output == theirs.output
        assert "practice" in ours.output and "history" in ours.output


def test_every_command_help_is_the_real_one(index, full_group):
    for path in _paths(full_group)[1:]:
        ours = _invoke(cli.lazy_app(index), [*path, "--help"])
        theirs = _invoke(cli.app, [*path, "--help"])
        assert ours.exit_code == theirs.exit_code == 0, path
        assert ours.output == theirs.output, path


def test_resolving_a_command_loads_only_its_module(index):
    group = typer.main.get_command(cli.lazy_app(index))
    assert all(group.commands[name] is group._standins[name] for name in index)
    ctx = group.make_context("mlsd", ["show", "ctr"], resilient_parsing=True)
    name, command, _ = group.resolve_command(ctx, ["show", "ctr"])
    assert name == "show" and command is not group._standins["show"] and command.params
    # the content module's other commands came with it; other modules did not load
    assert group.commands["list"] is not group._standins["list"]
    assert group.commands["practice"] is group._standins["practice"]


def test_mistyped_command_gets_did_you_mean_and_exit_2(index):
    result = _invoke(cli.lazy_app(index), ["histroy"])
    assert result.exit_code == 2
    assert "Did you mean 'history'" in result.output


def _run_mlsd(args, env_extra, tmp_path, probe_modules=False):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "NO_COLOR": "1", "COLUMNS": "100",
           **env_extra}
    if "MLSD_NO_CACHE" not in env_extra:
        env.pop("MLSD_NO_CACHE", None)
    code = ("import sys, json\nsys.argv = ['mlsd', *json.loads(sys.argv[1])]\nfrom mlsd.cli import main\n"
            "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
            "sys.stderr.write('\\nMODULES ' + json.dumps(sorted(m for m in sys.modules if m.startswith('mlsd.cli.'))))\n"
            "sys.exit(code)\n")
    out = subprocess.run([sys.executable, "-c", code, json.dumps(args)], capture_output=True, text=True,
                         env=env, timeout=120)
    err, _, modules = out.stderr.rpartition("\nMODULES ")
    return out.returncode, out.stdout, err, set(json.loads(modules))


def test_mlsd_loads_only_the_invoked_command_module_once_the_index_is_cached(tmp_path):
    first = _run_mlsd(["--help"], {}, tmp_path)  # derives and caches the index
    assert first[0] == 0 and "mlsd.cli.practice" in first[3]
    code, out, _, modules = _run_mlsd(["--help"], {}, tmp_path)
    assert code == 0 and out == first[1]
    assert not modules & {"mlsd.cli.content", "mlsd.cli.practice", "mlsd.cli.grade", "mlsd.cli.lab"}
    code, out, _, modules = _run_mlsd(["list"], {}, tmp_path)
    assert code == 0 and "ctr" in out
    assert "mlsd.cli.content" in modules
    assert not modules & {"mlsd.cli.practice", "mlsd.cli.grade", "mlsd.cli.lab", "mlsd.cli.progress"}
    code, out, err, _ = _run_mlsd(["lsit"], {}, tmp_path)
    assert code == 2 and "Did you mean 'list'" in err and err.count("\n") <= 1


def test_without_the_cache_mlsd_still_reads_the_same(tmp_path):
    cached = _run_mlsd(["--help"], {}, tmp_path)
    uncached = _run_mlsd(["--help"], {"MLSD_NO_CACHE": "1"}, tmp_path)
    assert cached[0] == uncached[0] == 0 and cached[1] == uncached[1]
    assert "mlsd.cli.practice" in uncached[3]  # no index to read: derived again from every module


def test_shell_completion_through_the_lazy_start(tmp_path):
    _run_mlsd(["--help"], {}, tmp_path)  # cache the index: completion then runs on stand-ins
    for words, cword, expected in (("mlsd li", 1, "list"), ("mlsd lab ctr-d", 2, "ctr-downsampling"),
                                   ("mlsd history r", 2, "rm")):
        code, out, _, _ = _run_mlsd([], {"_MLSD_COMPLETE": "complete_bash", "COMP_WORDS": words,
                                         "COMP_CWORD": str(cword)}, tmp_path)
        assert code == 0 and expected in out.split(), (words, out)


def test_help_renders_without_markdown_it_and_rich_markdown_stays_real(tmp_path):
    code = ("import sys\nsys.argv = ['mlsd', '--help']\nfrom mlsd.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('markdown_it', 'pygments', 'rich.markdown', 'rich.traceback') if m in sys.modules]\n"
            "from rich.markdown import Markdown\nfrom typer import rich_utils\n"
            "md = rich_utils.Markdown('*x*')\n"
            "sys.stderr.write('\\nRESULT ' + ','.join(heavy) + '|' + type(md).__module__ + '|' + str(Markdown is type(md)))\n")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "NO_COLOR": "1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert "Usage: mlsd" in out.stdout
    heavy, module, same = out.stderr.rpartition("\nRESULT ")[2].split("|")
    assert heavy == ""  # typer's help imported neither markdown-it nor pygments
    assert module == "rich.markdown" and same == "True"  # and typer's Markdown, if used, is the real one


def test_a_typer_wanting_more_of_rich_markdown_still_gets_its_help(monkeypatch):
    # should typer.rich_utils ever import a name the stand-in modules lack, mlsd imports it normally
    import builtins

    for module in ("typer.rich_utils", "rich.markdown", "rich.traceback"):
        monkeypatch.delitem(sys.modules, module, raising=False)  # as in a fresh process
    real_import = builtins.__import__

    def stub_present():
        module = sys.modules.get("rich.markdown")
        return module is not None and getattr(module, "__file__", None) is None

    def fake_import(name, *args, **kwargs):
        if name == "typer.rich_utils" and stub_present():
            raise ImportError("cannot import name 'Something' from 'rich.markdown'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    cli._light_rich_utils()  # no exception
    assert not stub_present() and "typer.rich_utils" not in sys.modules
    monkeypatch.setattr(builtins, "__import__", real_import)
    import typer.rich_utils

    assert typer.rich_utils.Markdown.__module__ == "rich.markdown"
