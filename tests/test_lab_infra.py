"""Lab infrastructure: terminal rendering, PNG plots, the `mlsd lab` command."""

from __future__ import annotations

import io
import json
import re

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from mlsd.errors import UserError
from mlsd.labs.base import LabResult, PlotSpec, Series
from mlsd.labs.plot import save_plot
from mlsd.labs.render import format_value, plot_chart, render_lab_list, render_lab_result, sort_labs

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
COLOUR_SGR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-9]|9[0-7]|38|48)(?:;[0-9;]*)?m")
FAST_LAB = "ctr-calibration-ne"  # ~0.1 s


def make_result(plot: PlotSpec | None = None, **overrides) -> LabResult:
    data = dict(
        id="toy-lab", case="toy", step="model", title="A toy lab title", seed=0, seconds=0.1234,
        metrics={"auc_a": 0.75, "auc_b": 0.76},
        table=[{"model": "a", "auc": 0.7512, "rows": 40000.0}, {"model": "b", "auc": 0.7601, "rows": 5000.0}],
        takeaway="Model b ranks slightly better at an eighth of the rows.", plot=plot,
    )
    data.update(overrides)
    return LabResult(**data)


BAR = PlotSpec(kind="bar", title="AUC by model", x_label="model", y_label="AUC",
               series=[Series("auc", ["a", "b"], [0.7512, 0.7601]), Series("ne", ["a", "b"], [0.93, 0.91])])
LINE = PlotSpec(kind="line", title="NE by day", x_label="day", y_label="NE",
                series=[Series("stale", list(range(1, 31)), [0.9 + 0.002 * i for i in range(30)]),
                        Series("fresh", list(range(1, 31)), [0.9] * 30)])


def recorded_console(width: int = 100) -> Console:
    return Console(record=True, width=width, no_color=True, file=io.StringIO(), force_terminal=False)


# ------------------------------------------------------------------- rendering


@pytest.mark.parametrize("plot", [None, BAR, LINE], ids=["no-plot", "bar", "line"])
def test_render_shows_title_table_takeaway_and_seconds(plot):
    console = recorded_console()
    render_lab_result(make_result(plot=plot), console)
    text = console.export_text()
    assert "A toy lab title" in text
    assert "Model b ranks slightly better at an eighth of the rows." in text
    assert "0.7512" in text and "40,000" in text  # table cells
    assert "computed in 0.12 s" in text
    if plot is not None:
        assert plot.title in text
        assert "█" in text


def test_render_line_plot_is_thinned_and_small_differences_are_zoomed():
    console = recorded_console()
    render_lab_result(make_result(plot=LINE), console)
    text = console.export_text()
    bar_rows = [line for line in text.splitlines() if "█" in line or "▏" in line]
    assert len(bar_rows) <= 16  # long lines are thinned to keep the chart short
    assert "bars start at" in text  # 0.90..0.96 would look flat from zero


