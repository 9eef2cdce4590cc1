"""`mlsd history`: the sessions you have run."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer

from mlsd.cli.common import open_store
from mlsd.session.context import Context


def history(
    case: Annotated[Optional[str], typer.Option("--case", help="Only sessions of this case.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Show at most this many sessions.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list and nothing else.")] = False,
) -> None:
    """List your sessions, newest first: date, case, mode, level, score, duration.

    Example: mlsd history --case ctr
    """
    from mlsd.session.history import session_summaries
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
    from mlsd.reports.render import history_table

    table = history_table(rows)
    ctx.console.print(table)


def register(app: typer.Typer) -> None:
    app.command("history")(history)
