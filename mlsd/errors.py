"""Errors the CLI turns into one-line messages, and the exit codes it uses."""

from __future__ import annotations

from enum import IntEnum
from typing import Iterable


class ExitStatus(IntEnum):
    OK = 0
    ERROR = 1
    USER_ERROR = 2
    INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C


class UserError(Exception):
    """A mistake by the user: one-line message, exit status 2."""


class ContentError(UserError):
    """A case or framework file that cannot be loaded; lists each problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        first = problems[0] if problems else "invalid content"
        more = f" (and {len(problems) - 1} more problem(s); run `mlsd validate`)" if len(problems) > 1 else ""
        super().__init__(first + more)


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """The choice closest to a mistyped `word` (case ignored), if any is close enough."""
    import difflib

    by_lower: dict[str, str] = {}
    for choice in choices:
        by_lower.setdefault(choice.lower(), choice)
    close = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[close[0]] if close else None


def unknown_name(kind: str, word: str, choices: Iterable[str], listing: str = "") -> str:
    """One line for a name that is not among `choices`: "did you mean" the closest one, else the
    choices (or `listing`, a pointer such as "`mlsd lab --list` shows them", when they are many)."""
    choices = list(choices)
    close = did_you_mean(word, choices)
    if close is not None:
        return f"unknown {kind} '{word}'; did you mean '{close}'?"
    if listing:
        return f"unknown {kind} '{word}'; {listing}"
    return f"unknown {kind} '{word}'" + (f"; known {kind}s: {', '.join(choices)}" if choices else "")


class UnknownCase(UserError):
    def __init__(self, case_id: str, known: list[str]):
        super().__init__(unknown_name("case", case_id, known))
