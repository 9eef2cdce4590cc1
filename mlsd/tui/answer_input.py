"""Reading one multi-line answer with in-answer commands.

An answer ends with a line holding only `.` (or Ctrl-D). Lines starting with
`:` are commands; everything else is answer text, kept exactly as typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from mlsd.context import Context

FINISH = "."
COMMANDS_HELP = (
    "finish an answer with a line containing only '.'  ·  "
    ":hint next hint  ·  :edit open $EDITOR  ·  :skip  ·  :back  ·  :quit  ·  :help"
)


@dataclass(frozen=True)
class AnswerOutcome:
    action: str  # submit | skip | back | quit
    text: str = ""


class AnswerInterrupted(Exception):
    """Ctrl-C or a closed terminal while typing; carries the text typed so far."""

    def __init__(self, text: str):
        super().__init__("interrupted")
        self.text = text


def read_answer(ctx: Context, *, on_hint: Callable[[], None], initial: str = "",
                on_line: Callable[[str], None] | None = None,
                extra_commands: dict[str, Callable[[str], None]] | None = None) -> AnswerOutcome:
    """Read lines until the answer is finished or a command ends it.

    `on_line(text_so_far)` is called after every line so callers can keep a
    draft. `extra_commands` maps a line prefix (e.g. "?") to a handler.
    """
    lines: list[str] = initial.splitlines() if initial else []
    text = lambda: "\n".join(lines).strip()  # noqa: E731 - tiny local helper
    while True:
        try:
            line = ctx.read_line("› " if not lines else "  ")
        except EOFError:
            return AnswerOutcome("submit", text()) if text() else AnswerOutcome("quit", "")
        except KeyboardInterrupt:
            raise AnswerInterrupted(text()) from None
        stripped = line.strip()
        if stripped == FINISH:
            if text():
                return AnswerOutcome("submit", text())
            ctx.console.print("[yellow]The answer is empty: write a few lines, or :skip this step.[/]")
            continue
        handler = next((h for prefix, h in (extra_commands or {}).items() if stripped.startswith(prefix)), None)
        if handler is not None:
            handler(stripped)
            continue
        command = stripped.lower()
        if command in (":hint", ":h"):
            on_hint()
            continue
        if command in (":skip", ":s"):
            return AnswerOutcome("skip", text())
        if command in (":back", ":b"):
            return AnswerOutcome("back", text())
        if command in (":quit", ":q", ":exit"):
            return AnswerOutcome("quit", text())
        if command in (":help", ":?"):
            ctx.console.print(f"[dim]{COMMANDS_HELP}[/]")
            continue
        if command in (":edit", ":e"):
            edited = ctx.open_editor(text() + "\n" if text() else "")
            lines = edited.rstrip("\n").splitlines()
            ctx.console.print(f"[dim]({len(lines)} line(s) from the editor; '.' to submit, or keep typing)[/]")
            if on_line:
                on_line(text())
            continue
        if command.startswith(":") and " " not in command and len(command) > 1:
            ctx.console.print(f"[yellow]Unknown command {stripped!r}.[/] [dim]{COMMANDS_HELP}[/]")
            continue
        lines.append(line)
        if on_line:
            on_line(text())
