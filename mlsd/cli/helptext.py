"""Help text without Python type noise.

Recent typer prints a type column in `--help` built from the annotations: `<bool>` beside every
flag, `<str>` beside every argument, `<list[Path]>` beside a repeatable option. A user needs
none of that: a flag takes no value, an argument's name already says what it is, and an option
shows one plain word for its value (its metavar, else PATH, N or its own name), as git and
click do. This is the one place that decides; `tidy()` installs it before any help is printed. Metavars are
written bare (`CASE`, not `[CASE]`): the usage line adds the brackets of an optional argument.
"""

from __future__ import annotations

import inspect
import re


def value_word(param) -> str | None:
    """What `--help` shows beside a parameter: None for flags and arguments, else one word."""
    if getattr(param, "param_type_name", "") == "argument":
        return None
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return None
    if param.metavar:
        return param.metavar
    desc = getattr(param, "type_descriptor", None)
    if desc is not None:
        annotation = getattr(desc, "annotation", None)
        if annotation in (int, float):
            return "N"
        if getattr(desc, "is_path", False):
            return "DIR" if getattr(desc, "path_type", "") == "dir" else "PATH"
    longest = max((opt for opt in getattr(param, "opts", []) if opt.startswith("--")), key=len, default="")
    return (longest.lstrip("-") or param.name or "value").replace("-", "_").upper()  # --case CASE


def tidy() -> None:
    """Make typer's help use `value_word` (a no-op on typer versions without the type column)."""
    try:
        from typer import core
    except ImportError:  # pragma: no cover
        return
    base = getattr(core, "_TyperParameter", None)
    for cls in (base, getattr(core, "TyperArgument", None), getattr(core, "TyperOption", None)):
        if cls is not None and "display_type_rich" in vars(cls):
            cls.display_type_rich = lambda self, ctx: value_word(self)
    argument = getattr(core, "TyperArgument", None)
    if argument is not None and "_usage_display_name" in vars(argument):
        argument._usage_display_name = usage_name
    for cls in (getattr(core, "TyperCommand", None), getattr(core, "TyperGroup", None)):
        if cls is not None and "format_help" in vars(cls) and not getattr(cls.format_help, "_reflows", False):
            cls.format_help = _reflowing(cls.format_help)


def reflow(text: str) -> str:
    """A docstring's paragraphs as single lines, so the terminal wraps them at its own width: typer
    keeps the docstring's line breaks in rich mode, and a line wrapped at 100 columns in the source
    ends ragged at 80. List items ("- ", "* ", "• ", "1. ") start a line of their own; a paragraph
    that starts with click's "\b" is kept as written."""
    paragraphs = []
    for paragraph in text.split("\n\n"):
        if paragraph.lstrip().startswith("\b"):
            paragraphs.append(paragraph)
            continue
        lines: list[str] = []
        for line in paragraph.splitlines():
            stripped = line.strip()
            if lines and stripped and not _LIST_ITEM.match(stripped):
                lines[-1] += " " + stripped
            elif stripped or not lines:
                lines.append(line.rstrip() if _LIST_ITEM.match(stripped) else stripped)
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


_LIST_ITEM = re.compile(r"^(?:[-*•]\s|\d+[.)]\s)")


def _reflowing(format_help):
    def wrapped(self, ctx, formatter):
        if self.help and not getattr(self, "_mlsd_reflowed", False):
            self.help = reflow(inspect.cleandoc(self.help))
            self._mlsd_reflowed = True
        return format_help(self, ctx, formatter)

    wrapped._reflows = True
    return wrapped


def usage_name(param) -> str:
    """An argument in the usage line as click writes it: CASE, [CASE], PATH... (not {CASE})."""
    name = param.metavar or (param.name or "arg").upper()
    if not param.required:
        name = f"[{name}]"
    return name + ("..." if param.nargs != 1 else "")
