"""`mlsd stats` and `mlsd review`: where you stand, and what to practise next."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table
from rich.text import Text

from mlsd.cli.complete import complete_case, complete_level
from mlsd.cli.common import CasesDirOption, catalog, check_level, open_store
from mlsd.session.context import Context
from mlsd.content.levels import LEVELS

NO_SESSIONS = "No sessions yet. Start one with: mlsd practice ctr"


def _pts(change: float | None) -> str:
    if change is None:
        return "—"
    points = round(change * 100)
    return f"{points:+d} pts" if points else "±0"


def _date(ts: float | datetime | None) -> str:
    """`12-01` this year, `2025-12-01` before: short enough for an 80-column table."""
    if ts is None:
        return "—"
    moment = (ts if isinstance(ts, datetime) else datetime.fromtimestamp(ts, tz=timezone.utc)).astimezone()
    return moment.strftime("%m-%d") if moment.year == datetime.now().astimezone().year else moment.strftime("%Y-%m-%d")


def _concept_table(title: str, **kwargs) -> Table:
    """Concept | where (case over step) | the rest: only the concept column wraps, so at 80 columns
    no case or step id is cut."""
    table = Table(title=title, title_justify="left", **kwargs)
    table.add_column("concept", ratio=1)
    table.add_column("case · step", no_wrap=True)
    return table


def _where(case_id: str, step: str) -> Text:
    return Text.assemble((case_id, "cyan"), "\n", step)


# ------------------------------------------------------------------ stats


def stats(
    case: Annotated[Optional[str], typer.Option("--case", help="Only this case.", show_default=False, autocompletion=complete_case)] = None,
    top: Annotated[int, typer.Option("--top", "-n", min=1, help="How many missed concepts to list.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object and nothing else.")] = False,
    cases_dir: CasesDirOption = None,
) -> None:
    """Where you stand: scores over time per case and step, weakest steps, concepts you miss most.

    Trends read left to right, oldest to newest, on a fixed 0-100% scale. Graded answer sheets (`mlsd grade`) are left out; review drills count for steps and concepts, not for case totals.

    Examples: mlsd stats · mlsd stats --case ctr · mlsd stats --json
    """
    from mlsd.reports.progress import compute_progress
    from mlsd.reports.render import fmt_score, score_style

    ctx = Context()
    loaded = catalog(cases_dir, ctx, quiet=as_json)
    store = open_store()
    try:
        progress = compute_progress(store, loaded, case_id=case, top=top)
    finally:
        store.close()
    empty = not progress.attempts and not progress.cases
    if empty and case is not None and case not in loaded.cases:
        loaded.case(case)  # a typo: unknown case, exit 2
    if as_json:
        typer.echo(json.dumps(progress.to_json()))
        return
    console = ctx.console
    if empty and progress.estimates.attempts:
        _estimate_stats(console, progress.estimates)
        return
    if empty:
        console.print(NO_SESSIONS if case is None else f"No sessions of '{case}' yet. Start one with: mlsd practice {case}")
        return
    from mlsd.reports.progress import bar, sparkline

    scope = f" of {case}" if case else ""
    console.print(f"[bold]Progress{scope}[/]: {progress.sessions} session{'s' if progress.sessions != 1 else ''}, "
                  f"{progress.attempts} step attempt{'s' if progress.attempts != 1 else ''}")
    console.print()
    if progress.cases:
        wide = console.width >= 100  # at 80 columns the case id stands for its title
        table = Table(title="By case (finished sessions)", title_justify="left")
        table.add_column("case", style="bold cyan", no_wrap=True)
        if wide:
            table.add_column("title")
        table.add_column("runs", justify="right")
        table.add_column("best", justify="right")
        table.add_column("last", justify="right")
        table.add_column("trend", no_wrap=True)
        table.add_column("change", justify="right")
        for row in progress.cases:
            cells = [row.case_id, row.title] if wide else [row.case_id]
            table.add_row(*cells, str(row.sessions), Text(fmt_score(row.best), style=score_style(row.best)),
                          Text(fmt_score(row.last), style=score_style(row.last)),
                          Text(sparkline(row.totals), style=score_style(row.last)), _pts(row.change))
        console.print(table)
        console.print()
    if progress.steps:
        table = Table(title="By step (every attempt)", title_justify="left")
        table.add_column("step")
        table.add_column("tries", justify="right")
        table.add_column("recent", no_wrap=True)
        table.add_column("", justify="right")
        table.add_column("trend", no_wrap=True)
        for row in progress.steps:
            style = score_style(row.recent)
            table.add_row(row.title, str(row.attempts), Text(bar(row.recent, 20).ljust(20), style=style),
                          Text(fmt_score(row.recent), style=style), Text(sparkline(row.scores), style=style))
        console.print(table)
        console.print(Text("recent = your last 5 attempts of the step", style="dim"))
    if progress.weakest:
        line = Text("Weakest steps: ", style="bold")
        for index, row in enumerate(progress.weakest):
            if index:
                line.append(" · ")
            line.append(f"{row.title} ", style="")
            line.append(fmt_score(row.recent), style=score_style(row.recent))
        console.print()
        console.print(line)
    if progress.concepts:
        table = _concept_table("Concepts missed most often")
        table.add_column("missed", justify="right", no_wrap=True)
        table.add_column("last", no_wrap=True)
        for row in progress.concepts:
            table.add_row(row.label, _where(row.case_id, row.step), f"{row.missed} of {row.seen}",
                          _date(row.last_missed))
        console.print()
        console.print(table)
        console.print(Text("Practise them with: mlsd review", style="dim"))
    if progress.estimates.attempts:
        _estimate_stats(console, progress.estimates)


def _estimate_stats(console, estimates) -> None:
    """Back-of-envelope accuracy (`mlsd estimate`): overall, recent, per day, per case, most missed."""
    from mlsd.reports.progress import sparkline
    from mlsd.reports.render import fmt_score, score_style

    console.print()
    line = Text.assemble(("Estimation: ", "bold"), f"{estimates.right} of {estimates.attempts} right ",
                         (fmt_score(estimates.accuracy), score_style(estimates.accuracy)),
                         "  · last 10: ", (fmt_score(estimates.recent), score_style(estimates.recent)))
    if len(estimates.days) > 1:
        line.append("  · by day ")
        line.append(sparkline(estimates.daily), style=score_style(estimates.recent))
    console.print(line)
    per_case = " · ".join(f"{cid} {right}/{count}" for cid, (count, right) in sorted(estimates.cases.items()))
    console.print(Text(f"  by case: {per_case}", style="dim"))
    if estimates.missed:
        missed = " · ".join(f"{s.case_id} {s.estimate_id} ({s.missed} of {s.tries})" for s in estimates.missed)
        console.print(Text(f"  missed most: {missed}", style="dim"))
        console.print(Text("  Drill the ones due with: mlsd estimate", style="dim"))


# ------------------------------------------------------------------ review


def _items_table(title: str, items, now: datetime, limit: int = 8) -> Table:
    from mlsd.reports.review import describe_due

    more = len(items) - limit
    table = _concept_table(title, caption=f"and {more} more" if more > 0 else None, caption_justify="left")
    table.add_column("missed", justify="right", no_wrap=True)
    table.add_column("last", no_wrap=True)
    table.add_column("next review", no_wrap=True)
    for item in items[:limit]:
        table.add_row(item.label, _where(item.case_id, item.step), f"{item.misses} of {item.reviews}",
                      _date(item.last_missed), describe_due(item.due, now))
    return table


def review(
    case: Annotated[Optional[str], typer.Option("--case", help="Only concepts of this case.", show_default=False, autocompletion=complete_case)] = None,
    steps: Annotated[int, typer.Option("--steps", min=1, max=7, help="Steps in the drill.")] = 2,
    plan_only: Annotated[bool, typer.Option("--plan", help="Show what is due and the drill it would start, then stop.")] = False,
    ahead: Annotated[bool, typer.Option("--ahead", help="When nothing is due, drill the soonest concepts anyway.")] = False,
    level: Annotated[Optional[str], typer.Option("--level", "-L", help=f"The bar for the drill ({', '.join(LEVELS)}); default: your last level for the case.", show_default=False, autocompletion=complete_level)] = None,
    answers_file: Annotated[Optional[Path], typer.Option("--answers-file", "-f", help="Answer from a markdown sheet instead of the keyboard ('-' for stdin).", show_default=False)] = None,
    no_labs: Annotated[bool, typer.Option("--no-labs", help="Do not offer a step's labs after its grade.")] = False,
    cases_dir: CasesDirOption = None,
) -> None:
    """Practise what you miss: a short drill on the steps whose concepts are due for review.

    Every concept you have missed is scheduled by spaced repetition (FSRS): a miss brings it back within a day or two, each further miss sooner, and each time you show it the gap grows. The drill takes the case with the most urgent concepts and asks up to --steps of its steps.

    Examples: mlsd review · mlsd review --plan · mlsd review --case ctr --steps 1
    """
    from mlsd.reports.progress import step_attempts
    from mlsd.reports.review import next_due, plan_drill, review_queue

    ctx = Context()
    console = ctx.console
    if level is not None:
        level = check_level(level)
    loaded = catalog(cases_dir, ctx)
    if case is not None:
        loaded.case(case)  # unknown case: one clear error
    cases = {cid: item.case for cid, item in loaded.cases.items()}
    now = datetime.now(timezone.utc)
    _estimates_due(console, cases, now, case)
    store = open_store()
    try:
        attempts = [a for a in step_attempts(store, cases) if a.case_id in cases]
        if not attempts:
            console.print(NO_SESSIONS)
            return
        labels = {(cid, sid, c.id): c.label for cid, item in cases.items()
                  for sid, cstep in item.steps.items() for c in cstep.rubric.concepts}
        queue = review_queue(attempts, now, labels)
        if case is not None:
            queue = [i for i in queue if i.case_id == case]
        if not queue:
            where = f" in {case}" if case else ""
            console.print(f"Nothing to review{where}: you have not missed a concept yet. "
                          "Try a harder bar: mlsd practice CASE --level staff")
            return
        plan = plan_drill(queue, now, case_id=case, max_steps=steps, ahead=ahead)
        if plan is None:
            soon = next_due(queue)
            console.print(f"Nothing is due for review. The next concept comes back on {_date(soon)}.")
            console.print(_items_table("Coming up", queue[:5], now))
            console.print(Text("Drill them now anyway with: mlsd review --ahead", style="dim"))
            return
        due_count = sum(1 for i in queue if i.is_due(now))
        title = "Coming up soonest (nothing is due yet)" if plan.ahead else f"Due for review ({due_count} concept{'s' if due_count != 1 else ''})"
        console.print(_items_table(title, plan.items, now))
        drill_case = loaded.case(plan.case_id)
        framework = loaded.framework_for(drill_case)
        chosen = [s for s in framework.steps if s.id in plan.step_ids]
        step_names = ", ".join(s.title for s in chosen)
        if plan_only:
            console.print(f"Next drill: [bold]{drill_case.title}[/] · {step_names}")
            command = "mlsd review" + (f" --case {case}" if case else "") + (f" --steps {steps}" if steps != 2 else "")
            console.print(Text("Start it with: " + command + (" --ahead" if plan.ahead else ""), style="dim"))
            return
        if level is None:
            recent = store.sessions(case_id=plan.case_id, limit=1)
            level = recent[0].level if recent else "senior"
        _drill(ctx, store, drill_case, framework, plan, level, answers_file, no_labs)
    finally:
        store.close()


def _estimates_due(console, cases: dict, now: datetime, case_id: str | None) -> None:
    """One line when estimation questions you missed are due again (they are drilled by `mlsd estimate`)."""
    from mlsd.drills import estimate_log
    from mlsd.reports.review import estimate_queue

    due = [i for i in estimate_queue(estimate_log.attempts(case_id), now) if i.case_id in cases and i.is_due(now)]
    if due:
        names = ", ".join(f"{i.case_id} {i.estimate_id}" for i in due[:3]) + (" …" if len(due) > 3 else "")
        console.print(Text.assemble((f"{len(due)} estimation question{'s' if len(due) != 1 else ''} due: ", "bold"),
                                    names, (" · drill them with: mlsd estimate", "dim")))


def _drill(ctx: Context, store, case, framework, plan, level: str, answers_file: Path | None, no_labs: bool) -> None:
    """Run the drill session (interactive, or from an answer sheet) and report the concepts it was for."""
    from mlsd.cli.practice import read_sheet_source
    from mlsd.session.engine import SessionEngine
    from mlsd.tui.practice import SessionQuit, run_from_sheet, run_interactive

    console = ctx.console
    sheet = read_sheet_source(answers_file, ctx)
    concepts = [{"step": i.step, "concept": i.concept_id} for i in plan.items]
    if sheet is not None:
        from mlsd.grader.sheet import parse_sheet

        only = framework.model_copy(update={"steps": [s for s in framework.steps if s.id in plan.step_ids]})
        parse_sheet(sheet[0], only, sheet[1])  # fail before creating a session
    engine = SessionEngine.start(store, case, framework, level=level, mode="review", step_ids=plan.step_ids,
                                 meta={"review": concepts, **({"source": sheet[1]} if sheet else {})})
    titles = ", ".join(s.title for s in engine.steps)
    console.print(f"[bold]{case.title}[/]  [dim]review drill {engine.id} · {level} bar · {titles}[/]")
    try:
        if sheet is not None:
            only = framework.model_copy(update={"steps": engine.steps})
            run_from_sheet(ctx, engine, only, sheet[0], sheet[1], quiet=True)
        else:
            console.print(case.prompt.strip(), highlight=False)
            console.print()
            run_interactive(ctx, engine, offer_labs=not no_labs)
    except SessionQuit:
        console.print(f"[dim]Drill {engine.id} saved. Continue with: mlsd resume {engine.id}[/]")
        return
    shown, missing = drill_outcome(store, engine.id, plan)
    console.print()
    if shown:
        console.print(Text.assemble(("✓ shown: ", "bold green"), " · ".join(shown)))
    if missing:
        console.print(Text.assemble(("✗ still missing: ", "bold red"), " · ".join(missing[:6]),
                                    (f" … and {len(missing) - 6} more" if len(missing) > 6 else "", "dim")))
    console.print(Text("Shown concepts come back later, missed ones sooner. See where you stand: mlsd stats",
                       style="dim"))


def drill_outcome(store, session_id: int, plan) -> tuple[list[str], list[str]]:
    """Labels of the drill's concepts the answers showed, and of those still missing."""
    latest = store.latest_answers(session_id)
    shown: list[str] = []
    missing: list[str] = []
    for item in plan.items:
        row = latest.get(item.step)
        hit = bool(row and row.grade and any(h["id"] == item.concept_id for h in row.grade.get("hit", [])))
        (shown if hit else missing).append(item.label)
    return shown, missing


def register(app: typer.Typer) -> None:
    app.command("stats")(stats)
    app.command("review")(review)
