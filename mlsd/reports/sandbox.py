"""A jinja2 sandbox that also bounds time and size, for export templates.

jinja2's SandboxedEnvironment stops a template from reaching Python
internals, but not from running forever (two nested `range(100000)` loops)
or building a value no machine can hold (`'x' * 10**10`, `10 ** 10**10`).
Here every render gets a budget:

- time: TEMPLATE_SECONDS, enforced by SIGALRM on the main thread (it stops
  a loop that prints nothing) and by a clock check between output chunks;
- size: values built by `*`, `**`, `+`, `%`, str.format, method calls and
  filters, values read from attributes and the output itself are bounded by
  limits that grow with the data being rendered, so a user's own long
  answers always export.

A template over budget raises TemplateBudgetError (a jinja SecurityError)
that names what it exceeded; the caller turns it into one line.
"""

from __future__ import annotations

import contextlib
import functools
import math
import re
import signal
import threading
import time
from typing import Any, Iterator

from jinja2.sandbox import SandboxedEnvironment, SecurityError

try:  # jinja2 < 3.1.5 formats str.format calls in `call`; later versions wrap them in getattr
    from jinja2.sandbox import inspect_format_method
except ImportError:
    inspect_format_method = None

TEMPLATE_SECONDS = 3.0
BASE_VALUE_CHARS = 1_000_000  # the largest single value, before the data's own size is added
BASE_OUTPUT_CHARS = 10_000_000
MAX_INT_BITS = 100_000  # about 30,000 digits; str() refuses past 4,300 anyway

_PRINTF = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")
_FORMAT_FIELD = re.compile(r"\{[^{}]*?:([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}")


class TemplateBudgetError(SecurityError):
    """A template took too long or built too large a value."""


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def weight(value: Any, limit: int) -> int:
    """Roughly how many characters `value` prints as: string lengths and item counts,
    nested, counted until `limit` is passed (so the walk itself is bounded)."""
    total = 0
    stack = [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, (str, bytes)):
            total += len(item)
        elif isinstance(item, dict):
            total += len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += len(item)
            stack.extend(item)
        else:
            total += 1
    return total


