"""Back-of-envelope drills: parse an answer with units, compare it with the case's worked chain.

A case's `estimates:` each carry a question, the unit the answer is checked in,
a worked chain of `name = value` lines and the expected value. Units are parsed
and converted by pint, on a small registry of the units these questions need
(time, bytes with SI and binary prefixes, rates, cores, machines, GPUs, dollars,
and count words such as "queries" that are plain numbers). pint is imported
only here, and only when a drill or a check runs: `mlsd --help` never pays for it.

An answer is right when it is within a factor `tolerance` of the expected value
(2 by default: half to double), which is how interviewers judge these numbers:
the order of magnitude and the main factor, not the third digit.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from mlsd.errors import UserError

if TYPE_CHECKING:
    from mlsd.content.schema import Case, Estimate

WORK_TOLERANCE = 0.02  # a worked chain must land within 2% of the expected value the author wrote

# The registry: pint's definition syntax, one unit (with its symbol and aliases) a line.
# Plurals ("cores", "queries" is listed) come from pint itself.
_DEFINITIONS = """
kilo- = 1e3 = k-
mega- = 1e6 = M-
giga- = 1e9 = G-
tera- = 1e12 = T-
peta- = 1e15 = P-
exa- = 1e18 = E-
milli- = 1e-3 = m-
micro- = 1e-6 = µ- = u-
nano- = 1e-9 = n-
kibi- = 2**10 = Ki-
mebi- = 2**20 = Mi-
gibi- = 2**30 = Gi-
tebi- = 2**40 = Ti-
pebi- = 2**50 = Pi-
second = [time] = s = sec = secs
minute = 60 * second = min = mins
hour = 60 * minute = h = hr = hrs
day = 24 * hour = d
week = 7 * day = wk
month = 30 * day = mo
year = 365 * day = yr
bit = [information]
byte = 8 * bit = B
float32 = 4 * byte = fp32
float16 = 2 * byte = fp16 = bfloat16 = bf16
int8 = 1 * byte
core = [compute] = _ = cpu = vcpu
gpu = [accelerator] = GPU
machine = [fleet] = _ = server = host = node = instance
dollar = [money] = USD = usd = _ = dollars
qps = 1 / second = QPS = rps = RPS = tps = TPS
percent = 0.01 = pct
basis_point = 0.0001 = bp = bps
dozen = 12
"""

# Things counted, read as plain numbers: "1.2M queries/s" is 1.2M per second.
_COUNT_WORDS = """request query search event impression click order payment transaction item video ad listing
row record id user label review prediction score candidate pair update point call quote page view decline
delivery upload watch judgment judgement embedding weight feature parameter token message log sample
product store document entry vector ping alert chargeback dispute""".split()
_IRREGULAR = {"query": "queries", "delivery": "deliveries", "entry": "entries", "search": "searches"}
_COUNTS = frozenset(_COUNT_WORDS)

_MULTIPLIERS = {"thousand": "e3", "million": "e6", "billion": "e9", "trillion": "e12"}


class EstimateError(UserError):
    """An answer that cannot be read as a number with a unit."""


# ------------------------------------------------------------ the registry


@lru_cache(maxsize=1)
def registry():
    """The unit registry (built once per process, in a few milliseconds)."""
    import pint

    ureg = pint.UnitRegistry(None)
    for line in _DEFINITIONS.strip().splitlines():
        ureg.define(line)
    for word in _COUNT_WORDS:
        plural = _IRREGULAR.get(word)
        ureg.define(f"{word} = 1" + (f" = _ = {plural}" if plural else ""))
    return ureg


def _pint_errors() -> tuple[type[BaseException], ...]:
    import tokenize

    import pint

    return (pint.errors.PintError, tokenize.TokenError, SyntaxError, AssertionError, ArithmeticError,
            TypeError, ValueError, AttributeError, KeyError, IndexError, RecursionError)


def parse_unit(unit: str):
    """The quantity `1 unit` for a unit string such as '1/s' or 'TB/day'; EstimateError if it does not parse."""
    ureg = registry()
    try:
        quantity = ureg.parse_expression(unit)
    except _pint_errors() as exc:
        raise EstimateError(f"unit '{unit}' does not parse: {exc}") from None
    if not isinstance(quantity, ureg.Quantity):
        quantity = ureg.Quantity(quantity)
    return quantity


def is_dimensionless(unit: str) -> bool:
    return bool(parse_unit(unit).dimensionless)


def needs_unit(unit: str) -> bool:
    """Whether an answer must name its unit: everything but plain counts ('1'). A percent
    question needs '%' too, or '0.01' would be read as 1%."""
    return unit.strip() not in ("", "1")


# ------------------------------------------------------------ answers


_NUMBER = r"\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"


def normalize(text: str) -> str:
    """What a person types ("~1.2M qps", "1,200,000 per second", "$9M a day") in pint's syntax."""
    s = text.strip()
    s = (s.replace("\u00d7", "*").replace("\u2212", "-").replace("\u2009", "").replace("\u202f", "")
         .replace("\u00a0", " ").replace("\u2248", "").replace("~", ""))
    s = re.sub(r"^(?:about|around|roughly|approx(?:imately)?\.?|circa|ca\.)\s+", "", s, flags=re.I)
    s = re.sub(r"\s+(?:at\s+peak|peak|in\s+total|total|busy|or\s+so)\s*$", "", s, flags=re.I)
    s = re.sub(r"(?<=\d)[,_](?=\d{3}(?!\d))", "", s)  # digit groups: 1,200,000 and 1_200_000
    s = re.sub(r"\$\s*(" + _NUMBER + r"(?:\s*(?:k|K|M|bn|B|T)(?![A-Za-z]))?)", r"\1 dollar ", s)
    for word, power in _MULTIPLIERS.items():
        s = re.sub(r"(?<=\d)\s*" + word + r"s?\b", power, s, flags=re.I)
    s = re.sub(r"(?<=\d)\s*(?:k|K)(?![A-Za-z])", "e3", s)
    s = re.sub(r"(?<=\d)\s*(?:M|MM|mm|mn)(?![A-Za-z])", "e6", s)
    s = re.sub(r"(?<=\d)\s*(?:bn|Bn)(?![A-Za-z])", "e9", s)
    s = re.sub(r"(?<=\d)B(?![A-Za-z])", "e9", s)  # "2B" is two billion; two bytes is "2 bytes"
    s = re.sub(r"(?<=\d)T(?![A-Za-z])", "e12", s)
    s = re.sub(r"\s+per\s+", " / ", s, flags=re.I)
    s = re.sub(r"\s+an?\s+(second|minute|hour|day|week|month|year)\b", r" / \1", s, flags=re.I)
    s = re.sub(r"(?<=\d)\s*(?:each|apiece)\b", "", s, flags=re.I)
    s = s.replace("%", " percent ")
    return " ".join(s.split())


