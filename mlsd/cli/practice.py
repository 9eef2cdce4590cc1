"""`mlsd practice` and `mlsd resume`: the interactive walk through a case."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from mlsd.cli.complete import complete_case, complete_open_session
from mlsd.cli.common import CasesDirOption, LevelOption, catalog, check_level, open_store
from mlsd.session.context import Context
from mlsd.errors import UserError


def read_sheet_source(answers_file: Path | None, ctx: Context) -> tuple[str, str] | None:
    """The answer sheet to run non-interactively, if any: --answers-file, or stdin when it is not a terminal.
    Read and decoded once, here, before any session is created."""
    from mlsd.grader.sheet import read_sheet, read_stdin

    if answers_file is not None:
        return read_sheet(answers_file)
    if ctx.stdin_is_tty:
        return None
    if sys.stdin is None:
        raise UserError("standard input is closed: run this in a terminal, or pass --answers-file FILE")
    text = read_stdin()
    if not text.strip():
        raise UserError("no terminal on stdin and nothing piped in: pipe an answer sheet or use --answers-file FILE")
    return text, "<stdin>"


def practice(
    case_id: Annotated[Optional[str], typer.Argument(metavar="CASE", autocompletion=complete_case, help="Case id, e.g. ctr (see `mlsd list`); "
                                                     "without one you pick from a list.", show_default=False)] = None,
    random_case: Annotated[bool, typer.Option("--random", help="Practise a case picked at random.")] = False,
    level: LevelOption = "senior",
    answers_file: Annotated[Optional[Path], typer.Option("--answers-file", "-f", help="Answer from a markdown sheet instead of the keyboard ('-' for stdin).")] = None,
    no_labs: Annotated[bool, typer.Option("--no-labs", help="Do not offer a step's labs after its grade.")] = False,
    cases_dir: CasesDirOption = None,
) -> None:
    """Walk a case's seven steps: answer, get graded, see what you missed.

    Finish an answer with a line holding only '.'; in an answer type :hint, :edit,
    :skip, :back or :quit. Every answer is saved at once; Ctrl-C loses nothing and
    `mlsd resume` continues. Without a terminal on stdin, answers are read as a
    markdown sheet from stdin (or --answers-file).

    Examples: mlsd practice ctr · mlsd practice · mlsd practice --random --level staff · mlsd practice ctr -f sheet.md
    """
    from mlsd.session.engine import SessionEngine
    from mlsd.tui.practice import run_from_sheet

    from mlsd.tui.picker import pick_case
    from mlsd.tui.picker import random_case as pick_random

    ctx = Context()
    level = check_level(level)
    if case_id and random_case:
        raise UserError("give a case or --random, not both")
    loaded = catalog(cases_dir, ctx)
    if random_case:
        case_id = pick_random(list(loaded.cases))
    elif not case_id:
        if answers_file is not None or not ctx.stdin_is_tty:
            raise UserError("name the case the answer sheet is for: mlsd practice CASE -f SHEET (see `mlsd list`)")
        case_id = pick_case(ctx, loaded, "practice")
    case = loaded.case(case_id)
    framework = loaded.framework_for(case)
    sheet = read_sheet_source(answers_file, ctx)
    store = open_store()
    try:
        if sheet is not None:
            from mlsd.grader.sheet import parse_sheet

            parse_sheet(sheet[0], framework, sheet[1])  # fail before creating a session
            engine = SessionEngine.start(store, case, framework, level=level, meta={"source": sheet[1]})
            run_from_sheet(ctx, engine, framework, sheet[0], sheet[1])
            return
        engine = SessionEngine.start(store, case, framework, level=level)
        ctx.console.print(f"[bold]{case.title}[/]  [dim]session {engine.id} · {level} bar[/]")
        from mlsd.reports.render import prose

        ctx.console.print(prose(case.prompt))
        ctx.console.print()
        _run_until_quit(ctx, engine, offer_labs=not no_labs)
    finally:
        store.close()


def resume(
    session_id: Annotated[Optional[int], typer.Argument(metavar="SESSION", help="Session number (default: the last unfinished one).", autocompletion=complete_open_session)] = None,
    no_labs: Annotated[bool, typer.Option("--no-labs", help="Do not offer labs after each grade.")] = False,
    cases_dir: CasesDirOption = None,
) -> None:
    """Continue the last unfinished practice session at its first unanswered step.

    Example: mlsd resume
    """
    from mlsd.session.engine import SessionEngine

    ctx = Context()
    store = open_store()
    try:
        if session_id is None:
            row = store.last_unfinished()
            if row is None:
                raise UserError("no unfinished practice session to resume; start one with `mlsd practice CASE`")
        else:
            try:
                row = store.session(session_id)
            except KeyError:
                raise UserError(f"no session {session_id}; see `mlsd history`") from None
            if row.finished:
                raise UserError(f"session {session_id} is already finished; see it with `mlsd history`")
            if row.mode == "mock":
                raise UserError(f"session {session_id} is a mock interview, which is not resumed (its clock has "
                                f"stopped); see it with `mlsd export {session_id}`, or start one: "
                                f"mlsd mock {row.case_id}")
            if row.mode == "grade":
                raise UserError(f"session {session_id} graded an answer sheet; there is nothing to resume")
        if not ctx.stdin_is_tty:
            raise UserError("resume needs a terminal on stdin")
        loaded = catalog(cases_dir, ctx)
        case = loaded.case(row.case_id)
        engine = SessionEngine.reopen(store, case, loaded.framework_for(case), row.id)
        index = engine.first_open_index()
        done = index if index is not None else len(engine.steps)
        ctx.console.print(f"[bold]{case.title}[/]  [dim]session {row.id} · {row.level} bar · "
                          f"{done} of {len(engine.steps)} steps done[/]")
        _run_until_quit(ctx, engine, offer_labs=not no_labs)
    finally:
        store.close()


def _run_until_quit(ctx, engine, offer_labs: bool) -> None:
    """Run the interactive session; on :quit or Ctrl-C say how to come back (the store has every
    answer), or drop the session when nothing at all was typed in it."""
    from mlsd.tui.practice import SessionQuit, run_interactive

    try:
        run_interactive(ctx, engine, offer_labs=offer_labs)
    except SessionQuit:
        if engine.discard_if_empty():
            ctx.console.print("[dim]Nothing was typed, so no session was kept.[/]")
        else:
            ctx.console.print(f"[dim]Session {engine.id} saved. Continue with: mlsd resume {engine.id}[/]")
    except KeyboardInterrupt:
        # everything typed is stored already; what is printed now may fail (a closed terminal)
        from mlsd.tui.signals import held

        with held():
            dropped = engine.discard_if_empty()
        message = ("interrupted; nothing was typed, so no session was kept" if dropped else
                   f"interrupted; nothing typed was lost. Continue with: mlsd resume {engine.id}")
        try:
            ctx.err_console.print(f"[bold red]mlsd:[/] {message}", soft_wrap=True, highlight=False)
        except (OSError, ValueError):
            pass
        raise typer.Exit(130) from None


def register(app: typer.Typer) -> None:
    app.command("practice")(practice)
    app.command("resume")(resume)
