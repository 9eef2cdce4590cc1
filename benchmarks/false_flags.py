"""Red-flag phrasings against the drill corpus: false flags on correct sentences, and recall.

Usage: python benchmarks/false_flags.py [--top N] [--case CASE ...] [--unless]

A phrasing that fires on a correct sentence costs a strong answer up to 60% (a wrong claim caps
the step), so every phrasing is checked against every correct sentence helpers have written:
the concept lines (each a correct statement of a concept, or a vague line) and the C lines of
the red-flag lines (correct sentences written to sit close to a flag's wrong claim), all under
`benchmarks/data/drill_lines/`. Each is graded alone in its step (a C line in a step its flag
belongs to) and any red flag a phrasing raises on it is counted; the learned model's `likely-`
readings and concepts waved away are left out, as they cap nothing.

It also reports recall: the share of W lines (a flag's wrong claim in fresh words) that some
phrasing of the step catches; `--unless` lists instead the flags' `unless` entries that let most
wrong lines go (an entry that is part of the wrong claim itself spares it). Both lines are per case; then the N flags that raise most false
flags, with a few of the sentences, for content authors. The phrasings were drilled on much of
this corpus, so it measures regressions and over-broad phrasings, not how the grader generalises:
that is `grader_quality.py` on the blind sets.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from mlsd.content import pitfalls  # noqa: E402
from mlsd.content.loader import load_catalog  # noqa: E402
from mlsd.grader import claim_model, grade  # noqa: E402
from train_claim_model import CASES, LINES, flag_lines  # noqa: E402

EXAMPLES = 3


def _flag_steps(case) -> dict[str, list[str]]:
    """flag id -> the steps whose rubric raises it."""
    steps: dict[str, list[str]] = defaultdict(list)
    for step_id, step in case.steps.items():
        for flag in pitfalls.for_step(step.rubric, step_id):
            steps[flag.id].append(step_id)
    return steps


def corpus(case) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """(step, correct sentence) pairs and (step, flag id, wrong sentence) triples of one case."""
    steps = _flag_steps(case)
    correct: list[tuple[str, str]] = []
    wrong: list[tuple[str, str, str]] = []
    for path in sorted(LINES.glob(f"{case.id}_*concept_lines*.txt")) + sorted(LINES.glob(f"{case.id}_plain_lines*.txt")):
        correct += [(step, sentence) for step, sentence in _concept_sentences(path) if step in case.steps]
    for path in sorted(LINES.glob(f"{case.id}_red_flag_lines*.txt")) + sorted(LINES.glob("shared_red_flag_lines*.txt")):
        for flag_id, kind, sentence, _ in flag_lines(path, None):
            for step in steps.get(flag_id, [])[:1]:  # shared lines were written for a flag, not a case
                (correct.append((step, sentence)) if kind == "C" else wrong.append((step, flag_id, sentence)))
    return correct, wrong


def _concept_sentences(path: Path):
    """(step, sentence) of each `STEP | CONCEPT | sentence` line (vague `-` lines too: they are not wrong)."""
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 3 and parts[2]:
            yield parts[0], parts[2]


def phrasing_flags(case, step: str, sentence: str) -> list[str]:
    """Ids of the red flags phrasings raise on one sentence graded alone in `step`."""
    return [f.id for f in grade(case, step, sentence).red_flags
            if not f.id.startswith((claim_model.PREFIX, "dismissed-"))]


def sparing_unless(case) -> Counter[tuple[str, str, str]]:
    """(flag id, unless entry, "W" or "C") -> how many drill lines that entry alone spares: a line some
    phrasing matches, that the flag lets go because of the entry. Entries that spare wrong lines and
    few correct ones are too broad ("pctr" in a ctr flag)."""
    from mlsd.grader import core
    from mlsd.grader import text as textmod

    flags = {step_id: {f.id: f for f in pitfalls.for_step(step.rubric, step_id)} for step_id, step in case.steps.items()}
    correct, wrong = corpus(case)
    spared: Counter[tuple[str, str, str]] = Counter()
    for step, flag_id, sentence, kind in [(s, f, t, "W") for s, f, t in wrong] + [(s, None, t, "C") for s, t in correct]:
        sents = textmod.sentences(sentence)
        for flag in flags[step].values():
            if not flag.unless or kind == "W" and flag.id != flag_id:
                continue
            if core.find_red_flags(sentence, sents, [flag]) or not core.find_red_flags(
                    sentence, sents, [flag.model_copy(update={"unless": []})]):
                continue
            for entry in flag.unless:
                if not core.find_red_flags(sentence, sents, [flag.model_copy(update={"unless": [entry]})]):
                    spared[(flag.id, entry, kind)] += 1
    return spared


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=15, help="how many of the most false-flagging flags to list")
    parser.add_argument("--case", action="append", choices=CASES, help="only this case (repeatable)")
    parser.add_argument("--unless", action="store_true",
                        help="instead, list the unless entries that spare most wrong lines (slow: about a minute)")
    args = parser.parse_args(argv)
    if args.unless:
        return _report_unless(args.case or CASES, args.top)
    catalog = load_catalog()
    began = time.perf_counter()
    by_flag: Counter[tuple[str, str]] = Counter()
    examples: dict[tuple[str, str], list[str]] = defaultdict(list)
    totals = Counter()
    for case_id in args.case or CASES:
        case = catalog.case(case_id)
        correct, wrong = corpus(case)
        flagged = 0
        for step, sentence in correct:
            raised = phrasing_flags(case, step, sentence)
            flagged += bool(raised)
            for flag_id in raised:
                by_flag[(case_id, flag_id)] += 1
                examples[(case_id, flag_id)].append(sentence)
        caught = sum(1 for step, _, sentence in wrong if phrasing_flags(case, step, sentence))
        totals.update(correct=len(correct), flagged=flagged, wrong=len(wrong), caught=caught)
        print(f"{case_id:7} correct sentences flagged {flagged:4}/{len(correct):5} ({flagged / max(1, len(correct)):.1%})"
              f"   wrong lines caught {caught:4}/{len(wrong):5} ({caught / max(1, len(wrong)):.1%})")
    print(f"{'all':7} correct sentences flagged {totals['flagged']:4}/{totals['correct']:5} "
          f"({totals['flagged'] / max(1, totals['correct']):.1%})   wrong lines caught {totals['caught']:4}/"
          f"{totals['wrong']:5} ({totals['caught'] / max(1, totals['wrong']):.1%})")
    if args.top and by_flag:
        print(f"\nflags raised most on correct sentences (top {args.top}):")
        for (case_id, flag_id), count in by_flag.most_common(args.top):
            print(f"{count:4}  {case_id}/{flag_id}")
            for sentence in examples[(case_id, flag_id)][:EXAMPLES]:
                print(f"        {sentence[:110]}")
    print(f"\n({time.perf_counter() - began:.0f} s)")
    return 0


def _report_unless(case_ids, top: int) -> int:
    catalog = load_catalog()
    rows = []
    for case_id in case_ids:
        spared = sparing_unless(catalog.case(case_id))
        rows += [(spared[(f, e, "W")], spared[(f, e, "C")], case_id, f, e) for f, e, kind in spared if kind == "W"]
    print("wrong lines spared, correct lines spared, flag, unless entry (most wrong lines first):")
    for wrong, right, case_id, flag_id, entry in sorted(rows, key=lambda r: (r[1] - r[0], r[2:]))[:top]:
        print(f"{wrong:4} {right:4}  {case_id}/{flag_id}  {entry!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
