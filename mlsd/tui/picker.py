"""Choosing a case when none was named: a numbered list, or one at random."""

from __future__ import annotations

import random

from rich.table import Table

from mlsd.session.context import Context
from mlsd.errors import UserError
from mlsd.tui.entry import Request


def random_case(case_ids: list[str]) -> str:
    if not case_ids:
        raise UserError("no cases to pick from; see `mlsd validate`")
    return random.choice(sorted(case_ids))


def pick_case(ctx: Context, catalog, command: str) -> str:
    """Ask which case to run (a number or an id; Enter picks one at random)."""
    ids = sorted(catalog.cases)
    if not ids:
        raise UserError("no cases to pick from; see `mlsd validate`")
    if not ctx.stdin_is_tty:
        raise UserError(f"name a case (see `mlsd list`), or pass --random: mlsd {command} CASE")
    table = Table(title="Pick a case", title_justify="left")
    for column in ("#", "id", "title", "difficulty"):
        table.add_column(column, justify="right" if column == "#" else "left")
    for number, case_id in enumerate(ids, start=1):
        case = catalog.case(case_id)
        table.add_row(str(number), case_id, case.title, case.difficulty)
    ctx.console.print(table)
    while True:
        try:
            entry = ctx.read_entry(Request(prompt="Case (number or id; Enter for a random one, :q to cancel) › ",
                                           is_command=lambda line: True))
        except KeyboardInterrupt:
            raise
        if entry.kind == "eof":
            raise UserError("no case picked")
        choice = (entry.line or entry.text).strip()
        if choice.lower() in (":q", ":quit", "q", "quit"):
            raise UserError("no case picked")
        if not choice:
            return random_case(ids)
        if choice.isascii() and choice.isdigit() and 1 <= int(choice) <= len(ids):
            return ids[int(choice) - 1]
        if choice in catalog.cases:
            return choice
        ctx.console.print(f"[yellow]Pick 1-{len(ids)} or one of: {', '.join(ids)}.[/]")
