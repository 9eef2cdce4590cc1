"""A Ctrl-C that Python had to drop (its handler ran inside a weakref callback or a __del__, where
an exception cannot propagate) still ends the session at the next entry, with nothing lost."""

from __future__ import annotations

import io
import sys
import weakref

import pytest
from rich.console import Console

from mlsd.session.context import Context
from mlsd.tui import signals
from mlsd.tui.entry import AnswerInterrupted, Request


class _Target:
    pass


def _drop_an_interrupt() -> None:
    """What the garbage collector does when SIGINT lands in a weakref callback."""

    def callback(_ref: object) -> None:
        raise KeyboardInterrupt

    target = _Target()
    ref = weakref.ref(target, callback)
    del target  # the callback runs here; its exception goes to sys.unraisablehook
    assert ref() is None


@pytest.fixture
def hook(monkeypatch):
    monkeypatch.setattr(sys, "unraisablehook", sys.__unraisablehook__)
    signals.keep_swallowed_interrupts()
    signals.take_swallowed_interrupt()
    yield
    signals.take_swallowed_interrupt()


def _ctx(lines: list[str]) -> Context:
    console = Console(file=io.StringIO(), width=80)
    typed = iter(lines)
    return Context(console=console, err_console=console, read_line=lambda prompt: next(typed), stdin_is_tty=False)


def test_a_dropped_interrupt_ends_the_next_entry_keeping_its_text(hook, capsys):
    _drop_an_interrupt()
    assert "Exception ignored" not in capsys.readouterr().err  # not printed as a stray traceback
    ctx = _ctx(["never read", "."])
    with pytest.raises(AnswerInterrupted) as caught:
        ctx.read_entry(Request(prompt="› ", initial="half a line"))
    assert caught.value.text == "half a line"


def test_it_is_raised_once_and_later_entries_read_as_usual(hook):
    _drop_an_interrupt()
    ctx = _ctx(["we need the peak qps", "."])
    with pytest.raises(AnswerInterrupted):
        ctx.read_entry(Request(prompt="› "))
    entry = ctx.read_entry(Request(prompt="› "))
    assert entry.kind == "finish" and entry.text == "we need the peak qps"


def test_without_a_dropped_interrupt_nothing_is_raised(hook):
    ctx = _ctx(["a line", "."])
    assert ctx.read_entry(Request(prompt="› ")).text == "a line"


def test_other_unraisable_errors_still_reach_the_previous_hook(monkeypatch):
    seen = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: seen.append(u.exc_type))
    signals.keep_swallowed_interrupts()
    signals.keep_swallowed_interrupts()  # installing twice wraps once

    def callback(_ref: object) -> None:
        raise ValueError("a bug elsewhere")

    target = _Target()
    ref = weakref.ref(target, callback)  # noqa: F841 - kept alive so the callback runs
    del target
    assert seen == [ValueError]
    assert not signals.take_swallowed_interrupt()