def _fix_case(s: str) -> str:
    """'35 gb' -> '35 GB', 'tb/day' -> 'TB/day': byte units typed in lower case."""
    prefixes = {"k": "k", "m": "M", "g": "G", "t": "T", "p": "P", "e": "E"}
    return re.sub(r"(?i)(?<![A-Za-z])([kmgtpe])(i?)b(?![A-Za-z])",
                  lambda m: prefixes[m.group(1).lower()] + m.group(2).lower() + "B", s)


def has_unit(normalized: str) -> bool:
    """Whether the (normalized) answer names any unit at all, beyond digits and exponents."""
    return bool(re.search(r"[A-Za-z]", re.sub(_NUMBER, "", normalized)))


def parse_quantity(text: str, expected_unit: str | None = None):
    """The answer as a pint quantity; EstimateError (one line, naming what was expected) if unreadable."""
    want = f"; expected a number with a unit like {example(expected_unit)}" if expected_unit else ""
    raw = (text or "").strip()
    if not raw:
        raise EstimateError(f"no answer given{want}")
    if len(raw) > 200:
        raise EstimateError(f"answer is too long ({len(raw)} characters){want}")
    s = normalize(raw)
    if not re.search(r"\d", s):
        raise EstimateError(f"'{raw}' has no number{want}")
    ureg = registry()
    errors = _pint_errors()
    quantity = None
    for attempt in (s, _fix_case(s)):
        for case_sensitive in (True, False):
            try:
                quantity = ureg.parse_expression(attempt, case_sensitive=case_sensitive)
                break
            except errors:
                continue
        if quantity is not None:
            break
    if quantity is None:
        undefined = _first_undefined(s)
        what = f"unknown unit '{undefined}'" if undefined else "not a number with a unit"
        raise EstimateError(f"cannot read '{raw}': {what}{want}")
    if not isinstance(quantity, ureg.Quantity):
        quantity = ureg.Quantity(quantity)
    magnitude = float(quantity.magnitude)
    if not math.isfinite(magnitude) or magnitude <= 0:
        raise EstimateError(f"'{raw}' is not a positive number{want}")
    return quantity


