"""Types shared by every lab: what a lab declares, returns and reports."""

from __future__ import annotations

import math
import re

from dataclasses import asdict, dataclass, field
from typing import Callable, Literal


@dataclass(frozen=True)
class Series:
    """One line or bar group of a plot: x labels or values and y values."""

    name: str
    x: list[float | str]
    y: list[float]


@dataclass(frozen=True)
class PlotSpec:
    """Data for one figure; drawn by mlsd.labs.plot (matplotlib, imported lazily)."""

    kind: Literal["line", "bar"]
    title: str
    x_label: str
    y_label: str
    series: list[Series]


@dataclass
class LabOutput:
    """What a lab function returns (no timing, no identity: the registry adds those)."""

    metrics: dict[str, float]
    table: list[dict[str, float | str]]
    takeaway: str
    plot: PlotSpec | None = None


@dataclass(frozen=True)
class LabSpec:
    """A registered lab: identity, where it belongs, and the function that runs it."""

    id: str
    case: str
    step: str
    title: str
    summary: str
    func: Callable[[int], LabOutput] = field(compare=False, repr=False)


@dataclass
class LabResult:
    """A lab run: the spec's identity plus the output and its own compute time."""

    id: str
    case: str
    step: str
    title: str
    seed: int
    seconds: float
    metrics: dict[str, float]
    table: list[dict[str, float | str]]
    takeaway: str
    plot: PlotSpec | None = None

    def to_json(self) -> dict:
        """The `mlsd lab --json` shape (plot data omitted)."""
        data = asdict(self)
        data.pop("plot")
        data["seconds"] = round(self.seconds, 4)
        return data


def format_value(value: object) -> str:
    """A compact, readable cell: integers without decimals, floats to 4 significant digits."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        if value.is_integer() and abs(value) < 1e15:
            return f"{int(value):,}"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.4g}"
    return str(value)


# Text cells that are still numbers to a reader ("10%", "1x", "$150", "2,000"): right-aligned like numbers.
_NUMERIC_TEXT = re.compile(r"^[-+]?\$?\d[\d,]*(?:\.\d+)?\s?(?:%|x|ms|min|s|km|pts)?$")
_SIGNIFICANT = 4  # digits kept for the largest value of a column


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _decimals_written(value: float) -> int:
    """Decimals in the shortest way of writing `value` (0.995 -> 3, 1.0 -> 0), at most 10."""
    text = f"{value:.10f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else 0


def format_column(values: list[object]) -> tuple[list[str], bool]:
    """The cells of one table column, and whether it reads as numbers (right-aligned).

    A column of numbers gets one precision: enough decimals for four significant
    digits of its largest value, and no more than its values carry (a column the
    lab rounded to 3 decimals stays at 3). Integer-valued columns get thousands
    separators. None is an empty cell.
    """
    present = [v for v in values if v is not None and v != ""]
    if present and all(_is_number(v) for v in present):
        finite = [abs(float(v)) for v in present if math.isfinite(float(v))]
        if all(float(v).is_integer() for v in present if math.isfinite(float(v))):
            decimals = 0
        else:
            largest = max(finite) if finite else 0.0
            by_size = _SIGNIFICANT - 1 - math.floor(math.log10(largest)) if largest > 0 else 0
            decimals = max(0, min(by_size, max(_decimals_written(float(v)) for v in present if math.isfinite(float(v)))))
        cells = []
        for v in values:
            if v is None or v == "":
                cells.append("")
            elif not math.isfinite(float(v)):
                cells.append(str(v))
            else:
                cells.append(f"{float(v):,.{decimals}f}")
        return cells, True
    numeric_text = bool(present) and all(_is_number(v) or _NUMERIC_TEXT.match(str(v).strip()) for v in present)
    return ["" if v is None or v == "" else format_value(v) for v in values], numeric_text
