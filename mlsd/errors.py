"""Errors the CLI turns into one-line messages, and the exit codes it uses."""

from __future__ import annotations

from enum import IntEnum


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


class UnknownCase(UserError):
    def __init__(self, case_id: str, known: list[str]):
        hint = f"; known cases: {', '.join(known)}" if known else ""
        super().__init__(f"unknown case '{case_id}'{hint}")