def _first_undefined(s: str) -> str | None:
    ureg = registry()
    for word in re.findall(r"[A-Za-z_µ]+", re.sub(_NUMBER, " ", s)):
        try:
            ureg.parse_units(word)
        except _pint_errors():
            try:
                ureg.parse_units(_fix_case(word), case_sensitive=False)
            except _pint_errors():
                return word
    return None


def example(unit: str | None) -> str:
    """A sample answer in the given unit, for error messages: '17k/s', '35 GB', '40 cores'."""
    if not unit:
        return "'17k/s'"
    try:
        dims = dict(parse_unit(unit).dimensionality)
    except EstimateError:
        return f"'12 {unit}'"
    if dims == {"[time]": -1}:
        return "'17k/s' or '1.5B/day'"
    if dims == {"[information]": 1}:
        return "'35 GB' or '3.5e10 bytes'"
    if dims == {"[information]": 1, "[time]": -1}:
        return "'5 TB/day'"
    if dims == {"[compute]": 1}:
        return "'40 cores'"
    if dims == {"[accelerator]": 1}:
        return "'16 GPUs'"
    if dims == {"[fleet]": 1}:
        return "'20 machines'"
    if dims.get("[money]") == 1:
        return "'$9M/day'" if dims.get("[time]") == -1 else "'$1.2M'"
    if not dims:
        return "'0.5%'" if needs_unit(unit) else "'60' or '1.5M'"
    return f"'12 {unit}'"


# ------------------------------------------------------------ the worked chain


@dataclass(frozen=True)
class WorkStep:
    name: str
    expression: str
    note: str
    shown: str  # the value, formatted


def evaluate_work(estimate: "Estimate") -> tuple[Any, list[WorkStep]]:
    """Run the worked chain: (the last line's quantity, each line with its value). EstimateError
    names the line that does not compute."""
    ureg = registry()
    values: dict[str, Any] = {}
    steps: list[WorkStep] = []
    quantity = None
    for line in estimate.work:
        expression = line.value if isinstance(line.value, str) else f"{line.value:g}"
        if line.name in _defined_names():
            raise EstimateError(f"work line '{line.name}' has the name of a unit; rename it")
        try:
            if isinstance(line.value, (int, float)) and not isinstance(line.value, bool):
                quantity = ureg.Quantity(float(line.value))
            else:
                quantity = ureg.parse_expression(expression, **values)
        except _pint_errors() as exc:
            raise EstimateError(f"work line '{line.name} = {expression}' does not compute: {exc}") from None
        if not isinstance(quantity, ureg.Quantity):
            quantity = ureg.Quantity(quantity)
        quantity = quantity.to_reduced_units()
        values[line.name] = quantity
        steps.append(WorkStep(line.name, expression, line.note, format_quantity(quantity)))
    return quantity, steps


