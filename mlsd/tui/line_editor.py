"""The answer editor on a terminal, built on prompt_toolkit.

One multi-line buffer per entry (see `mlsd.tui.entry`): arrow keys move
through the whole answer and any line can be edited; a paste of many lines
lands as it is; Enter on the last line finishes on `.` and hands a command
line back to the session; Esc Enter (Alt-Enter) finishes the answer as it
stands. Ctrl-P / Ctrl-N (or Up on a one-line answer) recall earlier lines,
and a grey suggestion from them is taken with the right arrow. A bottom
toolbar (the mock's clock) is redrawn every half second without a keypress.

Nothing typed is lost: the whole text goes to `on_draft` after every line
and after every second of typing, and it travels with the time-out,
Ctrl-C, a closed terminal (SIGHUP) or SIGTERM.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from typing import Any

from mlsd.tui.entry import FINISH, AnswerInterrupted, Entry, Request, prompt_text
from mlsd.tui.signals import take_swallowed_interrupt, terminate_as_interrupt

DRAFT_EVERY = 1.0  # seconds of typing between two stored drafts
_TICK = 0.1  # how often the editor looks at the clock

_LINES: list[str] = []  # lines entered in this process, oldest first: the editor's history


def usable(env: dict[str, str] | None = None) -> bool:
    """Whether the editor can run here: stdin and stdout are terminals (of any kind)."""
    try:
        ttys = sys.stdin is not None and sys.stdout is not None and sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError, OSError):
        return False
    return ttys and os.name == "posix"


def choose(env: dict[str, str] | None = None):
    """The editor for this terminal: the full one, the plain one for a dumb terminal, or None."""
    if not usable(env):
        return None
    env = os.environ if env is None else env
    return read_plain_entry if env.get("TERM", "dumb") in ("", "dumb") else read_entry


def read_plain_entry(request: Request) -> Entry:
    """The editor on a dumb terminal (no cursor movement): keys are still read one by one, so the
    half-typed line survives Ctrl-C and time-outs; the text is echoed as typed, no toolbar."""
    return read_entry(request, plain=True)


def remember(line: str) -> None:
    line = line.rstrip()
    if line.strip() and (not _LINES or _LINES[-1] != line):
        _LINES.append(line)


def read_entry(request: Request, plain: bool = False) -> Entry:
    """Edit one entry in the terminal; see `mlsd.tui.entry` for what comes back."""
    from prompt_toolkit.application import Application
    from prompt_toolkit.auto_suggest import AutoSuggest, Suggestion
    from prompt_toolkit.buffer import Buffer
    from prompt_toolkit.document import Document
    from prompt_toolkit.filters import Condition, is_done
    from prompt_toolkit.formatted_text import to_formatted_text
    from prompt_toolkit.key_binding import KeyBindings
    from prompt_toolkit.layout import ConditionalContainer, HSplit, Layout, Window
    from prompt_toolkit.layout.controls import BufferControl, FormattedTextControl
    from prompt_toolkit.layout.processors import AppendAutoSuggestion
    from prompt_toolkit.styles import Style

    class _FromEarlierLines(AutoSuggest):
        def get_suggestion(self, buffer: Any, document: Any) -> Any:
            typed = document.current_line
            if not document.is_cursor_at_the_end_of_line or len(typed.strip()) < 2:
                return None
            for line in reversed(_LINES):
                if line.startswith(typed) and line != typed:
                    return Suggestion(line[len(typed):])
            return None

    initial = request.initial
    buffer = Buffer(document=Document(initial, len(initial)), multiline=True, auto_suggest=_FromEarlierLines())
    saved = {"text": initial, "at": time.monotonic()}
    recall = {"index": len(_LINES)}
    deadline = None if request.timeout is None else time.monotonic() + max(0.0, request.timeout)
    echo: list[str] = []  # a command line to show again once the editor is erased

    def store_draft(force: bool = False) -> None:
        text = buffer.text
        if request.on_draft is None or text == saved["text"]:
            return
        if force or time.monotonic() - saved["at"] >= DRAFT_EVERY:
            saved["text"], saved["at"] = text, time.monotonic()
            request.on_draft(text.rstrip("\n"))

    def done(app: Any, entry: Entry, erase: bool = False) -> None:
        app.erase_when_done = erase
        if not app.is_done:
            app.exit(result=entry)

    kb = KeyBindings()

    @kb.add("enter")
    @kb.add("c-j")  # a bare line feed ends a line too (some terminals and pipes send \n for Enter)
    def _enter(event: Any) -> None:
        doc = buffer.document
        on_last = doc.cursor_position_row == doc.line_count - 1
        line = doc.current_line
        stripped = line.strip()
        above = "\n".join(doc.lines[:-1])
        if on_last and stripped == FINISH:
            done(event.app, Entry("finish", above))
            return
        if on_last and request.is_command(stripped):
            remember(stripped)
            echo.append(stripped)
            buffer.text = above  # what carries on after the command
            done(event.app, Entry("command", above, stripped), erase=True)
            return
        if on_last:
            remember(line)
        buffer.newline(copy_margin=False)
        recall["index"] = len(_LINES)
        try:
            store_draft(force=True)
        except Exception as exc:  # noqa: BLE001 - the store failed: end the entry, the caller says why
            event.app.exit(exception=exc)

    @kb.add("escape", "enter")
    def _submit(event: Any) -> None:
        text = buffer.text.rstrip()
        lines = text.split("\n")
        if lines and lines[-1].strip() == FINISH:
            text = "\n".join(lines[:-1])
        done(event.app, Entry("finish", text))

    @kb.add("c-c")
    def _interrupt(event: Any) -> None:
        event.app.exit(exception=AnswerInterrupted(buffer.text))

    @kb.add("c-d")
    def _eof(event: Any) -> None:
        doc = buffer.document
        if doc.is_cursor_at_the_end and not doc.current_line.strip():
            done(event.app, Entry("eof", buffer.text))
        else:
            buffer.delete()

    def _recall(step: int) -> None:
        index = recall["index"] + step
        if not 0 <= index <= len(_LINES):
            return
        recall["index"] = index
        doc = buffer.document
        start = doc.cursor_position - doc.cursor_position_col
        end = start + len(doc.current_line)
        new = _LINES[index] if index < len(_LINES) else ""
        text = doc.text[:start] + new + doc.text[end:]
        buffer.document = Document(text, start + len(new))

    one_line = Condition(lambda: buffer.document.line_count == 1)

    @kb.add("c-p")
    @kb.add("up", filter=one_line)
    def _previous(event: Any) -> None:
        _recall(-1)

    @kb.add("c-n")
    @kb.add("down", filter=one_line)
    def _next(event: Any) -> None:
        _recall(+1)

    def line_prefix(lineno: int, wrap_count: int) -> Any:
        if wrap_count:
            return ""
        return [("class:prompt", prompt_text(request.prompt) if lineno == 0 else request.continuation)]

    body = Window(BufferControl(buffer, input_processors=[AppendAutoSuggestion()]), get_line_prefix=line_prefix,
                  wrap_lines=True, dont_extend_height=True)
    parts: list[Any] = [body]
    if request.toolbar is not None and not plain:
        bar = request.toolbar
        parts.append(ConditionalContainer(
            Window(FormattedTextControl(lambda: to_formatted_text(" " + bar())), height=1, style="class:toolbar"),
            filter=~is_done))
    style = Style.from_dict({"toolbar": "reverse", "auto-suggestion": "#888888", "prompt": ""})
    extra: dict[str, Any] = {}
    if plain:
        from prompt_toolkit.output import DummyOutput

        extra["output"] = DummyOutput()
        _plain_echo(buffer, request)
    app: Application = Application(layout=Layout(HSplit(parts)), key_bindings=kb, style=style,
                                   refresh_interval=0.5 if (request.toolbar or callable(request.prompt)) and not plain
                                   else None, erase_when_done=False, mouse_support=False, **extra)

    app.renderer.cpr_not_supported_callback = None  # a terminal without cursor reports works as well, unwarned

    async def watch() -> None:
        while not app.is_done:
            await asyncio.sleep(_TICK)
            try:
                store_draft()
            except Exception as exc:  # noqa: BLE001 - the store failed: end the entry and say so outside
                app.exit(exception=exc)
                return
            if deadline is not None and time.monotonic() >= deadline:
                done(app, Entry("timeout", buffer.text))
                return
            if take_swallowed_interrupt():  # a Ctrl-C dropped while the editor was being set up
                app.exit(exception=KeyboardInterrupt())
                return

    def pre_run() -> None:
        app.create_background_task(watch())

    try:
        with terminate_as_interrupt():
            entry = app.run(pre_run=pre_run, handle_sigint=False, set_exception_handler=False)
    except AnswerInterrupted:
        if plain:
            _echo("")
        raise
    except (KeyboardInterrupt, EOFError, OSError):  # Ctrl-C as a signal, SIGHUP, SIGTERM, a closed terminal
        raise AnswerInterrupted(buffer.text) from None
    if plain:
        _echo("")  # end the line the text was echoed on; a command stays on screen as typed
    elif echo:
        _echo(prompt_text(request.prompt) + echo[0])
    return entry


def _plain_echo(buffer: Any, request: Request) -> None:
    """Echo a buffer's changes on a terminal that cannot move the cursor: appended text as it
    comes, backspaces as backspaces, and any other change by writing the current line again."""
    from prompt_toolkit.utils import get_cwidth

    def write(text: str) -> None:
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except (OSError, ValueError):
            pass

    newline = "\r\n" + request.continuation
    write(prompt_text(request.prompt) + buffer.text.replace("\n", newline))
    shown = {"text": buffer.text}

    def changed(_: Any) -> None:
        old, new = shown["text"], buffer.text
        shown["text"] = new
        if new.startswith(old):
            write(new[len(old):].replace("\n", newline))
        elif old.startswith(new) and "\n" not in old[len(new):]:
            width = get_cwidth(old[len(new):])
            write("\b \b" * width)
        else:
            doc = buffer.document
            lead = prompt_text(request.prompt) if doc.cursor_position_row == 0 else request.continuation
            write("\r\n" + lead + doc.current_line)

    buffer.on_text_changed += changed


def _echo(text: str) -> None:
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except (OSError, ValueError):
        pass


read_entry.live = True  # type: ignore[attr-defined] - shows a live toolbar (the mock's clock)
read_plain_entry.live = False  # type: ignore[attr-defined]
