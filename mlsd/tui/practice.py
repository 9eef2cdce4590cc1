"""The interactive practice loop, and its non-interactive twin for answer sheets."""

from __future__ import annotations

from typing import Callable

from rich.text import Text

from mlsd.session.context import Context
from mlsd.session.engine import SessionEngine
from mlsd.grader import Grade
from mlsd.session.interviewer import answer_question, choose_follow_ups
from mlsd.reports.render import (fmt_score, hanging, listens_for, prose, reflow, render_grade, render_question,
                                 render_scorecard, score_style)
from mlsd.content.schema import Framework
from mlsd.grader.sheet import parse_sheet
from mlsd.tui.answer_input import COMMANDS_HELP, EDITING_HELP, AnswerInterrupted, read_answer
from mlsd.tui.signals import held, terminate_as_interrupt


PRACTICE_HELP = ("'? question' asks the interviewer  ·  a follow-up after a grade: reply and '.', or '.' "
                 "alone  ·  :more shows the last grade in full  ·  :why explains it  ·  :covered N marks its "
                 "missed item N as said  ·  :notwrong N disputes its red flag ⚑ N")
MORE_HINT = ":more: your words as evidence, why each miss matters, the arithmetic"


class SessionQuit(Exception):
    """The user chose :quit; the session stays open for `mlsd resume`."""


