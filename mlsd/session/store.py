"""SQLite storage of sessions and answers.

Every answer is written (and committed) the moment it is entered, so a
Ctrl-C or a closed terminal loses nothing. The schema is versioned with
`PRAGMA user_version` and migrated in code by numbered functions, all in one
exclusive transaction. A database that cannot be opened, read or written
(damaged, newer, locked, read-only, disk full) is a StoreError: one line
that says what to do.
"""

from __future__ import annotations

import errno
import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from mlsd import paths
from mlsd.errors import UserError

BUSY_TIMEOUT = 5.0  # seconds to wait for another mlsd holding the database (each write holds it for ms)
_MAX_ROWID = 2**63 - 1  # SQLite integers are signed 64-bit


class StoreError(UserError):
    """The user's database cannot be used; the message names it and what to do."""


def _script(db: sqlite3.Connection, sql: str) -> None:
    """Run each statement of `sql` in the current transaction (executescript would commit first)."""
    statement = ""
    for line in sql.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""
    if statement.strip():
        db.execute(statement)


def _m1_initial(db: sqlite3.Connection) -> None:
    _script(db, 
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
            kind TEXT NOT NULL DEFAULT 'answer',  -- answer | followup | question | skip | unanswered | estimate
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
    _script(db, 
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


def _m3_flag_disputes(db: sqlite3.Connection) -> None:
    # a user's "I did not claim that" on a red flag, kept beside the concept disputes
    _script(db, "ALTER TABLE disputes ADD COLUMN kind TEXT NOT NULL DEFAULT 'concept';")


# Append-only: each function moves the schema up one version.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_m1_initial, _m2_disputes, _m3_flag_disputes]
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


def _newer(version: int, path: Path | None) -> StoreError:
    where = f"{path}: " if path else ""
    return StoreError(f"{where}database schema v{version} is newer than this mlsd (v{SCHEMA_VERSION}); "
                      "upgrade mlsd, or set MLSD_HOME to another folder")


def migrate(db: sqlite3.Connection, path: Path | None = None) -> int:
    """Bring the database to SCHEMA_VERSION; returns the version it started at.

    All pending migrations run in one exclusive transaction that re-reads the
    version first, so processes opening a new data folder at once migrate it
    exactly once, and a migration that fails leaves the old schema whole.
    """
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise _newer(version, path)
    if version == SCHEMA_VERSION:
        return version
    saved = db.isolation_level
    db.isolation_level = None  # transactions by hand: BEGIN EXCLUSIVE ... COMMIT
    try:
        db.execute("BEGIN EXCLUSIVE")
        try:
            current = db.execute("PRAGMA user_version").fetchone()[0]  # another process may have won
            if current > SCHEMA_VERSION:
                raise _newer(current, path)
            for number in range(current, SCHEMA_VERSION):
                MIGRATIONS[number](db)
                db.execute(f"PRAGMA user_version = {number + 1}")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
    finally:
        db.isolation_level = saved
    return version


def describe(exc: BaseException, path: Path | None = None) -> StoreError | None:
    """A sqlite3 or file-system error on the user's database as one StoreError line; None if it is
    not one (a programming error stays a traceback)."""
    if isinstance(exc, StoreError):
        return exc
    path = path or paths.database_path()
    if isinstance(exc, OSError):
        return StoreError(f"cannot use the data folder {path.parent}: {exc.strerror or exc}; "
                          "set MLSD_HOME to a folder you can write")
    if not isinstance(exc, sqlite3.DatabaseError) or isinstance(exc, (sqlite3.ProgrammingError,
                                                                      sqlite3.IntegrityError)):
        return None
    name = getattr(exc, "sqlite_errorname", "") or ""
    message = str(exc)
    low = message.lower()
    if "BUSY" in name or "LOCKED" in name or "locked" in low:
        return StoreError(f"{path} is locked by another program (is another mlsd running?); "
                          "try again when it has finished")
    if "FULL" in name or "disk is full" in low:
        return StoreError(f"cannot save to {path}: the disk is full; free some space and try again "
                          "(everything saved before is kept; `mlsd resume` continues a practice session)")
    if "READONLY" in name or "readonly" in low or "read-only" in low:
        return StoreError(f"{path} is read-only; make it and its folder writable, or set MLSD_HOME to "
                          "another folder")
    if "CANTOPEN" in name or "unable to open" in low:
        return StoreError(f"cannot open {path}; check that its folder exists and is writable, "
                          "or set MLSD_HOME to another folder")
    if "NOTADB" in name or "CORRUPT" in name or "not a database" in low or "malformed" in low:
        return StoreError(f"{path} is damaged or not an mlsd database ({message}); move it aside and mlsd "
                          "starts a new one, or set MLSD_HOME to another folder")
    if "IOERR" in name or "i/o error" in low:
        return StoreError(f"cannot read or write {path} (disk I/O error); check the disk, "
                          "or set MLSD_HOME to another folder")
    return StoreError(f"database error in {path}: {message}")


def _folder_problem(folder: Path, exc: OSError) -> StoreError:
    if isinstance(exc, (FileExistsError, NotADirectoryError)) or exc.errno in (errno.EEXIST, errno.ENOTDIR):
        reason = "a file is in the way (it must be a folder)"
    else:
        reason = exc.strerror or str(exc)
    return StoreError(f"cannot create the data folder {folder}: {reason}; set MLSD_HOME to a folder you can write")


class Store:
    """The user's record. Open with `Store.open()`; every write commits at once."""

    def __init__(self, db: sqlite3.Connection, path: Path | None = None):
        self.db = db
        self.path = path
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA foreign_keys = ON")
        migrate(self.db, path)

    @classmethod
    def open(cls, path: Path | None = None) -> "Store":
        """Open (creating if need be) the database; every way this can fail is a StoreError."""
        path = path or paths.database_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _folder_problem(path.parent, exc) from None
        if path.parent.exists() and not path.parent.is_dir():
            raise _folder_problem(path.parent, NotADirectoryError(errno.ENOTDIR, "not a folder"))
        db = None
        try:
            db = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT)
            return cls(db, path)
        except (sqlite3.Error, OSError) as exc:
            if db is not None:
                db.close()
            problem = describe(exc, path)
            if problem is None:
                raise
            raise problem from None

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
        if not -_MAX_ROWID - 1 <= session_id <= _MAX_ROWID:  # no such row, and SQLite cannot take the number
            raise KeyError(session_id)
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
            sql += " LIMIT ?"
            args.append(max(0, min(int(limit), _MAX_ROWID)))
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
                    now: float | None = None, kind: str = "concept") -> None:
        """Log a dispute: `kind` "concept" (a missed concept the user says they covered, its id in
        `concept_id`) or "flag" (a red flag the user says misread them, its id in `concept_id`)."""
        with self.db:
            self.db.execute(
                "INSERT INTO disputes (session_id, answer_id, case_id, step, concept_id, created_at, kind) "
                "VALUES (?,?,?,?,?,?,?)",
                (session_id, answer_id, case_id, step, concept_id, now if now is not None else time.time(), kind),
            )

    def dispute_counts(self, case_id: str | None = None, kind: str = "concept") -> list[tuple[str, str, str, int, float]]:
        """(case, step, concept or flag id, times disputed, last time) of one kind, most disputed first."""
        sql = "SELECT case_id, step, concept_id, COUNT(*) AS n, MAX(created_at) AS last FROM disputes WHERE kind = ?"
        args: list[Any] = [kind]
        if case_id:
            sql += " AND case_id = ?"
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
        return [dict(lab_id=r["lab_id"], seed=r["seed"], result=_json(r["result"], {}), created_at=r["created_at"])
                for r in rows]


def _json(text: str | None, default: Any) -> Any:
    """A stored JSON column; a damaged value (edited by hand, cut short) reads as the default,
    so one bad row does not stop history, stats or export."""
    if not text:
        return default
    try:
        value = json.loads(text)
    except (ValueError, TypeError, RecursionError):
        return default
    return value if isinstance(value, type(default)) or default is None else default


def _session(row: sqlite3.Row) -> SessionRow:
    return SessionRow(row["id"], row["case_id"], row["framework"], row["mode"], row["level"], row["started_at"],
                      row["finished_at"], row["total"], row["minutes"], _json(row["meta"], {}))


def _answer(row: sqlite3.Row) -> AnswerRow:
    grade = _json(row["grade"], None)
    return AnswerRow(row["id"], row["session_id"], row["step"], row["kind"], row["text"], row["score"],
                     grade if isinstance(grade, dict) else None, row["seconds"], row["created_at"],
                     _json(row["extra"], {}))
