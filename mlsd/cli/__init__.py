"""The `mlsd` command line: parse, call a library function, render.

Each command group lives in its own module with a `register(app)` function.
Errors become one-line messages here, in one place: exit 2 for a user
error (a usage mistake, bad input, a database that cannot be used, output
that cannot be written), 130 for Ctrl-C.
"""

from __future__ import annotations

import signal
import sys
from typing import Annotated, Optional


import typer
from typer.core import TyperGroup

try:  # recent typer carries its own copy of click
    from typer._click.exceptions import ClickException, UsageError
except ImportError:  # pragma: no cover - older typer runs on click itself
    from click.exceptions import ClickException, UsageError
try:
    from typer._click.exceptions import NoArgsIsHelpError
except ImportError:  # pragma: no cover
    try:
        from click.exceptions import NoArgsIsHelpError
    except ImportError:  # click < 8.2 printed the help itself
        class NoArgsIsHelpError(UsageError):  # type: ignore[no-redef]
            pass

from mlsd import __version__
from mlsd.cli import fastparams
from mlsd.errors import ExitStatus, UserError

fastparams.install()  # plain option values without pydantic: saves 100-200 ms a command


def _print_error(message: str, prefix: str = "mlsd") -> None:
    from rich.console import Console
    from rich.markup import escape

    message = " ".join(message.split())  # one line, whatever the message held
    try:
        # soft_wrap: an error is one line however long its path; the terminal wraps it, not us
        Console(stderr=True, highlight=False).print(f"[bold red]{escape(prefix)}:[/] {escape(message)}",
                                                    soft_wrap=True)
    except (OSError, ValueError):  # stderr itself is gone: the exit status still tells
        pass


def _store_problem(exc: BaseException) -> UserError | None:
    """A database error from anywhere in a command, as the store's one-line message."""
    sqlite3 = sys.modules.get("sqlite3")
    if sqlite3 is None or not isinstance(exc, sqlite3.Error):
        return None
    from mlsd.session.store import describe

    return describe(exc)


def _usage_line(exc: ClickException) -> tuple[str, str]:
    """(command path, message) of a usage error, as one line that points at --help."""
    ctx = getattr(exc, "ctx", None)
    path = ctx.command_path if ctx is not None else "mlsd"
    message = " ".join(exc.format_message().split()).rstrip(".")
    message = message[:1].lower() + message[1:]
    if ctx is not None and isinstance(exc, UsageError):
        message += f" (see `{path} --help`)"
    return path, message


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
        except Exception as exc:
            problem = _store_problem(exc)
            if problem is None:
                raise
            _print_error(str(problem))
            raise typer.Exit(ExitStatus.USER_ERROR) from None

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """Click's standalone mode, with usage errors as one line (not a box) and exit 2."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except NoArgsIsHelpError as exc:
            typer.echo(exc.ctx.get_help(), nl=False)  # `mlsd` or `mlsd dev` alone: the help it asks for
            sys.exit(0)
        except ClickException as exc:
            _print_error(*reversed(_usage_line(exc)))
            sys.exit(ExitStatus.USER_ERROR)
        except typer.Abort:
            _print_error("aborted (end of input)")
            sys.exit(ExitStatus.USER_ERROR)
        sys.exit(result if isinstance(result, int) else 0)


from mlsd.cli import helptext

helptext.tidy()  # `--help` without `<bool>`, `<str>`, `<list[Path]>`

app = typer.Typer(
    cls=MlsdGroup,
    name="mlsd",
    help="Practise machine learning system design interviews: answer each step out loud (well, in text), "
    "get graded against an interviewer's rubric, run toy models that show the idea, and feel the clock.",
    epilog="Start with: mlsd list, then mlsd practice ctr",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    add_completion=True,  # --install-completion / --show-completion; ids complete via mlsd.cli.complete
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
    for optional in ("mock", "lab", "export", "progress", "estimate", "dev"):
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
    from mlsd.cli import streams

    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, _hangup)
    stdout_closed, guard = streams.prepare()
    if stdout_closed:
        _print_error("standard output is closed; run mlsd with somewhere to write (a terminal, a file or a pipe)")
        sys.exit(ExitStatus.USER_ERROR)
    code: object = 0
    try:
        app(args=argv, prog_name="mlsd")
    except KeyboardInterrupt:
        _print_error("interrupted")
        code = ExitStatus.INTERRUPTED
    except SystemExit as exc:
        code = exc.code
    if guard is not None and guard.error is not None and not streams.broken_pipe(guard.error):
        error = guard.error
        _print_error(f"cannot write to standard output ({error.strerror or error}); the command still ran to the end")
        code = ExitStatus.USER_ERROR
    sys.exit(code)
