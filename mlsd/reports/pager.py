"""Long output through the user's pager, as git does: MLSD_PAGER, then PAGER, then less.

Its own module, so a screen printed from the cache (mlsd.cli.screencache) can page without
importing the report renderers and their rich layout modules.
"""

from __future__ import annotations

import os

from rich.console import Console
from rich.pager import Pager


def pager_command(environ: dict | None = None) -> list[str] | None:
    """The pager to run, as git chooses it: MLSD_PAGER, then PAGER, then `less`; None for
    no pager (set to "" or `cat`). The command is split into words, never run through a shell."""
    import shlex

    env = os.environ if environ is None else environ
    for name in ("MLSD_PAGER", "PAGER"):
        if name in env:
            words = shlex.split(env[name]) if env[name].strip() else []
            return None if not words or words == ["cat"] else words
    return ["less"]


class _CommandPager(Pager):
    """Pipe rich's captured output into a pager; `LESS=FRX` unless set (as git: quit when it fits on
    one screen, keep the colours, leave the text on the screen)."""

    def __init__(self, argv: list[str]):
        self.argv = argv

    def show(self, content: str) -> None:
        import subprocess
        import sys

        env = dict(os.environ)
        env.setdefault("LESS", "FRX")
        try:
            proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, env=env)
        except OSError:  # no such pager: print as if there were none
            sys.stdout.write(content)
            sys.stdout.flush()
            return
        try:
            proc.communicate(content.encode(sys.stdout.encoding or "utf-8", errors="replace"))
        except (BrokenPipeError, KeyboardInterrupt):  # the reader quit the pager early
            pass
        proc.wait()


def paged(console: Console, *, enabled: bool = True):
    """A context in which what `console` prints goes through the user's pager, with its styles, when
    stdout is a terminal and paging is enabled (`--no-pager` turns it off); else printed as usual."""
    from contextlib import nullcontext

    argv = pager_command() if enabled and console.is_terminal and not console.is_dumb_terminal else None
    if argv is None:
        return nullcontext()
    return console.pager(pager=_CommandPager(argv), styles=True)


def page_text(console: Console, text: str, *, enabled: bool = True) -> bool:
    """Show plain text (markdown notes) through the pager when `paged` would page; False when it
    did not, so the caller prints the text itself, byte for byte."""
    argv = pager_command() if enabled and console.is_terminal and not console.is_dumb_terminal else None
    if argv is None:
        return False
    _CommandPager(argv).show(text)
    return True
