"""The `mlsd` command line: parse, call a library function, render.

Each command group lives in its own module with a `register(app)` function.
Errors become one-line messages here, in one place: exit 2 for a user
error, 130 for Ctrl-C.
"""

from __future__ import annotations

import signal
import sys
from typing import Annotated, Optional


import typer
from typer.core import TyperGroup

from mlsd import __version__
from mlsd.errors import ExitStatus, UserError


def _print_error(message: str) -> None:
    from rich.console import Console
    from rich.markup import escape

    # soft_wrap: an error is one line however long its path; the terminal wraps it, not us
    Console(stderr=True, highlight=False).print(f"[bold red]mlsd:[/] {escape(message)}", soft_wrap=True)


class MlsdGroup(TyperGroup):
    """Maps library errors to one-line messages and exit codes for every command."""

    def list_commands(self, ctx) -> list[str]:
        return list(self.commands)  # the order they were registered in, not alphabetical

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except UserError as exc:
            _print_error(str(exc))
            raise typer.Exit(ExitStatus.USER_ERROR) from None
        except KeyboardInterrupt:
            _print_error("interrupted; nothing typed was lost (`mlsd resume` continues a practice session)")
            raise typer.Exit(ExitStatus.INTERRUPTED) from None


app = typer.Typer(
    cls=MlsdGroup,
    name="mlsd",
    help="Practise machine learning system design interviews: answer each step out loud (well, in text), "
    "get graded against an interviewer's rubric, run toy models that show the idea, and feel the clock.",
    epilog="Start with: mlsd list, then mlsd practice ctr",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mlsd {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = None,
) -> None:
    """mlsd: an interactive tutor for ML system design interviews."""


def _register_all() -> None:
    from mlsd.cli import content, grade, history, practice

    content.register(app)
    practice.register(app)
    grade.register(app)
    history.register(app)
    for optional in ("mock", "lab", "export", "progress", "dev"):
        try:
            module = __import__(f"mlsd.cli.{optional}", fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name != f"mlsd.cli.{optional}":
                raise
            continue
        module.register(app)


_register_all()


def _hangup(signum, frame):  # a closed terminal: treat like Ctrl-C so drafts are saved
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, _hangup)
    try:
        app(args=argv, prog_name="mlsd")
    except KeyboardInterrupt:
        _print_error("interrupted")
        sys.exit(ExitStatus.INTERRUPTED)
