"""How well the grader agrees with expert labels.

Usage: python benchmarks/grader_quality.py [FILE] [--level senior] [--show KIND]

FILE is a JSONL of labelled step answers (id, case, step, kind, label, text);
default ../shared/eval/graded_answers.jsonl. Every answer is graded through
the same API as `mlsd grade` (mlsd.grader.grade). Prints Spearman rank
correlation between score and label per case and overall, the mean score per
kind, the targets, and the time to grade a full seven-step sheet.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from mlsd.grader import grade
from mlsd.loader import load_catalog

DEFAULT_FILE = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "graded_answers.jsonl"
KIND_ORDER = ["strong", "solid", "partial", "vague", "wrong", "stuffed", "offtopic"]


def _ranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1  # average rank for ties
        i = j + 1
    return ranks


def spearman(xs: list[float], ys: list[float]) -> float:
    rx, ry = _ranks(xs), _ranks(ys)
    mx, my = statistics.fmean(rx), statistics.fmean(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sx = sum((a - mx) ** 2 for a in rx) ** 0.5
    sy = sum((b - my) ** 2 for b in ry) ** 0.5
    return cov / (sx * sy) if sx and sy else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--level", default="senior")
    parser.add_argument("--show", metavar="KIND", help="print each answer of this kind with its score")
    args = parser.parse_args(argv)

    rows = [json.loads(line) for line in args.file.read_text(encoding="utf-8").splitlines() if line.strip()]
    catalog = load_catalog()
    scored: list[tuple[dict, float]] = []
    missing_cases = set()
    for row in rows:
        if row["case"] not in catalog.cases:
            missing_cases.add(row["case"])
            continue
        result = grade(catalog.case(row["case"]), row["step"], row["text"], args.level)
        scored.append((row, result.score))
        if args.show and row["kind"] == args.show:
            print(f"{result.score:.2f}  L{row['label']}  {row['id']}: {[h.id for h in result.hits]} flags={[f.id for f in result.red_flags]} notes={result.notes}")
    if missing_cases:
        print(f"skipped answers of cases not loaded: {', '.join(sorted(missing_cases))}")

    print(f"{len(scored)} answers graded at level {args.level}\n")
    print("Spearman (score vs label)")
    by_case: dict[str, list[tuple[dict, float]]] = defaultdict(list)
    for row, score in scored:
        by_case[row["case"]].append((row, score))
    overall = spearman([s for _, s in scored], [r["label"] for r, _ in scored])
    for case_id, items in sorted(by_case.items()):
        rho = spearman([s for _, s in items], [r["label"] for r, _ in items])
        print(f"  {case_id:<8} {rho:6.3f}   {'ok' if rho >= 0.70 else 'BELOW 0.70'}")
    print(f"  {'overall':<8} {overall:6.3f}   {'ok' if overall >= 0.80 else 'BELOW 0.80'}\n")

    print("Mean score per kind")
    means: dict[str, float] = {}
    for kind in KIND_ORDER:
        values = [s for r, s in scored if r["kind"] == kind]
        if values:
            means[kind] = statistics.fmean(values)
            print(f"  {kind:<9} {means[kind]:.3f}  (n={len(values)})")
    checks = [
        ("stuffed mean <= 0.20", means.get("stuffed", 0) <= 0.20),
        ("offtopic mean <= 0.25", means.get("offtopic", 0) <= 0.25),
        ("wrong mean < partial mean", means.get("wrong", 0) < means.get("partial", 1)),
        ("strong mean >= 0.70", means.get("strong", 0) >= 0.70),
    ]
    print()
    for name, passed in checks:
        print(f"  {'ok  ' if passed else 'FAIL'} {name}")

    # speed: a full seven-step sheet made of the strong answers of one case, in-process
    case_id = next(iter(sorted(by_case)))
    case = catalog.case(case_id)
    sheet = {r["step"]: r["text"] for r, _ in by_case[case_id] if r["kind"] == "strong"}
    timings = []
    for _ in range(20):
        start = time.perf_counter()
        for step_id in case.steps:
            grade(case, step_id, sheet.get(step_id, ""), args.level)
        timings.append(time.perf_counter() - start)
    print(f"\nfull seven-step sheet ({case_id}): median {statistics.median(timings) * 1000:.1f} ms, "
          f"max {max(timings) * 1000:.1f} ms")
    return 0 if all(p for _, p in checks) and overall >= 0.80 else 1


if __name__ == "__main__":
    sys.exit(main())
