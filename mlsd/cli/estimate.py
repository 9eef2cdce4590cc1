"""`mlsd estimate`: back-of-envelope drills, answers with units.

Thin: questions, checking and the log live in mlsd.drills.estimate and mlsd.drills.estimate_log; pint is
imported only when an answer or a unit is read, never at `mlsd --help`.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.text import Text

from mlsd.cli.complete import complete_case
from mlsd.cli.common import CasesDirOption, catalog
from mlsd.session.context import Context
from mlsd.errors import UserError

if TYPE_CHECKING:
    from mlsd.content.schema import Case, Estimate

def estimate_command(
    case_id: Annotated[Optional[str], typer.Argument(metavar="CASE", help="Case id, e.g. ctr. Without it: the questions due for review.", show_default=False, autocompletion=complete_case)] = None,
    question_id: Annotated[Optional[str], typer.Argument(metavar="ID", help="One question (see --list).", show_default=False)] = None,
    answer: Annotated[Optional[list[str]], typer.Argument(metavar="ANSWER", help="Your number with its unit, e.g. '24k/s', '64 GB', '360 cores' (quotes optional).", show_default=False)] = None,
    list_only: Annotated[bool, typer.Option("--list", help="List the questions (id, step, unit) and stop.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="With --list or ID ANSWER: print JSON and nothing else.")] = False,
    cases_dir: CasesDirOption = None,
) -> None:
    """Back-of-envelope drills: peak QPS, memory, storage and machines from the case's own facts.

    Type a number with its unit ("1.2M qps", "1,200,000/s", "35 GB", "3.5e10 bytes", "40 cores"): you get right (within the question's factor, usually 2), off by a factor N, or wrong unit, then the worked chain. In a drill, '?' gives a hint, ':skip' shows the chain and moves on, ':quit' stops. Missed questions come back in `mlsd review` and `mlsd estimate` (no case); accuracy over time is in `mlsd stats`.

    Examples: mlsd estimate ctr · mlsd estimate ctr --list --json · mlsd estimate ctr ad-query-peak-qps 24k/s --json · mlsd estimate
    """
    ctx = Context()
    loaded = catalog(cases_dir, ctx, quiet=as_json)
    typed = " ".join(answer or []).strip()
    if case_id is None:
        if list_only:
            _list(ctx, [item.case for _, item in sorted(loaded.cases.items())], as_json)
            return
        if as_json or question_id:
            raise UserError("name a case: mlsd estimate CASE ID ANSWER --json (see `mlsd estimate --help`)")
        _due_drill(ctx, {cid: item.case for cid, item in loaded.cases.items()})
        return
    case = loaded.case(case_id)
    if not case.estimates:
        raise UserError(f"case '{case.id}' has no estimation questions yet")
    if list_only:
        if question_id or typed:
            raise UserError("--list takes only a CASE")
        _list(ctx, [case], as_json)
        return
    if question_id is None:
        if as_json:
            raise UserError("--json needs --list, or a question ID and your ANSWER")
        _drill(ctx, case, list(case.estimates))
        return
    estimate = _question(case, question_id)
    if not typed:
        if as_json:
            raise UserError(f"--json needs your ANSWER after the question id, e.g. "
                            f"mlsd estimate {case.id} {estimate.id} 24k/s --json")
        _drill(ctx, case, [estimate])
        return
    from mlsd.drills import estimate_log
    from mlsd.drills.estimate import check

    result = check(estimate, typed, case.id)  # unreadable or unit-less: EstimateError, one line, exit 2
    estimate_log.record(result)
    if as_json:
        typer.echo(json.dumps(result.to_json(), ensure_ascii=False))
        return
    from mlsd.tui.estimate import show_result

    show_result(ctx, result, estimate)


def _question(case: "Case", question_id: str) -> "Estimate":
    try:
        return case.estimate(question_id)
    except KeyError:
        from mlsd.errors import did_you_mean

        known = [e.id for e in case.estimates]
        close = did_you_mean(question_id, known)
        hint = f"did you mean '{close}'?" if close else f"questions: {', '.join(known)}"
        raise UserError(f"case '{case.id}' has no question '{question_id}'; {hint}") from None


def _list(ctx: Context, cases: list["Case"], as_json: bool) -> None:
    from mlsd.drills.estimate import unit_label

    rows = [{"case": case.id, "id": e.id, "step": e.step, "question": " ".join(e.question.split()),
             "unit": e.unit, "unit_label": unit_label(e), "facts": list(e.facts), "tolerance": e.tolerance}
            for case in cases for e in case.estimates]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    from rich.table import Table

    table = Table(title="Estimation questions", title_justify="left")
    for column in ("case", "id", "step", "question", "unit"):
        table.add_column(column, style="bold cyan" if column == "id" else None, no_wrap=column in ("id", "case"))
    for row in rows:
        table.add_row(row["case"], row["id"], row["step"], row["question"], row["unit_label"])
    ctx.console.print(table)
    if rows:
        ctx.console.print(f"[dim]Drill them with: mlsd estimate {rows[0]['case']}[/]")


def _drill(ctx: Context, case: "Case", questions: list["Estimate"]) -> None:
    """Ask each question in turn; every checked answer is logged at once."""
    from mlsd.drills.estimate import example, unit_label
    from mlsd.tui.estimate import EstimateQuit, ask, facts_for

    console = ctx.console
    console.print(Text.assemble((case.title, "bold"), (f"  back-of-envelope drill · {len(questions)} question"
                                                      f"{'s' if len(questions) != 1 else ''} · '?' hint, ':skip', "
                                                      "':quit'", "dim")))
    right = answered = 0
    for number, estimate in enumerate(questions, start=1):
        console.print()
        console.print(Text.assemble((f"{number}/{len(questions)} ", "bold cyan"), (estimate.id, "dim")))
        console.print(Text(" ".join(estimate.question.split()), style="bold"))
        for fact in facts_for(case, estimate):
            console.print(Text.assemble(("  Interviewer: ", "cyan"), (fact, "")))
        console.print(Text(f"  answer in {unit_label(estimate)}, e.g. {example(estimate.unit)}", style="dim"))
        try:
            result = ask(ctx, case, estimate)
        except EstimateQuit:
            _summary(ctx, right, answered, stopped=True)
            return
        if result is not None:
            answered += 1
            right += 1 if result.correct else 0
    _summary(ctx, right, answered, stopped=False)


def _summary(ctx: Context, right: int, answered: int, stopped: bool) -> None:
    console = ctx.console
    console.print()
    if not answered:
        console.print("[dim]No answers checked." + (" Start again with the same command." if stopped else "") + "[/]")
        return
    console.print(Text.assemble((f"{right} of {answered} right.", "bold"), (" (stopped early)" if stopped else "", "dim")))
    console.print(Text("Missed questions come back in `mlsd review`; accuracy over time is in `mlsd stats`.",
                       style="dim"))


def _due_drill(ctx: Context, cases: dict[str, "Case"]) -> None:
    """No case named: drill the estimation questions due for review, else say where to start."""
    from mlsd.drills import estimate_log
    from mlsd.reports.review import estimate_queue

    now = datetime.now(timezone.utc)
    queue = [item for item in estimate_queue(estimate_log.attempts(), now) if item.case_id in cases]
    due = [item for item in queue if item.is_due(now)]
    if not due:
        with_questions = sorted(cid for cid, case in cases.items() if case.estimates)
        if queue:
            ctx.console.print("No estimation question is due for review.")
        ctx.console.print("Pick a case: " + ", ".join(f"mlsd estimate {cid}" for cid in with_questions[:5]))
        return
    case_id = due[0].case_id
    case = cases[case_id]
    ids = [item.estimate_id for item in due if item.case_id == case_id]
    questions = [e for e in case.estimates if e.id in ids]
    questions.sort(key=lambda e: ids.index(e.id))
    ctx.console.print(Text(f"{len(due)} estimation question{'s' if len(due) != 1 else ''} due; starting with "
                           f"{case_id}", style="dim"))
    _drill(ctx, case, questions)


def register(app: typer.Typer) -> None:
    app.command("estimate")(estimate_command)
