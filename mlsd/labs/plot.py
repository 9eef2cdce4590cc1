"""Save a lab's PlotSpec as a PNG with matplotlib (imported lazily, Agg backend, no pyplot state)."""

from __future__ import annotations

import pathlib

from mlsd.labs.base import LabResult

# matplotlib is an extra (`plots` in pyproject.toml), kept out of the base install (`pip install .`).
INSTALL_HINT = "pip install matplotlib (or, from the mlsd folder, pip install '.[plots]')"


def require_matplotlib() -> None:
    """Import what `save_plot` draws with, or raise a one-line UserError naming the install command.
    Call it before work whose only use is a plot, so a missing extra fails fast, not after the work."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: F401
        from matplotlib.figure import Figure  # noqa: F401
    except ImportError as exc:
        from mlsd.errors import UserError

        missing = getattr(exc, "name", None) or "matplotlib"
        why = "which is not installed" if missing == "matplotlib" else f"which cannot import {missing}"
        raise UserError(f"plots need matplotlib, {why}: {INSTALL_HINT}") from None



def _numeric(xs: list) -> bool:
    return all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in xs)


def save_plot(result: LabResult, path: pathlib.Path) -> pathlib.Path | None:
    """Draw `result.plot` to `path` (PNG); returns the path, or None when the lab has no plot.

    A line plot with numeric x uses a numeric axis; with string x, categorical
    positions. A bar plot draws grouped bars, one colour per series.
    """
    spec = result.plot
    if spec is None or not any(s.y for s in spec.series):
        return None
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)

    fig = Figure(figsize=(7.0, 4.2), dpi=120, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()

    if spec.kind == "line":
        all_numeric = all(_numeric(list(s.x)) for s in spec.series)
        categories: list = []
        if not all_numeric:
            for s in spec.series:
                for x in s.x:
                    if x not in categories:
                        categories.append(x)
        for s in spec.series:
            xs = list(s.x) if all_numeric else [categories.index(x) for x in s.x]
            ax.plot(xs, list(s.y), marker="o", markersize=4, label=s.name)
        if not all_numeric:
            ax.set_xticks(range(len(categories)), [str(c) for c in categories])
    elif spec.kind == "bar":
        categories = []
        for s in spec.series:
            for x in s.x:
                if x not in categories:
                    categories.append(x)
        n = max(len(spec.series), 1)
        width = 0.8 / n
        for i, s in enumerate(spec.series):
            points = dict(zip(s.x, s.y))
            xs = [j + (i - (n - 1) / 2) * width for j, c in enumerate(categories) if c in points]
            ys = [points[c] for c in categories if c in points]
            ax.bar(xs, ys, width=width, label=s.name)
        ax.set_xticks(range(len(categories)), [str(c) for c in categories])
        if len(categories) > 6 or max((len(str(c)) for c in categories), default=0) > 12:
            for label in ax.get_xticklabels():
                label.set_rotation(20)
                label.set_horizontalalignment("right")
    else:
        raise ValueError(f"unknown plot kind {spec.kind!r}")

    ax.set_title(spec.title)
    ax.set_xlabel(spec.x_label)
    ax.set_ylabel(spec.y_label)
    ax.grid(True, alpha=0.3)
    if len(spec.series) > 1:
        # beside the axes, never on top of a bar or a line
        longest = max(len(s.name) for s in spec.series)
        fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", frameon=False,
                   ncols=max(1, min(len(spec.series), 90 // (longest + 8))))  # as many columns as fit the width
    fig.suptitle(f"{result.title}  ({result.id}, seed {result.seed})", fontsize=9, color="0.35")
    fig.savefig(path, format="png")
    return path
