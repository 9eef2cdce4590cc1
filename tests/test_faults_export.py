"""Fault suite: export templates run under a time and size budget; notes are written whole or not at all."""

from __future__ import annotations

import errno
import os
import time

import pytest

from faultlib import error_lines, run_cli
from mlsd.errors import UserError

RUNAWAY = {
    "nested loops": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "nested loops with output": "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
    "string repeat": "{{ 'x' * 10**10 }}",
    "list repeat": "{{ [1, 2] * 10**10 }}",
    "power tower": "{{ 10 ** (10 ** 10) }}",
    "power chain": "{{ 9 ** (9 ** 9) }}",
    "center filter": "{{ 'x'|center(10**10) }}",
    "printf width": "{{ '%10000000000d' % 1 }}",
    "format width": "{{ '{:>10000000000}'.format(1) }}",
    "ljust": "{{ 'x'.ljust(10**10) }}",
    "doubling namespace": "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}"
                          "{% endfor %}{{ ns.s|length }}",
    "unbounded recursion": "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
}


@pytest.fixture(autouse=True, scope="module")
def _catalog_once():
    """Shipped cases load once for the module: these tests are about sheets, the store and export."""
    import faultlib

    with faultlib.cached_catalog():
        yield


@pytest.mark.parametrize("name", sorted(RUNAWAY))
def test_runaway_template_stops_within_budget(tmp_path, monkeypatch, name):
    from mlsd.reports import sandbox

    monkeypatch.setattr(sandbox, "TEMPLATE_SECONDS", 1.0)  # the shipped 5 s budget, shortened for CI
    template = tmp_path / "mine.md.j2"
    template.write_text(RUNAWAY[name], encoding="utf-8")
    out = tmp_path / "notes.md"
    started = time.perf_counter()
    result = run_cli(["export", "--case", "ctr", "-t", str(template), "-o", str(out)], timeout=30)
    assert time.perf_counter() - started < 4, name
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 2
    (line,) = error_lines(result.stderr)
    assert str(template) in line
    assert not out.exists()


def test_budget_restores_an_outer_alarm(tmp_path):
    """The render budget nests inside a caller's own SIGALRM timer rather than cancelling it."""
    import signal

    from mlsd.reports.sandbox import render_budgeted

    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *a: fired.append(1))
    signal.setitimer(signal.ITIMER_REAL, 5)
    try:
        from jinja2.sandbox import SandboxedEnvironment

        assert render_budgeted(SandboxedEnvironment().from_string("{{ 1 + 1 }}"), {}) == "2"
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 3 < remaining <= 5
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_shipped_templates_render_within_budget(tmp_path):
    result = run_cli(["export", "--case", "ctr", "-o", str(tmp_path / "sheet.md")])
    assert result.exit_code == 0 and (tmp_path / "sheet.md").read_text(encoding="utf-8").startswith("#")


# ------------------------------------------------------------ writing files


def _export(tmp_path, *extra):
    return run_cli(["export", "--case", "ctr", *extra])


def test_existing_file_is_not_overwritten_without_force(tmp_path):
    out = tmp_path / "notes.md"
    out.write_text("my own notes\n", encoding="utf-8")
    result = _export(tmp_path, "-o", str(out))
    assert result.exit_code == 2 and "--force" in result.stderr and str(out) in result.stderr
    assert out.read_text(encoding="utf-8") == "my own notes\n"
    forced = _export(tmp_path, "-o", str(out), "--force")
    assert forced.exit_code == 0 and out.read_text(encoding="utf-8").startswith("#")


def test_symlink_is_never_written_through(tmp_path):
    target = tmp_path / "precious.txt"
    target.write_text("keep me\n", encoding="utf-8")
    link = tmp_path / "notes.md"
    link.symlink_to(target)
    result = _export(tmp_path, "-o", str(link))
    assert result.exit_code == 2 and "symbolic link" in result.stderr
    forced = _export(tmp_path, "-o", str(link), "--force")
    assert forced.exit_code == 0
    assert target.read_text(encoding="utf-8") == "keep me\n"  # the link is replaced, not its target
    assert not link.is_symlink() and link.read_text(encoding="utf-8").startswith("#")


def test_dangling_symlink_is_refused(tmp_path):
    link = tmp_path / "notes.md"
    link.symlink_to(tmp_path / "nowhere" / "x.md")
    result = _export(tmp_path, "-o", str(link))
    assert result.exit_code == 2 and "symbolic link" in result.stderr
    assert not (tmp_path / "nowhere").exists()


def test_output_with_trailing_slash_is_a_folder(tmp_path):
    folder = tmp_path / "newdir"
    result = _export(tmp_path, "-o", str(folder) + os.sep)
    assert result.exit_code == 0, result.stderr
    assert folder.is_dir() and (folder / "mlsd-ctr-cheatsheet.md").is_file()


def test_full_disk_leaves_the_old_file_whole(tmp_path, monkeypatch):
    from mlsd import outfile

    out = tmp_path / "notes.md"
    out.write_text("old notes " * 1000, encoding="utf-8")
    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(outfile, "_os_write", full)  # what a full disk does to the temporary file
    with pytest.raises(UserError, match="No space left on device"):
        outfile.write_file(out, "new notes " * 5000, force=True)
    assert out.read_text(encoding="utf-8") == "old notes " * 1000
    assert [p.name for p in tmp_path.iterdir()] == ["notes.md"]  # no temporary file left behind


def test_write_file_is_whole_and_exclusive(tmp_path):
    from mlsd.outfile import write_file

    out = tmp_path / "a" / "b.md"
    write_file(out, "x" * 100_000)
    assert out.read_text(encoding="utf-8") == "x" * 100_000
    with pytest.raises(UserError, match="exists"):
        write_file(out, "y")
    write_file(out, "y", force=True)
    assert out.read_text(encoding="utf-8") == "y"
    with pytest.raises(UserError, match="folder"):
        write_file(tmp_path / "a", "z", force=True)
