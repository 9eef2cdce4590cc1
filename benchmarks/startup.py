"""Start-up cost of `mlsd --help` against the floor of importing typer and rich.

Usage: python benchmarks/startup.py [--runs N]

Runs each command N times in fresh interpreters (one run of this script) and
prints the medians and their ratio. Also checks that `mlsd --help` and
`mlsd list` import none of pandas, sklearn, xgboost, matplotlib.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HEAVY = ("pandas", "sklearn", "xgboost", "matplotlib")


def _time(cmd: list[str], runs: int, env: dict) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _heavy_imports(args: list[str], env: dict) -> list[str]:
    probe = (
        "import sys, runpy; sys.argv = ['mlsd', *%r]\n"
        "try:\n    runpy.run_module('mlsd', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "print(','.join(m for m in %r if m in sys.modules), file=sys.stderr)" % (args, HEAVY)
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env)
    line = out.stderr.strip().splitlines()[-1] if out.stderr.strip() else ""
    return [m for m in line.split(",") if m]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    env = dict(os.environ, MLSD_HOME=tempfile.mkdtemp(), NO_COLOR="1")
    floor = _time([sys.executable, "-c", "import typer, rich"], args.runs, env)
    help_time = _time([sys.executable, "-m", "mlsd", "--help"], args.runs, env)
    list_time = _time([sys.executable, "-m", "mlsd", "list"], args.runs, env)
    print(f"python -c 'import typer, rich': {floor * 1000:7.1f} ms (median of {args.runs})")
    print(f"mlsd --help                   : {help_time * 1000:7.1f} ms  ratio {help_time / floor:.2f}x")
    print(f"mlsd list                     : {list_time * 1000:7.1f} ms  ratio {list_time / floor:.2f}x")
    bad = {cmd: _heavy_imports(cmd.split(), env) for cmd in ("--help", "list")}
    for cmd, modules in bad.items():
        print(f"heavy imports in `mlsd {cmd}`: {', '.join(modules) or 'none'}")
    return 1 if any(bad.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
