"""Terminal rendering of labs with rich: a lab's result, and the list of labs.

No numpy or matplotlib here: the bar chart is built from text blocks, so it
works in any terminal and honours NO_COLOR (rich does, for a normally created Console).
"""

from __future__ import annotations

import math
from typing import Iterable, Sequence

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from mlsd.labs.base import LabResult, LabSpec, PlotSpec, Series, format_column, format_value

# The seven-step framework's order; labs are listed by case, then by step in this order.
STEP_ORDER = ("requirements", "framing", "data", "model", "evaluation", "serving", "monitoring")
CASE_ORDER = ("ctr", "recs", "eta", "fraud", "search", "rag", "moderation", "feed", "notifications", "pymk")

_SERIES_STYLES = ("cyan", "magenta", "green", "yellow", "blue", "red")
_EIGHTHS = " ▏▎▍▌▋▊▉"
_MAX_LINE_ROWS = 16  # a line plot shows at most this many bars in all (at least 4 points per series)
_BAR_WIDTH = 36


def _order_key(spec: LabSpec) -> tuple:
    case = CASE_ORDER.index(spec.case) if spec.case in CASE_ORDER else len(CASE_ORDER)
    step = STEP_ORDER.index(spec.step) if spec.step in STEP_ORDER else len(STEP_ORDER)
    return (case, spec.case, step, spec.step)


def sort_labs(specs: Iterable[LabSpec]) -> list[LabSpec]:
    """Labs ordered by case, then by framework step (stable: registration order within a step)."""
    return sorted(specs, key=_order_key)


def lab_list_table(specs: Sequence[LabSpec]) -> Table:
    """A rich table of labs: case, step, id, title."""
    table = Table(title="Labs", title_justify="left", show_lines=False, expand=False)
    table.add_column("case", style="bold")
    table.add_column("step")
    table.add_column("id", style="cyan", no_wrap=True)
    table.add_column("title")
    previous_case = None
    for spec in sort_labs(specs):
        if previous_case is not None and spec.case != previous_case:
            table.add_section()
        table.add_row(spec.case if spec.case != previous_case else "", spec.step, spec.id, spec.title)
        previous_case = spec.case
    return table


def render_lab_list(specs: Sequence[LabSpec], console: Console) -> None:
    """Print the lab table plus a hint on how to run one."""
    console.print(lab_list_table(specs))
    console.print(Text("Run one with `mlsd lab LAB_ID`, or all of a case's labs with `mlsd lab CASE`.",
                       style="dim"))


def _result_table(rows: list[dict]) -> Table | None:
    """Rows as a rich table: one precision per numeric column, numbers right-aligned, readable headers."""
    if not rows:
        return None
    columns: list[str] = []
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    table = Table(show_header=True, header_style="bold", expand=False)
    cells = []
    for col in columns:
        formatted, numeric = format_column([row.get(col) for row in rows])
        cells.append(formatted)
        table.add_column(col.replace("_", " "), justify="right" if numeric else "left")
    for i in range(len(rows)):
        table.add_row(*(column[i] for column in cells))
    return table


def _bar(fraction: float, width: int) -> str:
    """A horizontal bar of `fraction` * width cells, with eighth-cell resolution."""
    fraction = min(max(fraction, 0.0), 1.0)
    eighths = int(round(fraction * width * 8))
    full, rest = divmod(eighths, 8)
    bar = "█" * full + (_EIGHTHS[rest] if rest else "")
    if not bar and fraction > 0:
        bar = "▏"
    return bar


def _thin(points: list[tuple[object, float]], limit: int) -> list[tuple[object, float]]:
    """Keep at most `limit` points, evenly spaced, always including the first and last."""
    if len(points) <= limit:
        return points
    idx = sorted({round(i * (len(points) - 1) / (limit - 1)) for i in range(limit)})
    return [points[i] for i in idx]


def _baseline(values: list[float]) -> float:
    """Bars start at 0, unless every value is positive and they differ by < 20 % of the largest:
    then the axis is zoomed (and the chart says where it starts), so small effects stay visible."""
    lo, hi = min(values), max(values)
    if lo > 0 and hi > 0 and (hi - lo) < 0.2 * hi and hi > lo:
        return lo - 0.15 * (hi - lo)
    return min(0.0, lo)


