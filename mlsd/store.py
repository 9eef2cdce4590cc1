"""SQLite storage of sessions and answers.

Every answer is written (and committed) the moment it is entered, so a
Ctrl-C or a closed terminal loses nothing. The schema is versioned with
`PRAGMA user_version` and migrated in code by numbered functions.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from mlsd import paths


def _m1_initial(db: sqlite3.Connection) -> None:
    db.executescript(
        """
        CREATE TABLE sessions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            case_id TEXT NOT NULL,
            framework TEXT NOT NULL,
            mode TEXT NOT NULL,              -- practice | mock | grade | review
            level TEXT NOT NULL,
            started_at REAL NOT NULL,
            finished_at REAL,                -- NULL while unfinished
            total REAL,
            minutes REAL,                    -- mock interview length
            meta TEXT NOT NULL DEFAULT '{}'
        );
        CREATE TABLE answers (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            step TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'answer',  -- answer | followup | question | skip | unanswered
            text TEXT NOT NULL,
            score REAL,
            grade TEXT,                      -- the grade as JSON
            seconds REAL,                    -- time spent on the step
            created_at REAL NOT NULL,
            extra TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX answers_session ON answers(session_id, step);
        CREATE TABLE lab_runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id INTEGER REFERENCES sessions(id) ON DELETE CASCADE,
            lab_id TEXT NOT NULL,
            seed INTEGER NOT NULL,
            result TEXT NOT NULL,
            created_at REAL NOT NULL
        );
        """
    )


def _m2_disputes(db: sqlite3.Connection) -> None:
    # a user's "I did cover that" on a missed concept, for content authors (`mlsd dev disputes`)
    db.executescript(
        """
        CREATE TABLE disputes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id INTEGER REFERENCES sessions(id) ON DELETE SET NULL,
            answer_id INTEGER REFERENCES answers(id) ON DELETE SET NULL,
            case_id TEXT NOT NULL,
            step TEXT NOT NULL,
            concept_id TEXT NOT NULL,
            created_at REAL NOT NULL
        );
        CREATE INDEX disputes_concept ON disputes(case_id, step, concept_id);
        """
    )


# Append-only: each function moves the schema up one version.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_m1_initial, _m2_disputes]
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass
class SessionRow:
    id: int
    case_id: str
    framework: str
    mode: str
    level: str
    started_at: float
    finished_at: float | None
    total: float | None
    minutes: float | None
    meta: dict[str, Any]

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


@dataclass
class AnswerRow:
    id: int
    session_id: int
    step: str
    kind: str
    text: str
    score: float | None
    grade: dict[str, Any] | None
    seconds: float | None
    created_at: float
    extra: dict[str, Any]


def migrate(db: sqlite3.Connection) -> int:
    """Bring the database to SCHEMA_VERSION; returns the version it started at."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise RuntimeError(f"database schema v{version} is newer than this mlsd (v{SCHEMA_VERSION}); upgrade mlsd")
    for number in range(version, SCHEMA_VERSION):
        with db:
            MIGRATIONS[number](db)
            db.execute(f"PRAGMA user_version = {number + 1}")
    return version


