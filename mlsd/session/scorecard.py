"""A scorecard row: what `render_scorecard` shows of one step (kept apart from the session
engine, so `mlsd grade` can build a scorecard without importing the engine, store and interviewer)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScoreRow:
    step: str
    title: str
    score: float | None  # None when unanswered or skipped
    status: str  # answered | skipped | unanswered
    seconds: float | None = None
    budget_minutes: float | None = None