def test_render_respects_no_color(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    render_lab_result(make_result(plot=BAR), console)
    assert "A toy lab title" in out.getvalue()
    assert not COLOUR_SGR.search(out.getvalue())


def test_render_uses_colour_when_allowed(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, color_system="standard", width=100)
    render_lab_result(make_result(plot=BAR), console)
    assert COLOUR_SGR.search(out.getvalue())


def test_render_fits_a_narrow_terminal():
    console = recorded_console(width=60)
    render_lab_result(make_result(plot=BAR), console)
    assert all(len(line) <= 60 for line in console.export_text().splitlines())


def test_plot_chart_handles_negative_and_empty_series():
    neg = PlotSpec(kind="bar", title="delta", x_label="x", y_label="y",
                   series=[Series("d", ["a", "b", "c"], [-0.5, 0.0, 1.0])])
    console = recorded_console()
    console.print(plot_chart(neg))
    assert "-0.5" in console.export_text()
    assert plot_chart(PlotSpec(kind="line", title="t", x_label="x", y_label="y", series=[Series("s", [], [])])) is None


def test_format_value():
    assert format_value(40000.0) == "40,000"
    assert format_value(3) == "3"
    assert format_value(0.123456) == "0.1235"
    assert format_value(1234.5) == "1,234"  # round-half-even at 0 decimals
    assert format_value("x") == "x"


def test_render_real_lab_and_list():
    from mlsd.labs.registry import all_labs, run_lab

    console = recorded_console()
    result = run_lab(FAST_LAB, seed=0)
    render_lab_result(result, console)
    render_lab_list(all_labs(), console)
    text = console.export_text()
    assert result.title in text and result.takeaway[:40] in text.replace("\n", " ").replace("│", "")
    assert FAST_LAB in text


def test_sort_labs_follows_framework_steps():
    from mlsd.labs.registry import labs_for_case

    steps = [spec.step for spec in sort_labs(labs_for_case("ctr"))]
    assert steps == ["data", "model", "model", "evaluation", "monitoring"]


# ------------------------------------------------------------------------ plots


@pytest.mark.parametrize("plot", [BAR, LINE], ids=["bar", "line"])
def test_save_plot_writes_png(tmp_path, plot):
    path = save_plot(make_result(plot=plot), tmp_path / "sub" / "toy.png")
    assert path is not None and path.exists()
    assert path.read_bytes()[:8] == PNG_MAGIC


def test_save_plot_line_with_string_x(tmp_path):
    plot = PlotSpec(kind="line", title="NE", x_label="kept", y_label="NE",
                    series=[Series("raw", ["100%", "10%"], [0.8, 1.9]), Series("q", ["100%", "10%"], [0.8, 0.8])])
    assert save_plot(make_result(plot=plot), tmp_path / "s.png").read_bytes()[:8] == PNG_MAGIC


def test_save_plot_without_plot_returns_none(tmp_path):
    assert save_plot(make_result(plot=None), tmp_path / "none.png") is None
    assert not (tmp_path / "none.png").exists()


# -------------------------------------------------------------------------- CLI


def _app() -> typer.Typer:
    try:
        from mlsd.cli import app
    except ImportError:
        from mlsd.cli import lab

        app = typer.Typer()
        lab.register(app)

        @app.command()
        def _other() -> None:  # a second command so `lab` stays a subcommand
            pass

    return app


runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(_app(), list(args))


def test_cli_list():
    result = invoke("lab", "--list")
    assert result.exit_code == 0, result.output
    for lab_id in ("ctr-leaky-history", "ctr-downsampling", "ctr-gbdt-lr", "ctr-calibration-ne", "ctr-freshness"):
        assert lab_id in result.stdout


def test_cli_list_json_for_a_case():
    result = invoke("lab", "ctr", "--list", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["step"] for r in rows] == ["data", "model", "model", "evaluation", "monitoring"]
    assert {"id", "case", "step", "title", "summary"} <= set(rows[0])


def test_cli_runs_one_lab_and_renders_it():
    result = invoke("lab", FAST_LAB, "--seed", "1")
    assert result.exit_code == 0, result.output
    assert "AUC ignores calibration" in result.stdout
    assert "Takeaway" in result.stdout and "seed 1" in result.stdout


def test_cli_json_is_only_json(tmp_path):
    result = invoke("lab", FAST_LAB, "--json", "--plot-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # nothing but JSON on stdout
    assert isinstance(data, list) and len(data) == 1
    entry = data[0]
    assert {"id", "case", "step", "title", "seconds", "metrics", "takeaway"} <= set(entry)
    assert entry["id"] == FAST_LAB and entry["seed"] == 0 and "auc_model" in entry["metrics"]
    assert (tmp_path / f"{FAST_LAB}.png").read_bytes()[:8] == PNG_MAGIC


def test_cli_same_seed_same_json():
    first = json.loads(invoke("lab", FAST_LAB, "--json", "--seed", "3").stdout)[0]
    second = json.loads(invoke("lab", FAST_LAB, "--json", "--seed", "3").stdout)[0]
    assert first["metrics"] == second["metrics"]


def test_cli_runs_a_whole_case(tmp_path):
    result = invoke("lab", "ctr", "--plot-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    for title in ("A leaky 'historical CTR'", "Negative downsampling", "Model freshness"):
        assert title in result.stdout
    assert "5 labs of ctr" in result.stdout
    assert len(list(tmp_path.glob("ctr-*.png"))) == 5


def test_cli_unknown_lab_is_a_user_error():
    result = invoke("lab", "no-such-lab")
    if isinstance(result.exception, UserError):  # a bare app without the main error handler
        assert "no-such-lab" in str(result.exception)
    else:
        assert result.exit_code == 2
        assert "no-such-lab" in result.output
        assert len(result.output.strip().splitlines()) <= 2  # one message (rich may wrap it once)


def test_cli_help_does_not_import_heavy_libraries():
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys\n"
            "from mlsd.cli import lab\n"
            "heavy = [m for m in ('numpy', 'pandas', 'sklearn', 'xgboost', 'matplotlib') if m in sys.modules]\n"
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == ""


def test_table_columns_have_one_precision_and_numbers_align_right():
    from mlsd.labs.base import format_column

    assert format_column([0.6519, 0.871, 1.0]) == (["0.652", "0.871", "1.000"], True)  # 4 digits of the largest
    assert format_column([0.995, 0.9955]) == (["0.9950", "0.9955"], True)
    assert format_column([0.101, 1.0, 0.582]) == (["0.101", "1.000", "0.582"], True)  # no more than the lab kept
    assert format_column([40000.0, 5296, None]) == (["40,000", "5,296", ""], True)
    assert format_column(["1x", "100x", "3%"])[1] is True  # numbers written as text still align right
    assert format_column(["calm", "rain"])[1] is False
    rows = [{"K": 10, "ndcg_at_10": 0.6519, "cost": "1x"}, {"K": 1000, "ndcg_at_10": 0.871, "cost": "100x"}]
    console = recorded_console()
    render_lab_result(make_result(table=rows), console)
    text = console.export_text()
    assert "ndcg at 10" in text and "ndcg_at_10" not in text  # readable headers
    assert "0.8710" in text and "│    10 │" in text and "│   1x │" in text  # one precision, right-aligned


def test_plot_values_share_one_precision():
    plot = PlotSpec(kind="bar", title="t", x_label="x", y_label="y",
                    series=[Series("s", ["a", "b"], [0.86, 0.8605])])
    console = recorded_console()
    console.print(plot_chart(plot))
    text = console.export_text()
    assert "0.8600" in text and "0.8605" in text
