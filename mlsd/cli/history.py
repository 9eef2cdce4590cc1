"""`mlsd history`: the sessions you have run."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer

from mlsd.cli.complete import complete_case, complete_session
from mlsd.cli.common import check_case_id, open_store
from mlsd.session.context import Context


def history(
    typer_ctx: typer.Context,
    case: Annotated[Optional[str], typer.Option("--case", help="Only sessions of this case.", autocompletion=complete_case)] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Show at most this many sessions.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list and nothing else.")] = False,
) -> None:
    """List your sessions, newest first: date, case, mode, level, score, duration.

    Examples: mlsd history --case ctr · mlsd history rm 12 · mlsd history prune --dry-run
    """
    if typer_ctx.invoked_subcommand is not None:  # `mlsd history rm ...`: the subcommand does the work
        return
    from mlsd.session.history import session_summaries
    from mlsd.content.loader import load_frameworks

    frameworks, _ = load_frameworks()
    store = open_store()
    try:
        rows = session_summaries(store, case_id=case, limit=limit,
                                 step_counts={fid: len(f.steps) for fid, f in frameworks.items()})
    finally:
        store.close()
    if case is not None and not rows:
        check_case_id(case)  # a typo gets "did you mean", exit 2; a known case just has no sessions
    if as_json:
        typer.echo(json.dumps([r.to_json() for r in rows]))
        return
    ctx = Context()
    if not rows and case is not None:
        ctx.console.print(f"No sessions of {case} yet. Start one with: mlsd practice {case}", highlight=False)
        return
    if not rows:
        ctx.console.print("No sessions yet. Start one with: mlsd practice ctr")
        return
    from mlsd.reports.render import history_table

    table = history_table(rows)
    ctx.console.print(table)


def remove(
    sessions: Annotated[list[str], typer.Argument(metavar="SESSION", help="Session numbers from `mlsd history`, or 'last'.", show_default=False, autocompletion=complete_session)],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask; needed when stdin is not a terminal.")] = False,
) -> None:
    """Delete sessions with their answers and lab runs (asks first on a terminal).

    Examples: mlsd history rm 12 · mlsd history rm 12 13 --yes · mlsd history rm last
    """
    from mlsd.errors import UserError
    from mlsd.reports.export import resolve_session
    from mlsd.session.history import describe

    ctx = Context()
    store = open_store()
    try:
        rows = {row.id: row for row in (resolve_session(store, ref) for ref in sessions)}  # all exist, or none goes
        names = [describe(row, len(store.latest_answers(row.id))) for row in rows.values()]
        if not yes:
            if not ctx.stdin_is_tty:
                raise UserError(f"not deleting {', '.join(names)} without a terminal to confirm on: add --yes")
            if not typer.confirm(f"Delete {'; '.join(names)}? This cannot be undone", default=False):
                ctx.console.print("Nothing deleted.")
                return
        for session_id in rows:
            store.delete_session(session_id)
    finally:
        store.close()
    for name in names:
        ctx.console.print(f"Deleted {name}", highlight=False)


def prune(
    dry_run: Annotated[bool, typer.Option("--dry-run", "-n", help="List what would be removed; remove nothing.")] = False,
) -> None:
    """Remove unfinished sessions in which nothing was typed or run; finished ones are never touched.

    Example: mlsd history prune --dry-run
    """
    from mlsd.session.history import describe, prune_empty

    ctx = Context()
    store = open_store()
    try:
        found = prune_empty(store, dry_run=dry_run)
    finally:
        store.close()
    for row in found:
        ctx.console.print(f"{'would remove' if dry_run else 'removed'} {describe(row)}", highlight=False)
    count = f"{len(found)} empty unfinished session{'s' if len(found) != 1 else ''}"
    ctx.console.print(f"{count} {'would be removed (dry run)' if dry_run else 'removed'}" if found else
                      "No empty unfinished sessions; nothing to remove.", highlight=False)


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Your sessions: list them (the default: date, case, mode, level, score, duration), "
                             "delete one, prune empty ones.\n\n"
                             "Examples: mlsd history --case ctr · mlsd history rm 12 · mlsd history prune --dry-run",
                        no_args_is_help=False, context_settings={"help_option_names": ["-h", "--help"]})
    group.callback(invoke_without_command=True)(history)
    group.command("rm")(remove)
    group.command("prune")(prune)
    app.add_typer(group, name="history")