@lru_cache(maxsize=1)
def _defined_names() -> frozenset[str]:
    ureg = registry()
    return frozenset(name for name in dir(ureg) if not name.startswith("_"))


def computed_value(estimate: "Estimate") -> float:
    """The worked chain's result in the question's unit."""
    quantity, _ = evaluate_work(estimate)
    target = parse_unit(estimate.unit)
    try:
        return float((quantity / target).to("dimensionless").magnitude)
    except _pint_errors():
        raise EstimateError(f"the worked chain ends in {format_quantity(quantity)}, which is not in "
                            f"'{estimate.unit}'") from None


_STATED_SCALE = {**{word: float("1" + power) for word, power in _MULTIPLIERS.items()},
                 "bn": 1e9, "k": 1e3, "m": 1e6, "b": 1e9}  # the suffixes people write onto numbers
_STATED_NUMBER = re.compile(r"(?<![\w.])(\d[\d,]*(?:\.\d+)?)\s*(" + "|".join(_STATED_SCALE) + r")?(?![\w])",
                            re.IGNORECASE)
GIVEAWAY_CLOSENESS = 0.05  # a fact stating a number this close to the answer gives it away ...
GIVEAWAY_MIN = 100  # ... unless the answer is small, where numbers coincide by chance (30 countries, 30 in flight)


def stated_answer(case: "Case", estimate: "Estimate") -> tuple[str, str] | None:
    """(fact id, number as written) when a fact the question needs already states its answer:
    the interviewer should give the inputs ('200M daily members, 150M loads a day'), and the
    candidate compute the result ('about 1,700 loads a second')."""
    if estimate.expected < GIVEAWAY_MIN:
        return None
    facts = {f.id: f for f in case.facts}
    for fact_id in estimate.facts:
        fact = facts.get(fact_id)
        for found in _STATED_NUMBER.finditer(fact.answer if fact else ""):
            value = float(found.group(1).replace(",", "")) * _STATED_SCALE.get((found.group(2) or "").lower(), 1)
            if abs(value / estimate.expected - 1) <= GIVEAWAY_CLOSENESS:
                return fact_id, found.group(0).strip()
    return None


def estimate_problems(case: "Case") -> list[tuple[str, str]]:
    """(step id, problem) for every estimate whose unit, chain or expected value is wrong, or whose
    answer its own facts already state."""
    problems: list[tuple[str, str]] = []
    for estimate in case.estimates:
        where = f"estimates.{estimate.id}"
        stated = stated_answer(case, estimate)
        if stated is not None:
            problems.append((estimate.step, f"{where}: fact '{stated[0]}' states the answer ('{stated[1]}'); "
                             "give the inputs and let the candidate compute it"))
        try:
            parse_unit(estimate.unit)
            value = computed_value(estimate)
        except EstimateError as exc:
            problems.append((estimate.step, f"{where}: {exc}"))
            continue
        if abs(value / estimate.expected - 1) > WORK_TOLERANCE:
            problems.append((estimate.step, f"{where}: the worked chain gives {value:.6g} {estimate.unit}, "
                             f"but expected is {estimate.expected:g}"))
        try:  # the expected value, written as a user would, must read back as right
            written = f"{estimate.expected:.6g} {estimate.unit}" if needs_unit(estimate.unit) \
                else f"{estimate.expected:.6g}"
            if not check(estimate, written).correct:
                problems.append((estimate.step, f"{where}: '{written}' is not accepted as its own answer"))
        except EstimateError as exc:
            problems.append((estimate.step, f"{where}: its own answer does not read back: {exc}"))
    return problems


# ------------------------------------------------------------ checking an answer


