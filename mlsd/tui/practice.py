"""The interactive practice loop, and its non-interactive twin for answer sheets."""

from __future__ import annotations

from rich.text import Text

from mlsd.context import Context
from mlsd.engine import SessionEngine
from mlsd.grader import Grade
from mlsd.render import render_grade, render_question, render_scorecard
from mlsd.schema import Framework
from mlsd.sheet import parse_sheet
from mlsd.tui.answer_input import COMMANDS_HELP, AnswerInterrupted, read_answer


class SessionQuit(Exception):
    """The user chose :quit; the session stays open for `mlsd resume`."""


def run_interactive(ctx: Context, engine: SessionEngine, start_index: int | None = None,
                    offer_labs: bool = True) -> float | None:
    """Walk the steps from the first open one; returns the total, or raises SessionQuit."""
    console = ctx.console
    steps = engine.steps
    index = engine.first_open_index() if start_index is None else start_index
    if index is None:
        index = len(steps)
    console.print(f"[dim]{COMMANDS_HELP}[/]\n")
    while index < len(steps):
        step = steps[index]
        render_question(console, index + 1, len(steps), step.title, engine.question(step.id), step.minutes)
        hints = engine.hints(step.id)
        shown = {"n": 0}

        def show_hint() -> None:
            if shown["n"] < len(hints):
                console.print(Text(f"hint {shown['n'] + 1}/{len(hints)}: {hints[shown['n']]}", style="yellow"))
                shown["n"] += 1
            else:
                console.print("[dim]No more hints for this step.[/]")

        draft = engine.draft(step.id)
        if draft:
            console.print(Text("Your unfinished answer was kept; carry on typing:", style="dim"))
            console.print(Text(draft))
        started = ctx.clock()
        try:
            outcome = read_answer(ctx, on_hint=show_hint, initial=draft,
                                  on_line=lambda text, s=step.id: engine.save_draft(s, text))
        except AnswerInterrupted as exc:
            engine.save_draft(step.id, exc.text)
            raise KeyboardInterrupt from None
        seconds = ctx.clock() - started
        if outcome.action == "quit":
            engine.save_draft(step.id, outcome.text)
            raise SessionQuit()
        if outcome.action == "back":
            engine.save_draft(step.id, outcome.text)
            index = max(0, index - 1)
            continue
        if outcome.action == "skip":
            engine.skip(step.id, seconds=seconds)
            console.print(f"[dim]Skipped {step.title}.[/]\n")
            index += 1
            continue
        result = engine.submit(step.id, outcome.text, seconds=seconds, extra={"hints_used": shown["n"]})
        render_grade(console, result, step.title)
        if offer_labs:
            _offer_labs(ctx, engine, step.id)
        index += 1
    total = engine.finish()
    render_scorecard(console, engine.case.title, engine.scorecard(), total)
    return total


def _offer_labs(ctx: Context, engine: SessionEngine, step_id: str) -> None:
    case_step = engine.case.steps.get(step_id)
    lab_ids = list(case_step.labs) if case_step else []
    if not lab_ids:
        return
    from mlsd.tui.labs import offer_labs  # imports the lab registry only when a step has labs

    offer_labs(ctx, engine, lab_ids)


def run_from_sheet(ctx: Context, engine: SessionEngine, framework: Framework, sheet_text: str,
                   source: str, quiet: bool = False) -> tuple[float, list[Grade]]:
    """Answer every step from a markdown sheet (for pipes, CI and --answers-file)."""
    answers = parse_sheet(sheet_text, framework, source)
    grades: list[Grade] = []
    for step in framework.steps:
        answer = answers.get(step.id)
        if answer is None or not answer.text.strip():
            engine.skip(step.id, kind="unanswered")
            continue
        result = engine.submit(step.id, answer.text)
        grades.append(result)
        if not quiet:
            render_grade(ctx.console, result, step.title)
    total = engine.finish()
    render_scorecard(ctx.console, engine.case.title, engine.scorecard(), total)
    return total, grades
