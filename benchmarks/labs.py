"""Time the labs as a user runs them: `mlsd lab ID` and `mlsd lab CASE` in fresh processes.

    python benchmarks/labs.py [--runs N] [--case CASE ...] [--lab LAB_ID ...] [--compute]

Default: every lab's command `mlsd lab ID` (start-up, imports and compute) and every
case's `mlsd lab CASE` (all its labs in one process), each N times (default 3) in
fresh processes, round-robin; wall and CPU (user+sys) medians. Targets (issue #15):
one lab <= 2 s wall, a case's labs together <= 8 s wall, on an idle two-core machine.
CPU time shows what a command costs when the machine is busy with other work,
where wall time grows but CPU time does not.

--compute: the older in-process table instead: each lab's own compute seconds
(LabResult.seconds) over seeds 0..N-1, imports paid by the first run only.
--baseline DIR also times an older checkout (a source tree holding mlsd/) in the same
round-robin, as `python -m mlsd` with DIR on PYTHONPATH (both sides then run `python -m mlsd`),
so before/after figures come from one run.
Exits 1 if a target is missed, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from procs import mlsd_command, timed_run

LAB_MEDIAN_BUDGET = 2.0  # seconds, per lab
CASE_TOTAL_BUDGET = 8.0  # seconds, sum of a case's lab medians


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", "-n", type=int, default=3, help="runs per command (with --compute: seeds 0..N-1), default 3")
    parser.add_argument("--compute", action="store_true", help="in-process compute seconds per lab instead of commands")
    parser.add_argument("--module", action="store_true",
                        help="run `python -m mlsd` rather than the mlsd script (e.g. an older checkout on PYTHONPATH)")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="keep PYTHONDONTWRITEBYTECODE as set (by default runs cache bytecode in a temporary folder)")
    parser.add_argument("--no-cases", action="store_true", help="skip the per-case `mlsd lab CASE` runs")
    parser.add_argument("--case", action="append", default=[], help="only this case (repeatable)")
    parser.add_argument("--lab", action="append", default=[], help="only this lab id (repeatable)")
    parser.add_argument("--baseline", metavar="DIR",
                        help="also time the checkout in DIR (holding mlsd/) in the same runs, for before/after")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.baseline and not (Path(args.baseline) / "mlsd" / "__init__.py").is_file():
        parser.error(f"--baseline {args.baseline}: no mlsd/__init__.py there")

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

    console = Console(width=None if sys.stdout.isatty() else 140)  # a saved report keeps whole lab ids
    if not args.compute:
        return _commands(specs, args, console)
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




def _commands(specs, args, console) -> int:
    """`mlsd lab ID` per lab and `mlsd lab CASE` per case, fresh processes, round-robin."""
    from rich.table import Table

    work = tempfile.mkdtemp(prefix="mlsd-bench-")
    env = dict(os.environ, MLSD_HOME=os.path.join(work, "home"), NO_COLOR="1", COLUMNS="100")
    if not args.no_bytecode:  # as after `pip install`: compiled bytecode, kept out of the source tree
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = os.path.join(work, "pycache")
    mlsd = mlsd_command(args.module or bool(args.baseline))
    cwd = work  # not the source tree: `python -m mlsd` there would import it from the current folder
    old_env = dict(env, PYTHONPATH=str(Path(args.baseline).resolve())) if args.baseline else None
    commands: dict[str, tuple[str, list[str], float]] = {}
    for spec in specs:
        commands[spec.id] = (spec.case, mlsd + ["lab", spec.id], LAB_MEDIAN_BUDGET)
    cases = [] if args.no_cases else list(dict.fromkeys(spec.case for spec in specs))
    for case in cases:
        commands[f"{case} (all labs)"] = (case, mlsd + ["lab", case], CASE_TOTAL_BUDGET)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    baseline: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    # warm-up: disk cache and bytecode of mlsd and of every library a lab imports
    for side in [env] + ([old_env] if old_env else []):
        timed_run(mlsd + ["lab", "--list"], side, cwd)
        timed_run([sys.executable, "-c", "import numpy, scipy.sparse, scipy.optimize, xgboost, sklearn.linear_model, "
              "sklearn.isotonic, sklearn.naive_bayes, sklearn.metrics, sklearn.preprocessing, "
              "sklearn.model_selection"], side, cwd)
    with console.status("timing lab commands...") as status:
        for round_ in range(args.runs):
            for name, (_, cmd, _) in commands.items():
                status.update(f"round {round_ + 1}/{args.runs}: mlsd {' '.join(cmd[len(mlsd):])}")
                samples[name].append(timed_run(cmd, env, cwd))
                if old_env:
                    try:
                        baseline[name].append(timed_run(cmd, old_env, cwd))
                    except subprocess.CalledProcessError:  # a lab (or case) the baseline does not have
                        pass
    table = Table(title=f"`mlsd lab ...` in fresh processes, median of {args.runs} (load {os.getloadavg()[0]:.1f})",
                  title_justify="left")
    columns = [("case", "left"), ("command", "left"), ("wall s", "right"), ("cpu s", "right")]
    if old_env:
        columns += [("baseline wall s", "right"), ("baseline cpu s", "right")]
    for col, justify in columns + [("target", "right"), ("", "left")]:
        table.add_column(col, justify=justify)
    failures = []
    for name, (case, cmd, budget) in commands.items():
        wall = statistics.median(w for w, _ in samples[name])
        cpu = statistics.median(c for _, c in samples[name])
        over = wall > budget
        if over:
            failures.append(f"mlsd {' '.join(cmd[len(mlsd):])}: {wall:.2f} s wall > {budget:.0f} s")
        old = []
        if old_env:
            old = [f"{statistics.median(w for w, _ in baseline[name]):.2f}",
                   f"{statistics.median(c for _, c in baseline[name]):.2f}"] if baseline[name] else ["—", "—"]
        table.add_row(case, "mlsd " + " ".join(cmd[len(mlsd):]), f"{wall:.2f}", f"{cpu:.2f}", *old,
                      f"<= {budget:.0f} s", "[red]OVER[/red]" if over else "ok")
    console.print(table)
    worst = max((statistics.median(w for w, _ in samples[s.id]) for s in specs), default=0.0)
    console.print(f"slowest single lab: {worst:.2f} s wall")
    for failure in failures:
        console.print(f"[red]FAIL[/red] {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
