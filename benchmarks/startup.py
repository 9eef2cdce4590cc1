"""Start-up cost of the quick commands against the floor of importing typer and rich.

Usage: python benchmarks/startup.py [--runs N] [--case CASE]

Runs every command N times in fresh processes, round-robin (floor, --help, list,
show, grade, floor, ...) so that a busy moment hits them all alike, and prints
wall and CPU medians with the ratio to the floor `python -c "import typer,
rich.console"`. Targets (issue #15): --help <= 1.3x, list and show <= 1.5x,
grade of a full seven-step sheet <= 0.4 s wall. One warm-up round fills the
content cache first (it is keyed by the files' text, so a warm cache is the
normal state); `list (no cache)` shows the cost with MLSD_NO_CACHE=1. Python bytecode is
cached too (in a temporary PYTHONPYCACHEPREFIX), as for an installed package, even where
PYTHONDONTWRITEBYTECODE is set; --no-bytecode keeps that setting.
Also checks that `mlsd --help`, `mlsd list` and `mlsd show CASE` import none of the grader,
pydantic, yaml, numpy, pandas, sklearn, xgboost, matplotlib, and that a warm `mlsd grade` imports
none of them but the grader (its cases come from the content cache: no YAML, no pydantic).
--baseline DIR also times an older checkout (a source tree holding mlsd/, e.g. made with
`git archive REV | tar -x -C DIR`) in the same round-robin, as `python -m mlsd` with DIR on
PYTHONPATH, so before/after ratios come from one run; both sides then run `python -m mlsd`.
Exits 1 if a target is missed or a heavy module is imported.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from procs import mlsd_command, timed_run

HEAVY = ("mlsd.grader", "pydantic", "yaml", "numpy", "pandas", "sklearn", "xgboost", "matplotlib", "jinja2")
FLOOR = "import typer, rich.console"




def _imports(args: list[str], env: dict, cwd: str | None = None) -> list[str]:
    probe = (
        "import sys; sys.argv = ['mlsd', *%r]\nfrom mlsd.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(','.join(m for m in %r if m in sys.modules), file=sys.stderr)" % (args, HEAVY)
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env,
                         cwd=cwd or tempfile.gettempdir())
    line = out.stderr.strip().splitlines()[-1] if out.stderr.strip() else ""
    return [m for m in line.split(",") if m]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="runs of each command (default 9)")
    parser.add_argument("--case", default="ctr", help="case for show and grade (default ctr)")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="keep PYTHONDONTWRITEBYTECODE as set (every run compiles mlsd's sources; "
                             "by default runs use a bytecode cache in a temporary folder, as an installed package does)")
    parser.add_argument("--module", action="store_true",
                        help="run `python -m mlsd` rather than the mlsd script (e.g. an older checkout on PYTHONPATH)")
    parser.add_argument("--baseline", metavar="DIR",
                        help="also time the checkout in DIR (holding mlsd/) in the same runs, for before/after")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.baseline and not (Path(args.baseline) / "mlsd" / "__init__.py").is_file():
        parser.error(f"--baseline {args.baseline}: no mlsd/__init__.py there")
    work = Path(tempfile.mkdtemp(prefix="mlsd-bench-"))
    env = dict(os.environ, MLSD_HOME=str(work / "home"), NO_COLOR="1", COLUMNS="100",
               XDG_CACHE_HOME=str(work / "cache"))
    env.pop("MLSD_NO_CACHE", None)
    if not args.no_bytecode:  # as after `pip install`: compiled bytecode, kept out of the source tree
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    mlsd = mlsd_command(args.module or bool(args.baseline))
    cwd = str(work)  # not the source tree: `python -m mlsd` there would import it from the current folder
    sheet = work / "sheet.md"
    with open(sheet, "w", encoding="utf-8") as handle:  # the model answers: a full seven-step sheet
        subprocess.run(mlsd + ["show", args.case, "--answers", "--markdown"], check=True, stdout=handle, env=env,
                       cwd=cwd)
    commands = {
        "floor": ([sys.executable, "-c", FLOOR], env),
        "mlsd --help": (mlsd + ["--help"], env),
        "mlsd list": (mlsd + ["list"], env),
        f"mlsd show {args.case}": (mlsd + ["show", args.case], env),
        f"mlsd grade {args.case} sheet.md": (mlsd + ["grade", args.case, str(sheet)], env),
        "mlsd list (no cache)": (mlsd + ["list"], dict(env, MLSD_NO_CACHE="1")),
    }
    if args.baseline:
        old = dict(env, PYTHONPATH=str(Path(args.baseline).resolve()), XDG_CACHE_HOME=str(work / "cache-baseline"))
        for name, (cmd, cmd_env) in list(commands.items()):
            if name != "floor":
                commands[f"{name} [baseline]"] = (cmd, {**cmd_env, **{k: old[k] for k in ("PYTHONPATH", "XDG_CACHE_HOME")}})
    for cmd, cmd_env in commands.values():  # warm-up: disk cache, content cache, .pyc files
        timed_run(cmd, cmd_env, cwd)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, (cmd, cmd_env) in commands.items():
            samples[name].append(timed_run(cmd, cmd_env, cwd))
    wall = {name: statistics.median(w for w, _ in runs) for name, runs in samples.items()}
    cpu = {name: statistics.median(c for _, c in runs) for name, runs in samples.items()}
    targets = {"mlsd --help": ("ratio", 1.3), "mlsd list": ("ratio", 1.5), f"mlsd show {args.case}": ("ratio", 1.5),
               f"mlsd grade {args.case} sheet.md": ("wall", 0.4)}

    print(f"median of {args.runs} round-robin runs; floor = python -c {FLOOR!r}; load {os.getloadavg()[0]:.2f}")
    print(f"{'command':<39} {'wall ms':>8} {'ratio':>6} {'cpu ms':>8} {'cpu ratio':>9}  target")
    failed = []
    for name in commands:
        ratio, cpu_ratio = wall[name] / wall["floor"], cpu[name] / cpu["floor"]
        kind, limit = targets.get(name, (None, None))
        verdict = ""
        if kind == "ratio":
            verdict = f"<= {limit}x: " + ("ok" if ratio <= limit else "MISSED")
        elif kind == "wall":
            verdict = f"<= {limit} s: " + ("ok" if wall[name] <= limit else "MISSED")
        if verdict.endswith("MISSED"):
            failed.append(name)
        print(f"{name:<39} {wall[name] * 1000:8.1f} {ratio:5.2f}x {cpu[name] * 1000:8.1f} {cpu_ratio:8.2f}x  {verdict}")
    probes = {"--help": [], "list": [], f"show {args.case}": [],  # allowed: none of HEAVY
              f"grade {args.case} {sheet}": ["mlsd.grader"]}
    bad = {}
    for cmd, allowed in probes.items():
        modules = [m for m in _imports(cmd.split(), env, cwd) if m not in allowed]
        shown = cmd.replace(str(sheet), "sheet.md")
        print(f"imported by `mlsd {shown}` of {', '.join(m for m in HEAVY if m not in allowed)}: "
              f"{', '.join(modules) or 'none'}")
        bad[cmd] = modules
    shutil.rmtree(work, ignore_errors=True)
    return 1 if failed or any(bad.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
