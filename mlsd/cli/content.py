"""`mlsd list`, `mlsd show`, `mlsd validate`: reading and checking content."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from mlsd.cli.complete import complete_case, complete_step
from mlsd.cli import screencache
from mlsd.cli.common import CasesDirOption, case_and_framework, case_summaries, open_store
from mlsd.session.context import Context
from mlsd.errors import ExitStatus, UserError


def list_cases(cases_dir: CasesDirOption = None) -> None:
    """List the cases with their difficulty and your best score.

    Example: mlsd list
    """
    ctx = Context()
    summaries = case_summaries(cases_dir, ctx)
    store = open_store()
    try:
        best = store.best_scores()
    finally:
        store.close()

    def render() -> None:
        from rich.table import Table
        from rich.text import Text

        from mlsd.reports.render import fmt_score, score_style

        table = Table(title="Cases", title_justify="left")
        table.add_column("id", style="bold cyan")
        table.add_column("title")
        table.add_column("difficulty")
        table.add_column("best", justify="right")
        for item in summaries:
            score = best.get(item.id)
            table.add_row(item.id, item.title, item.difficulty, Text(fmt_score(score), style=score_style(score)))
        ctx.console.print(table)
        ctx.console.print("[dim]Practise one with: mlsd practice CASE[/]")

    shown = [repr([(s.id, s.title, s.difficulty) for s in summaries]), repr(sorted(best.items()))]
    screencache.show(ctx.console, "list", shown, render)


def show(
    case_id: Annotated[str, typer.Argument(metavar="CASE", help="Case id, e.g. ctr.", autocompletion=complete_case)],
    step: Annotated[Optional[str], typer.Option("--step", help="Show one step (id, e.g. data) with its hints.", autocompletion=complete_step)] = None,
    answers: Annotated[bool, typer.Option("--answers", help="Include the model answers (spoilers).")] = False,
    markdown: Annotated[bool, typer.Option("--markdown", help="With --answers: print the model answers as an answer sheet for `mlsd grade`.")] = False,
    no_pager: Annotated[bool, typer.Option("--no-pager", help="Print straight to the terminal; by default output longer than the screen goes through $MLSD_PAGER, $PAGER or less, as in git.")] = False,
    cases_dir: CasesDirOption = None,
) -> None:
    """Print a case's prompt and its seven step questions, reflowed to the terminal's width.

    Examples: mlsd show ctr · mlsd show ctr --step data · mlsd show ctr --answers --markdown > sheet.md
    """
    ctx = Context()
    if markdown:
        if not answers:
            raise UserError("--markdown prints model answers; add --answers to confirm you want them")
        case, framework = _case_step(case_id, step, cases_dir, ctx, quiet=False)
        from mlsd.grader.sheet import render_sheet

        chosen = {s: case.steps[s].model_answer for s in framework.step_ids if step in (None, s)}
        typer.echo(render_sheet(chosen, framework, title=f"{case.title}: model answers"))
        return
    # the screen depends on the catalog's files (this case and its framework among them), the
    # arguments and the terminal: from the cache when none of them changed, without loading the case
    from mlsd.content.index import catalog_fingerprint

    def render() -> None:
        case, framework = _case_step(case_id, step, cases_dir, ctx, quiet=True)  # reported just below
        from mlsd.reports.render import render_case

        render_case(ctx.console, case, framework, step_id=step, answers=answers)

    fingerprint = catalog_fingerprint(cases_dir or [])
    known = {s.id for s in case_summaries(cases_dir, ctx, fingerprint)}  # the catalog's problems, reported as before
    if case_id not in known:
        render()  # raises the unknown case, with "did you mean"
    screencache.show(ctx.console, "show", [fingerprint, case_id, repr(step), repr(answers)], render,
                     page=not no_pager)


def _case_step(case_id: str, step: str | None, cases_dir, ctx: Context, quiet: bool):
    """The case and its framework; a step the framework lacks is a usage error with "did you mean"."""
    case, framework = case_and_framework(case_id, cases_dir, ctx, quiet=quiet)
    if step is not None and step not in framework.step_ids:
        from mlsd.errors import unknown_name

        raise UserError(unknown_name("step", step, framework.step_ids))
    return case, framework


def validate(
    targets: Annotated[Optional[list[Path]], typer.Argument(metavar="PATH", help="Case, framework or pitfall files or folders (default: the shipped ones).", show_default=False)] = None,
    schema: Annotated[bool, typer.Option("--schema", help="Print the JSON Schema of case files (for editors) and exit.")] = False,
) -> None:
    """Check case, framework and shared pitfall files; every problem as file:line: field: message.

    Exits 2 when any problem is found. Example: mlsd validate cases/my-case.yaml
    """
    if schema:
        import json

        from mlsd.content.schema import json_schema

        typer.echo(json.dumps(json_schema(), indent=2))
        return
    from mlsd import paths
    from mlsd.content.checks import lab_id_problems
    from mlsd.content.loader import validate_paths

    chosen = list(targets) if targets else [paths.shipped_frameworks_dir(), paths.shipped_cases_dir(),
                                            paths.shipped_pitfalls_dir()]
    checked, problems = validate_paths(chosen)
    problems = [str(p) for p in problems] + lab_id_problems(chosen)
    ctx = Context()
    for problem in problems:
        ctx.console.print(problem, highlight=False, markup=False, soft_wrap=True)
    if problems:
        ctx.err_console.print(f"[red]{len(problems)} problem(s)[/] in {checked} file(s)")
        raise typer.Exit(ExitStatus.USER_ERROR)
    ctx.console.print(f"[green]ok[/]: {checked} file(s) valid")


def register(app: typer.Typer) -> None:
    app.command("list")(list_cases)
    app.command("show")(show)
    app.command("validate")(validate)
