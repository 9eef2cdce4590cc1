"""Options and helpers shared by commands."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from mlsd.cli.complete import complete_level
from mlsd.session.context import Context
from mlsd.content.levels import LEVELS

if TYPE_CHECKING:  # the loader (pydantic, yaml) and store load only when a command runs
    from mlsd.content.index import CaseSummary
    from mlsd.content.loader import Catalog
    from mlsd.content.schema import Case, Framework
    from mlsd.session.store import Store

CasesDirOption = Annotated[
    Optional[list[Path]],
    typer.Option("--cases-dir", metavar="DIR", help="Also load cases from this folder (repeatable; MLSD_CASES works too).",
                 show_default=False),
]
LevelOption = Annotated[
    str, typer.Option("--level", "-L", help=f"The bar you are aiming for: {', '.join(LEVELS)}.", autocompletion=complete_level,
                      case_sensitive=False)
]


def check_level(level: str) -> str:
    from mlsd.errors import UserError, unknown_name

    level = level.lower()
    if level not in LEVELS:
        raise UserError(unknown_name("level", level, LEVELS))
    return level


def report_problems(problems: list, ctx: Context | None = None) -> None:
    """Each broken content file, one yellow line on stderr: it was skipped, the rest loaded."""
    err = (ctx or Context()).err_console
    for problem in problems:
        err.print(f"[yellow]skipped:[/] {problem}", highlight=False, markup=True, soft_wrap=True)


def catalog(cases_dir: list[Path] | None, ctx: Context | None = None, quiet: bool = False) -> "Catalog":
    """Load all cases; broken user files are reported on stderr and skipped."""
    from mlsd.content.loader import load_catalog

    loaded = load_catalog(cases_dir or [])
    if loaded.problems and not quiet:
        report_problems(loaded.problems, ctx)
    return loaded


def case_and_framework(case_id: str, cases_dir: list[Path] | None, ctx: Context | None = None,
                       quiet: bool = False) -> "tuple[Case, Framework]":
    """One case and its framework, as `catalog(...).case(case_id)` gives them (broken files
    reported the same way, an unknown id the same UnknownCase), without loading the other cases."""
    from mlsd.content.loader import load_case

    found = load_case(case_id, cases_dir or [])
    if found.problems and not quiet:
        report_problems(found.problems, ctx)
    return found.require()


def case_summaries(cases_dir: list[Path] | None, ctx: Context | None = None,
                   fingerprint: str | None = None) -> "list[CaseSummary]":
    """The cases as plain summaries (id, title, difficulty), from the content cache when nothing
    changed: no YAML parsing, no pydantic. Problems are reported as `catalog` reports them.
    `fingerprint`: the catalog's, if the caller has it (see `case_index`)."""
    from mlsd.content.index import case_index

    summaries, problems = case_index(cases_dir or [], fingerprint=fingerprint)
    if problems:
        report_problems(problems, ctx)
    return summaries


def check_case_id(case_id: str, cases_dir: list[Path] | None = None) -> None:
    """For commands that filter by case without loading the cases (history, disputes): an id no
    case file names is an UnknownCase, with "did you mean"; read from the files' first lines."""
    from mlsd.cli.complete import case_titles
    from mlsd.errors import UnknownCase

    known = case_titles(cases_dir or [])
    if case_id not in known:
        raise UnknownCase(case_id, sorted(known))


def open_store() -> "Store":
    from mlsd.session.store import Store

    return Store.open()
