"""One estimation question asked in the terminal: in `mlsd estimate` drills, and by the
interviewer inside a practice session's requirements step.

The reading loop is shared: a number with its unit is checked (pint, via
mlsd.drills.estimate) and logged for review and stats; '?' alone gives the
facts the question needs, '? question' asks the interviewer, ':skip' (or '.'
alone) shows the worked chain and moves on. Unreadable answers get their
one-line reason and another try.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from rich.text import Text

from mlsd.session.context import Context
from mlsd.reports.render import hanging, prose, reflow

if TYPE_CHECKING:
    from mlsd.content.schema import Case, Estimate
    from mlsd.drills.estimate import EstimateCheck

QUIT = {":quit", ":q", "quit", "exit"}
SKIP = {":skip", ":s", "skip", "."}
HINT = {":hint", ":h", "hint"}


class EstimateQuit(Exception):
    """The user typed :quit (or the input ended) while an estimation question was open."""


def facts_for(case: "Case", estimate: "Estimate") -> list[str]:
    """The interviewer's answers for the facts a question needs, in the question's order."""
    answers = {f.id: " ".join(f.answer.split()) for f in case.facts}
    return [answers[f] for f in estimate.facts if f in answers]


def show_result(ctx: Context, result: "EstimateCheck", estimate: "Estimate") -> None:
    style = {"right": "bold green", "off": "bold red", "wrong-unit": "bold yellow"}[result.verdict]
    mark = {"right": "✓", "off": "✗", "wrong-unit": "✗"}[result.verdict]
    ctx.console.print(Text.assemble((f"{mark} ", style), (result.message, style)))
    show_chain(ctx, estimate, title="worked chain:")
    if estimate.why:
        ctx.console.print(hanging(Text("→ ", style="bold cyan"), reflow(estimate.why)))


def show_chain(ctx: Context, estimate: "Estimate", title: str) -> None:
    from mlsd.drills.estimate import solution_text

    ctx.console.print(Text(title, style="bold" if title.endswith("chain:") else "dim"))
    for line in solution_text(estimate).splitlines():
        ctx.console.print(Text("  " + line, style="dim"))


def ask(ctx: Context, case: "Case", estimate: "Estimate", *, on_question: Callable[[str], None] | None = None,
        prompt: str = "> ") -> "EstimateCheck | None":
    """Read answers to one question until one is checked (returned, and logged) or skipped (None).

    `on_question`: '? question' lines go there (the interviewer in practice); without it a '?'
    line is a hint, as in the drill. Raises EstimateQuit on ':quit' or the end of input.
    """
    from mlsd.drills import estimate_log
    from mlsd.drills.estimate import EstimateError, check

    console = ctx.console
    hints = [line.note for line in estimate.work if line.note]
    while True:
        try:
            line = ctx.read_line(prompt).strip()
        except EOFError:
            raise EstimateQuit() from None
        if not line:
            continue
        lowered = line.lower()
        if lowered in QUIT:
            raise EstimateQuit()
        if lowered in SKIP:
            show_chain(ctx, estimate, title="skipped; the worked chain:")
            return None
        if lowered in HINT or (lowered.startswith("?") and (on_question is None or lowered == "?")):
            if on_question is not None:  # practice: '?' alone gives the facts the question needs
                for fact in facts_for(case, estimate):
                    console.print(hanging(Text("Interviewer: ", style="bold magenta"), prose(fact)))
                continue
            console.print(Text("hint: " + (hints.pop(0) if hints else "no more hints; ':skip' shows the chain"),
                               style="yellow"))
            continue
        if line.startswith("?") and on_question is not None:
            on_question(line)
            continue
        try:
            result = check(estimate, line, case.id)
        except EstimateError as exc:
            console.print(Text(str(exc), style="yellow"))
            continue
        estimate_log.record(result)
        show_result(ctx, result, estimate)
        return result