class BudgetedSandbox(SandboxedEnvironment):
    """SandboxedEnvironment with time and size limits (see the module docstring)."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("finalize", self._finalize)
        super().__init__(*args, **kwargs)
        self.value_limit = BASE_VALUE_CHARS
        self.output_limit = BASE_OUTPUT_CHARS
        self.seconds = TEMPLATE_SECONDS
        self.globals.pop("lipsum", None)  # lipsum(10**6) writes gigabytes and no note needs it

    def fit_to(self, data: Any) -> None:
        """Grow the limits with the size of the data to render (a long answer is not an attack)."""
        size = weight(data, 10**9)
        self.value_limit = BASE_VALUE_CHARS + 2 * size
        self.output_limit = BASE_OUTPUT_CHARS + 4 * size

    # ---------------------------------------------------------- checks

    def _too_big(self, what: str) -> TemplateBudgetError:
        return TemplateBudgetError(f"{what} would be larger than the template budget "
                                   f"({self.value_limit:,} characters)")

    def _check_value(self, value: Any, deep: bool = False) -> Any:
        if isinstance(value, (str, bytes, list, tuple, dict, set, frozenset)):
            size = weight(value, self.value_limit) if deep else len(value)
            if size > self.value_limit:
                raise self._too_big("a value")
        elif _is_int(value) and value.bit_length() > MAX_INT_BITS:
            raise TemplateBudgetError(f"a number would have more than {MAX_INT_BITS:,} bits")
        return value

    def _check_numbers(self, values, what: str) -> None:
        for value in values:
            if _is_int(value) and abs(value) > self.value_limit:
                raise self._too_big(f"{what} with {value:,}")

    def _finalize(self, value: Any) -> Any:
        return self._check_value(value, deep=True)

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and _is_int(left) and _is_int(right):
            if right > 0 and abs(left) > 1 and right * math.log2(abs(left)) > MAX_INT_BITS:
                raise TemplateBudgetError(f"{left} ** {right} would have more than {MAX_INT_BITS:,} bits")
        elif operator == "*":
            if _is_int(left) and _is_int(right):
                if left.bit_length() + right.bit_length() > MAX_INT_BITS:
                    raise TemplateBudgetError(f"a product would have more than {MAX_INT_BITS:,} bits")
            else:
                count, seq = (left, right) if _is_int(left) else (right, left)
                if _is_int(count) and count > 0 and isinstance(seq, (str, bytes, list, tuple)):
                    if weight(seq, self.value_limit) * count > self.value_limit:
                        raise self._too_big(f"repeating a value {count:,} times")
        elif operator == "+":
            if isinstance(left, (str, bytes, list, tuple)) and isinstance(right, (str, bytes, list, tuple)):
                if weight(left, self.value_limit) + weight(right, self.value_limit) > self.value_limit:
                    raise self._too_big("joining two values")
        elif operator == "%" and isinstance(left, str):
            self._check_printf(left, right)
        return self._check_value(super().call_binop(context, operator, left, right))

    def _check_printf(self, fmt: str, args: Any) -> None:
        for width, precision in _PRINTF.findall(fmt):
            for part in (width, precision):
                if part == "*":
                    self._check_numbers(args if isinstance(args, tuple) else (args,), "a '*' width")
                elif part.isdigit() and (len(part) > 7 or int(part) > self.value_limit):
                    raise self._too_big(f"a field {part} wide")

    def _check_format(self, fmt: str, args: tuple, kwargs: dict) -> None:
        for spec in _FORMAT_FIELD.findall(fmt):
            if "{" in spec:  # a width given as an argument
                self._check_numbers([*args, *kwargs.values()], "a format width")
            for digits in re.findall(r"\d+", spec):
                if len(digits) > 7 or int(digits) > self.value_limit:
                    raise self._too_big(f"a field {digits} wide")

    def wrap_str_format(self, value: Any):
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        fmt = str(value.__self__)

        def checked(*args: Any, **kwargs: Any) -> str:
            self._check_format(fmt, args, kwargs)
            return wrapped(*args, **kwargs)

        return checked

    def call(__self, __context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (jinja's signature)
        fmt = inspect_format_method(__obj) if inspect_format_method is not None else None
        if fmt is not None:
            __self._check_format(fmt, args, kwargs)
        __self._check_numbers([*args, *kwargs.values()], "a call")
        return __self._check_value(super().call(__context, __obj, *args, **kwargs))

    def getattr(self, obj: Any, attribute: str) -> Any:
        return self._check_value(super().getattr(obj, attribute))

    def getitem(self, obj: Any, argument: Any) -> Any:
        return self._check_value(super().getitem(obj, argument))

    def guard_filters(self) -> None:
        """Wrap every filter: its parameters (not the value filtered) may not be huge numbers
        (`center(10**10)`), its format strings no huge widths, and its result is checked."""
        for name, function in list(self.filters.items()):
            self.filters[name] = self._guarded_filter(name, function)

    def _guarded_filter(self, name: str, function):
        pass_arg = getattr(function, "jinja_pass_arg", None)
        skip = 1 if pass_arg is None else 2  # a context/environment argument comes first

        @functools.wraps(function)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            self._check_numbers([*args[skip:], *kwargs.values()], f"the '{name}' filter")
            if name == "format" and len(args) >= skip and isinstance(args[skip - 1], str):
                self._check_printf(args[skip - 1], tuple(args[skip:]))
            return self._check_value(function(*args, **kwargs))

        return guarded


@contextlib.contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    """Raise TemplateBudgetError in the block after `seconds`, nesting inside any timer the caller
    has set (theirs fires as it would have). Only on POSIX, on the main thread."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return
    started = time.monotonic()
    outer_delay, outer_interval = signal.getitimer(signal.ITIMER_REAL)
    outer_deadline = started + outer_delay if outer_delay > 0 else None
    previous = signal.getsignal(signal.SIGALRM)

    def expired(signum, frame):
        if outer_deadline is not None and time.monotonic() >= outer_deadline and callable(previous):
            previous(signum, frame)  # the caller's own timer was due first
        raise TemplateBudgetError(f"the template ran for more than {seconds:g} s")

    signal.signal(signal.SIGALRM, expired)
    first = seconds if outer_deadline is None else max(0.001, min(seconds, outer_deadline - started))
    signal.setitimer(signal.ITIMER_REAL, first)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
        if outer_deadline is not None:
            signal.setitimer(signal.ITIMER_REAL, max(0.001, outer_deadline - time.monotonic()), outer_interval)


def render_budgeted(template, view: dict) -> str:
    """Render `template` with `view` within its environment's budget (BudgetedSandbox) or the defaults."""
    env = template.environment
    seconds = getattr(env, "seconds", TEMPLATE_SECONDS)
    output_limit = getattr(env, "output_limit", BASE_OUTPUT_CHARS)
    deadline = time.monotonic() + seconds
    chunks: list[str] = []
    size = 0
    with _alarm(seconds):
        for chunk in template.generate(**view):
            size += len(chunk)
            if size > output_limit:
                raise TemplateBudgetError(f"the output passed the template budget ({output_limit:,} characters)")
            if time.monotonic() > deadline:
                raise TemplateBudgetError(f"the template ran for more than {seconds:g} s")
            chunks.append(chunk)
    return "".join(chunks)
