"""How well the grader agrees with expert labels.

Usage: python benchmarks/grader_quality.py [FILE] [--level senior] [--show KIND]

FILE is a JSONL of labelled step answers (id, case, step, kind, label, text);
default ../shared/eval/graded_answers.jsonl. A second set, written blind from
the case prompts only and never used for tuning, is
benchmarks/data/holdout_answers.jsonl. Every answer is graded through the same
API as `mlsd grade` (mlsd.grader.grade). Prints Spearman rank correlation
between score and label per case and overall, the mean score per kind, the
targets, and the time to grade a full seven-step sheet.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from mlsd.grader import grade
from mlsd.grader.quality import CASE_TARGET, OVERALL_TARGET, evaluate, read_labelled
from mlsd.loader import load_catalog

DEFAULT_FILE = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "graded_answers.jsonl"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--level", default="senior")
    parser.add_argument("--show", metavar="KIND", help="print each answer of this kind with its score")
    args = parser.parse_args(argv)

    catalog = load_catalog()
    rows = read_labelled(args.file)
    report = evaluate(rows, catalog, args.level)
    if args.show:
        for row, _ in report.scored:
            if row["kind"] == args.show:
                result = grade(catalog.case(row["case"]), row["step"], row["text"], args.level)
                print(f"{result.score:.2f}  L{row['label']}  {row['id']}: {[h.id for h in result.hits]} "
                      f"flags={[f.id for f in result.red_flags]} notes={result.notes}")
    if report.skipped_cases:
        print(f"skipped answers of cases not loaded: {', '.join(sorted(report.skipped_cases))}")

    print(f"{len(report.scored)} answers graded at level {args.level}\n")
    print("Spearman (score vs label)")
    for case_id, rho in report.by_case().items():
        print(f"  {case_id:<8} {rho:6.3f}   {'ok' if rho >= CASE_TARGET else f'BELOW {CASE_TARGET:.2f}'}")
    overall = report.overall
    print(f"  {'overall':<8} {overall:6.3f}   {'ok' if overall >= OVERALL_TARGET else f'BELOW {OVERALL_TARGET:.2f}'}\n")

    print("Mean score per kind")
    for kind, (mean, n) in report.kind_means().items():
        print(f"  {kind:<9} {mean:.3f}  (n={n})")
    print()
    checks = report.checks()
    for name, passed in checks:
        print(f"  {'ok  ' if passed else 'FAIL'} {name}")

    # speed: a full seven-step sheet made of the strong answers of one case, in-process
    case_id = next(iter(report.by_case()))
    case = catalog.case(case_id)
    sheet = {r["step"]: r["text"] for r, _ in report.scored if r["case"] == case_id and r["kind"] == "strong"}
    timings = []
    for _ in range(20):
        start = time.perf_counter()
        for step_id in case.steps:
            grade(case, step_id, sheet.get(step_id, ""), args.level)
        timings.append(time.perf_counter() - start)
    print(f"\nfull seven-step sheet ({case_id}): median {statistics.median(timings) * 1000:.1f} ms, "
          f"max {max(timings) * 1000:.1f} ms")
    return 0 if all(passed for _, passed in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
