"""Offering a step's labs after its grade, inside a practice session."""

from __future__ import annotations

from rich.text import Text

from mlsd.session.context import Context
from mlsd.session.engine import SessionEngine


def offer_labs(ctx: Context, engine: SessionEngine, lab_ids: list[str]) -> None:
    from mlsd.labs import get_lab, run_lab
    from mlsd.labs.render import render_lab_result

    specs = []
    for lab_id in lab_ids:
        try:
            specs.append(get_lab(lab_id))
        except KeyError:
            continue  # a lab named by the case but not built yet
    if not specs:
        return
    console = ctx.console
    console.print(Text("See it in numbers:", style="bold"))
    for number, spec in enumerate(specs, start=1):
        console.print(Text(f"  {number}. {spec.title}  ", style="").append(f"[{spec.id}]", style="dim"))
    while True:
        try:
            choice = ctx.read_line("Run a lab? (number, or Enter to go on) ").strip()
        except EOFError:
            return
        if not choice:
            return
        # short ASCII digits only: '²' passes isdigit() but not int(), nor do 5,000 digits
        if not (choice.isascii() and choice.isdigit() and len(choice) <= 3) or not 1 <= int(choice) <= len(specs):
            console.print(f"[yellow]Pick 1-{len(specs)}, or press Enter.[/]")
            continue
        spec = specs[int(choice) - 1]
        with console.status(f"Running {spec.id}…"):
            result = run_lab(spec.id, seed=0)
        render_lab_result(result, console)
        from mlsd.reports.export import lab_run_record  # keeps the plot data, so export need not re-run the lab

        engine.store.add_lab_run(engine.id, spec.id, 0, lab_run_record(result))
