"""`mlsd --help` from the content cache: the root help as it was last rendered for this terminal.

Rendering the root help is typer's rich layout of every command (~30 ms, an eighth of the
command). Its text depends only on the CLI's code, typer's and rich's, and how the output
is shown: the width, the colour system, whether it is a terminal, and the environment
variables rich and typer read. All of those form the key, so the cached text is exactly
what rendering would print; any change to one of them renders (and stores) afresh.
"""

from __future__ import annotations

import os
import sys

# `mlsd`, `mlsd --help`, `mlsd -h`: the invocations whose whole output is the root help
ROOT_HELP_ARGS = ((), ("--help",), ("-h",))
_TYPER_CODE = ("__init__.py", "core.py", "main.py", "rich_utils.py")  # __init__ holds its version


class _Recorder:
    """Stands in for sys.stdout while the help renders: passes every write on and keeps a copy."""

    def __init__(self, stream):
        self._stream = stream
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        written = self._stream.write(text)  # first: click probes with write(b"") and expects a TypeError
        if isinstance(text, str):  # a stream that took the probe's bytes (a pipe's guard) kept nothing to show
            self.parts.append(text)
        return written

    def __getattr__(self, name: str):  # isatty, fileno, encoding, flush: what rich asks of the file
        return getattr(self._stream, name)


def _key(args: tuple[str, ...]) -> str | None:
    from rich.console import Console

    from mlsd.content import cache

    if not cache.enabled():
        return None
    from mlsd.cli.screencache import terminal

    shown = [repr(args), *terminal(Console())]  # what rich detects for this output: the width and colours it would use
    typer_folder = os.path.dirname(sys.modules["typer"].__file__)
    rich_folder = os.path.dirname(sys.modules["rich"].__file__)
    code = [*cache.sources_beside(__file__), *(os.path.join(typer_folder, name) for name in _TYPER_CODE),
            os.path.join(rich_folder, "console.py")]
    return cache.derived_key("root-help", "\0".join(shown), code)


def run(args: list[str], render) -> bool:
    """Print the root help from the cache, or render it with `render()` and store what it printed.
    False when `args` do not ask for the root help (then nothing was run)."""
    wanted = tuple(args)
    if wanted not in ROOT_HELP_ARGS or "_MLSD_COMPLETE" in os.environ:
        return False
    from mlsd.content import cache

    key = _key(wanted)
    text = cache.get(key, str) if key else None
    if text:
        sys.stdout.write(text)
        return True
    recorder = _Recorder(sys.stdout)
    sys.stdout = recorder
    try:
        render()
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise
    finally:
        sys.stdout = recorder._stream
    if key and recorder.parts:
        cache.put(key, "".join(recorder.parts))
    return True
