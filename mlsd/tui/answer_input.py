"""Reading one multi-line answer with in-answer commands.

An answer ends with a line holding only `.` (or Ctrl-D). Lines starting with
`:` are commands; everything else is answer text, kept exactly as typed.
"""

from __future__ import annotations

import codecs
import os
import select
import sys
import time
import unicodedata
from dataclasses import dataclass
from typing import Callable, Union

try:
    import termios
except ImportError:  # pragma: no cover - not POSIX; the timed reader falls back to input()
    termios = None  # type: ignore[assignment]

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


# ------------------------------------------------------------ timed line input
#
# A mock interview must move on when a step's time is up, even while the user
# is typing. input() cannot be interrupted portably, so on POSIX the line is
# read here: on a terminal in cbreak mode (we echo and edit the line
# ourselves, so the text typed so far survives a time-out and the prompt's
# clock can be redrawn), from a pipe with select(). Elsewhere it falls back
# to input() and the caller checks the clock after each line.

Prompt = Union[str, Callable[[], str]]


class LineTimeout(Exception):
    """The time ran out before the line was finished; carries what was typed of it."""

    def __init__(self, partial: str):
        super().__init__("timed out")
        self.partial = partial


class LineInterrupted(KeyboardInterrupt):
    """Ctrl-C (or a closed terminal) while typing a timed line; carries what was typed of it."""

    def __init__(self, partial: str):
        super().__init__()
        self.partial = partial


def read_line_timed(prompt: Prompt, timeout: float | None, initial: str = "") -> str:
    """Read one line from stdin, giving up after `timeout` seconds (None: wait).

    `prompt` may be a function, called again every second on a terminal so a
    clock in it stays current; `initial` is text already typed (after a
    time-out that only showed a warning). Raises LineTimeout(partial) when the
    time is up, EOFError on Ctrl-D at an empty line or at the end of piped
    input, LineInterrupted (a KeyboardInterrupt) on Ctrl-C.
    """
    try:
        fd = sys.stdin.fileno()
    except (AttributeError, OSError, ValueError):
        fd = -1
    if fd < 0 or os.name != "posix":
        return _read_line_blocking(prompt, initial)
    reader = _READERS.get(fd)
    if reader is None:
        reader = _READERS[fd] = _LineReader(fd, os.isatty(fd))
    return reader.read(prompt, timeout, initial)


def _prompt_text(prompt: Prompt) -> str:
    return prompt() if callable(prompt) else prompt


def _read_line_blocking(prompt: Prompt, initial: str) -> str:
    try:
        line = input(_prompt_text(prompt) + initial)
    except KeyboardInterrupt:
        raise LineInterrupted(initial) from None
    return initial + line


