"""`mlsd grade CASE FILE [--json]`: grade an answer sheet written elsewhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlsd.cli.complete import complete_case
from mlsd.cli.common import CasesDirOption, LevelOption, case_and_framework, check_level
from mlsd.session.context import Context


MORE_HINT = "-v: your words as evidence, why each miss matters, the arithmetic"


def grade_command(
    case_id: Annotated[str, typer.Argument(metavar="CASE", help="Case id, e.g. ctr.", autocompletion=complete_case)],
    file: Annotated[Path, typer.Argument(metavar="ANSWERS.md", help="Markdown answer sheet, one '## step' heading per answer; '-' for stdin.")],
    level: LevelOption = "senior",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object and nothing else: case, level, total (0 to 1) and steps, each with its step, score, hit (id, evidence), missed (id, hint), red_flags and advice.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Full grades: your words quoted as evidence for each hit, why each miss matters, the arithmetic from points to percentage.")] = False,
    explain: Annotated[bool, typer.Option("--explain", help="Also show, for each missed concept, what the grader listens for (implies -v).")] = False,
    no_pager: Annotated[bool, typer.Option("--no-pager", help="Print straight to the terminal; by default output longer than the screen goes through $MLSD_PAGER, $PAGER or less, as in git.")] = False,
    cases_dir: CasesDirOption = None,
) -> None:
    """Grade an answer sheet; steps left out are graded as unanswered.

    Each grade leads with the score and what was missed (numbered, with their points), red flags
    with what to say instead, and the concepts hit; -v adds your words as evidence for each hit,
    why each miss matters, and the arithmetic from points to percentage.

    Examples: mlsd grade ctr answers.md · mlsd grade ctr answers.md -v · mlsd grade ctr answers.md --explain ·
    mlsd show ctr --answers --markdown | mlsd grade ctr - --json
    """
    ctx = Context()
    level = check_level(level)
    case, framework = case_and_framework(case_id, cases_dir, ctx)
    from mlsd.grader.gradesheet import grade_sheet
    from mlsd.grader.sheet import read_sheet

    text, source = read_sheet(file)

    report = grade_sheet(case, framework, text, level, source)
    if as_json:
        import json

        typer.echo(json.dumps(report.to_json(), ensure_ascii=False))
        return
    from mlsd.session.scorecard import ScoreRow
    from mlsd.reports.render import listens_for, paged, render_grade, render_scorecard

    rows = [ScoreRow(s.id, s.title, g.score if g.answered else None, "answered" if g.answered else "unanswered")
            for s, g in zip(framework.steps, report.grades)]
    with paged(ctx.console, enabled=not no_pager):
        for step, result in zip(framework.steps, report.grades):
            render_grade(ctx.console, result, step.title, explain=explain, listens_for=listens_for(case, step.id),
                         verbose=verbose, more_hint=None if verbose or explain else MORE_HINT)
        render_scorecard(ctx.console, case.title, rows, report.total)


def register(app: typer.Typer) -> None:
    app.command("grade")(grade_command)
