"""`mlsd lab`: list, run and render the runnable toy-model labs.

Thin on purpose: the labs, their registry, rendering and plotting live in mlsd.labs.
Heavy libraries (numpy, scikit-learn, xgboost, matplotlib) load only when a lab runs.
"""

from __future__ import annotations

import json
import pathlib
from typing import Annotated, Optional

import typer

from mlsd.cli.complete import complete_lab_or_case


def _resolve(target: str):
    """A lab id -> [that lab]; a case id -> all its labs in step order; else UserError."""
    from mlsd.errors import UserError, unknown_name
    from mlsd.labs.registry import all_labs, get_lab
    from mlsd.labs.render import sort_labs

    specs = all_labs()
    try:
        return [get_lab(target)]
    except KeyError:
        pass
    of_case = [spec for spec in specs if spec.case == target]
    if of_case:
        return sort_labs(of_case)
    names = [spec.id for spec in specs] + sorted({spec.case for spec in specs})
    raise UserError(unknown_name("lab or case", target, names, listing="`mlsd lab --list` shows them"))


def lab_command(
    target: Annotated[
        Optional[str],
        typer.Argument(metavar="LAB_ID|CASE", show_default=False, autocompletion=complete_lab_or_case,
                       help="A lab id (e.g. ctr-downsampling) or a case id to run all its labs."),
    ] = None,
    list_: Annotated[
        bool, typer.Option("--list", "-l", help="List labs by case and step (only those of CASE if given).")
    ] = False,
    seed: Annotated[
        int, typer.Option("--seed", "-s", min=0, help="Random seed for the synthetic data and models.")
    ] = 0,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON list of results (or of labs, with --list) and nothing else.")
    ] = False,
    plot_dir: Annotated[
        Optional[pathlib.Path],
        typer.Option("--plot-dir", file_okay=False, dir_okay=True, writable=True,
                     help="Save each lab's plot as DIR/LAB_ID.png (needs matplotlib).", show_default=False),
    ] = None,
) -> None:
    """Run toy models on synthetic data that show one design idea in real numbers."""
    from mlsd.session.context import Context
    from mlsd.labs.registry import all_labs, run_lab
    from mlsd.labs.render import render_lab_list, render_lab_result, sort_labs

    console = Context().console

    if list_ or target is None:
        specs = _resolve(target) if target is not None else sort_labs(all_labs())
        if as_json:
            rows = [{"id": s.id, "case": s.case, "step": s.step, "title": s.title, "summary": s.summary}
                    for s in specs]
            typer.echo(json.dumps(rows, indent=2))
        else:
            render_lab_list(specs, console)
        return

    specs = _resolve(target)
    if plot_dir is not None:
        from mlsd.labs.plot import require_matplotlib

        require_matplotlib()  # before the labs run, not after: one line naming the install command
    results = []
    if as_json or len(specs) == 1:
        for spec in specs:
            results.append(run_lab(spec.id, seed=seed))
            if not as_json:
                render_lab_result(results[-1], console)
    else:
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                      TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                      console=console, transient=True) as progress:
            task = progress.add_task(f"labs of {target}", total=len(specs))
            for spec in specs:
                progress.update(task, description=f"running {spec.id}")
                results.append(run_lab(spec.id, seed=seed))
                render_lab_result(results[-1], progress.console)
                progress.advance(task)
        total = sum(r.seconds for r in results)
        console.print(f"[dim]{len(results)} labs of {target} in {total:.2f} s of compute[/dim]")

    if plot_dir is not None:
        from mlsd.labs.plot import save_plot

        for result in results:
            saved = save_plot(result, plot_dir / f"{result.id}.png")
            if saved is not None and not as_json:
                console.print(f"[dim]plot saved:[/dim] {saved}")

    if as_json:
        typer.echo(json.dumps([r.to_json() for r in results], indent=2))


def register(app: typer.Typer) -> None:
    """Add the `lab` command to the main app."""
    app.command(
        "lab",
        help="Run toy models on synthetic data that show one design idea in real numbers.\n\n"
             "`mlsd lab --list` lists labs; `mlsd lab LAB_ID` runs one; `mlsd lab CASE` runs all of a case's labs.",
        no_args_is_help=False,
    )(lab_command)
