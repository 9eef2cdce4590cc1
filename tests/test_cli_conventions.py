"""Conventions of good command-line tools (issue 15): export to stdout, "did you mean",
shell completion, deleting sessions, help without type noise, one line for a missing extra."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import COURSE, spawn_mlsd  # noqa: E402
from mlsd.session.store import Store

runner = CliRunner()

# A meta-path finder that makes `import matplotlib` fail, as after `pip install .` (no extras).
BLOCK_MATPLOTLIB = """\
import sys
class _NoMatplotlib:
    def find_spec(self, name, path=None, target=None):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, _NoMatplotlib())
"""


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, MLSD_HOME=str(home), NO_COLOR="1", COLUMNS="100")
    env.pop("MLSD_CASES", None)
    env.update(extra)
    return env


def _mlsd(args: list[str], home: Path, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mlsd", *args], input=stdin, capture_output=True, text=True,
                          env=_env(home, **env), timeout=60)


def _no_matplotlib(tmp_path: Path) -> str:
    folder = tmp_path / "no-matplotlib"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(BLOCK_MATPLOTLIB, encoding="utf-8")
    return str(folder)


def _one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def _empty_session(store: Store, case_id: str = "ctr", finished: bool = False, answer: bool = False) -> int:
    """A stored session without going through the engine: a row, maybe one answer."""
    import time

    with store.db:
        cur = store.db.execute(
            "INSERT INTO sessions (case_id, framework, mode, level, started_at, finished_at, meta) "
            "VALUES (?, 'seven-step', 'practice', 'senior', ?, ?, '{}')",
            (case_id, time.time(), time.time() if finished else None))
        session_id = int(cur.lastrowid)
        if answer:
            store.db.execute("INSERT INTO answers (session_id, step, kind, text, created_at) "
                             "VALUES (?, 'requirements', 'answer', 'typed', ?)", (session_id, time.time()))
    return session_id


# ------------------------------------------------------------ export to stdout


@pytest.fixture
def graded_session(isolated_home):
    """One practice session of ctr, stored by running the CLI on the model answers."""
    sheet = _mlsd(["show", "ctr", "--answers", "--markdown"], isolated_home).stdout
    done = _mlsd(["practice", "ctr"], isolated_home, stdin=sheet)
    assert done.returncode == 0, done.stderr
    return isolated_home


def test_export_last_through_a_real_pipe_prints_the_title(graded_session, tmp_path):
    done = subprocess.run(f"{sys.executable} -m mlsd export last | head -1", shell=True, capture_output=True,
                          text=True, env=_env(graded_session), cwd=tmp_path, timeout=60)
    assert done.stdout == "# CTR prediction for sponsored search: session 1\n"
    assert "Traceback" not in done.stderr and "Broken pipe" not in done.stderr
    assert not list(tmp_path.glob("*.md"))  # printed, not written


def test_export_redirect_captures_the_notes_and_o_writes_the_same(graded_session, tmp_path):
    printed = _mlsd(["export", "last"], graded_session)
    assert printed.returncode == 0 and printed.stderr == ""
    assert printed.stdout.startswith("# CTR prediction") and "Wrote" not in printed.stdout
    out = tmp_path / "notes.md"
    written = _mlsd(["export", "last", "-o", str(out)], graded_session)
    assert written.returncode == 0 and f"Wrote {out}" in written.stdout
    assert out.read_text(encoding="utf-8") == printed.stdout


def test_plots_asked_for_with_stdout_is_one_line_exit_2(graded_session):
    done = _mlsd(["export", "last", "--plots"], graded_session)
    assert done.returncode == 2 and done.stdout == ""
    assert "need a file" in _one_line(done.stderr) and "-o FILE" in done.stderr


# ------------------------------------------------------------ did you mean


@pytest.mark.parametrize("args, line", [
    (["practice", "frud"], "unknown case 'frud'; did you mean 'fraud'?"),
    (["show", "ctrr"], "unknown case 'ctrr'; did you mean 'ctr'?"),
    (["estimate", "frud"], "unknown case 'frud'; did you mean 'fraud'?"),
    (["grade", "serch", "-"], "unknown case 'serch'; did you mean 'search'?"),
    (["export", "--case", "CTR"], "unknown case 'CTR'; did you mean 'ctr'?"),
    (["lab", "ctr-downsampl"], "unknown lab or case 'ctr-downsampl'; did you mean 'ctr-downsampling'?"),
    (["show", "ctr", "--step", "dta"], "unknown step 'dta'; did you mean 'data'?"),
    (["practice", "ctr", "--level", "senoir"], "unknown level 'senoir'; did you mean 'senior'?"),
    (["history", "--case", "frud"], "unknown case 'frud'; did you mean 'fraud'?"),
    (["dev", "disputes", "--case", "frud"], "unknown case 'frud'; did you mean 'fraud'?"),
    (["stats", "--case", "frud"], "unknown case 'frud'; did you mean 'fraud'?"),
])
def test_mistyped_ids_suggest_the_closest_and_exit_2(args, line):
    from mlsd.cli import app

    result = runner.invoke(app, args, input="")
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == f"mlsd: {line}"


def test_practice_frud_in_a_subprocess_is_one_line_on_stderr(tmp_path):
    done = _mlsd(["practice", "frud"], tmp_path / "home", stdin="")
    assert done.returncode == 2 and done.stdout == ""
    assert _one_line(done.stderr) == "mlsd: unknown case 'frud'; did you mean 'fraud'?"


def test_nothing_close_lists_the_choices_instead():
    from mlsd.errors import did_you_mean, unknown_name

    assert did_you_mean("zzz", ["ctr", "fraud"]) is None
    assert did_you_mean("FRAUD", ["ctr", "fraud"]) == "fraud"
    assert unknown_name("case", "zzz", ["ctr", "fraud"]) == "unknown case 'zzz'; known cases: ctr, fraud"
    assert unknown_name("lab", "zzz", ["a-b"], listing="see --list") == "unknown lab 'zzz'; see --list"


# ------------------------------------------------------------ shell completion


def test_case_completion_gives_ids_with_titles():
    from mlsd.cli.complete import complete_case

    assert complete_case(None, "fr") == [("fraud", "Real-time card payment fraud detection for a payment processor")]
    ids = [name for name, _ in complete_case(None, "")]
    assert {"ctr", "eta", "fraud", "recs", "search"} <= set(ids) and ids == sorted(ids)
    assert complete_case(None, "nothing-like-this") == []


def test_case_completion_includes_cases_dir_and_mlsd_cases(tmp_path, monkeypatch):
    from mlsd.cli.complete import complete_case

    class Ctx:
        params = {"cases_dir": [COURSE / "cases"]}

    assert [name for name, _ in complete_case(Ctx(), "to")] == ["toy"]
    monkeypatch.setenv("MLSD_CASES", str(COURSE / "cases"))
    assert [name for name, _ in complete_case(None, "to")] == ["toy"]
    monkeypatch.setenv("MLSD_CASES", str(tmp_path / "missing"))  # a folder that is not there: no error
    assert [name for name, _ in complete_case(None, "ct")] == ["ctr"]


def test_lab_completion_gives_lab_ids_and_cases():
    from mlsd.cli.complete import complete_lab_or_case
    from mlsd.labs.registry import all_labs

    assert [name for name, _ in complete_lab_or_case(None, "ctr-d")] == ["ctr-downsampling"]
    names = [name for name, _ in complete_lab_or_case(None, "")]
    assert {spec.id for spec in all_labs()} < set(names) and "fraud" in names


def test_session_completion_offers_recent_sessions_and_creates_nothing(isolated_home):
    from mlsd.cli.complete import complete_open_session, complete_session

    assert complete_session(None, "") == [] and complete_session(None, "l") == []
    assert not isolated_home.exists()  # completing never creates the data folder
    store = Store.open()
    done, open_ = _empty_session(store, "fraud", finished=True, answer=True), _empty_session(store, "eta")
    store.close()
    names = [name for name, _ in complete_session(None, "")]
    assert names[0] == "last" and set(names[1:]) == {str(done), str(open_)}
    assert complete_session(None, "la") == [("last", "the newest session")]
    assert [name for name, _ in complete_open_session(None, "")] == [str(open_)]
    assert "eta practice" in complete_open_session(None, "")[0][1]


def test_step_completion():
    from mlsd.cli.complete import complete_step

    assert complete_step(None, "")[0] == ("requirements", "Clarify requirements")
    assert [name for name, _ in complete_step(None, "")] == ["requirements", "framing", "data", "model",
                                                             "evaluation", "serving", "monitoring"]
    assert complete_step(None, "mo") == [("model", "Model development"), ("monitoring", "Monitoring and maintenance")]


def test_level_completion():
    from mlsd.cli.complete import complete_level

    assert complete_level(None, "s") == ["senior", "staff"]


def test_completion_loads_no_yaml_schema_or_numpy(tmp_path):
    code = ("import sys\nfrom mlsd.cli.complete import complete_case, complete_lab_or_case\n"
            "complete_case(None, ''); complete_lab_or_case(None, '')\n"
            "print([m for m in ('yaml', 'pydantic', 'numpy', 'pandas', 'sklearn') if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env(tmp_path),
                          timeout=60)
    assert done.stdout.strip() == "[]", done.stderr


def test_bash_completion_end_to_end(tmp_path):
    done = _mlsd([], tmp_path, COMP_WORDS="mlsd practice fr", COMP_CWORD="2", _MLSD_COMPLETE="complete_bash")
    assert done.returncode == 0 and done.stdout.split() == ["fraud"], done.stderr
    lab = _mlsd([], tmp_path, COMP_WORDS="mlsd lab ctr-gb", COMP_CWORD="2", _MLSD_COMPLETE="complete_bash")
    assert lab.stdout.split() == ["ctr-gbdt-lr"]


def test_completion_is_offered_in_help():
    from mlsd.cli import app

    out = runner.invoke(app, ["--help"]).stdout
    assert "--install-completion" in out and "--show-completion" in out


# ------------------------------------------------------------ history rm and prune


def test_history_without_subcommand_still_lists(isolated_home):
    from mlsd.cli import app

    store = Store.open()
    _empty_session(store, "fraud", finished=True, answer=True)
    store.close()
    listed = runner.invoke(app, ["history", "--json"])
    assert listed.exit_code == 0 and [row["case"] for row in json.loads(listed.stdout)] == ["fraud"]
    table = runner.invoke(app, ["history"])
    assert table.exit_code == 0 and "fraud" in table.stdout


def test_history_rm_needs_yes_without_a_terminal_and_deletes_with_it(isolated_home):
    from mlsd.cli import app

    store = Store.open()
    keep, gone = _empty_session(store, answer=True), _empty_session(store, answer=True)
    store.close()
    refused = runner.invoke(app, ["history", "rm", str(gone)], input="y\n")
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    missing = runner.invoke(app, ["history", "rm", str(gone), "99", "--yes"])
    assert missing.exit_code == 2 and "no session 99" in missing.stderr
    store = Store.open()
    assert {s.id for s in store.sessions()} == {keep, gone}  # nothing deleted when one id is wrong
    store.close()
    done = runner.invoke(app, ["history", "rm", str(gone), "--yes"])
    assert done.exit_code == 0 and f"Deleted session {gone}" in done.stdout
    store = Store.open()
    assert [s.id for s in store.sessions()] == [keep] and store.answers(gone) == []
    store.close()


def test_history_rm_asks_on_a_terminal(isolated_home):
    store = Store.open()
    session_id = _empty_session(store, answer=True)
    store.close()
    child = spawn_mlsd(["history", "rm", str(session_id)], isolated_home)
    child.expect(r"Delete session \d+ \(ctr practice.*cannot be undone")
    child.sendline("n")
    child.expect("Nothing deleted")
    child.expect(pexpect_eof())
    child = spawn_mlsd(["history", "rm", str(session_id)], isolated_home)
    child.expect("cannot be undone")
    child.sendline("y")
    child.expect(f"Deleted session {session_id}")
    child.expect(pexpect_eof())
    store = Store.open()
    assert store.sessions() == []
    store.close()


def pexpect_eof():
    import pexpect

    return pexpect.EOF


def test_history_prune_removes_only_empty_unfinished_sessions(isolated_home):
    from mlsd.cli import app

    store = Store.open()
    empty1, empty2 = _empty_session(store), _empty_session(store, "eta")
    typed = _empty_session(store, answer=True)
    finished = _empty_session(store, finished=True)
    store.close()
    dry = runner.invoke(app, ["history", "prune", "--dry-run"])
    assert dry.exit_code == 0 and "2 empty unfinished sessions would be removed" in dry.stdout
    store = Store.open()
    assert len(store.sessions()) == 4
    store.close()
    done = runner.invoke(app, ["history", "prune"])
    assert done.exit_code == 0 and "2 empty unfinished sessions removed" in done.stdout
    assert f"session {empty1}" in done.stdout and f"session {empty2}" in done.stdout
    store = Store.open()
    assert {s.id for s in store.sessions()} == {typed, finished}
    store.close()
    again = runner.invoke(app, ["history", "prune"])
    assert "nothing to remove" in again.stdout


# ------------------------------------------------------------ help text


def _all_commands():
    import typer.main

    from mlsd.cli import app

    group = typer.main.get_command(app)
    paths = [[]]
    for name, command in group.commands.items():
        paths.append([name])
        for sub in getattr(command, "commands", {}):
            paths.append([name, sub])
    return paths


@pytest.mark.parametrize("path", _all_commands(), ids=lambda p: " ".join(p) or "mlsd")
def test_help_has_no_type_noise(path):
    from mlsd.cli import app

    result = runner.invoke(app, [*path, "--help"], terminal_width=100)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert not re.search(r"<(bool|str|int|float|path|dir|list)[^>]*>", out), out
    usage = next(line for line in out.splitlines() if "Usage:" in line)
    assert "[[" not in usage and "{" not in usage and "]]" not in usage, usage
    assert "design.md" not in out


def test_grade_json_help_describes_the_shape():
    from mlsd.cli import app

    out = runner.invoke(app, ["grade", "--help"], terminal_width=200).stdout
    assert "design.md" not in out and "total" in out and "missed" in out


# ------------------------------------------------------------ a missing matplotlib


def test_lab_plot_dir_without_matplotlib_is_one_line_exit_2(tmp_path):
    plots = tmp_path / "plots"
    done = _mlsd(["lab", "ctr-downsampling", "--plot-dir", str(plots)], tmp_path / "home",
                 PYTHONPATH=_no_matplotlib(tmp_path))
    assert done.returncode == 2
    line = _one_line(done.stderr)
    assert "matplotlib" in line and "pip install matplotlib" in line and "pip install '.[plots]'" in line
    assert done.stdout == ""  # failed before the lab ran
    assert not plots.exists() or not list(plots.iterdir())


def test_export_plots_without_matplotlib_is_one_line_exit_2_and_writes_nothing(tmp_path, isolated_home):
    store = Store.open()
    session_id = _empty_session(store, finished=True, answer=True)
    plot = {"kind": "bar", "title": "t", "x_label": "x", "y_label": "y",
            "series": [{"name": "s", "x": ["a", "b"], "y": [1.0, 2.0]}]}
    store.add_lab_run(session_id, "ctr-downsampling", 0, {"id": "ctr-downsampling", "case": "ctr", "plot": plot})
    store.close()
    out = tmp_path / "notes.md"
    blocked = _no_matplotlib(tmp_path)
    done = _mlsd(["export", str(session_id), "-o", str(out)], isolated_home, PYTHONPATH=blocked)
    assert done.returncode == 2 and not out.exists()
    line = _one_line(done.stderr)
    assert "pip install '.[plots]'" in line and "--no-plots" in line
    without = _mlsd(["export", str(session_id), "-o", str(out), "--no-plots"], isolated_home, PYTHONPATH=blocked)
    assert without.returncode == 0 and out.is_file()
    printed = _mlsd(["export", str(session_id)], isolated_home, PYTHONPATH=blocked)  # stdout needs no plots
    assert printed.returncode == 0 and printed.stdout.startswith("# CTR prediction")
