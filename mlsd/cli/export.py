"""`mlsd export`: a session's notes, or a case's cheat sheet, as markdown."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.text import Text

from mlsd.cli.complete import complete_case, complete_session
from mlsd.cli.common import CasesDirOption, catalog, open_store
from mlsd.session.context import Context
from mlsd.errors import UnknownCase, UserError


def export(
    session_ref: Annotated[Optional[str], typer.Argument(metavar="SESSION|last", help="Session number from `mlsd history`, or 'last' (the default).", show_default=False, autocompletion=complete_session)] = None,
    output: Annotated[Optional[str], typer.Option("--output", "-o", metavar="PATH", help="Write a markdown file (and plots beside it) instead of printing: a file, or a folder (existing, or with a trailing '/') to get mlsd-CASE-session-N.md in it. '-' is stdout.", show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file (or replace a symbolic link itself; its target is never written).")] = False,
    template: Annotated[Optional[Path], typer.Option("--template", "-t", help="Your own jinja2 template (start from a copy of the shipped one).", show_default=False)] = None,
    with_model_answers: Annotated[bool, typer.Option("--with-model-answers", help="Add each step's model answer.")] = False,
    case_id: Annotated[Optional[str], typer.Option("--case", help="Write this case's one-page cheat sheet instead of a session.", show_default=False, autocompletion=complete_case)] = None,
    plots: Annotated[Optional[bool], typer.Option("--plots/--no-plots", help="Draw the session's lab plots as PNG files beside the notes (the default with -o; needs -o and matplotlib; drawing may re-run a lab).", show_default=False)] = None,
    no_pager: Annotated[bool, typer.Option("--no-pager", help="Print straight to the terminal; by default notes printed on a terminal go through $MLSD_PAGER, $PAGER or less, as in git.")] = False,
    cases_dir: CasesDirOption = None,
) -> None:
    """Print a session as markdown notes, or write them to a file with -o (its lab plots as PNG files beside it).

    The notes keep your answers as typed, each step's score, concepts hit (with your words) and missed (with why they matter), red flags, time used, follow-ups, clarifying questions and the labs you ran.

    With --case, write a case's one-page cheat sheet instead: key concepts, red flags, trade-offs, references.

    The notes go to stdout, as `gh` and `llm logs` do: `mlsd export last > notes.md`, `mlsd export | less`. With -o, files are written whole or not at all; an existing file is kept unless you pass --force.

    Examples: mlsd export · mlsd export last | head -1 · mlsd export 12 -o notes.md --with-model-answers · mlsd export --case ctr -o notes/
    """
    from mlsd.reports import export as exporter

    ctx = Context()
    to_stdout = output is None or output == "-"
    out = None if to_stdout else output
    if to_stdout and plots:
        raise UserError("plots are files and need a file destination: add -o FILE and they are written beside it")
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
            draw = not to_stdout and plots is not False and bool(store.lab_runs(session.id))
            if draw:
                _require_matplotlib()
            with ctx.err_console.status("Writing notes…") if not to_stdout else nullcontext() as status:
                done = exporter.export_session(
                    store, session, case, framework, out=out, to_stdout=to_stdout, template=template,
                    with_model_answers=with_model_answers, plots=draw,
                    on_plot=lambda lab: status.update(f"Drawing the plot of {lab['id']} (seed {lab['seed']})…"),
                    force=force,
                )
        finally:
            store.close()
    if done.path is None:
        from mlsd.reports.render import page_text

        if not page_text(ctx.console, done.markdown, enabled=not no_pager):  # a pipe gets the text as it is
            typer.echo(done.markdown, nl=False)
        return
    for note in done.notes:
        ctx.err_console.print(Text(note, style="yellow"), highlight=False)  # Text: "[plots]" in a note is not markup
    beside = f" and {len(done.plots)} plot{'s' if len(done.plots) != 1 else ''} beside it" if done.plots else ""
    ctx.console.print(f"Wrote [bold]{done.path}[/]{beside}", highlight=False)


def _require_matplotlib() -> None:
    from mlsd.labs.plot import require_matplotlib

    try:
        require_matplotlib()
    except UserError as exc:
        raise UserError(f"{exc}; or export without them: --no-plots") from None


def register(app: typer.Typer) -> None:
    app.command("export")(export)
