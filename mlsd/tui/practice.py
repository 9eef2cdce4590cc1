"""The interactive practice loop, and its non-interactive twin for answer sheets."""

from __future__ import annotations

from typing import Callable

from rich.text import Text

from mlsd.context import Context
from mlsd.engine import SessionEngine
from mlsd.grader import Grade
from mlsd.interviewer import answer_question, choose_follow_ups
from mlsd.render import fmt_score, listens_for, render_grade, render_question, render_scorecard, score_style
from mlsd.schema import Framework
from mlsd.sheet import parse_sheet
from mlsd.tui.answer_input import COMMANDS_HELP, AnswerInterrupted, read_answer


PRACTICE_HELP = ("'? question' asks the interviewer (scale, latency, base rates…)  ·  "
                 "'> reply' answers the interviewer's follow-up to the step before  ·  "
                 ":why explains the last grade  ·  :covered N marks its missed item N as covered")


class SessionQuit(Exception):
    """The user chose :quit; the session stays open for `mlsd resume`."""


class _Interviewer:
    """Clarifying questions and follow-ups in practice: untimed, and never in the way.

    A '?' line is answered from the case's facts and stored (questions count
    toward the requirements step). After a step's grade the interviewer asks
    one follow-up aimed at the heaviest concept the answer missed; the user
    may answer it with '>' lines at the next prompt, and the step is graded
    again with the reply, or just carry on.
    """

    def __init__(self, ctx: Context, engine: SessionEngine):
        self.ctx = ctx
        self.engine = engine
        self.step_id = ""  # the step being answered, for questions
        self.pending: tuple[str, str, str] | None = None  # (step id, step title, probe)
        self.last: tuple[str, str, Grade] | None = None  # the step graded last, for :why and :covered

    def commands(self) -> dict[str, Callable[[str], None]]:
        return {"?": self.ask, ">": self.reply, ":why": self.why, ":covered": self.covered}

    def graded(self, step_id: str, title: str, result: Grade) -> None:
        self.last = (step_id, title, result)

    def why(self, line: str) -> None:
        """`:why`: the last grade again, with what the grader listens for on each miss."""
        if self.last is None:
            self.ctx.console.print(Text("No step graded yet in this sitting; :why explains the last grade.",
                                        style="yellow"))
            return
        step_id, title, result = self.last
        render_grade(self.ctx.console, result, title, explain=True, listens_for=listens_for(self.engine.case, step_id))

    def covered(self, line: str) -> None:
        """`:covered N` (or a concept id): the grader missed something you did say."""
        console = self.ctx.console
        wanted = line.split(maxsplit=1)[1].strip() if " " in line.strip() else ""
        if self.last is None or not wanted:
            console.print(Text("Usage: ':covered N' after a grade, N being the number of a missed item (✗ N.).",
                               style="yellow"))
            return
        step_id, title, result = self.last
        try:
            label = self.engine.mark_covered(step_id, wanted)
        except KeyError:
            console.print(Text(f"{title} has no missed item {wanted!r}; numbers are those shown as ✗ N.",
                               style="yellow"))
            return
        concept_id = next((m.id for m in result.misses if m.label == label), None)
        if concept_id and concept_id not in result.self_assessed:
            result.self_assessed.append(concept_id)
        console.print(Text.assemble(("◐ ", "cyan"), (label, "bold"),
                                    (" marked covered (self-assessed): shown as such, left out of your review "
                                     "queue, and logged so the case's authors can fix the rubric.", "dim")))

    def ask(self, line: str) -> None:
        reply = answer_question(self.engine.case, line, list_topics=True)
        if reply.question:
            self.engine.add_question(self.step_id, reply.question, reply.to_extra())
        self.ctx.console.print(Text.assemble(("Interviewer: ", "bold magenta"), reply.text))

    def follow_up(self, step_id: str, title: str, result: Grade, last: bool) -> None:
        probes = choose_follow_ups(self.engine.case, step_id, result, limit=1)
        self.pending = None
        if not probes:
            return
        console = self.ctx.console
        console.print(Text.assemble(("Interviewer: ", "bold magenta"), probes[0].text))
        if last:
            console.print(Text("(the last step: think it through; `mlsd mock` makes you answer it)", style="dim"))
            return
        self.pending = (step_id, title, probes[0].text)
        console.print(Text(f"(optional: reply at the next prompt with '> …'; it is graded with {title})",
                           style="dim"))

    def reply(self, line: str) -> None:
        console = self.ctx.console
        text = line[1:].strip()
        if self.pending is None:
            console.print(Text("No follow-up is waiting; '>' answers the interviewer's follow-up.", style="yellow"))
            return
        if not text:
            console.print(Text("Write your reply after the '>', on one or more '>' lines.", style="yellow"))
            return
        step_id, title, probe = self.pending
        main, _ = self.engine.step_rows(step_id)
        before = main.score if main is not None else None
        hit_before = {h["id"] for h in (main.grade or {}).get("hit", [])} if main is not None else set()
        self.engine.add_followup(step_id, probe, text)
        result = self.engine.grade_step(step_id)
        if result is None:
            return
        self.last = (step_id, title, result)
        new = [h.label for h in result.hits if h.id not in hit_before]
        console.print(Text.assemble(
            (f"{title}: ", "bold"), (f"{fmt_score(before)} → ", "dim"),
            (fmt_score(result.score), f"bold {score_style(result.score)}"), " with your follow-up",
            (f"  ✓ {', '.join(new)}" if new else "", "green")))


def run_interactive(ctx: Context, engine: SessionEngine, start_index: int | None = None,
                    offer_labs: bool = True) -> float | None:
    """Walk the steps from the first open one; returns the total, or raises SessionQuit."""
    console = ctx.console
    steps = engine.steps
    index = engine.first_open_index() if start_index is None else start_index
    if index is None:
        index = len(steps)
    console.print(f"[dim]{COMMANDS_HELP}[/]")
    console.print(Text(PRACTICE_HELP, style="dim"))
    console.print()
    interviewer = _Interviewer(ctx, engine)
    while index < len(steps):
        step = steps[index]
        interviewer.step_id = step.id
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
                                  on_line=lambda text, s=step.id: engine.save_draft(s, text),
                                  extra_commands=interviewer.commands())
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
            interviewer.pending = None
            engine.skip(step.id, seconds=seconds)
            console.print(f"[dim]Skipped {step.title}.[/]\n")
            index += 1
            continue
        result = engine.submit(step.id, outcome.text, seconds=seconds, extra={"hints_used": shown["n"]})
        render_grade(console, result, step.title)
        interviewer.graded(step.id, step.title, result)
        interviewer.follow_up(step.id, step.title, result, last=index == len(steps) - 1)
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