def _char_width(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _width(text: str) -> int:
    return sum(_char_width(ch) for ch in text)


class _LineReader:
    """Reads lines from one file descriptor, keeping what was read past a line's end."""

    def __init__(self, fd: int, tty: bool):
        self.fd = fd
        self.tty = tty
        self.pending = ""  # decoded input not yet consumed (typed ahead, or pasted lines)
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.escape = ""  # an escape sequence (arrow keys and the like) being skipped
        self.fancy = tty and os.environ.get("TERM", "dumb") not in ("", "dumb")
        self.shown = ""  # the prompt as last drawn

    # ---------------------------------------------------------- output

    def _write(self, text: str) -> None:
        out = sys.stdout
        out.write(text)
        out.flush()

    def _columns(self) -> int:
        try:
            return max(10, os.get_terminal_size(sys.stdout.fileno()).columns)
        except (OSError, ValueError, AttributeError):
            return 80

    def _cursor(self, buf: list[str]) -> int:
        return _width(self.shown) + _width("".join(buf))

    def _redraw(self, prompt: Prompt, buf: list[str], cursor: int) -> None:
        """Draw the prompt and the line again from the row the prompt started on."""
        rows_up = (cursor - 1) // self._columns() if cursor > 0 else 0
        self.shown = _prompt_text(prompt)
        self._write(("\r" + (f"\x1b[{rows_up}A" if rows_up else "") + "\x1b[J") + self.shown + "".join(buf))

    def _erase(self, prompt: Prompt, buf: list[str], count: int) -> None:
        """Remove the last `count` characters of the line."""
        if not self.tty or count <= 0:
            del buf[len(buf) - count:]
            return
        before = self._cursor(buf)
        removed = buf[len(buf) - count:]
        del buf[len(buf) - count:]
        if not self.fancy or before < self._columns():
            width = _width("".join(removed))
            self._write("\b" * width + " " * width + "\b" * width)
        else:  # the line wraps: erasing across a row edge needs a redraw
            self._redraw(prompt, buf, before)

    # ----------------------------------------------------------- input

    def read(self, prompt: Prompt, timeout: float | None, initial: str) -> str:
        deadline = None if timeout is None else time.monotonic() + max(0.0, timeout)
        buf = list(initial)
        saved = self._enter_cbreak() if self.tty else None
        try:
            self.shown = _prompt_text(prompt)
            self._write(self.shown + ("".join(buf) if self.tty else ""))
            while True:
                line = self._consume(prompt, buf)
                if line is not None:
                    return line
                now = time.monotonic()
                if deadline is not None and now >= deadline:
                    self._write("\n")
                    raise LineTimeout("".join(buf))
                wait = None if deadline is None else deadline - now
                if self.fancy and callable(prompt):
                    wait = min(wait, 1.0) if wait is not None else 1.0
                ready, _, _ = select.select([self.fd], [], [], wait)
                if not ready:
                    self._refresh(prompt, buf)
                    continue
                data = os.read(self.fd, 4096)
                if not data:  # end of input
                    if buf:
                        self._write("\n")
                        return "".join(buf)
                    raise EOFError
                self.pending += self.decoder.decode(data)
        except KeyboardInterrupt:
            self._write("\n")
            raise LineInterrupted("".join(buf)) from None
        finally:
            if saved is not None:
                try:
                    termios.tcsetattr(self.fd, termios.TCSANOW, saved)
                except termios.error:  # the terminal is gone
                    pass

    def _enter_cbreak(self) -> list | None:
        try:
            saved = termios.tcgetattr(self.fd)
            mode = termios.tcgetattr(self.fd)
            mode[3] &= ~(termios.ICANON | termios.ECHO)  # keep ISIG: Ctrl-C still interrupts
            mode[6][termios.VMIN] = 1
            mode[6][termios.VTIME] = 0
            termios.tcsetattr(self.fd, termios.TCSANOW, mode)  # TCSANOW keeps typed-ahead input
            return saved
        except termios.error:
            self.tty = self.fancy = False
            return None

    def _refresh(self, prompt: Prompt, buf: list[str]) -> None:
        """Redraw a changed prompt (a clock) while the line still fits on one row."""
        if not (self.fancy and callable(prompt)):
            return
        text = _prompt_text(prompt)
        columns = self._columns()
        if text == self.shown or self._cursor(buf) >= columns or _width(text + "".join(buf)) >= columns:
            return
        self.shown = text
        self._write("\r" + text + "".join(buf) + "\x1b[K")

    def _consume(self, prompt: Prompt, buf: list[str]) -> str | None:
        """Apply pending input to the line; the finished line, or None if not finished yet."""
        text, self.pending = self.pending, ""
        i = 0
        while i < len(text):
            ch = text[i]
            i += 1
            if self.escape:
                if len(self.escape) == 1 and ch not in "[O":
                    self.escape = ""  # a lone Esc: drop it, keep the key after it
                else:
                    self.escape += ch
                    if len(self.escape) > 2 and "@" <= ch <= "~":
                        self.escape = ""
                    continue
            if ch == "\x1b":
                self.escape = ch
                continue
            if ch in "\r\n":
                if ch == "\r" and text[i:i + 1] == "\n":
                    i += 1
                self.pending = text[i:]
                self._write("\n" if self.tty else "".join(buf) + "\n")
                return "".join(buf)
            if not self.tty:
                if ch == "\t" or ord(ch) >= 32:
                    buf.append(ch)
                continue
            if ch in ("\x7f", "\b"):
                self._erase(prompt, buf, 1 if buf else 0)
            elif ch == "\x15":  # Ctrl-U: the whole line
                self._erase(prompt, buf, len(buf))
            elif ch == "\x17":  # Ctrl-W: the last word
                keep = "".join(buf).rstrip().rfind(" ") + 1  # like a shell: keep up to the space
                self._erase(prompt, buf, len(buf) - keep)
            elif ch == "\x04":  # Ctrl-D
                if not buf:
                    self.pending = text[i:]
                    self._write("\n")
                    raise EOFError
            elif ch == "\x0c":  # Ctrl-L
                self._redraw(prompt, buf, self._cursor(buf))
            elif ch == "\t":
                buf.append(" ")
                self._write(" ")
            elif ord(ch) >= 32:
                buf.append(ch)
                self._write(ch)
        return None


_READERS: dict[int, _LineReader] = {}
