"""Rich renderings shared by commands: questions, grades, scorecards, cases."""

from __future__ import annotations

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from mlsd.session.engine import ScoreRow
from mlsd.grader import Grade
from mlsd.content.schema import Case, Framework


def score_style(score: float | None) -> str:
    if score is None:
        return "dim"
    if score >= 0.75:
        return "green"
    if score >= 0.5:
        return "yellow"
    return "red"


def fmt_score(score: float | None) -> str:
    return "—" if score is None else f"{round(score * 100):d}%"


def render_question(console: Console, number: int, total: int, title: str, question: str,
                    minutes: float | None = None) -> None:
    subtitle = f"~{minutes:g} min" if minutes else None
    console.print(Panel(Text(question), title=f"Step {number}/{total} · {escape(title)}",
                        title_align="left", subtitle=subtitle, subtitle_align="right", border_style="cyan"))


def _points(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def score_line(result: Grade) -> Text:
    """How the percentage follows from the checklist: points, then each multiplier, penalty and cap."""
    text = Text("  = ", style="dim")
    for index, part in enumerate(result.breakdown):
        if index:
            text.append(" · ", style="dim")
        text.append(f"{part.detail} → {fmt_score(part.score)}", style="dim")
    return text


def render_grade(console: Console, result: Grade, title: str | None = None, *, explain: bool = False,
                 listens_for: dict[str, list[str]] | None = None) -> None:
    """Score, concepts hit (with evidence and points), missed (numbered, as hints), red flags with
    their fix, the arithmetic from checklist to score, and advice. With `explain`, each miss also
    shows what the grader listens for (`listens_for`: concept id -> phrasings)."""
    heading = Text.assemble(
        (f"{title or result.step}: ", "bold"),
        (fmt_score(result.score), f"bold {score_style(result.score)}"),
        (f"  ({result.level} bar)", "dim"),
    )
    parts: list = [heading]
    if not result.answered:
        expected = sum(1 for m in result.misses if m.expected)
        parts.append(Text(f"Unanswered: {expected} concepts expected at this level. "
                          f"See them with `mlsd show {result.case} --step {result.step}`.", style="dim"))
        console.print(Panel(Group(*parts), border_style="dim", padding=(0, 1)))
        return
    for hit in result.hits:
        parts.append(Text.assemble(("  ✓ ", "green"), (hit.label, "bold"), (f" +{_points(hit.points)}", "green"),
                                   (f"  “{hit.evidence}”", "dim")))
    for number, miss in enumerate(result.misses, start=1):
        if miss.id in result.self_assessed:
            parts.append(Text.assemble(("  ◐ ", "cyan"), (miss.label, ""),
                                       ("  covered, by your own assessment (not scored)", "dim")))
            continue
        tag = " (next level)" if not miss.expected else f" ({_points(miss.weight)} pts)"
        parts.append(Text.assemble(("  ✗ ", "red" if miss.expected else "yellow"), (f"{number}. ", "dim"),
                                   (miss.hint, ""), (tag, "dim"), (f"\n      why: {miss.why}", "dim")))
        if explain and listens_for and listens_for.get(miss.id):
            heard = ", ".join(f"“{p}”" for p in listens_for[miss.id][:6])
            parts.append(Text(f"      listens for: {heard} (words in any order, in one sentence)", style="dim"))
    for flag in result.red_flags:
        fix = f"\n      instead: {flag.fix}" if flag.fix else ""
        parts.append(Text.assemble(("  ⚑ ", "bold red"), (flag.claim, "red"), (f"  “{flag.evidence}”", "dim"),
                                   (f"\n      {flag.why} (−{round(flag.penalty * 100)} pts){fix}", "dim")))
    for note in result.notes:
        parts.append(Text(f"  ! {note}", style="yellow"))
    if result.breakdown:
        parts.append(score_line(result))
    parts.append(Text.assemble(("→ ", "bold cyan"), (result.advice, "")))
    console.print(Panel(Group(*parts), border_style=score_style(result.score), padding=(0, 1)))


def listens_for(case: Case, step_id: str) -> dict[str, list[str]]:
    """Concept id -> the phrasings the grader listens for, for `--explain` and `:why`."""
    return {c.id: list(c.phrasings) for c in case.steps[step_id].rubric.concepts}


def render_scorecard(console: Console, case_title: str, rows: list[ScoreRow], total: float,
                     show_time: bool = False) -> None:
    table = Table(title=f"Scorecard · {case_title}", title_justify="left")
    table.add_column("#", justify="right", style="dim")
    table.add_column("Step")
    table.add_column("Score", justify="right")
    table.add_column("Status", style="dim")
    if show_time:
        table.add_column("Time", justify="right")
    for number, row in enumerate(rows, start=1):
        cells = [str(number), row.title, Text(fmt_score(row.score), style=score_style(row.score)), row.status]
        if show_time:
            used = f"{(row.seconds or 0) / 60:.1f}" if row.seconds is not None else "—"
            cells.append(f"{used} / {row.budget_minutes:g} min" if row.budget_minutes else used)
        table.add_row(*cells)
    table.add_section()
    table.add_row("", Text("Total", style="bold"), Text(fmt_score(total), style=f"bold {score_style(total)}"), "")
    console.print(table)


def render_case(console: Console, case: Case, framework: Framework, *, step_id: str | None = None,
                answers: bool = False) -> None:
    """The prompt and each step's question; hints with --step; model answers only when asked."""
    if step_id is None:
        console.print(Panel(Text(case.prompt.strip()), title=f"{escape(case.title)} [dim]({case.id}, {case.difficulty})[/]",
                            title_align="left", border_style="cyan"))
    for number, step in enumerate(framework.steps, start=1):
        if step_id is not None and step.id != step_id:
            continue
        case_step = case.steps[step.id]
        console.print(Text.assemble((f"{number}. {step.title}", "bold"), (f"  [{step.id}]", "dim")))
        console.print(Text("   " + case_step.question.strip()))
        if step_id is not None:
            for index, hint in enumerate(case_step.hints, start=1):
                console.print(Text(f"   hint {index}: {hint}", style="yellow"))
            if case_step.labs:
                console.print(Text(f"   labs: {', '.join(case_step.labs)}", style="dim"))
        if answers:
            console.print(Panel(Text(case_step.model_answer.strip()), title="model answer", title_align="left",
                                border_style="green"))
        console.print()
