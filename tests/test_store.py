from __future__ import annotations

import sqlite3

from mlsd.session.engine import SessionEngine
from mlsd.session.store import SCHEMA_VERSION, Store, migrate


def test_migrate_blank_database_gives_current_schema():
    db = sqlite3.connect(":memory:")
    assert migrate(db) == 0
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"sessions", "answers", "lab_runs"} <= tables
    assert migrate(db) == SCHEMA_VERSION  # idempotent


def test_answers_are_stored_as_entered_and_resume_finds_first_open(tmp_path, course_catalog, toy_case):
    path = tmp_path / "db.sqlite3"
    framework = course_catalog.framework_for(toy_case)
    store = Store.open(path)
    engine = SessionEngine.start(store, toy_case, framework, level="senior")
    typed = "We need qps  \n  and {{ 7*7 }} exactly as typed"
    engine.submit("requirements", typed, seconds=12.5)
    engine.save_draft("evaluation", "half an answer")
    store.close()

    reopened = Store.open(path)  # a new process after Ctrl-C
    row = reopened.last_unfinished()
    assert row is not None and row.id == engine.id
    again = SessionEngine.reopen(reopened, toy_case, framework, row.id)
    assert again.first_open_index() == 1
    assert again.draft("evaluation") == "half an answer"
    stored = reopened.latest_answers(row.id)["requirements"]
    assert stored.text == typed and stored.seconds == 12.5
    assert stored.grade["hit"][0]["id"] == "scale"
    again.submit("evaluation", "calibration and an a/b test")
    total = again.finish()
    assert 0 < total <= 1
    assert reopened.last_unfinished() is None
    assert reopened.best_scores() == {"toy": total}
    assert again.draft("evaluation") == ""


def test_skip_counts_as_zero(course_catalog, toy_case):
    store = Store.memory()
    engine = SessionEngine.start(store, toy_case, course_catalog.framework_for(toy_case), level="mid")
    engine.skip("requirements")
    engine.submit("evaluation", "calibration matters, then an online experiment")
    rows = engine.scorecard()
    assert [r.status for r in rows] == ["skipped", "answered"]
    assert engine.total() == rows[1].score / 2
