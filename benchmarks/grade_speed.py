"""How long grading a full seven-step sheet takes in-process: each case's model answers.

Usage: python benchmarks/grade_speed.py [--rounds N] [--baseline DIR]

The model answers are the longest full sheets there are (a few hundred words a step), so they bound
what a candidate's sheet costs. Each round grades every case's seven model answers once, each answer
opened by a sentence naming the round: every sentence then sits at new offsets, so no per-sentence
cache of an earlier round answers it, as for a fresh answer. Prints the median CPU time per sheet
of every case. --baseline DIR (a checkout holding mlsd/) times it too, in the same rounds, taking
turns with this one, and prints the ratio: on this noisy machine only a ratio from one run means much.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 100  # issue #11: "a full seven-step sheet still grades in well under 100 ms in-process"


def time_sheets(rounds: int, first_round: int = 0) -> dict[str, list[float]]:
    """CPU seconds per case's model-answer sheet, one per round (after one warm-up round)."""
    from mlsd.content.loader import load_catalog
    from mlsd.grader import grade

    catalog = load_catalog()
    cases = [catalog.case(case_id) for case_id in sorted(catalog.cases)]
    times: dict[str, list[float]] = {case.id: [] for case in cases}
    for n in range(first_round - 1, first_round + rounds):
        for case in cases:
            start = time.process_time()
            for step_id, step in case.steps.items():
                grade(case, step_id, f"Round {n}. {step.model_answer}")
            if n >= first_round:
                times[case.id].append(time.process_time() - start)
    return times


def _child(root: Path, rounds: int, first_round: int) -> dict[str, list[float]]:
    """time_sheets in a fresh interpreter importing mlsd from `root`."""
    code = (f"import json, sys; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); import grade_speed; "
            f"print(json.dumps(grade_speed.time_sheets({rounds}, {first_round})))")
    env = dict(os.environ, PYTHONPATH=str(root))
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=root, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=9, help="sheets per case timed (default 9)")
    parser.add_argument("--baseline", type=Path, metavar="DIR", help="also time the checkout in DIR, for a ratio")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.baseline and not (args.baseline / "mlsd" / "__init__.py").is_file():
        parser.error(f"--baseline {args.baseline}: no mlsd/__init__.py there")
    runs = {"this checkout": ROOT, **({"baseline": args.baseline.resolve()} if args.baseline else {})}
    times: dict[str, dict[str, list[float]]] = {name: {} for name in runs}
    for block in range(3):  # the checkouts take turns, so a busy spell of the machine hits both
        for name, root in runs.items():
            for case_id, found in _child(root, -(-args.rounds // 3), block * 100).items():
                times[name].setdefault(case_id, []).extend(found)
    medians = {name: {c: statistics.median(t) * 1000 for c, t in per_case.items()} for name, per_case in times.items()}
    names = list(runs)
    print(f"CPU ms per full seven-step sheet of model answers, median of {3 * -(-args.rounds // 3)} "
          f"(load {os.getloadavg()[0]:.2f})")
    print(f"{'case':<15}" + "".join(f"{n:>15}" for n in names) + ("      ratio" if len(names) > 1 else ""))
    for case_id in medians[names[0]]:
        cells = "".join(f"{medians[n].get(case_id, float('nan')):15.1f}" for n in names)
        ratio = f"{medians[names[0]][case_id] / medians[names[1]][case_id]:11.2f}" if len(names) > 1 else ""
        print(f"{case_id:<15}{cells}{ratio}")
    worst = max(medians[names[0]].values())
    mean = statistics.mean(medians[names[0]].values())
    print(f"{'mean':<15}" + "".join(f"{statistics.mean(medians[n].values()):15.1f}" for n in names))
    print(f"slowest case {worst:.1f} ms: {'under' if worst < TARGET_MS else 'OVER'} {TARGET_MS} ms (mean {mean:.1f} ms)")
    return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
