"""Screens that depend only on content, code and the terminal, kept as last rendered.

`mlsd list` and `mlsd show CASE` print the same text every time nothing changed: the same
cases (and best scores, for list), the same code, the same terminal. Laying that text out
with rich (tables, panels, reflowed prose) is about half of each command's own time, so
the text is stored in the content cache under a key of everything it depends on:

- what the caller names (the catalog's fingerprint, the arguments, the scores shown);
- how the output is shown: the console's width, colour system, encoding and whether it is
  a terminal, and the environment variables rich and typer read;
- the code that renders it: mlsd's command, report and session modules, and rich's and
  typer's installed versions.

Any change to one of them renders (and stores) afresh, so a stored screen is exactly what
rendering would print. `MLSD_NO_CACHE=1` turns it off with the rest of the cache.
"""

from __future__ import annotations

import os
import sys
from typing import Callable, Sequence

# what rich and typer read from the environment when they lay out and colour text
ENVIRONMENT = ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "TERM", "COLORTERM", "TTY_COMPATIBLE",
               "TTY_INTERACTIVE", "TERMINAL_WIDTH", "_TYPER_FORCE_DISABLE_TERMINAL", "JUPYTER_COLUMNS",
               "JUPYTER_LINES", "PYTHONIOENCODING")


def terminal(console) -> list[str]:
    """What a rich console detected about its output, and the environment it read."""
    shown = [str(console.width), str(console.color_system), str(console.is_terminal),
             str(console.legacy_windows), str(console.encoding)]
    return shown + [f"{name}={os.environ.get(name)}" for name in ENVIRONMENT]


def _installed(module_name: str) -> str:
    """A package's installed distribution (name and version, from its dist-info folder beside
    it), without importing importlib.metadata; "?" where there is none (a source checkout)."""
    module = sys.modules.get(module_name)
    folder = os.path.dirname(os.path.dirname(getattr(module, "__file__", "") or ""))
    prefix = module_name.replace("_", "-").lower() + "-"
    try:
        names = [n for n in os.listdir(folder) if n.endswith(".dist-info")
                 and n.replace("_", "-").lower().startswith(prefix)]
    except OSError:
        names = []
    return ",".join(sorted(names)) or "?"


def render_code() -> list[str]:
    """The source files a screen's text depends on: mlsd's commands, reports and session
    context (the console's settings); rich's and typer's versions are in `key`."""
    from mlsd.content import cache
    from mlsd.reports import __file__ as reports_init
    from mlsd.session import __file__ as session_init

    return [*cache.sources_beside(__file__), *cache.sources_beside(reports_init),
            os.path.join(os.path.dirname(session_init), "context.py")]


def key(kind: str, console, parts: Sequence[str]) -> str | None:
    """The cache entry of screen `kind` for these parts on this console; None with the cache off."""
    from mlsd.content import cache

    if not cache.enabled():
        return None
    shown = [kind, *parts, *terminal(console), _installed("rich"), _installed("typer")]
    return cache.derived_key("screen", "\0".join(shown), render_code())


def show(console, kind: str, parts: Sequence[str], render: Callable[[], None], *, page: bool = False) -> None:
    """Print screen `kind` from the cache, or run `render()` (printing to `console`), store the
    text and print it. With `page`, the text goes through the user's pager as `paged` would send
    it (on a terminal, when a pager is set). An error in `render` stores nothing."""
    from mlsd.content import cache

    entry = key(kind, console, parts)
    text = cache.get(entry, str) if entry else None
    if text is None:
        with console.capture() as captured:
            render()
        text = captured.get()
        if entry and text:
            cache.put(entry, text)
    if page and console.is_terminal:
        from mlsd.reports.pager import page_text

        if page_text(console, text):
            return
    console.file.write(text)
    console.file.flush()
