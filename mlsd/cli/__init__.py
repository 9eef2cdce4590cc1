"""The `mlsd` command line: parse, call a library function, render.

Each command group lives in its own module with a `register(app)` function.
Errors become one-line messages here, in one place: exit 2 for a user
error (a usage mistake, bad input, a database that cannot be used, output
that cannot be written), 130 for Ctrl-C.
"""

from __future__ import annotations

import os
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

_APP_SETTINGS = dict(
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

# Command modules, in the order their commands appear in `mlsd --help`; each has register(app).
# The optional ones may be missing from a trimmed install.
_MODULES = ("content", "practice", "grade", "history", "mock", "lab", "export", "progress", "estimate", "dev")
_REQUIRED = {"content", "practice", "grade", "history"}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mlsd {__version__}")
        raise typer.Exit()


def _root(
    version: Annotated[
        Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = None,
) -> None:
    """mlsd: an interactive tutor for ML system design interviews."""


def _new_app(cls: type = MlsdGroup, **overrides) -> typer.Typer:
    new = typer.Typer(cls=cls, **{**_APP_SETTINGS, **overrides})
    new.callback()(_root)
    return new


def _command_module(name: str):
    """mlsd.cli.NAME, or None when an optional command module is not installed."""
    try:
        return __import__(f"mlsd.cli.{name}", fromlist=["register"])
    except ModuleNotFoundError as exc:
        if name in _REQUIRED or exc.name != f"mlsd.cli.{name}":
            raise
        return None


def _register_all(target: typer.Typer) -> None:
    for name in _MODULES:
        module = _command_module(name)
        if module is not None:
            module.register(target)


def _module_commands(name: str) -> tuple[dict, set[str]]:
    """The click commands module `name` registers, converted as on the main app (same settings),
    and the names among them that are groups added with add_typer."""
    import typer.main

    module = _command_module(name)
    if module is None:
        return {}, set()
    holder = _new_app(cls=TyperGroup, add_completion=False)
    module.register(holder)
    groups = {info.name for info in holder.registered_groups}
    return dict(typer.main.get_command(holder).commands), groups


# ------------------------------------------------------------------ lazy start-up
# typer converts every registered command's parameters when the app starts (most of the cost
# of `mlsd list`), and importing every command module costs more. So `mlsd` itself (main())
# starts with light stand-ins: the same names, help, panels and flags as the real commands,
# read from an index derived from the real commands and cached (keyed by the bytes of every
# mlsd/cli module and the package versions, so never stale). Resolving a command (`mlsd CMD`,
# `mlsd CMD --help`, completion inside CMD) swaps in its real module's commands; `mlsd --help`,
# completing command names and did-you-mean need only the stand-ins. A cache miss (or
# MLSD_NO_CACHE=1) derives the index again, importing every command module. Importing `app`
# from here gives the full app with every command registered, as before.

_INDEX_FIELDS = ("help", "short_help", "hidden", "deprecated", "rich_help_panel", "epilog")


def command_index() -> dict[str, dict]:
    """Command name -> {module, help, ...} from the real commands (imports every command module)."""
    commands: dict[str, dict] = {}
    groups: dict[str, dict] = {}
    for name in _MODULES:
        found, group_names = _module_commands(name)
        for command_name, command in found.items():
            entry = {field: getattr(command, field, None) for field in _INDEX_FIELDS}
            (groups if command_name in group_names else commands)[command_name] = {"module": name, **entry}
    return {**commands, **groups}  # typer lists an app's commands first, then its add_typer groups


def _index_key() -> str:
    from mlsd.content import cache

    return cache.derived_key("cli-command-index", ",".join(_MODULES), cache.sources_beside(__file__))


def _cached_index() -> dict[str, dict] | None:
    from mlsd.content import cache

    if not cache.enabled():
        return None
    index = cache.get(_index_key(), dict)
    if not index or not all(isinstance(v, dict) and v.get("module") in _MODULES for v in index.values()):
        return None
    return index


def standin(name: str, entry: dict):
    """A command that only names itself: what `mlsd --help` and completion of names read."""
    from typer.core import TyperCommand

    return TyperCommand(name=name, **{field: entry.get(field) for field in _INDEX_FIELDS})


class LazyMlsdGroup(MlsdGroup):
    """The top-level group with stand-ins that become real commands when resolved."""

    index: dict[str, dict] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._standins = {name: standin(name, entry) for name, entry in self.index.items()}
        for name, command in self._standins.items():
            self.commands.setdefault(name, command)

    def load(self, name: str) -> None:
        """Swap in the real commands of the module that registers command `name`."""
        entry = self.index.get(name)
        if entry is None or self.commands.get(name) is not self._standins.get(name):
            return
        for command_name, command in _module_commands(entry["module"])[0].items():
            self.commands[command_name] = command

    def resolve_command(self, ctx, args):
        if args:
            name = args[0]
            if ctx.token_normalize_func is not None:
                name = ctx.token_normalize_func(name)
            self.load(name)
        return super().resolve_command(ctx, args)


def lazy_app(index: dict[str, dict]) -> typer.Typer:
    group = type("LazyMlsdGroup", (LazyMlsdGroup,), {"index": index})
    return _new_app(cls=group)


def _deferred(module: str, attr: str) -> type:
    """A class named `attr` whose instances are the real `module.attr`'s, imported on first use."""

    def __new__(cls, *args, **kwargs):
        import importlib

        return getattr(importlib.import_module(module), attr)(*args, **kwargs)

    return type(attr, (), {"__new__": __new__, "__module__": module})


def _light_rich_utils() -> None:
    """Import typer.rich_utils (help and completion text) without rich.markdown and rich.traceback.

    It imports both at its top, for markdown help and pretty tracebacks, which mlsd does not use
    (rich markup; pretty exceptions off): markdown-it alone is ~70 ms, a quarter of `mlsd --help`.
    Stand-in modules serve that one import and are removed at once, so any later import of
    rich.markdown or rich.traceback gets the real module, and typer, if it ever renders
    markdown, gets a real Markdown from the stand-in class.
    """
    if "typer.rich_utils" in sys.modules:
        return
    import types

    stubs = {}
    for module, attr in (("rich.markdown", "Markdown"), ("rich.traceback", "Traceback")):
        if module not in sys.modules:
            stub = types.ModuleType(module)
            setattr(stub, attr, _deferred(module, attr))
            stubs[module] = stub
    sys.modules.update(stubs)
    try:
        import typer.rich_utils  # noqa: F401
    except ImportError:  # a typer that wants more of those modules: import it the ordinary way
        sys.modules.pop("typer.rich_utils", None)
    finally:
        for module, stub in stubs.items():
            if sys.modules.get(module) is stub:
                del sys.modules[module]


def _startup_app() -> typer.Typer:
    """The app `mlsd` runs: stand-ins from the cached command index (derived again on a miss)."""
    from mlsd.content import cache

    index = _cached_index()
    if index is None:
        index = command_index()
        if cache.enabled():
            cache.put(_index_key(), index)  # put never raises: an unwritable folder only costs speed
    return lazy_app(index)


def __getattr__(name: str):
    """`app`, with every command registered, built on first use (tests and embedders import it)."""
    if name == "app":
        full = _new_app()
        _register_all(full)
        globals()["app"] = full
        return full
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _hangup(signum, frame):  # a closed terminal: treat like Ctrl-C so drafts are saved
    raise KeyboardInterrupt


def _run_app(args: list[str], argv: list[str] | None) -> None:
    if not args or "--help" in args or "-h" in args or "_MLSD_COMPLETE" in os.environ:
        _light_rich_utils()  # the commands that render typer's rich help or completion text
    _startup_app()(args=argv, prog_name="mlsd")


def main(argv: list[str] | None = None) -> None:
    from mlsd.cli import streams

    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, _hangup)
    from mlsd.tui.signals import keep_swallowed_interrupts

    keep_swallowed_interrupts()
    stdout_closed, guard = streams.prepare()
    if stdout_closed:
        _print_error("standard output is closed; run mlsd with somewhere to write (a terminal, a file or a pipe)")
        sys.exit(ExitStatus.USER_ERROR)
    code: object = 0
    try:
        args = sys.argv[1:] if argv is None else argv
        from mlsd.cli import helpcache

        if not helpcache.run(args, lambda: _run_app(args, argv)):  # the root help comes from the cache
            _run_app(args, argv)
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


# Commands that only read content and print. Freeing every object of the process at exit (the
# grader's phrase tables, the cases) costs a warm `mlsd grade` about a tenth of its time, so the
# `mlsd` script ends their process without that teardown, after flushing and running atexit.
_READ_ONLY = frozenset({"list", "show", "grade", "validate", "--help", "-h", "--version"})


def entry() -> None:
    """The `mlsd` script: `main()`, then for a read-only command an exit that skips the teardown.
    (main() itself always raises SystemExit, so tests and embedders can call it.)"""
    args = sys.argv[1:]
    try:
        main()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    if (not args or args[0] in _READ_ONLY) and (code is None or isinstance(code, int)):
        import atexit

        for stream in (sys.stdout, sys.stderr):
            try:
                if stream is not None:  # None: started with the descriptor closed
                    stream.flush()
            except (OSError, ValueError):  # a closed or broken stream: main() has said so already
                pass
        atexit._run_exitfuncs()
        os._exit(code or 0)
    sys.exit(code)

