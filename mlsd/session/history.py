"""Summaries of stored sessions, for `mlsd history` and progress views."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timezone

from mlsd.session.store import SessionRow, Store


@dataclass
class SessionSummary:
    id: int
    case_id: str
    mode: str
    level: str
    started_at: float
    finished: bool
    total: float | None
    answered: int
    steps: int
    duration_seconds: float | None

    def to_json(self) -> dict:
        data = asdict(self)
        data["date"] = datetime.fromtimestamp(self.started_at, tz=timezone.utc).isoformat(timespec="seconds")
        data["case"] = data.pop("case_id")
        return data


def session_summaries(store: Store, case_id: str | None = None, limit: int | None = None,
                      step_counts: dict[str, int] | None = None) -> list[SessionSummary]:
    """Sessions, newest first. `step_counts` (framework id -> number of steps) sizes the
    "answered" column; a drill counts only its own steps; otherwise seven is assumed."""
    out: list[SessionSummary] = []
    for session in store.sessions(case_id=case_id, limit=limit):
        latest = store.latest_answers(session.id)
        answered = sum(1 for a in latest.values() if a.kind == "answer")
        seconds = [a.seconds for a in latest.values() if a.seconds is not None]
        duration = sum(seconds) if seconds else (
            session.finished_at - session.started_at if session.finished_at else None)
        drill = session.meta.get("step_ids")
        steps = len(drill) if drill else (step_counts or {}).get(session.framework, 7)
        out.append(SessionSummary(session.id, session.case_id, session.mode, session.level, session.started_at,
                                  session.finished, session.total, answered, max(steps, len(latest)), duration))
    return out


def is_empty(store: Store, session: SessionRow) -> bool:
    """Nothing typed, run or stored in the session: no answers, no drafts, no lab runs."""
    drafts = session.meta.get("drafts") or {}
    return (not store.answers(session.id) and not any(drafts.values() if isinstance(drafts, dict) else [drafts])
            and not store.lab_runs(session.id))


def empty_unfinished(store: Store) -> list[SessionRow]:
    """Unfinished sessions in which nothing was typed (a :quit at the first prompt, a lost terminal),
    newest first: what `mlsd history prune` removes. A finished session is never in it."""
    return [s for s in store.sessions() if not s.finished and is_empty(store, s)]


def prune_empty(store: Store, dry_run: bool = False) -> list[SessionRow]:
    """Delete the empty unfinished sessions (none with `dry_run`); returns them."""
    found = empty_unfinished(store)
    if not dry_run:
        for session in found:
            store.delete_session(session.id)
    return found


def describe(session: SessionRow, answered: int | None = None) -> str:
    """One line naming a session, for confirmations: `session 12 (ctr practice, 2026-12-01 11:02, 3 answers)`."""
    when = datetime.fromtimestamp(session.started_at).strftime("%Y-%m-%d %H:%M")
    extra = "" if answered is None else f", {answered} answer{'s' if answered != 1 else ''}"
    return f"session {session.id} ({session.case_id} {session.mode}, {when}{extra})"
