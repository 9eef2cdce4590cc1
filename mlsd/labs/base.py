"""Types shared by every lab: what a lab declares, returns and reports."""

from __future__ import annotations

import math

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