class Store:
    """The user's record. Open with `Store.open()`; every write commits at once."""

    def __init__(self, db: sqlite3.Connection, path: Path | None = None):
        self.db = db
        self.path = path
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA foreign_keys = ON")
        migrate(self.db)

    @classmethod
    def open(cls, path: Path | None = None) -> "Store":
        path = path or paths.database_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        return cls(sqlite3.connect(str(path), timeout=10), path)

    @classmethod
    def memory(cls) -> "Store":
        return cls(sqlite3.connect(":memory:"))

    def close(self) -> None:
        self.db.close()

    # ---------------------------------------------------------- sessions

    def create_session(self, case_id: str, framework: str, mode: str, level: str,
                       minutes: float | None = None, meta: dict | None = None,
                       now: float | None = None) -> int:
        with self.db:
            cur = self.db.execute(
                "INSERT INTO sessions (case_id, framework, mode, level, started_at, minutes, meta) VALUES (?,?,?,?,?,?,?)",
                (case_id, framework, mode, level, now if now is not None else time.time(), minutes, json.dumps(meta or {})),
            )
        return int(cur.lastrowid)

    def finish_session(self, session_id: int, total: float | None, now: float | None = None) -> None:
        with self.db:
            self.db.execute("UPDATE sessions SET finished_at = ?, total = ? WHERE id = ?",
                            (now if now is not None else time.time(), total, session_id))

    def delete_session(self, session_id: int) -> None:
        """Remove a session and everything stored with it (a session in which nothing was typed)."""
        with self.db:
            self.db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))

    def update_meta(self, session_id: int, **values: Any) -> None:
        meta = self.session(session_id).meta
        meta.update(values)
        with self.db:
            self.db.execute("UPDATE sessions SET meta = ? WHERE id = ?", (json.dumps(meta), session_id))

    def session(self, session_id: int) -> SessionRow:
        row = self.db.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise KeyError(session_id)
        return _session(row)

    def sessions(self, case_id: str | None = None, limit: int | None = None) -> list[SessionRow]:
        sql = "SELECT * FROM sessions"
        args: list[Any] = []
        if case_id:
            sql += " WHERE case_id = ?"
            args.append(case_id)
        sql += " ORDER BY started_at DESC, id DESC"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [_session(r) for r in self.db.execute(sql, args)]

    def last_unfinished(self, modes: tuple[str, ...] = ("practice", "review")) -> SessionRow | None:
        marks = ",".join("?" * len(modes))
        row = self.db.execute(
            f"SELECT * FROM sessions WHERE finished_at IS NULL AND mode IN ({marks}) ORDER BY started_at DESC, id DESC LIMIT 1",
            modes,
        ).fetchone()
        return _session(row) if row else None

    def last_session(self) -> SessionRow | None:
        rows = self.sessions(limit=1)
        return rows[0] if rows else None

    def best_scores(self) -> dict[str, float]:
        rows = self.db.execute(
            "SELECT case_id, MAX(total) AS best FROM sessions WHERE finished_at IS NOT NULL AND total IS NOT NULL "
            "AND mode NOT IN ('grade', 'review') GROUP BY case_id"  # a review drill covers only some steps
        )
        return {r["case_id"]: r["best"] for r in rows}

    # ----------------------------------------------------------- answers

    def add_answer(self, session_id: int, step: str, text: str, *, kind: str = "answer",
                   score: float | None = None, grade: dict | None = None, seconds: float | None = None,
                   extra: dict | None = None, now: float | None = None) -> int:
        with self.db:
            cur = self.db.execute(
                "INSERT INTO answers (session_id, step, kind, text, score, grade, seconds, created_at, extra) "
                "VALUES (?,?,?,?,?,?,?,?,?)",
                (session_id, step, kind, text, score, json.dumps(grade) if grade is not None else None, seconds,
                 now if now is not None else time.time(), json.dumps(extra or {})),
            )
        return int(cur.lastrowid)

    def set_grade(self, answer_id: int, score: float, grade: dict) -> None:
        with self.db:
            self.db.execute("UPDATE answers SET score = ?, grade = ? WHERE id = ?", (score, json.dumps(grade), answer_id))

    def answers(self, session_id: int) -> list[AnswerRow]:
        rows = self.db.execute("SELECT * FROM answers WHERE session_id = ? ORDER BY id", (session_id,))
        return [_answer(r) for r in rows]

    def latest_answers(self, session_id: int) -> dict[str, AnswerRow]:
        """Step -> the step's latest main answer (kind answer, skip or unanswered)."""
        latest: dict[str, AnswerRow] = {}
        for row in self.answers(session_id):
            if row.kind in ("answer", "skip", "unanswered"):
                latest[row.step] = row
        return latest

    # ---------------------------------------------------------- disputes

    def add_dispute(self, session_id: int, answer_id: int, case_id: str, step: str, concept_id: str,
                    now: float | None = None) -> None:
        with self.db:
            self.db.execute(
                "INSERT INTO disputes (session_id, answer_id, case_id, step, concept_id, created_at) VALUES (?,?,?,?,?,?)",
                (session_id, answer_id, case_id, step, concept_id, now if now is not None else time.time()),
            )

    def dispute_counts(self, case_id: str | None = None) -> list[tuple[str, str, str, int, float]]:
        """(case, step, concept, times disputed, last time), most disputed first."""
        sql = "SELECT case_id, step, concept_id, COUNT(*) AS n, MAX(created_at) AS last FROM disputes"
        args: list[Any] = []
        if case_id:
            sql += " WHERE case_id = ?"
            args.append(case_id)
        sql += " GROUP BY case_id, step, concept_id ORDER BY n DESC, last DESC"
        return [(r["case_id"], r["step"], r["concept_id"], r["n"], r["last"]) for r in self.db.execute(sql, args)]

    # -------------------------------------------------------------- labs

    def add_lab_run(self, session_id: int | None, lab_id: str, seed: int, result: dict) -> int:
        with self.db:
            cur = self.db.execute(
                "INSERT INTO lab_runs (session_id, lab_id, seed, result, created_at) VALUES (?,?,?,?,?)",
                (session_id, lab_id, seed, json.dumps(result), time.time()),
            )
        return int(cur.lastrowid)

    def lab_runs(self, session_id: int) -> list[dict]:
        rows = self.db.execute("SELECT * FROM lab_runs WHERE session_id = ? ORDER BY id", (session_id,))
        return [dict(lab_id=r["lab_id"], seed=r["seed"], result=json.loads(r["result"]), created_at=r["created_at"])
                for r in rows]


def _session(row: sqlite3.Row) -> SessionRow:
    return SessionRow(row["id"], row["case_id"], row["framework"], row["mode"], row["level"], row["started_at"],
                      row["finished_at"], row["total"], row["minutes"], json.loads(row["meta"] or "{}"))


def _answer(row: sqlite3.Row) -> AnswerRow:
    return AnswerRow(row["id"], row["session_id"], row["step"], row["kind"], row["text"], row["score"],
                     json.loads(row["grade"]) if row["grade"] else None, row["seconds"], row["created_at"],
                     json.loads(row["extra"] or "{}"))
