"""Summaries of stored sessions, for `mlsd history` and progress views."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timezone

from mlsd.session.store import Store


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
