"""The terminal loop of a mock interview, and its scorecard.

All timing and interviewer logic lives in `mlsd.session.mock.MockInterview`; this
module reads lines through `ctx.read_line_timed` (a timed reader on a real
terminal, a script on a fake clock in tests) and renders what the
interviewer says.
"""

from __future__ import annotations

from rich.console import Console, Group
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from mlsd.session.context import Context
from mlsd.session.interviewer import STEP_BAR
from mlsd.session.mock import HELP, MockInterview, MockReport, Say, clock_text
from mlsd.reports.render import fmt_score, hanging, prose, score_style, widen_to_title
from mlsd.tui.entry import Request
from mlsd.tui.signals import held, terminate_as_interrupt

READY_PROMPT = "Press Enter to start the clock (or :q to cancel) "


def run_mock(ctx: Context, interview: MockInterview, *, wait_for_ready: bool = True) -> MockReport | None:
    """Run the interview to its end and show the scorecard; None if cancelled before the start
    or when the input ended before anything was typed (nothing is stored then).

    Ctrl-C (or a lost terminal) stores what was typed, closes the interview as stopped and
    re-raises; what it prints cannot fail, so a closed terminal loses nothing either.
    """
    console = ctx.console
    live = bool(getattr(ctx.editor, "live", False))  # a footer with the clock, redrawn by itself
    render_intro(console, interview, live=live)
    if wait_for_ready:
        try:
            entry = ctx.read_entry(Request(prompt=READY_PROMPT, is_command=lambda line: True, timed=True))
            ready = ":q" if entry.kind == "eof" else entry.line
        except EOFError:
            ready = ":q"
        except KeyboardInterrupt:
            ready = ":q"
        if ready.strip().lower() in (":q", ":quit", "q", "quit"):
            console.print(Text("Cancelled before the start; nothing was stored.", style="dim"))
            return None
    interview.start()
    try:
        with terminate_as_interrupt():
            _run_steps(ctx, interview, live)
    except KeyboardInterrupt as exc:
        with held():  # stored first, and whole: the terminal may be gone, and more signals may follow
            interview.interrupt(getattr(exc, "text", None))
        if interview.engine is not None:
            _quietly(lambda: render_says(console, interview.drain()))
        raise
    if interview.ended == "no input":
        return None
    report = interview.report()
    render_report(console, report)
    return report


_LIVE_PROMPTS = {"followup": "> ", "estimate": "≈ "}  # the live footer shows the clock; the prompt shows what is asked


def _run_steps(ctx: Context, interview: MockInterview, live: bool) -> None:
    """Read entries and feed them to the interview until it is done."""
    console = ctx.console
    while True:
        render_says(console, interview.drain())
        if interview.done:
            break
        wait = interview.timeout(warnings=not live)
        if wait is not None and wait <= 0:
            interview.tick()
            continue
        entry = ctx.read_entry(Request(
            prompt=_LIVE_PROMPTS.get(interview.phase, "› ") if live else interview.prompt, initial=interview.buffer, timeout=wait,
            is_command=interview.is_command, on_draft=interview.update,
            toolbar=interview.toolbar if live else None, timed=True))
        if entry.kind == "timeout":
            interview.tick(entry.text)
        elif entry.kind == "eof":
            interview.eof(entry.text)
        else:
            interview.update(entry.text)
            interview.line("." if entry.kind == "finish" else entry.line)


def stopped_message(interview: MockInterview) -> str:
    """The one thing said when a mock is stopped with Ctrl-C."""
    if interview.engine is None:
        return "Stopped before the start; nothing was stored."
    return (f"Interview stopped; what you typed is saved in session {interview.engine.id} (mlsd history, "
            f"mlsd export {interview.engine.id}). A timed interview is not resumed: start a new one with "
            f"mlsd mock {interview.case.id}.")


def _quietly(action) -> None:
    """Print what can be printed; a closed terminal (EIO) must not hide that the text was saved."""
    try:
        action()
    except (OSError, ValueError):
        pass


# ------------------------------------------------------------------ rendering


def render_intro(console: Console, interview: MockInterview, live: bool = False) -> None:
    case = interview.case
    plan = "  ·  ".join(f"{b.title} {clock_text(b.seconds)}" for b in interview.budgets)
    body = Group(
        prose(case.prompt),
        Text(""),
        Text.assemble(("Interviewer: ", "bold magenta"),
                      f"We have {interview.minutes:g} minutes. I'll keep time and move us along; "
                      "ask me anything with a line starting with '?'. No scores or hints until the end, "
                      "as in a real interview."),
        Text(""),
        Text(f"Plan: {plan}", style="dim"),
        Text(("The bar at the bottom shows the time left for this step and the interview, live. " if live else
              "The prompt shows the time left: [this step · the interview]. ") +
             "Time you save on a step rolls over to the next ones.", style="dim"),
        Text(HELP, style="dim"),
    )
    console.print(Panel(body, title=Text(f"Mock interview · {case.title} · {interview.level} bar"),
                        title_align="left", border_style="magenta"))


def render_says(console: Console, says: list[Say]) -> None:
    for say in says:
        render_say(console, say)


