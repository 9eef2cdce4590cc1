"""Mutation fuzzing of case files, answer sheets and export templates through the CLI.

Each input is a seed file (the toy case, the ctr model-answer sheet, the
shipped cheat-sheet template) with a few random edits and nasty snippets
(tests/faultlib.py). Every command it feeds is judged the same way: no
traceback, exit 0 or 2 with a message, and done within the time bound; a
case file's problems must also each print as one line.
Prints inputs tried and failures by kind, per family. CI runs the same
targets with a small fixed hypothesis budget (tests/test_faults_fuzz.py);
this is the longer run.

    python benchmarks/fuzz.py                       # 300 inputs per family
    python benchmarks/fuzz.py --family content -n 2000 --seed 7
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import faultlib  # noqa: E402


def fuzz(family: str, count: int, seed: int, bound: float, timeout: float, show: int) -> tuple[int, int, collections.Counter]:
    rng = random.Random(f"{family}-{seed}")
    kinds: collections.Counter = collections.Counter()
    failed = 0
    examples: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["MLSD_HOME"] = str(Path(tmp) / "home")
        os.environ.pop("MLSD_CASES", None)
        os.environ.setdefault("NO_COLOR", "1")
        if family == "content":
            seed_bytes = faultlib.TOY_CASE.read_bytes()
            make = lambda: faultlib.mutate_bytes(rng, seed_bytes, faultlib.YAML_SNIPPETS)  # noqa: E731
            runs = faultlib.case_runs
        elif family == "sheet":
            seed_bytes = faultlib.seed_sheet()
            make = lambda: faultlib.mutate_bytes(rng, seed_bytes, faultlib.SHEET_SNIPPETS)  # noqa: E731
            runs = faultlib.sheet_runs
        else:
            base = faultlib.seed_template()
            make = lambda: faultlib.mutate_template(rng, base)  # noqa: E731
            runs = faultlib.template_runs
        context = faultlib.cached_catalog() if family != "content" else _nothing()
        with context:
            for number in range(count):
                data = make()
                folder = Path(tmp) / f"in-{number}"
                failures = faultlib.judge(runs(data, folder), bound, timeout)
                if family == "content":
                    failures += _problem_lines(folder / "cases")
                if failures:
                    failed += 1
                for outcome, why in failures:
                    kinds[why] += 1
                    if len(examples) < show:
                        examples.append(f"  {why}: mlsd {' '.join(outcome.args[:3])} … "
                                        f"({outcome.exception!r:.120})")
    for line in examples:
        print(line)
    return count, failed, kinds


def _problem_lines(cases: Path) -> list:
    """Each problem the loader reports must print as one printable line."""
    from mlsd.content.loader import load_catalog

    try:
        problems = load_catalog([cases], include_shipped=False).problems
    except Exception as exc:  # noqa: BLE001 - counted, not raised
        return [(faultlib.Outcome(["load_catalog"], None, "", "", exc, 0.0), type(exc).__name__)]
    return [(faultlib.Outcome(["load_catalog", str(p)[:80]], 0, "", "", None, 0.0), "problem not one line")
            for p in problems if not str(p).isprintable()]


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", choices=["content", "sheet", "template", "all"], default="all")
    parser.add_argument("-n", "--count", type=int, default=300, help="inputs per family")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bound", type=float, default=10.0, help="seconds a run may take before it counts as slow")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds before a run is stopped")
    parser.add_argument("--show", type=int, default=5, help="failures to print per family")
    args = parser.parse_args()
    families = ["content", "sheet", "template"] if args.family == "all" else [args.family]
    for family in families:
        started = time.perf_counter()
        tried, failed, kinds = fuzz(family, args.count, args.seed, args.bound, args.timeout, args.show)
        detail = ", ".join(f"{k} {v}" for k, v in kinds.most_common()) or "none"
        print(f"{family}: {tried} inputs, {failed} failing ({detail}) in {time.perf_counter() - started:.0f} s",
              flush=True)


if __name__ == "__main__":
    main()
