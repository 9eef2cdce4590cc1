"""Train the learned concept model the grader ships (mlsd/grader/concept_model.py).

    python benchmarks/train_concept_model.py            # train, report, write mlsd/grader/data/concept_model/<case>.json.gz
    python benchmarks/train_concept_model.py --check    # exit 1 when the shipped model is stale

Per case, one multinomial logistic regression over `claim_model.features` of a sentence; classes
are "STEP/CONCEPT" for every concept of every step, and "none". Training lines:

- each concept's label, why and phrasings (its class);
- the concept drill lines in `benchmarks/data/drill_lines/*_concept_lines*.txt` and
  `*_plain_lines.txt` (their concept's class; vague `-` lines: none), except those held out (see
  `train_claim_model.CONCEPT_FILES` and `drill_lines/README.md`), on which the script reports.

Wrong-claim lines are left out: taught as "none" they cost more held-out concept lines than they
spare (a wrong claim is the red flags' business, and a flagged sentence earns nothing anyway).
The model records a fingerprint of its training lines and their features; `--check` (and a test)
recomputes it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from mlsd.content.loader import load_catalog  # noqa: E402
from mlsd.grader import concept_model  # noqa: E402
from train_claim_model import CASES, concept_files, concept_lines, fingerprint, fit, stale, write_model  # noqa: E402


# a case needs its concept drill lines: they hold the vague lines that teach "none", without which
# every sentence reads as one of the step's concepts
MODEL_CASES = tuple(case_id for case_id in CASES if concept_files(case_id))
C_REG = 4.0  # weaker regularisation than the claim model's: many classes, each with few lines


def training_lines(case_id: str, catalog) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """(sentence, class) to train on, and (sentence, class, file) held out."""
    case = catalog.case(case_id)
    train: list[tuple[str, str]] = []
    held: list[tuple[str, str, str]] = []
    known: set[str] = set()
    for step_id, step in case.steps.items():
        for concept in step.rubric.concepts:
            name = concept_model.label(step_id, concept.id)
            known.add(name)
            train += [(text, name) for text in (concept.label, concept.why, *concept.phrasings) if text]
    for path in concept_files(case_id):
        for step_id, concept_id, sentence, is_held in concept_lines(path):
            name = concept_model.NONE if concept_id == "-" else concept_model.label(step_id, concept_id)
            if name != concept_model.NONE and name not in known:
                continue  # a line for a concept since renamed or removed
            held.append((sentence, name, path.name)) if is_held else train.append((sentence, name))
    return sorted(set(train)), held


def report(case_id: str, held: list[tuple[str, str, str]]) -> list[str]:
    """Per file of held-out lines: concept lines read as their concept, vague lines read as none."""
    lines = []
    for name in sorted({source for _, _, source in held}):
        said = [(s, c) for s, c, source in held if source == name and c != concept_model.NONE]
        vague = [s for s, c, source in held if source == name and c == concept_model.NONE]
        read = sum(1 for s, c in said
                   if c.split("/", 1)[1] in {cid for cid, _ in concept_model.likely_concepts(case_id, c.split("/")[0], s)})
        model = concept_model.load(case_id)
        steps = {c.split("/")[0] for c in model["classes"] if "/" in c}
        loud = sum(1 for s in vague if any(concept_model.likely_concepts(case_id, step, s) for step in steps))
        lines.append(f"{case_id} {name}: held-out concept lines read {read}/{len(said)}, "
                     f"vague lines read as a concept {loud}/{len(vague)}")
    return lines


def stale_cases(catalog) -> list[str]:
    return stale(concept_model.load, lambda case_id: training_lines(case_id, catalog)[0], MODEL_CASES)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether the shipped model is stale")
    parser.add_argument("--case", action="append", choices=MODEL_CASES, help="train only this case (repeatable)")
    args = parser.parse_args()
    catalog = load_catalog()
    if args.check:
        stale = stale_cases(catalog)
        print("stale: " + ", ".join(stale) + " (run python benchmarks/train_concept_model.py)" if stale else "up to date")
        return 1 if stale else 0
    concept_model.MODEL_DIR.mkdir(parents=True, exist_ok=True)
    for case_id in args.case or MODEL_CASES:
        started = time.monotonic()
        train, held = training_lines(case_id, catalog)
        model = {"fingerprint": fingerprint(train), **fit(train, set(), set(), C_REG)}
        write_model(concept_model.model_file(case_id), model)
        concept_model.load.cache_clear()
        print(f"{case_id}: {len(train)} lines, {len(model['classes']) - 1} concepts, {len(model['weights'])} features, "
              f"{concept_model.model_file(case_id).stat().st_size // 1024} KB, {time.monotonic() - started:.0f} s")
        for line in report(case_id, held):
            print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