@dataclass(frozen=True)
class EstimateCheck:
    case_id: str
    estimate_id: str
    step: str
    answer: str  # as typed
    expected: float  # in the question's unit
    unit: str
    given: float | None  # the answer in the question's unit; None when its unit does not fit
    factor: float | None  # given / expected
    verdict: str  # "right" | "off" | "wrong-unit"
    message: str
    solution: str

    @property
    def correct(self) -> bool:
        return self.verdict == "right"

    def to_json(self) -> dict:
        return {"id": self.estimate_id, "case": self.case_id, "answer": self.answer, "correct": self.correct,
                "verdict": self.verdict, "expected": _round(self.expected), "unit": self.unit,
                "given": None if self.given is None else _round(self.given),
                "factor": None if self.factor is None else round(self.factor, 4),
                "message": self.message, "solution": self.solution}


def _round(value: float) -> float:
    return float(f"{value:.6g}")


def check(estimate: "Estimate", answer: str, case_id: str = "") -> EstimateCheck:
    """Grade one answer. Raises EstimateError when it is unreadable, or has no unit where one is needed."""
    target = parse_unit(estimate.unit)
    quantity = parse_quantity(answer, estimate.unit)
    normalized = normalize(answer)
    label = unit_label(estimate)
    solution = solution_text(estimate)
    if needs_unit(estimate.unit) and quantity.dimensionless and not has_unit(normalized):
        raise EstimateError(f"'{answer.strip()}' has no unit; expected {label}, e.g. {example(estimate.unit)}")
    try:
        given = float((quantity / target).to("dimensionless").magnitude)
    except _pint_errors():
        message = f"wrong unit: {format_quantity(quantity)} is not {label} (the answer is {show(estimate, estimate.expected)})"
        return EstimateCheck(case_id, estimate.id, estimate.step, answer, estimate.expected, estimate.unit, None,
                             None, "wrong-unit", message, solution)
    factor = given / estimate.expected
    if 1 / estimate.tolerance <= factor <= estimate.tolerance:
        verdict = "right"
        message = (f"right: {show(estimate, given)}; the worked answer is {show(estimate, estimate.expected)} "
                   f"(x{factor:.2f}, within a factor of {estimate.tolerance:g})")
    else:
        verdict = "off"
        direction = "too high" if factor > 1 else "too low"
        size = factor if factor > 1 else 1 / factor
        message = (f"off by a factor of {size:.2g} ({direction}): {show(estimate, given)}; the worked answer "
                   f"is {show(estimate, estimate.expected)}")
    return EstimateCheck(case_id, estimate.id, estimate.step, answer, estimate.expected, estimate.unit, given,
                         factor, verdict, message, solution)


def unit_label(estimate: "Estimate") -> str:
    if estimate.unit_label:
        return estimate.unit_label
    return f"{parse_unit(estimate.unit).units:~}" or "(a plain number)"


def solution_text(estimate: "Estimate") -> str:
    """The worked chain, one line per step: `name = expression = value  (note)`."""
    try:
        _, steps = evaluate_work(estimate)
    except EstimateError as exc:
        return f"(the worked chain does not compute: {exc})"
    lines = []
    for number, step in enumerate(steps, start=1):
        if number == len(steps):  # the answer line, in the question's unit
            try:
                step = replace(step, shown=show(estimate, computed_value(estimate)))
            except EstimateError:
                pass
        shown = step.expression if step.expression.strip() == step.shown else f"{step.expression} = {step.shown}"
        lines.append(f"{step.name} = {shown}" + (f"    # {step.note}" if step.note else ""))
    return "\n".join(lines)


def show(estimate: "Estimate", value: float) -> str:
    """A value in the question's unit for people: '24k ad queries per second', '1.95 PB'."""
    target = parse_unit(estimate.unit)
    dims = dict(target.dimensionality)
    if "[information]" in dims or "[money]" in dims:
        return format_quantity(target * value)
    label = unit_label(estimate)
    return f"{format_number(value)} {label}" if label != "(a plain number)" else format_number(value)


# ------------------------------------------------------------ formatting


