"""Signals while a session stores what was typed.

A closed terminal sends SIGHUP (and often SIGINT right after), a `kill`
SIGTERM. While the editor runs, SIGTERM ends it like Ctrl-C so the text
typed is handed back; while that text is being stored, further signals wait
until the store has it.
"""

from __future__ import annotations

import signal
import sys
from contextlib import contextmanager
from typing import Any, Iterator

_HELD = tuple(getattr(signal, name) for name in ("SIGINT", "SIGHUP", "SIGTERM") if hasattr(signal, name))


@contextmanager
def held() -> Iterator[None]:
    """Hold Ctrl-C, SIGHUP and SIGTERM until the block is done (then they are delivered)."""
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    except (AttributeError, ValueError, OSError):  # not POSIX, or not the main thread
        previous = None
    try:
        yield
    finally:
        if previous is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt inside the block, so what was typed is stored on the way out."""
    previous = None
    if hasattr(signal, "SIGTERM"):
        try:
            previous = signal.signal(signal.SIGTERM, _raise_interrupt)
        except ValueError:  # not the main thread
            previous = None
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


# Python cannot raise an exception out of a weakref callback, a __del__ or a
# finaliser: a Ctrl-C whose handler runs in one (the garbage collector runs
# them at any moment) is printed as "Exception ignored" and lost, and the
# session would wait at its next prompt as if no key was pressed. The hook
# below keeps such an interrupt so the next read of an entry raises it.
_swallowed = {"interrupt": False}


def keep_swallowed_interrupts() -> None:
    """Install (once) a sys.unraisablehook that remembers a KeyboardInterrupt Python had to drop."""
    previous = sys.unraisablehook
    if getattr(previous, "_keeps_interrupts", False):
        return

    def hook(unraisable: Any) -> None:
        if isinstance(unraisable.exc_value, KeyboardInterrupt) or unraisable.exc_type is KeyboardInterrupt:
            _swallowed["interrupt"] = True
            return
        previous(unraisable)

    hook._keeps_interrupts = True  # type: ignore[attr-defined]
    sys.unraisablehook = hook


def take_swallowed_interrupt() -> bool:
    """True once for each Ctrl-C that was dropped since the last call."""
    swallowed, _swallowed["interrupt"] = _swallowed["interrupt"], False
    return swallowed
