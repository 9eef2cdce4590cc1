"""`mlsd mock`: a timed mock interview."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from mlsd.cli.complete import complete_case
from mlsd.cli.common import CasesDirOption, LevelOption, catalog, check_level, open_store
from mlsd.session.context import Context
from mlsd.errors import UserError


def mock(
    case_id: Annotated[Optional[str], typer.Argument(metavar="CASE", help="Case id, e.g. ctr (see `mlsd list`); or use --random.", autocompletion=complete_case,
                                                     show_default=False)] = None,
    random_case: Annotated[bool, typer.Option("--random", help="Interview on a case picked at random.")] = False,
    minutes: Annotated[float, typer.Option("--minutes", "-m", help="Length of the interview, 1 to 180 minutes.")] = 45,
    level: LevelOption = "senior",
    cases_dir: CasesDirOption = None,
) -> None:
    """Run a timed mock interview: the interviewer keeps time, answers questions and probes gaps.

    Each step gets a share of the time; the prompt shows what is left, and the
    interviewer moves on when a step's time is up. Ask clarifying questions with
    a line starting with '?'. Finish each answer with a line holding only '.'.
    No scores until the scorecard at the end. Ctrl-C keeps what you typed.

    Examples: mlsd mock ctr · mlsd mock --random --minutes 30 --level staff
    """
    from mlsd.session.mock import MockInterview, check_minutes
    from mlsd.tui.mock import run_mock, stopped_message
    from mlsd.tui.picker import pick_case
    from mlsd.tui.picker import random_case as pick_random

    import sys

    ctx = Context()
    level = check_level(level)
    minutes = check_minutes(minutes)
    if sys.stdin is None:
        raise UserError("standard input is closed: a mock interview needs a terminal (or answers piped in)")
    if case_id and random_case:
        raise UserError("give a case or --random, not both")
    loaded = catalog(cases_dir, ctx)
    if random_case:
        case_id = pick_random(list(loaded.cases))
    elif not case_id:
        case_id = pick_case(ctx, loaded, "mock")
    case = loaded.case(case_id)
    framework = loaded.framework_for(case)
    store = open_store()
    try:
        interview = MockInterview(store, case, framework, level=level, minutes=minutes, clock=ctx.clock)
        try:
            run_mock(ctx, interview, wait_for_ready=ctx.stdin_is_tty)
        except KeyboardInterrupt:
            # what was typed is stored and the interview closed; printing may fail (a closed terminal)
            try:
                ctx.err_console.print(f"[bold red]mlsd:[/] {stopped_message(interview)}", soft_wrap=True,
                                      highlight=False)
            except (OSError, ValueError):
                pass
            raise typer.Exit(130) from None
        if interview.ended == "no input":
            raise UserError("the input ended before anything was typed, so nothing was stored: run mlsd mock "
                            "in a terminal, or pipe the answer lines in")
    finally:
        store.close()


def register(app: typer.Typer) -> None:
    app.command("mock")(mock)
