"""`:notwrong N`: the user disputes a red flag that misread them. The flag stays on the grade
(the score is as graded, as with `:covered`), is marked disputed in the grade, the export and
`mlsd dev disputes`, survives a regrade while the flag is still raised, and is logged by kind."""

from __future__ import annotations

import sqlite3

import pytest
from typer.testing import CliRunner

from conftest import COURSE, spawn_mlsd
from mlsd.cli import app
from mlsd.reports.export import export_session
from mlsd.session.engine import SessionEngine
from mlsd.session.store import SCHEMA_VERSION, Store, migrate

WRONG = "I'd ask about qps at peak, because that sizes the fleet. Latency doesn't matter for this one."


def _engine(course_catalog, toy_case, store=None):
    store = store or Store.memory()
    return SessionEngine.start(store, toy_case, course_catalog.framework_for(toy_case), level="senior")


def test_dispute_by_number_marks_the_flag_logs_it_and_keeps_the_score(course_catalog, toy_case):
    engine = _engine(course_catalog, toy_case)
    graded = engine.submit("requirements", WRONG)
    assert [f.id for f in graded.red_flags] == ["no-latency"]
    assert engine.dispute_flag("requirements", "1") == ("no-latency", "Latency does not matter.")
    row = engine.store.latest_answers(engine.id)["requirements"]
    assert row.grade["disputed"] == ["no-latency"] and row.score == pytest.approx(graded.score)
    assert engine.store.dispute_counts(kind="flag")[0][:4] == ("toy", "requirements", "no-latency", 1)
    assert engine.store.dispute_counts() == []  # concept disputes are kept apart


def test_dispute_unknown_flag_is_a_key_error(course_catalog, toy_case):
    engine = _engine(course_catalog, toy_case)
    engine.submit("requirements", WRONG)
    for wanted in ("2", "0", "no-such-flag"):
        with pytest.raises(KeyError):
            engine.dispute_flag("requirements", wanted)
    with pytest.raises(KeyError):  # a step with no answer
        engine.dispute_flag("evaluation", "1")


def test_a_dispute_survives_a_regrade_only_while_the_flag_is_raised(course_catalog, toy_case):
    engine = _engine(course_catalog, toy_case)
    engine.submit("requirements", WRONG)
    engine.dispute_flag("requirements", "no-latency")
    assert engine.grade_step("requirements").disputed == ["no-latency"]
    engine.submit("requirements", "I'd ask about qps at peak and the p99 latency budget.")
    assert engine.grade_step("requirements").disputed == []


def test_export_names_a_disputed_flag(course_catalog, toy_case):
    engine = _engine(course_catalog, toy_case)
    engine.submit("requirements", WRONG)
    engine.dispute_flag("requirements", "1")
    framework = course_catalog.framework_for(toy_case)
    text = export_session(engine.store, engine.store.session(engine.id), toy_case, framework, to_stdout=True).markdown
    assert "Latency does not matter.** (−20 pts; disputed: you say it misread you)" in text


def test_migration_from_v2_keeps_concept_disputes_as_concepts():
    db = sqlite3.connect(":memory:")
    db.row_factory = sqlite3.Row
    from mlsd.session import store as store_module

    for step in store_module.MIGRATIONS[:2]:
        step(db)
    db.execute("PRAGMA user_version = 2")
    db.execute("INSERT INTO disputes (case_id, step, concept_id, created_at) VALUES ('ctr', 'data', 'leakage', 1.0)")
    assert migrate(db) == 2
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("SELECT kind FROM disputes").fetchone()[0] == "concept"


def test_dev_disputes_lists_red_flags_apart(tmp_path, course_catalog, toy_case, isolated_home):
    store = Store.open(isolated_home / "mlsd.sqlite3")
    engine = _engine(course_catalog, toy_case, store)
    engine.submit("requirements", WRONG)
    engine.dispute_flag("requirements", "1")
    store.close()
    result = CliRunner().invoke(app, ["dev", "disputes"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    assert "Disputed red flags" in result.output and "no-latency" in result.output
    assert "Disputed concepts" not in result.output


pexpect = pytest.importorskip("pexpect")


def test_notwrong_in_a_real_practice_session(isolated_home):
    child = spawn_mlsd(["practice", "toy", "--cases-dir", str(COURSE / "cases"), "--no-labs"], isolated_home,
                       term="dumb")
    child.expect("Step 1/2")
    child.expect("› ")
    child.sendline(WRONG)
    child.sendline(".")
    child.expect(r"⚑ 1\. ")
    child.expect("Interviewer: ")
    child.expect("> ")
    child.sendline(".")  # pass on the follow-up
    child.expect("Step 2/2")
    child.expect("› ")
    child.sendline(":notwrong 3")
    child.expect("raised no red flag")
    child.sendline(":notwrong 1")
    child.expect("disputed")
    child.sendline(":quit")
    child.expect(pexpect.EOF)
    child.close()

    store = Store.open(isolated_home / "mlsd.sqlite3")
    grade = store.latest_answers(store.sessions()[0].id)["requirements"].grade
    assert grade["disputed"] == ["no-latency"]
    assert store.dispute_counts(kind="flag")[0][2] == "no-latency"
    store.close()
