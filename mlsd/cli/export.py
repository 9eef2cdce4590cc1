"""`mlsd export`: a session's notes, or a case's cheat sheet, as markdown."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from mlsd.cli.common import CasesDirOption, catalog, open_store
from mlsd.session.context import Context
from mlsd.errors import UnknownCase, UserError


def export(
    session_ref: Annotated[Optional[str], typer.Argument(metavar="SESSION|last", help="Session number from `mlsd history`, or 'last' (the default).", show_default=False)] = None,
    output: Annotated[Optional[str], typer.Option("--output", "-o", metavar="PATH", help="Markdown file or folder to write ('-' for stdout; a trailing '/' makes a folder). Default: mlsd-CASE-session-N.md here.", show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file (or replace a symbolic link itself; its target is never written).")] = False,
    template: Annotated[Optional[Path], typer.Option("--template", "-t", help="Your own jinja2 template (start from a copy of the shipped one).", show_default=False)] = None,
    with_model_answers: Annotated[bool, typer.Option("--with-model-answers", help="Add each step's model answer.")] = False,
    case_id: Annotated[Optional[str], typer.Option("--case", help="Write this case's one-page cheat sheet instead of a session.", show_default=False)] = None,
    no_plots: Annotated[bool, typer.Option("--no-plots", help="Do not draw lab plots (drawing may re-run a lab).")] = False,
    cases_dir: CasesDirOption = None,
) -> None:
    """Write a session as markdown notes, plots of its labs as PNG files beside them.

    The notes keep your answers as typed, each step's score, concepts hit (with your words) and missed (with why they matter), red flags, time used, follow-ups, clarifying questions and the labs you ran.

    With --case, write a case's one-page cheat sheet instead: key concepts, red flags, trade-offs, references.

    Files are written whole or not at all; an existing file is kept unless you pass --force.

    Examples: mlsd export · mlsd export 12 -o notes.md --with-model-answers · mlsd export --case ctr -o notes/
    """
    from mlsd.reports import export as exporter

    ctx = Context()
    to_stdout = output is not None and output == "-"
    out = None if to_stdout else output
    loaded = catalog(cases_dir, ctx)
    if case_id is not None:
        if session_ref is not None:
            raise UserError("give a session or --case, not both")
        case = loaded.case(case_id)
        done = exporter.export_cheatsheet(case, loaded.framework_for(case), out=out, to_stdout=to_stdout,
                                          template=template, with_model_answers=with_model_answers, force=force)
    else:
        store = open_store()
        try:
            session = exporter.resolve_session(store, session_ref)
            try:
                case = loaded.case(session.case_id)
                framework = loaded.framework_for(case)
            except (UnknownCase, KeyError):
                ctx.err_console.print(f"[yellow]case '{session.case_id}' is no longer available; "
                                      "the notes keep your answers and grades but not the questions[/]")
                case, framework = None, None
            with ctx.err_console.status("Writing notes…") as status:
                done = exporter.export_session(
                    store, session, case, framework, out=out, to_stdout=to_stdout, template=template,
                    with_model_answers=with_model_answers, plots=not no_plots,
                    on_plot=lambda lab: status.update(f"Drawing the plot of {lab['id']} (seed {lab['seed']})…"),
                    force=force,
                )
        finally:
            store.close()
    if done.path is None:
        typer.echo(done.markdown, nl=False)
        return
    for note in done.notes:
        ctx.err_console.print(f"[yellow]{note}[/]", highlight=False)
    plots = f" and {len(done.plots)} plot{'s' if len(done.plots) != 1 else ''} beside it" if done.plots else ""
    ctx.console.print(f"Wrote [bold]{done.path}[/]{plots}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("export")(export)