def format_number(value: float) -> str:
    """3 significant digits with a k / M / B / T suffix: 24000 -> '24k', 7.2e6 -> '7.2M', 0.42 -> '0.42'."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    for power, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= power * 0.9995:
            if abs(value) >= 1e15:
                return f"{value:.3g}"
            return f"{value / power:.3g}{suffix}"
    return f"{value:.3g}"


_BYTE_UNITS = ("byte", "kilobyte", "megabyte", "gigabyte", "terabyte", "petabyte", "exabyte")
_SHORT = {"second": "s", "millisecond": "ms", "microsecond": "µs", "nanosecond": "ns", "minute": "min", "hour": "h",
          "core": "cores", "gpu": "GPUs", "machine": "machines"}
_PLAIN = frozenset(["percent", "basis_point", "dozen"])


def _unit_text(units: dict[str, float]) -> str:
    def part(name: str, power: float) -> str:
        short = _SHORT.get(name, name)
        return short if power == 1 else f"{short}^{power:g}"

    top = [part(n, p) for n, p in units.items() if p > 0]
    bottom = [part(n, -p) for n, p in units.items() if p < 0]
    text = "\u00b7".join(top)
    if bottom:
        text += ("/" if text else "/") + "/".join(bottom)
    return text


def format_quantity(quantity) -> str:
    """A quantity for people: '24k/s', '64 GB', '5 TB/day', '360 cores', '$9M/day'. Count words
    ("queries") are dropped, bytes take the largest SI unit below the value."""
    ureg = registry()
    units = {str(n): float(p) for n, p in quantity.units._units.items()}
    kept = {n: p for n, p in units.items() if n not in _COUNTS and n not in _PLAIN}
    if kept != units:
        quantity = quantity.to(ureg.Quantity(1, _unit_text_pint(kept)).units) if kept else \
            quantity.to("dimensionless")
        units = kept
    dims = dict(quantity.dimensionality)
    if dims.get("[information]") == 1 and {k: v for k, v in dims.items() if k != "[information]"} in ({}, {"[time]": -1}):
        per_day = dims.get("[time]") == -1
        in_bytes = float((quantity * (ureg.Quantity(1, "day") if per_day else 1)).to("byte").magnitude)
        chosen = "byte"
        for name in _BYTE_UNITS:
            if abs(in_bytes) >= float(ureg.Quantity(1, name).to("byte").magnitude):
                chosen = name
        value = float(ureg.Quantity(in_bytes, "byte").to(chosen).magnitude)
        return f"{value:.3g} {ureg.Unit(chosen):~}" + ("/day" if per_day else "")
    magnitude = float(quantity.magnitude)
    money = units.pop("dollar", 0) == 1
    text = _unit_text(units)
    number = ("$" if money else "") + format_number(magnitude)
    if not text:
        return number
    return f"{number}{text}" if text.startswith("/") else f"{number} {text}"


def _unit_text_pint(units: dict[str, float]) -> str:
    return " * ".join(f"{n} ** {p:g}" for n, p in units.items())


def pick_question(case: "Case", step_id: str, attempts: "list[Any]" = (), asked: "set[str] | frozenset[str]" = frozenset()
                  ) -> "Estimate | None":
    """The estimation question a practice or mock session asks in `step_id`, or None.

    Never one already `asked` in this session. Among the rest: one never tried first, then one
    last answered wrong, then the one tried longest ago, so repeated sessions walk through the
    case's questions and come back to misses (`attempts`: the log's EstimateAttempt rows).
    Reads no units: pint is not imported.
    """
    candidates = [e for e in case.estimates if e.step == step_id and e.id not in asked]
    if not candidates:
        return None
    last: dict[str, Any] = {}
    for attempt in attempts:  # oldest first: the last one per question wins
        if attempt.case_id == case.id:
            last[attempt.estimate_id] = attempt

    def order(pair: tuple[int, "Estimate"]) -> tuple:
        position, estimate = pair
        seen = last.get(estimate.id)
        if seen is None:
            return (0, 0.0, position)
        return (1 if not seen.correct else 2, seen.at, position)

    return min(enumerate(candidates), key=order)[1]
