"""Time every registered lab: median and max compute seconds over N seeds, in one process.

    python benchmarks/labs.py [--runs N] [--case CASE ...] [--lab LAB_ID ...]

Each lab runs with seeds 0..N-1 (default N=5). The first run of a process pays for
importing numpy/scikit-learn/xgboost, which the max shows and the median ignores.
Budgets apply to wall-clock compute seconds (LabResult.seconds); the CPU column
(process time, all threads) shows what a lab costs when the machine is busy with
other work, where wall time grows but CPU time does not.
Exits 1 if any lab's median exceeds 2 s or a case's total of medians exceeds 8 s
(the budgets in the lab brief), 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

LAB_MEDIAN_BUDGET = 2.0  # seconds, per lab
CASE_TOTAL_BUDGET = 8.0  # seconds, sum of a case's lab medians


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", "-n", type=int, default=5, help="runs per lab (seeds 0..N-1), default 5")
    parser.add_argument("--case", action="append", default=[], help="only this case (repeatable)")
    parser.add_argument("--lab", action="append", default=[], help="only this lab id (repeatable)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    try:
        import mlsd  # noqa: F401
    except ModuleNotFoundError:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

    from rich.console import Console
    from rich.table import Table

    from mlsd.labs.registry import all_labs, run_lab
    from mlsd.labs.render import sort_labs

    specs = sort_labs(all_labs())
    if args.case:
        specs = [s for s in specs if s.case in args.case]
    if args.lab:
        known = {s.id for s in all_labs()}
        unknown = [lab_id for lab_id in args.lab if lab_id not in known]
        if unknown:
            parser.error(f"unknown lab id(s): {', '.join(unknown)}")
        specs = [s for s in specs if s.id in args.lab]
    if not specs:
        print("no labs to run", file=sys.stderr)
        return 2

    console = Console()
    table = Table(title=f"Lab compute time, {args.runs} run(s) each (seeds 0..{args.runs - 1})",
                  title_justify="left")
    for col, justify in (("case", "left"), ("step", "left"), ("lab", "left"), ("median s", "right"),
                         ("max s", "right"), ("median cpu s", "right"), ("", "left")):
        table.add_column(col, justify=justify)

    failures: list[str] = []
    case_totals: dict[str, float] = {}
    with console.status("timing labs...") as status:
        for spec in specs:
            times, cpu = [], []
            for seed in range(args.runs):
                status.update(f"{spec.id} seed {seed}")
                cpu_start = time.process_time()
                times.append(run_lab(spec.id, seed=seed).seconds)
                cpu.append(time.process_time() - cpu_start)
            median, worst = statistics.median(times), max(times)
            case_totals[spec.case] = case_totals.get(spec.case, 0.0) + median
            over = median > LAB_MEDIAN_BUDGET
            if over:
                failures.append(f"{spec.id}: median {median:.2f} s > {LAB_MEDIAN_BUDGET:.0f} s")
            table.add_row(spec.case, spec.step, spec.id, f"{median:.3f}", f"{worst:.3f}",
                          f"{statistics.median(cpu):.3f}", "[red]OVER BUDGET[/red]" if over else "")
    console.print(table)

    totals = Table(title="Per-case total of medians", title_justify="left")
    totals.add_column("case")
    totals.add_column("total s", justify="right")
    totals.add_column("")
    for case, total in case_totals.items():
        over = total > CASE_TOTAL_BUDGET
        if over:
            failures.append(f"case {case}: total {total:.2f} s > {CASE_TOTAL_BUDGET:.0f} s")
        totals.add_row(case, f"{total:.3f}", "[red]OVER BUDGET[/red]" if over else "")
    console.print(totals)

    if failures:
        for failure in failures:
            console.print(f"[red]FAIL[/red] {failure}")
        return 1
    console.print(f"[green]OK[/green]: every median <= {LAB_MEDIAN_BUDGET:.0f} s, "
                  f"every case total <= {CASE_TOTAL_BUDGET:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