class _Interviewer:
    """Clarifying questions and follow-ups in practice: untimed, and never in the way.

    A '?' line is answered from the case's facts and stored (questions count
    toward the requirements step). After a step's grade the interviewer may
    ask one follow-up aimed at the heaviest concept the answer missed; the
    user replies at once (finished with '.', like any answer) or passes with
    '.' alone, and the step is graded again with the reply.
    """

    def __init__(self, ctx: Context, engine: SessionEngine):
        self.ctx = ctx
        self.engine = engine
        self.step_id = ""  # the step being answered, for questions
        self.last: tuple[str, str, Grade] | None = None  # the step graded last, for :why and :covered

    def commands(self) -> dict[str, Callable[[str], None]]:
        return {"?": self.ask, ">": self.reply_too_late, ":why": self.why, ":more": self.more,
                ":covered": self.covered, ":notwrong": self.not_wrong}

    def graded(self, step_id: str, title: str, result: Grade) -> None:
        self.last = (step_id, title, result)

    def more(self, line: str) -> None:
        """`:more`: the last grade in full (evidence for each hit, why each miss matters, the arithmetic)."""
        if self.last is None:
            self.ctx.console.print(Text("No step graded yet in this sitting; :more shows the last grade in full.",
                                        style="yellow"))
            return
        _, title, result = self.last
        render_grade(self.ctx.console, result, title, verbose=True)

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
        self._overrule(line, self.engine.mark_covered, lambda result: result.self_assessed,
                       usage="Usage: ':covered N' after a grade, N being the number of a missed item (✗ N.).",
                       missing="{title} has no missed item {wanted!r}; numbers are those shown as ✗ N.",
                       done=" marked covered (self-assessed): shown as such, left out of your review queue, and "
                            "logged so the case's authors can fix the rubric.")

    def not_wrong(self, line: str) -> None:
        """`:notwrong N` (or a flag id): a red flag misread what you said."""
        self._overrule(line, self.engine.dispute_flag, lambda result: result.disputed,
                       usage="Usage: ':notwrong N' after a grade, N being the number of a red flag (⚑ N.).",
                       missing="{title} raised no red flag {wanted!r}; numbers are those shown as ⚑ N.",
                       done=" disputed: shown as such (the score stays as graded), and logged so the case's "
                            "authors can fix the flag.")

    def _overrule(self, line: str, mark: Callable[[str, str], tuple[str, str]],
                  marked: Callable[[Grade], list[str]], *, usage: str, missing: str, done: str) -> None:
        """The user says the last grade got one item wrong: store it (`mark` returns its id and
        name), show it on the grade kept for :more and :why (`marked`), and confirm."""
        console = self.ctx.console
        wanted = line.split(maxsplit=1)[1].strip() if " " in line.strip() else ""
        if self.last is None or not wanted:
            console.print(Text(usage, style="yellow"))
            return
        step_id, title, result = self.last
        try:
            item_id, name = mark(step_id, wanted)
        except KeyError:
            console.print(Text(missing.format(title=title, wanted=wanted), style="yellow"))
            return
        if item_id not in marked(result):
            marked(result).append(item_id)
        console.print(Text.assemble(("◐ ", "cyan"), (name, "bold"), (done, "dim")))

    def ask(self, line: str) -> None:
        reply = answer_question(self.engine.case, line, list_topics=True)
        if reply.question:
            self.engine.add_question(self.step_id, reply.question, reply.to_extra())
        self.ctx.console.print(hanging(Text("Interviewer: ", style="bold magenta"), prose(reply.text)))

    def reply_too_late(self, line: str) -> None:
        self.ctx.console.print(Text("No follow-up is waiting: the interviewer's follow-ups are answered right "
                                    "after the grade. This line was not kept as answer text; type it without "
                                    "the '>' to add it to this answer.", style="yellow"))

    def follow_up(self, step_id: str, title: str, result: Grade, on_hint: Callable[[], None]) -> None:
        """Ask one follow-up on the step just graded and read the reply (or a pass) at once."""
        asked = {row.extra.get("question") for row in self.engine.store.answers(self.engine.id)
                 if row.step == step_id and row.kind == "followup"}
        probes = [p for p in choose_follow_ups(self.engine.case, step_id, result, limit=3) if p.text not in asked]
        if not probes:  # after :back, a question already answered is not asked again
            return
        console = self.ctx.console
        probe = probes[0].text
        console.print(hanging(Text("Interviewer: ", style="bold magenta"), prose(probe)))
        console.print(Text(f"(optional: reply and finish with '.', graded with {title}; '.' alone goes on)",
                           style="dim"))
        # the loop's commands, but for '>': this is where a follow-up's reply goes
        commands = {name: run for name, run in self.commands().items() if name != ">"}
        engine = self.engine
        try:
            outcome = read_answer(self.ctx, on_hint=on_hint, prompt="> ", allow_empty=True,
                                  on_line=lambda text: engine.save_followup_draft(step_id, probe, text),
                                  extra_commands=commands)
        except AnswerInterrupted as exc:
            with held():  # stored whole before anything else: the terminal may be gone
                if exc.text.strip():  # what was typed of the reply counts, like any answer text
                    engine.add_followup(step_id, probe, _reply_text(exc.text), extra={"interrupted": True})
                    engine.grade_step(step_id)
                engine.clear_followup_draft(step_id)
            raise
        if outcome.action == "quit":
            if outcome.text.strip():
                engine.add_followup(step_id, probe, _reply_text(outcome.text), extra={"ended": "quit"})
                engine.grade_step(step_id)
            engine.clear_followup_draft(step_id)
            raise SessionQuit()
        text = _reply_text(outcome.text) if outcome.action in ("submit", "back") else ""
        engine.clear_followup_draft(step_id)
        if not text:
            return
        main, _ = engine.step_rows(step_id)
        before = main.score if main is not None else None
        hit_before = {h["id"] for h in (main.grade or {}).get("hit", [])} if main is not None else set()
        engine.add_followup(step_id, probe, text)
        regraded = engine.grade_step(step_id)
        if regraded is None:
            return
        self.last = (step_id, title, regraded)
        new = [h.label for h in regraded.hits if h.id not in hit_before]
        console.print(Text.assemble(
            (f"{title}: ", "bold"), (f"{fmt_score(before)} → ", "dim"),
            (fmt_score(regraded.score), f"bold {score_style(regraded.score)}"), " with your follow-up",
            (f"  ✓ {', '.join(new)}" if new else "", "green")))


    def estimate(self, step_id: str) -> None:
        """One back-of-envelope question in the step, as interviewers ask in requirements: the
        user asks '?' for the numbers, answers with a unit, and sees the worked chain. Logged for
        review and stats, stored beside the step, never part of its score."""
        from mlsd.drills.estimate import example, unit_label

        estimate = self.engine.next_estimate(step_id)
        if estimate is None:
            return
        from mlsd.tui.estimate import EstimateQuit, ask

        console = self.ctx.console
        console.print(hanging(Text("Interviewer: ", style="bold magenta"), Text.assemble(
            "Before we go on, a quick estimate: ", (reflow(estimate.question), "bold"))))
        console.print(Text(f"(a number in {unit_label(estimate)}, e.g. {example(estimate.unit)}; '?' alone gives "
                           "the numbers you need, '? question' asks, '.' alone passes)", style="dim"))
        started = self.ctx.clock()
        try:
            result = ask(self.ctx, self.engine.case, estimate, on_question=self.ask, prompt="≈ ")
        except EstimateQuit:
            raise SessionQuit() from None
        if result is not None:
            self.engine.add_estimate(step_id, result, seconds=self.ctx.clock() - started)
        console.print()


