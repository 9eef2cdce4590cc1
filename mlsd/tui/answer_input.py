"""Reading one multi-line practice answer with in-answer commands.

An answer ends with a line holding only `.` (or Ctrl-D). Lines starting with
`:` are commands; everything else is answer text, kept exactly as typed.
The text goes to `on_line` after every line (and, in the terminal editor,
every second of typing), so a draft survives anything but a lost disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from mlsd.session.context import Context
from mlsd.tui.entry import (FINISH, AnswerInterrupted, LineInterrupted, LineTimeout, Request,  # noqa: F401 - re-exported
                            is_colon_command)

COMMANDS_HELP = (
    "finish an answer with a line containing only '.'  ·  "
    ":hint next hint  ·  :edit open $EDITOR  ·  :skip  ·  :back  ·  :quit  ·  :help"
)
EDITING_HELP = ("editing: arrows move through the answer  ·  Esc Enter submits it as it stands  ·  "
                "Ctrl-P/N earlier lines, → takes the grey suggestion")


@dataclass(frozen=True)
class AnswerOutcome:
    action: str  # submit | skip | back | quit
    text: str = ""


def read_answer(ctx: Context, *, on_hint: Callable[[], None], initial: str = "",
                on_line: Callable[[str], None] | None = None,
                extra_commands: dict[str, Callable[[str], None]] | None = None,
                prompt: str = "› ", allow_empty: bool = False) -> AnswerOutcome:
    """Read an answer until it is finished or a command ends it.

    `initial` is text already written (a draft, or the answer being edited
    after :back); `on_line(text_so_far)` keeps a draft; `extra_commands` maps
    a line prefix (e.g. "?") to a handler; `allow_empty` lets '.' alone submit
    nothing (a follow-up passed). Raises AnswerInterrupted(text) on
    Ctrl-C or a closed terminal.
    """
    extra = extra_commands or {}

    def is_command(line: str) -> bool:
        return is_colon_command(line) or any(line.startswith(prefix) for prefix in extra)

    text = initial
    while True:
        entry = ctx.read_entry(Request(prompt=prompt, initial=text, is_command=is_command, on_draft=on_line))
        text = entry.text
        answer = text.strip()
        if entry.kind == "eof":
            return AnswerOutcome("submit", answer) if answer or allow_empty else AnswerOutcome("quit", "")
        if entry.kind == "finish":
            if answer or allow_empty:
                return AnswerOutcome("submit", answer)
            ctx.console.print("[yellow]The answer is empty: write a few lines, or :skip this step.[/]")
            continue
        if entry.kind != "command":  # no time-outs in practice; carry on
            continue
        line = entry.line
        handler = next((h for prefix, h in extra.items() if line.startswith(prefix)), None)
        if handler is not None:
            handler(line)
            continue
        command = line.lower()
        if command in (":hint", ":h"):
            on_hint()
        elif command in (":skip", ":s"):
            return AnswerOutcome("skip", answer)
        elif command in (":back", ":b"):
            return AnswerOutcome("back", answer)
        elif command in (":quit", ":q", ":exit"):
            return AnswerOutcome("quit", answer)
        elif command in (":help", ":?"):
            ctx.console.print(f"[dim]{COMMANDS_HELP}[/]")
            if ctx.editor is not None:
                ctx.console.print(f"[dim]{EDITING_HELP}[/]")
        elif command in (":edit", ":e"):
            text = _edit(ctx, answer)
            if on_line and text.strip():
                on_line(text.strip())
        else:
            ctx.console.print(f"[yellow]Unknown command {line!r}.[/] [dim]{COMMANDS_HELP}[/]")


def _edit(ctx: Context, answer: str) -> str:
    """The answer after $EDITOR; the answer as it was when the editor cannot run."""
    from mlsd.errors import UserError

    try:
        edited = ctx.open_editor(answer + "\n" if answer else "")
    except (UserError, OSError, UnicodeDecodeError) as exc:
        reason = str(exc) if isinstance(exc, UserError) else f"the editor could not run ({exc})"
        ctx.console.print(f"[yellow]{reason}; your answer is unchanged, carry on typing.[/]")
        return answer + "\n" if answer else ""
    lines = edited.rstrip("\n").splitlines()
    ctx.console.print(f"[dim]({len(lines)} line(s) from the editor; '.' to submit, or keep typing)[/]")
    return "\n".join(lines) + "\n" if lines else ""
