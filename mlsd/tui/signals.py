"""Signals while a session stores what was typed.

A closed terminal sends SIGHUP (and often SIGINT right after), a `kill`
SIGTERM. While the editor runs, SIGTERM ends it like Ctrl-C so the text
typed is handed back; while that text is being stored, further signals wait
until the store has it.
"""

from __future__ import annotations

import signal
from contextlib import contextmanager
from typing import Iterator

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
