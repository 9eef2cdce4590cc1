"""Fault suite: a broken, locked, full or newer database is one line with what to do, exit 2."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import COURSE
from faultlib import error_lines, run_cli
from mlsd.session import store as store_module
from mlsd.session.store import SCHEMA_VERSION, Store, StoreError

COURSE_ARGS = ["--cases-dir", str(COURSE / "cases")]
SHEET = "## requirements\n\nqps and the p99 latency budget\n\n## evaluation\n\ncalibration and an a/b test\n"


@pytest.fixture(autouse=True, scope="module")
def _catalog_once():
    """Shipped cases load once for the module: these tests are about sheets, the store and export."""
    import faultlib

    with faultlib.cached_catalog():
        yield


def _one_line(result, *words):
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    (line,) = error_lines(result.stderr)
    for word in words:
        assert word in line, line
    return line


def _store_commands():
    return [["history"], ["list"], ["stats"], ["export"], ["resume", "1"]]


def test_home_is_a_file(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("MLSD_HOME", str(home))
    for args in _store_commands():
        _one_line(run_cli(args), str(home), "MLSD_HOME")


def test_home_cannot_be_created(tmp_path, monkeypatch):
    monkeypatch.setenv("MLSD_HOME", "/proc/mlsd-cannot-exist/home")  # unwritable even for root
    _one_line(run_cli(["history"]), "/proc/mlsd-cannot-exist", "MLSD_HOME")


def test_unwritable_folder_reported(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "mkdir", refuse)
    with pytest.raises(StoreError, match="Permission denied"):
        Store.open(tmp_path / "new" / "mlsd.sqlite3")


@pytest.mark.parametrize("content", [os.urandom(5000), b"SQLite format 3\x00" + os.urandom(3000), b"not a database\n" * 100])
def test_not_a_database(isolated_home, content):
    isolated_home.mkdir()
    (isolated_home / "mlsd.sqlite3").write_bytes(content)
    for args in _store_commands():
        _one_line(run_cli(args), "mlsd.sqlite3")


def test_truncated_database(isolated_home, toy_case, course_catalog):
    from mlsd.session.engine import SessionEngine

    path = isolated_home / "mlsd.sqlite3"
    store = Store.open(path)
    engine = SessionEngine.start(store, toy_case, course_catalog.framework_for(toy_case), level="senior")
    for n in range(40):  # enough pages that cutting the file in half loses tables' contents
        store.add_answer(engine.id, "requirements", "qps " * (2000 + n))
    store.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    for args in (["history"], ["stats"], ["export", "--output", "-"]):
        _one_line(run_cli(args), "mlsd.sqlite3")


def test_newer_schema(isolated_home):
    isolated_home.mkdir()
    db = sqlite3.connect(isolated_home / "mlsd.sqlite3")
    db.execute("PRAGMA user_version = 99")
    db.commit()
    db.close()
    line = _one_line(run_cli(["history"]), "v99", "upgrade mlsd")
    assert f"v{SCHEMA_VERSION}" in line


def test_bad_json_in_a_row_is_read_as_empty(isolated_home, toy_case, course_catalog):
    from mlsd.session.engine import SessionEngine

    store = Store.open(isolated_home / "mlsd.sqlite3")
    engine = SessionEngine.start(store, toy_case, course_catalog.framework_for(toy_case), level="senior")
    engine.submit("requirements", "qps and the p99 latency budget")
    with store.db:
        store.db.execute("UPDATE sessions SET meta = '{not json'")
        store.db.execute("UPDATE answers SET grade = '[broken', extra = 'nope'")
    store.close()
    for args in (["history"], ["history", "--json"], ["stats", *COURSE_ARGS], ["export", "-o", "-", *COURSE_ARGS]):
        result = run_cli(args)
        assert result.exit_code == 0, (args, result.stderr, result.exception)


def test_read_only_database_reads_and_refuses_writes_in_one_line(isolated_home, tmp_path):
    assert run_cli(["practice", "toy", "-f", "-", *COURSE_ARGS], stdin=SHEET.encode()).exit_code == 0
    path = isolated_home / "mlsd.sqlite3"
    real_connect = sqlite3.connect

    def read_only(database, *args, **kwargs):  # chmod does not stop root; a read-only URI does
        return real_connect(f"file:{database}?mode=ro", *args, uri=True, **kwargs)

    store_module.sqlite3.connect, saved = read_only, store_module.sqlite3.connect
    try:
        assert run_cli(["history"]).exit_code == 0
        _one_line(run_cli(["practice", "toy", "-f", "-", *COURSE_ARGS], stdin=SHEET.encode()), "read-only")
    finally:
        store_module.sqlite3.connect = saved


def test_locked_database(isolated_home, monkeypatch):
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT", 0.2)
    assert run_cli(["history"]).exit_code == 0
    holder = sqlite3.connect(isolated_home / "mlsd.sqlite3")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.perf_counter()
        _one_line(run_cli(["practice", "toy", "-f", "-", *COURSE_ARGS], stdin=SHEET.encode()), "locked")
        _one_line(run_cli(["history"]), "locked")
        assert time.perf_counter() - started < 5
    finally:
        holder.rollback()
        holder.close()


def test_full_disk_mid_session_is_one_line(isolated_home, monkeypatch):
    assert run_cli(["history"]).exit_code == 0
    real_open = Store.open.__func__

    def tiny(cls, path=None):
        store = real_open(cls, path)
        pages = store.db.execute("PRAGMA page_count").fetchone()[0]
        store.db.execute(f"PRAGMA max_page_count = {pages}")  # no room for one more page
        return store

    monkeypatch.setattr(Store, "open", classmethod(tiny))
    big = "## requirements\n\n" + "qps and latency " * 600 + "\n\n## evaluation\n\ncalibration\n"
    _one_line(run_cli(["practice", "toy", "-f", "-", *COURSE_ARGS], stdin=big.encode()), "full")


def test_huge_ids_and_limits(isolated_home):
    assert run_cli(["practice", "toy", "-f", "-", *COURSE_ARGS], stdin=SHEET.encode()).exit_code == 0
    for args in (["export", "99999999999999999999"], ["resume", "99999999999999999999"], ["export", "\u00b2"],
                 ["export", "#9223372036854775808"]):
        _one_line(run_cli(args), "session")
    result = run_cli(["history", "--limit", "99999999999999999999"])
    assert result.exit_code == 0 and "toy" in result.stdout
    assert run_cli(["history", "--json", "-n", str(2**63)]).exit_code == 0


def test_store_session_out_of_range_is_unknown():
    store = Store.memory()
    for bad in (2**63, -(2**63) - 1, 10**30):
        with pytest.raises(KeyError):
            store.session(bad)
    assert store.sessions(limit=10**30) == []


def test_fresh_home_migrates_once_under_concurrency(tmp_path):
    """Twelve processes opening a brand-new data folder at once all succeed (no 'table already exists')."""
    code = ("import sys; from pathlib import Path; from mlsd.session.store import Store; "
            "s = Store.open(Path(sys.argv[1])); print(len(s.sessions())); s.close()")
    for trial in range(3):
        path = tmp_path / f"t{trial}" / "mlsd.sqlite3"
        procs = [subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(12)]
        results = [p.communicate(timeout=60) + (p.returncode,) for p in procs]
        assert all(rc == 0 and out.strip() == "0" for out, err, rc in results), [r for r in results if r[2]]
        db = sqlite3.connect(path)
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        db.close()


def test_migration_runs_in_one_exclusive_transaction(tmp_path, monkeypatch):
    """A migration that fails halfway leaves the database at the old version, not half-migrated."""
    def broken(db):
        db.execute("CREATE TABLE half (x)")
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store_module, "MIGRATIONS", [*store_module.MIGRATIONS, broken])
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", len(store_module.MIGRATIONS))
    with pytest.raises(StoreError):
        Store.open(tmp_path / "db.sqlite3")
    db = sqlite3.connect(tmp_path / "db.sqlite3")
    assert db.execute("PRAGMA user_version").fetchone()[0] == 0
    assert db.execute("SELECT name FROM sqlite_master WHERE name IN ('half', 'sessions')").fetchall() == []
