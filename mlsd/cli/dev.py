"""`mlsd dev check`: lint shipped (or given) cases as CI does."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table
from rich.text import Text

from mlsd.cli.complete import complete_case, complete_level
from mlsd.session.context import Context
from mlsd.errors import ExitStatus

dev_app = typer.Typer(help="Tools for case authors.", no_args_is_help=True)


@dev_app.command("check")
def check(
    targets: Annotated[Optional[list[Path]], typer.Argument(metavar="PATH", help="Case files (default: all shipped cases).", show_default=False)] = None,
    level: Annotated[str, typer.Option("--level", help="Level the model answers are graded at.", autocompletion=complete_level)] = "senior",
) -> None:
    """Schema, labs, teaching content and grader agreement for every case.

    Fails (exit 2) when a model answer grades below 0.85 on its own step, when an
    empty or one-sentence answer grades high, or when a step lacks hints,
    follow-ups, red flags or concepts at every level. Example: mlsd dev check cases/ctr.yaml
    """
    from mlsd import paths
    from mlsd.cli.common import check_level
    from mlsd.content.checks import check_case, lab_id_problems
    from mlsd.content.loader import check_case_file, load_frameworks

    level = check_level(level)
    ctx = Context()
    files = list(targets) if targets else sorted(paths.shipped_cases_dir().glob("*.yaml"))
    frameworks, problems = load_frameworks()
    failures = [str(p) for p in problems] + lab_id_problems(files)
    table = Table(title="Model answer vs grader", title_justify="left")
    for column in ("case", "step", "model", "1 sentence", "problems"):
        table.add_column(column, justify="right" if column in ("model", "1 sentence") else "left")
    for path in files:
        case, found = check_case_file(path, frameworks)
        failures += [str(p) for p in found]
        if case is None:
            continue
        for row in check_case(case, level):
            style = "red" if row.problems else "green"
            table.add_row(row.case, row.step, Text(f"{row.model_score:.2f}", style=style),
                          f"{row.one_sentence_score:.2f}", "; ".join(row.problems))
            failures += [f"{path}: steps.{row.step}: {p}" for p in row.problems]
    ctx.console.print(table)
    if failures:
        for failure in failures:
            ctx.console.print(failure, markup=False, highlight=False, soft_wrap=True)
        ctx.err_console.print(f"[red]{len(failures)} problem(s)[/]")
        raise typer.Exit(ExitStatus.USER_ERROR)
    ctx.console.print("[green]ok[/]: every case passes")


@dev_app.command("disputes")
def disputes(
    case_id: Annotated[Optional[str], typer.Option("--case", metavar="CASE", help="Only this case.", autocompletion=complete_case)] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many concepts (and red flags) to list.")] = 20,
) -> None:
    """Concepts users marked covered after the grader missed them (`:covered` in practice), and red
    flags they said misread them (`:notwrong`), most disputed first: where a rubric's phrasings most
    need work. Example: mlsd dev disputes --case ctr
    """
    from datetime import datetime

    from mlsd.cli.common import open_store

    ctx = Context()
    store = open_store()
    concepts = store.dispute_counts(case_id)[:limit]
    flags = store.dispute_counts(case_id, kind="flag")[:limit]
    if not concepts and not flags and case_id is not None:
        from mlsd.cli.common import check_case_id

        check_case_id(case_id)
    if not concepts and not flags:
        ctx.console.print("No disputes yet: in practice, ':covered N' after a grade marks missed item N as covered, "
                          "and ':notwrong N' disputes red flag N.")
        return
    labels = {}
    try:
        from mlsd.content import pitfalls
        from mlsd.content.loader import load_catalog
        from mlsd.grader import claim_model

        for loaded in load_catalog().cases.values():
            for step_id, step in loaded.case.steps.items():
                labels.update({(loaded.case.id, step_id, c.id): c.label for c in step.rubric.concepts})
                for flag in pitfalls.for_step(step.rubric, step_id):
                    for flag_id in (flag.id, claim_model.PREFIX + flag.id):
                        labels[(loaded.case.id, step_id, flag_id)] = flag.claim
    except Exception:  # labels are a nicety; a broken user case must not hide the list
        pass
    for title, column, rows in (("Disputed concepts", "concept", concepts), ("Disputed red flags", "red flag", flags)):
        if not rows:
            continue
        table = Table(title=title, title_justify="left")
        for name in ("case", "step", column, "times", "last"):
            table.add_column(name, justify="right" if name == "times" else "left")
        for case, step, item, count, last in rows:
            name = labels.get((case, step, item), item)
            table.add_row(case, step, f"{name} [dim]({item})[/]", str(count),
                          datetime.fromtimestamp(last).strftime("%Y-%m-%d"))
        ctx.console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(dev_app, name="dev")
