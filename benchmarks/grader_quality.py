"""How well the grader agrees with expert labels.

Usage: python benchmarks/grader_quality.py [FILE ...] [--dev] [--level senior] [--show KIND]

Each FILE is a JSONL of labelled step answers (id, case, step, kind, label, text,
optionally voice). With no FILE, every set is reported: the shared dev sets in
../shared/eval/ and the sets under benchmarks/data/ (see its README for which
are held out; --dev leaves those out). Every answer is graded through the same API as `mlsd grade`.
Prints, per set, Spearman between score and label per case and overall, the
mean score per kind and per voice, the issue #11 targets, and the time to grade
a full seven-step sheet in-process.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from mlsd.grader import grade
from mlsd.grader.quality import CASE_TARGET, KIND_ORDER, OVERALL_TARGET, Report, evaluate, read_labelled
from mlsd.content.loader import load_catalog

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "eval"
DEFAULT_FILES = [SHARED / "graded_answers.jsonl", SHARED / "voices_answers.jsonl",
                 ROOT / "benchmarks" / "data" / "holdout_answers.jsonl",
                 ROOT / "benchmarks" / "data" / "holdout_b_answers.jsonl",
                 ROOT / "benchmarks" / "data" / "v2_dev_answers.jsonl",
                 ROOT / "benchmarks" / "data" / "v4_dev_answers.jsonl",
                 ROOT / "benchmarks" / "data" / "v5_dev_answers.jsonl",
                 ROOT / "benchmarks" / "data" / "v7_dev_answers.jsonl",
                 ROOT / "benchmarks" / "data" / "v8_dev_answers.jsonl",
                 ROOT / "benchmarks" / "data" / "v11_dev_answers.jsonl",
                 ROOT / "benchmarks" / "data" / "v12_newer_dev_answers.jsonl",
                 ROOT / "benchmarks" / "data" / "v13_newer_dev_answers.jsonl",
                 ROOT / "benchmarks" / "data" / "v16_dev_answers.jsonl",
                 ROOT / "benchmarks" / "data" / "v2_heldout_answers.jsonl",
                 ROOT / "benchmarks" / "data" / "v3_heldout_answers.jsonl",
                 ROOT / "benchmarks" / "data" / "v6_heldout_answers.jsonl",
                 ROOT / "benchmarks" / "data" / "v9_heldout_answers.jsonl",
                 ROOT / "benchmarks" / "data" / "v10_heldout_answers.jsonl",
                 ROOT / "benchmarks" / "data" / "v11_heldout_answers.jsonl",
                 ROOT / "benchmarks" / "data" / "v12_heldout_answers.jsonl",
                 ROOT / "benchmarks" / "data" / "v12_newer_heldout_answers.jsonl",
                 ROOT / "benchmarks" / "data" / "v13_newer_heldout_answers.jsonl",
                 ROOT / "benchmarks" / "data" / "v14_heldout_answers.jsonl",
                 ROOT / "benchmarks" / "data" / "v15_heldout_answers.jsonl"]
HELD_OUT = {"v2_heldout_answers.jsonl", "v3_heldout_answers.jsonl", "v6_heldout_answers.jsonl",
            "v9_heldout_answers.jsonl", "v10_heldout_answers.jsonl", "v11_heldout_answers.jsonl",
            "v12_heldout_answers.jsonl", "v12_newer_heldout_answers.jsonl",
            "v13_newer_heldout_answers.jsonl", "v14_heldout_answers.jsonl", "v15_heldout_answers.jsonl"}  # opened only to report (see data/README.md)


def print_report(report: Report, level: str) -> None:
    print(f"{len(report.scored)} answers graded at level {level}\n")
    print("Spearman (score vs label)")
    for case_id, rho in report.by_case().items():
        print(f"  {case_id:<8} {rho:6.3f}   {'ok' if rho >= CASE_TARGET else f'BELOW {CASE_TARGET:.2f}'}")
    overall = report.overall
    print(f"  {'overall':<8} {overall:6.3f}   {'ok' if overall >= OVERALL_TARGET else f'BELOW {OVERALL_TARGET:.2f}'}\n")
    print("Mean score per kind, overall and per voice")
    print("  " + "voice".ljust(20) + "".join(k[:8].rjust(9) for k in KIND_ORDER))
    rows = {"all": report.kind_means(), **report.voice_kind_means()}
    for voice, kinds in rows.items():
        cells = "".join((f"{kinds[k][0]:.2f}" if k in kinds else "-").rjust(9) for k in KIND_ORDER)
        print("  " + voice.ljust(20) + cells)
    print()
    for name, passed in report.checks():
        print(f"  {'ok  ' if passed else 'FAIL'} {name}")


def sheet_timing(report: Report, catalog, level: str) -> str:
    """Median and max time to grade one case's seven strong answers, in-process."""
    case_id = next(iter(report.by_case()))
    case = catalog.case(case_id)
    sheet = {r["step"]: r["text"] for r, _ in report.scored if r["case"] == case_id and r["kind"] == "strong"}
    timings, cpu = [], []
    for _ in range(20):
        start, start_cpu = time.perf_counter(), time.process_time()
        for step_id in case.steps:
            grade(case, step_id, sheet.get(step_id, ""), level)
        timings.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    # CPU time is what the grader costs; wall time also counts whatever else the machine runs
    return f"full seven-step sheet ({case_id}): median {statistics.median(timings) * 1000:.1f} ms wall, " \
           f"{statistics.median(cpu) * 1000:.1f} ms CPU, max {max(timings) * 1000:.1f} ms wall"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--level", default="senior")
    parser.add_argument("--show", metavar="KIND", help="print each answer of this kind (or voice) with its score")
    parser.add_argument("--dev", action="store_true",
                        help="only the development sets: every default set but the held-out ones")
    args = parser.parse_args(argv)

    catalog = load_catalog()
    files = args.files or [f for f in DEFAULT_FILES if f.exists() and not (args.dev and f.name in HELD_OUT)]
    all_passed = True
    for path in files:
        report = evaluate(read_labelled(path), catalog, args.level)
        print(f"== {path.name}")
        if args.show:
            for row, score in report.scored:
                if args.show in (row["kind"], row.get("voice")):
                    result = grade(catalog.case(row["case"]), row["step"], row["text"], args.level)
                    print(f"{score:.2f}  L{row['label']}  {row['id']}: {[h.id for h in result.hits]} "
                          f"flags={[f.id for f in result.red_flags]}")
        if report.skipped_cases:
            print(f"skipped answers of cases not loaded: {', '.join(sorted(report.skipped_cases))}")
        print_report(report, args.level)
        print("\n" + sheet_timing(report, catalog, args.level) + "\n")
        all_passed &= all(passed for _, passed in report.checks())
    return 0 if all_passed else 1


if __name__ == "__main__":
    sys.exit(main())