def render_say(console: Console, say: Say) -> None:
    if say.kind == "step":
        data = say.data
        subtitle = f"{clock_text(data['allotted'])} for this step · {clock_text(data['left'])} left"
        console.print()
        console.print(Panel(prose(say.text), title=Text(f"Step {data['number']}/{data['total']} · {data['title']}"),
                            title_align="left", subtitle=subtitle, subtitle_align="right", border_style="cyan"))
    elif say.kind in ("interviewer", "reply"):
        console.print(hanging(Text("Interviewer: ", style="bold magenta"), prose(say.text)))
    elif say.kind == "warning":
        console.print(Text(f"⏱ {say.text}", style="bold yellow"))
    else:
        console.print(Text(say.text, style="dim"))


def _time_cell(seconds: float, budget: float, timed_out: bool = False) -> Text:
    """Time used of the time given (m:ss, as everywhere); ⏱ when the step's time ran out."""
    over = timed_out or seconds > budget * 1.05
    return Text(f"{clock_text(seconds)} / {clock_text(budget)}" + (" ⏱" if timed_out else ""),
                style="yellow" if over else "")


def render_report(console: Console, report: MockReport) -> None:
    """Per-step scores, time against budget, the verdict, the biggest gaps and labs."""
    console.print()
    title = f"Scorecard · {report.case_title}"  # the mode and bar go in the caption: the title must not wrap
    table = Table(title=title, title_justify="left")
    table.add_column("Step", no_wrap=True)
    table.add_column("Score", justify="right", no_wrap=True)
    table.add_column("Time / budget", justify="right", no_wrap=True)
    table.add_column("Status", style="dim", no_wrap=True)
    table.add_column("Probes", justify="right", style="dim")
    for step in report.steps:
        mark = ("✓", "green") if step.meets_bar else ("✗", "red")
        score = Text.assemble((fmt_score(step.score), score_style(step.score)), " ", mark)
        table.add_row(step.title, score, _time_cell(step.seconds, step.budget_seconds, step.timed_out), step.status,
                      str(len(step.probes) or ""))
    table.add_section()
    table.add_row(Text("Total", style="bold"), Text(fmt_score(report.total) + "  ", style=f"bold {score_style(report.total)}"),
                  f"{clock_text(report.seconds_used)} / {clock_text(report.minutes * 60)}", "", "")
    widen_to_title(table, 0, title, max([len("Total"), *(len(step.title) for step in report.steps)]))
    table.caption = (f"mock interview, {report.level} bar  ·  ✓ meets the {report.level} bar (a step score of {STEP_BAR:.0%} or more)  ·  time given "
                     "includes time saved on earlier steps  ·  ⏱ the step's time ran out")
    table.caption_justify = "left"
    console.print(table)

    verdict = report.verdict
    others = " · ".join(f"{level}: {met} of {verdict.steps}" for level, met in report.by_level.items()
                        if level != report.level)
    console.print(Text.assemble((verdict.summary, "bold"), " ", verdict.judgement,
                                (f"  (at other levels: {others})" if others else "", "dim")))
    unanswered = sum(1 for s in report.steps if s.status == "unanswered")
    if report.ended == "time" and unanswered:
        console.print(Text(f"Time ran out with {unanswered} step{'s' if unanswered > 1 else ''} unanswered: "
                           "keep each step to its budget.", style="yellow"))
    asked = len(report.questions)
    if asked:
        answered = sum(1 for _, ok in report.questions if ok)
        console.print(Text(f"You asked {asked} clarifying question{'s' if asked > 1 else ''}; {answered} "
                           f"{'was' if answered == 1 else 'were'} answered from the case's facts. They count "
                           "toward the requirements step."))
    else:
        console.print(Text("You asked no clarifying questions: interviewers expect a few (scale, latency, "
                           "base rates, label delay) before any design. Start lines with '?' next time.",
                           style="yellow"))
    for estimate in report.estimates:
        style = {"right": "green", "off": "red", "wrong-unit": "yellow"}.get(estimate.verdict, "dim")
        said = f"you said {estimate.answer}: " if estimate.answer else ""
        console.print(Text.assemble(("Estimate: ", "bold"), (estimate.question, ""), "\n  ",
                                    (said + estimate.message, style)))
    if report.estimates:
        console.print(Text("The worked chains: mlsd estimate " + report.case_id + "  ·  misses come back in "
                           "mlsd review", style="dim"))

    if report.gaps:
        console.print()
        console.print(Text("Biggest gaps, and what to study", style="bold"))
        for number, gap in enumerate(report.gaps, start=1):
            head = "Wrong claim: " if gap.kind == "red_flag" else ""
            where = gap.step_title + ("" if gap.answered else ", not answered")
            console.print(Text.assemble((f"{number}. ", "bold"), (head + gap.label, "bold"), (f"  ({where})", "dim")))
            lines = [hanging("why: ", prose(gap.why))]
            if gap.hint:
                lines.append(hanging("ask yourself: ", prose(gap.hint, style="dim"), style="dim"))
            lines += [Text(f"read: {ref}", style="dim") for ref in gap.references[:2]]
            lines += [Text.assemble("lab: ", (f"mlsd lab {lab.id}", "cyan"), (f"  {lab.title}", "dim"))
                      for lab in gap.labs]
            console.print(Padding(Group(*lines), (0, 0, 0, 3)))
    console.print()
    console.print(Text(f"Session {report.session_id} saved. Model answers: mlsd show {report.case_id} --answers"
                       f"  ·  your record: mlsd history", style="dim"))
