"""Parameter coercion without pydantic for the plain values mlsd's commands take.

Typer (0.2x and later) coerces every command-line value through a pydantic
TypeAdapter; building the first one imports pydantic and costs 100-200 ms,
more than the rest of `mlsd list` or `mlsd show`. `install()` wraps typer's
`build_runtime_param` so that the common, unambiguous cases are done in plain
Python: a str kept as a str, a bool flag, a whole decimal number within its
min/max, a path string made a Path (typer's own `coerce_cli_path` then does
its exists/dir/file checks). Anything else (an enum, a custom parser, a value
out of range, odd text) goes to typer's pydantic coercion unchanged, so every
error message stays typer's own.

If typer's internals differ from what this expects, install() does nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args, get_origin

_INT = re.compile(r"-?[0-9]{1,18}")
_FLOAT = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,15})?")
_SLOW = object()  # "not a plain case: ask typer"
_installed = False


def _leaf(annotation: Any, info: Any, value: Any, param: Any, ctx: Any) -> Any:
    """The coerced value of one plain item, or _SLOW."""
    if annotation is str:
        return value if isinstance(value, str) else _SLOW
    if annotation is bool:
        return value if isinstance(value, bool) else _SLOW
    if annotation is int or annotation is float:
        if isinstance(value, bool):
            return _SLOW
        if isinstance(value, annotation):
            number = value
        elif isinstance(value, str) and (_INT if annotation is int else _FLOAT).fullmatch(value):
            number = annotation(value)
        else:
            return _SLOW
        low, high = getattr(info, "min", None), getattr(info, "max", None)
        if getattr(info, "clamp", False) or (low is not None and number < low) or (high is not None and number > high):
            return _SLOW  # typer clamps or words the range error
        return number
    if isinstance(annotation, type) and issubclass(annotation, Path):
        from typer._param_types import coerce_cli_path

        path_type = getattr(info, "path_type", None) or annotation
        if not (isinstance(path_type, type) and issubclass(path_type, Path)):
            return _SLOW
        if isinstance(value, str) and value:
            value = path_type(value)
        if not isinstance(value, path_type):
            return _SLOW
        return coerce_cli_path(value, info, path_type=path_type, param=param, ctx=ctx)
    return _SLOW


def _plain(annotation: Any) -> bool:
    if get_origin(annotation) is list:
        args = get_args(annotation)
        return len(args) == 1 and _plain(args[0]) and get_origin(args[0]) is None
    return annotation in (str, bool, int, float) or (isinstance(annotation, type) and issubclass(annotation, Path))


def install() -> None:
    """Route typer's coercion of plain values through `_leaf` (once per process)."""
    global _installed
    if _installed:
        return
    try:
        from typer import _coercion, core
    except ImportError:  # pragma: no cover - an older typer coerces with click, no pydantic
        return
    original = getattr(core, "build_runtime_param", None)
    base = getattr(_coercion, "RuntimeParam", None)
    if original is None or base is None:  # pragma: no cover - a typer we do not know
        return

    @dataclass(frozen=True)
    class FastRuntimeParam(base):  # type: ignore[misc, valid-type]
        descriptor: Any = None
        _slow: dict = field(default_factory=dict, compare=False, repr=False)

        def _typer(self):
            if "param" not in self._slow:
                self._slow["param"] = original(self.descriptor)
            return self._slow["param"]

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            annotation, info = self.annotation, self.parameter_info
            if get_origin(annotation) is list:
                if isinstance(value, (list, tuple)):
                    items = [_leaf(get_args(annotation)[0], info, item, param, ctx) for item in value]
                    if not any(item is _SLOW for item in items):
                        return items
            else:
                result = _leaf(annotation, info, value, param, ctx)
                if result is not _SLOW:
                    return result
            return self._typer()._coerce_value(value, param=param, ctx=ctx)

    def build(descriptor: Any):
        info = descriptor.parameter_info
        if (descriptor.file_annotation is None and getattr(info, "parser", None) is None
                and getattr(info, "click_type", None) is None and _plain(descriptor.annotation)):
            return FastRuntimeParam(parameter_info=info, annotation=descriptor.annotation, descriptor=descriptor)
        return original(descriptor)

    core.build_runtime_param = build
    _installed = True
