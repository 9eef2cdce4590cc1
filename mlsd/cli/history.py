"""`mlsd history`: the sessions you have run."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Optional

import typer
from rich.table import Table
from rich.text import Text

from mlsd.cli.common import open_store
from mlsd.session.context import Context


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return "<1 min" if seconds < 60 else f"{seconds / 60:.0f} min"


def _status(row) -> str:
    """finished; a practice or review left open for `mlsd resume`; a mock stopped early (never resumed)."""
    if row.finished:
        return "finished"
    if row.mode == "mock":
        return "stopped (mock)"
    if row.mode in ("practice", "review"):
        return f"open (mlsd resume {row.id})"
    return "unfinished"


def history(
    case: Annotated[Optional[str], typer.Option("--case", help="Only sessions of this case.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Show at most this many sessions.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list and nothing else.")] = False,
) -> None:
    """List your sessions, newest first: date, case, mode, level, score, duration.

    Example: mlsd history --case ctr
    """
    from mlsd.session.history import session_summaries
    from mlsd.reports.render import fmt_score, score_style

    from mlsd.content.loader import load_frameworks

    frameworks, _ = load_frameworks()
    store = open_store()
    try:
        rows = session_summaries(store, case_id=case, limit=limit,
                                 step_counts={fid: len(f.steps) for fid, f in frameworks.items()})
    finally:
        store.close()
    if as_json:
        typer.echo(json.dumps([r.to_json() for r in rows]))
        return
    ctx = Context()
    if not rows:
        ctx.console.print("No sessions yet. Start one with: mlsd practice ctr")
        return
    table = Table(title="History", title_justify="left")
    for column in ("#", "date", "case", "mode", "level", "answered", "score", "duration", "status"):
        table.add_column(column, justify="right" if column in ("#", "score", "duration", "answered") else "left")
    for r in rows:
        table.add_row(str(r.id), datetime.fromtimestamp(r.started_at).strftime("%Y-%m-%d %H:%M"), r.case_id, r.mode,
                      r.level, f"{r.answered}/{r.steps}", Text(fmt_score(r.total), style=score_style(r.total)),
                      _duration(r.duration_seconds),
                      _status(r))
    ctx.console.print(table)


def register(app: typer.Typer) -> None:
    app.command("history")(history)