def plot_chart(plot: PlotSpec, width: int = _BAR_WIDTH) -> Group | None:
    """The PlotSpec as horizontal text bars: one row per (x, series), grouped by x."""
    series = [s for s in plot.series if s.y]
    if not series:
        return None
    limit = max(4, _MAX_LINE_ROWS // len(series)) if plot.kind == "line" else 10_000
    per_series = [(s, _thin(list(zip(s.x, s.y)), limit)) for s in series]
    values = [float(y) for _, pts in per_series for _, y in pts if not (isinstance(y, float) and math.isnan(y))]
    if not values:
        return None
    base = _baseline(values)
    top = max(values)
    span = top - base if top > base else 1.0
    multi = len(series) > 1

    grid = Table.grid(padding=(0, 1))
    grid.add_column(justify="right", no_wrap=True)  # x label
    if multi:
        grid.add_column(no_wrap=True)  # series name
    grid.add_column(no_wrap=True)  # bar
    grid.add_column(justify="right", no_wrap=True)  # value

    # Group rows by x value in first-seen order across series.
    x_order: list[object] = []
    for _, pts in per_series:
        for x, _ in pts:
            if x not in x_order:
                x_order.append(x)
    lookup = [(i, s, dict(pts)) for i, (s, pts) in enumerate(per_series)]
    # one precision for every value of the chart, as in a table column
    shown = [float(y) for _, pts in per_series for _, y in pts]
    label = dict(zip(shown, format_column(shown)[0]))
    for x in x_order:
        first = True
        for i, s, points in lookup:
            if x not in points:
                continue
            y = float(points[x])
            style = _SERIES_STYLES[i % len(_SERIES_STYLES)]
            bar = Text(_bar((y - base) / span, width) if not math.isnan(y) else "", style=style)
            cells: list[object] = [format_value(x) if first else ""]
            if multi:
                cells.append(Text(s.name, style=style))
            cells += [bar, label.get(y, format_value(y))]
            grid.add_row(*cells)
            first = False

    header = Text(plot.title, style="bold")
    title = plot.title.lower()
    if plot.y_label.lower() not in title and plot.x_label.lower() not in title:
        header.append(f"  ({plot.y_label} by {plot.x_label})", style="dim")
    parts: list[object] = [header, grid]
    if base != 0.0:
        parts.append(Text(f"(bars start at {format_value(base)}, not 0, to show small differences)",
                          style="dim italic"))
    return Group(*parts)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(float(value))


def table_plot(rows: list[dict], title: str = "") -> PlotSpec | None:
    """A bar chart derived from a lab's table, for a lab that declares no plot: one bar per row,
    labelled by the row's first column, on the last numeric column whose values differ (a lab's
    table ends with its main metric more often than not). None when no column fits."""
    if len(rows) < 2:
        return None
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    label, candidates = columns[0], columns[1:]
    numeric = [c for c in candidates
               if all(_is_number(row.get(c)) for row in rows) and len({float(row[c]) for row in rows}) > 1]
    if not numeric:
        return None
    metric = numeric[-1]
    names = [format_value(row.get(label, "")) for row in rows]
    series = Series(metric.replace("_", " "), names, [float(row[metric]) for row in rows])
    return PlotSpec("bar", title or f"{series.name} by {label.replace('_', ' ')}", label.replace("_", " "),
                    series.name, [series])


def render_lab_result(result: LabResult, console: Console) -> None:
    """Print one lab run: title, results table, a text bar chart under it (the lab's plot, or one
    derived from its table), the takeaway and compute time."""
    console.print()
    console.rule(Text(result.title, style="bold"), align="left")
    console.print(Text(f"{result.id}  ·  case {result.case}  ·  step {result.step}  ·  seed {result.seed}",
                       style="dim"))
    table = _result_table(result.table)
    if table is not None:
        console.print(table)
    plot = result.plot if result.plot is not None else table_plot(result.table)
    if plot is not None:
        chart = plot_chart(plot, width=max(10, min(_BAR_WIDTH, console.width - 40)))
        if chart is not None:
            console.print(chart)
            console.print()
    console.print(Panel(Text(result.takeaway), title="Takeaway", title_align="left", border_style="green",
                        expand=False))
    console.print(Text(f"computed in {result.seconds:.2f} s", style="dim"))