def _reply_text(text: str) -> str:
    """A follow-up reply without the '> ' a user may type out of habit."""
    lines = [line[1:].lstrip() if line.lstrip().startswith(">") else line for line in text.strip().splitlines()]
    return "\n".join(lines).strip()


def run_interactive(ctx: Context, engine: SessionEngine, start_index: int | None = None,
                    offer_labs: bool = True, ask_estimates: bool = True) -> float | None:
    """Walk the steps from the first open one; returns the total, or raises SessionQuit.
    `ask_estimates`: after a step that has estimation questions (requirements), ask one.
    Ctrl-C, a closed terminal or SIGTERM keep the half-typed text as a draft and raise KeyboardInterrupt."""
    with terminate_as_interrupt():
        return _walk(ctx, engine, start_index, offer_labs, ask_estimates)


def _walk(ctx: Context, engine: SessionEngine, start_index: int | None, offer_labs: bool,
          ask_estimates: bool) -> float | None:
    console = ctx.console
    steps = engine.steps
    for step_id in engine.recover_followup_drafts():
        console.print(Text(f"Your half-typed follow-up reply for {engine.framework.step(step_id).title} was "
                           "kept and graded with it.", style="dim"))
    index = engine.first_open_index() if start_index is None else start_index
    if index is None:
        index = len(steps)
    console.print(f"[dim]{COMMANDS_HELP}[/]")
    console.print(Text(PRACTICE_HELP, style="dim"))
    if ctx.editor is not None:
        console.print(Text(EDITING_HELP, style="dim"))
    console.print()
    interviewer = _Interviewer(ctx, engine)
    editing = False  # True after :back: the step's earlier answer is in the editor
    while index < len(steps):
        step = steps[index]
        interviewer.step_id = step.id
        render_question(console, index + 1, len(steps), step.title, engine.question(step.id), step.minutes)
        hints = engine.hints(step.id)
        shown = {"n": 0}

        def show_hint() -> None:
            if shown["n"] < len(hints):
                console.print(hanging(f"hint {shown['n'] + 1}/{len(hints)}: ", prose(hints[shown['n']], style="yellow"),
                                      style="yellow"))
                shown["n"] += 1
            else:
                console.print("[dim]No more hints for this step.[/]")

        draft = engine.draft(step.id)
        initial = engine.answer_for_editing(step.id) if editing else draft
        earlier = bool(initial) and not draft  # a graded answer, being edited after :back
        if earlier:
            initial += "\n"  # the cursor on a new line under it: what is typed adds to it
        editing = False
        if initial:
            what = "Your earlier answer" if earlier else "Your unfinished answer"
            if ctx.editor is not None:
                console.print(Text(f"{what} is in the editor: change any line, add to it, '.' to submit.",
                                   style="dim"))
            else:
                console.print(Text(f"{what} was kept; carry on typing (it is graded with what you add):",
                                   style="dim"))
                console.print(Text(initial))
        started = ctx.clock()
        try:
            outcome = read_answer(ctx, on_hint=show_hint, initial=initial,
                                  on_line=lambda text, s=step.id: engine.save_draft(s, text),
                                  extra_commands=interviewer.commands())
        except AnswerInterrupted as exc:
            with held():  # stored whole before anything else: the terminal may be gone
                engine.save_draft(step.id, exc.text)
            raise KeyboardInterrupt from None
        seconds = ctx.clock() - started
        if outcome.action == "quit":
            engine.save_draft(step.id, outcome.text)
            raise SessionQuit()
        if outcome.action == "back":
            engine.save_draft(step.id, outcome.text)
            if index == 0:
                console.print(Text("This is the first step; there is no step before it.", style="yellow"))
            index = max(0, index - 1)
            editing = True
            continue
        if outcome.action == "skip":
            engine.skip(step.id, seconds=seconds)
            console.print(f"[dim]Skipped {step.title}.[/]\n")
            index += 1
            continue
        result = engine.submit(step.id, outcome.text, seconds=seconds, extra={"hints_used": shown["n"]})
        render_grade(console, result, step.title, verbose=False, more_hint=MORE_HINT, fit=True)
        interviewer.graded(step.id, step.title, result)
        interviewer.follow_up(step.id, step.title, result, on_hint=show_hint)
        if ask_estimates:
            interviewer.estimate(step.id)
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
