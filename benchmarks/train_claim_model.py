"""Train the learned wrong-claim model the grader ships (mlsd/grader/claim_model.py).

    python benchmarks/train_claim_model.py            # train, report, write mlsd/grader/data/claim_model/<case>.json.gz
    python benchmarks/train_claim_model.py --check    # exit 1 when the shipped model is stale

Per case, one multinomial logistic regression over `claim_model.features` of a sentence; classes
are the case's red-flag ids (its own and the shared pitfalls it inherits) and "ok". Training lines:

- a flag's phrasings and examples (its class); its counterparts (ok);
- W lines (its class) and C lines (ok, weighing HARD_NEGATIVE_WEIGHT; counterparts COUNTERPART_WEIGHT) in
  `benchmarks/data/drill_lines/*_red_flag_lines*.txt`;
- each concept's hint and why, each flag's fix and each step's model answer (ok);
- every concept phrasing and drill concept line, vague lines included (ok): a correct statement
  of a concept must not read as a wrong claim.

Lines held out of the drills (see SPLITS and `drill_lines/README.md`; and the plain-English 5th of
each concept's six round-3 lines) are held out here too, and this script reports the model on them. Weights under PRUNE are dropped: the file stays small and the
probabilities move by less than a point.

The model records a fingerprint of its training lines and their features; `--check` (and a test)
recomputes it, so content or tokenizer changes that leave the model stale are caught.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mlsd.content import pitfalls  # noqa: E402
from mlsd.content.loader import load_catalog  # noqa: E402
from mlsd.grader import claim_model  # noqa: E402
from mlsd.grader import text as textmod  # noqa: E402

LINES = ROOT / "benchmarks" / "data" / "drill_lines"
CASES = ("ctr", "eta", "fraud", "recs", "search", "feed", "moderation", "notifications", "pymk", "rag")
# which of a flag's W and C lines (0-based, in the order written) were held out, per file kind:
# sixth session (6 W, 4 C): W 2 and 5, C 3 and 4; seventh (6 W, 6 C): the spoken and plain-English
# W lines (3 and 5) and the C lines that name the wrong practice to reject it and say it plainly (2 and 5)
# (round 2); round 3 (6 W, 4 C, written as whole sentences of an answer): the whiteboard and
# plain-English W lines (2 and 5) and the plain-English C line (3)
SIXTH, SEVENTH, SEVENTH_R3 = ({1, 4}, {2, 3}), ({2, 4}, {1, 4}), ({1, 4}, {2})
_ALL = (*CASES, "shared")
SPLITS = {"ctr_red_flag_lines.txt": SIXTH, "fraud_red_flag_lines.txt": SIXTH, "shared_red_flag_lines.txt": SIXTH,
          **{f"{name}_red_flag_lines_r2.txt": SEVENTH for name in _ALL},
          **{f"{name}_red_flag_lines_r3.txt": SEVENTH_R3 for name in _ALL},
          # rounds 4 and 5 (eighth session): lines for the flags added that session, written as round 3's
          **{f"{name}_red_flag_lines_{r}.txt": SEVENTH_R3 for name in CASES for r in ("r4", "r5")},
          # round 6 (thirteenth session: 4 W lines, each a fluent sentence of an answer, then 2 C lines):
          # the polished W line (2nd) and the C line that rejects the practice by name or uses its words rightly (2nd)
          **{f"{name}_red_flag_lines_r6.txt": ({1}, {1}) for name in CASES},
          # round 4 of the shared pitfalls (fifteenth session: 6 W lines, from a bare plan step to a claim among
          # correct details, then 3 C lines): the W line that gives the claim as a reason (2nd) and the C
          # line that rejects the practice by name (2nd)
          "shared_red_flag_lines_r4.txt": ({1}, {1}),
          # round 7 (sixteenth session: the flags added that session, 6 W lines in six voices, then 3 C lines):
          # the whiteboard and plain-English W lines (2nd and 5th) and the C line that rejects the practice by name (2nd)
          **{f"{name}_red_flag_lines_r7.txt": ({1, 4}, {1}) for name in CASES}}
C_REG = 2.0
MIN_LINES = 2
HARD_NEGATIVE_WEIGHT = 2.0  # C lines are written to share their W lines' words: the contrast to learn
COUNTERPART_WEIGHT = 10.0  # a flag's counterparts are the content's own promise: each raises nothing
PRUNE = 0.2


def flag_lines(path: Path, split: tuple[set[int], set[int]] | None):
    """(flag id, "W" or "C", sentence, held out?) for each line of a red-flag lines file."""
    held_w, held_c = split or (set(), set())
    flag, seen = None, {"W": 0, "C": 0}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            flag, seen = line[3:].split()[0], {"W": 0, "C": 0}
        elif line[:2] in ("W:", "C:") and flag:
            kind = line[0]
            held = seen[kind] in (held_w if kind == "W" else held_c)
            seen[kind] += 1
            yield flag, kind, line[2:].strip(), held


def _held_r3(concept: str, n: int, ordinal: int) -> bool:
    return concept != "-" and n % 6 == 4  # the plain-English line, 5th of each concept's six


def _held_r5(concept: str, n: int, ordinal: int) -> bool:
    return n == 1  # the written plain-English line of each concept, and each step's 2nd vague line


def _held_first_of_every_other(concept: str, n: int, ordinal: int) -> bool:
    # the first line of every other concept (round 6: the mechanism in everyday words; round 8: plain
    # English), and each step's 2nd vague line
    return n == 1 if concept == "-" else n == 0 and ordinal % 2 == 0


def _held_r7(concept: str, n: int, ordinal: int) -> bool:
    # the "what goes wrong without it" line of every other concept, and each step's 2nd vague line
    return n == 1 if concept == "-" else n == 2 and ordinal % 2 == 0


# which concept lines were held out, by file (see drill_lines/README.md); other files serve whole
CONCEPT_FILES = {"concept_lines.txt": None, "concept_lines_r3.txt": _held_r3, "plain_lines.txt": None,
                 "concept_lines_r5.txt": _held_r5, "concept_lines_r6.txt": _held_first_of_every_other,
                 "concept_lines_r7.txt": _held_r7, "concept_lines_r8.txt": _held_first_of_every_other,
                 "concept_lines_r9.txt": _held_first_of_every_other}


# lines that state an idea through the wrong practice it avoids ("if we dropped cancelled orders, the
# P90 would be short"): right for the concept model, but taught to the claim model as correct they
# teach it that the words of a wrong practice are fine
def _names_the_wrong_practice(path: Path, concept: str, n: int) -> bool:
    return path.name.endswith("_concept_lines_r7.txt") and concept != "-" and n == 2


def concept_lines(path: Path, *, for_claims: bool = False):
    """(step, concept id or "-", sentence, held out?) for each `STEP | CONCEPT | sentence` line
    (`for_claims`: without the lines that state an idea through the wrong practice it avoids)."""
    held = CONCEPT_FILES.get(path.name.split("_", 1)[1])
    position: dict[tuple[str, str], int] = {}
    ordinal = 0  # concepts in the order the file first names them
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 3 or not parts[2]:
            continue
        key = (parts[0], parts[1])
        n = position.get(key, 0)
        position[key] = n + 1
        if n == 0 and parts[1] != "-":
            ordinal += 1
        if not (for_claims and _names_the_wrong_practice(path, parts[1], n)):
            yield parts[0], parts[1], parts[2], bool(held and held(parts[1], n, ordinal))


def concept_files(case_id: str) -> list[Path]:
    return [LINES / f"{case_id}_{name}" for name in CONCEPT_FILES if (LINES / f"{case_id}_{name}").exists()]


class Lines(NamedTuple):
    """One case's lines: training (sentence, class), held out (sentence, class, file it came from),
    and which training sentences are C lines (hard negatives) and counterparts, for their weights."""
    train: list[tuple[str, str]]
    held: list[tuple[str, str, str]]
    hard: set[str]
    counterparts: set[str]


def training_lines(case_id: str, catalog) -> Lines:
    case = catalog.case(case_id)
    train: list[tuple[str, str]] = []
    hard: set[str] = set()
    counterparts: set[str] = set()
    held: list[tuple[str, str, str]] = []
    ids: set[str] = set()
    for step_id, step in case.steps.items():
        for flag in pitfalls.for_step(step.rubric, step_id):
            ids.add(flag.id)
            train += [(t, flag.id) for t in (*flag.examples, *flag.phrasings)]
            train += [(t, claim_model.OK) for t in (*flag.counterparts, flag.fix) if t]
            counterparts.update(flag.counterparts)
        # a shared pitfall's counterparts stay correct where a case flag of the same id replaces it
        for pitfall in pitfalls.library():
            if (not pitfall.steps or step_id in pitfall.steps) and pitfall.id not in step.rubric.pitfalls_off:
                train += [(t, claim_model.OK) for t in pitfall.counterparts]
                counterparts.update(pitfall.counterparts)
        for concept in step.rubric.concepts:
            train += [(t, claim_model.OK) for t in (*concept.phrasings, concept.hint, concept.why) if t]
        # the model answer states the step's ideas correctly, one sentence at a time
        train += [(s.text, claim_model.OK) for s in textmod.sentences(step.model_answer or "") if s.tokens]
    for name in (*(f"{case_id}_red_flag_lines{r}.txt" for r in ("", "_r2", "_r3", "_r4", "_r5", "_r6", "_r7")),
                 *(f"shared_red_flag_lines{r}.txt" for r in ("", "_r2", "_r3", "_r4"))):
        path = LINES / name
        if not path.exists():
            continue
        for flag_id, kind, sentence, is_held in flag_lines(path, SPLITS.get(name)):
            if flag_id in ids:
                label = flag_id if kind == "W" else claim_model.OK
                if is_held:
                    held.append((sentence, label, name))
                else:
                    train.append((sentence, label))
                    if kind == "C":
                        hard.add(sentence)
    for path in concept_files(case_id):
        for _, _, sentence, is_held in concept_lines(path, for_claims=True):
            held.append((sentence, claim_model.OK, path.name)) if is_held else train.append((sentence, claim_model.OK))
    # the grader reads a sentence at a time ("...; ..." is two): the parts of a correct line are
    # correct too, and are what the model will see
    parts = [(piece.text, label) for sentence, label in train if label == claim_model.OK
             for piece in _pieces(sentence)]
    counterparts |= _parts_of(counterparts) & {text for text, _ in parts}
    return Lines(sorted(set(train) | set(parts)), held, hard, counterparts)


def _pieces(line: str):
    found = textmod.sentences(line)
    return found if len(found) > 1 else []


def _parts_of(lines: set[str]) -> set[str]:
    return {piece.text for line in lines for piece in _pieces(line)}


def fingerprint(lines: list[tuple[str, str]]) -> str:
    digest = hashlib.sha256()
    for sentence, label in lines:
        digest.update(f"{label}\t{' '.join(sorted(claim_model.features(sentence)))}\n".encode())
    return digest.hexdigest()[:16]


def fit(lines: list[tuple[str, str]], hard: set[str], counterparts: set[str], c_reg: float = C_REG) -> dict:
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    rows = [claim_model.features(s) for s, _ in lines]
    counts: dict[str, int] = {}
    for fs in rows:
        for f in fs:
            counts[f] = counts.get(f, 0) + 1
    # a feature seen in one training line only is that line's, not a way claims are said
    # (a counterpart's words are kept however rare: it is the content's own promise of a clean reading)
    promised = set().union(*(claim_model.features(c) for c in counterparts)) if counterparts else set()
    vocab = {f: i for i, f in enumerate(sorted(f for f, n in counts.items() if n >= MIN_LINES or f in promised))}
    rows = [[f for f in fs if f in vocab] for fs in rows]
    indptr, indices = [0], []
    for fs in rows:
        indices += sorted(vocab[f] for f in fs)
        indptr.append(len(indices))
    matrix = csr_matrix((np.ones(len(indices), dtype=np.float64), indices, indptr), shape=(len(rows), len(vocab)))
    model = LogisticRegression(C=c_reg, max_iter=5000)
    model.fit(matrix, [label for _, label in lines],
              sample_weight=[COUNTERPART_WEIGHT if sentence in counterparts else
                             HARD_NEGATIVE_WEIGHT if sentence in hard else 1.0 for sentence, _ in lines])
    classes = [str(c) for c in model.classes_]
    weights: dict[str, list[list[float]]] = {}
    for feature, column in vocab.items():
        # softmax ignores a shift that adds the same to every class: centred on the median, a feature's
        # weight is near 0 for the many classes it says nothing about, and those are dropped
        centred = model.coef_[:, column] - np.median(model.coef_[:, column])
        kept = [[k, round(float(w), 2)] for k, w in enumerate(centred) if abs(w) >= PRUNE]
        if kept:
            weights[feature] = kept
    return {"classes": classes, "intercept": [round(float(b), 3) for b in model.intercept_], "weights": weights}


def report(case_id: str, held: list[tuple[str, str, str]], catalog) -> list[str]:
    """Per file of held-out lines: wrong lines read as their flag (or one making the same claim in
    that step), correct lines left alone."""
    case = catalog.case(case_id)
    steps_of: dict[str, list[frozenset[str]]] = {}
    for step_id, step in case.steps.items():
        ids = frozenset(f.id for f in pitfalls.for_step(step.rubric, step_id))
        for flag_id in ids:
            steps_of.setdefault(flag_id, []).append(ids)
    everything = frozenset(claim_model.load(case_id)["classes"])
    lines = []
    for name in sorted({source for _, _, source in held}):
        wrong = [(s, c) for s, c, source in held if source == name and c != claim_model.OK]
        right = [s for s, c, source in held if source == name and c == claim_model.OK]
        # a wrong line is judged in a step its flag belongs to; a correct line against every flag
        caught = sum(1 for s, c in wrong
                     if any(claim_model.likely_flag(case_id, s, ids) is not None for ids in steps_of.get(c, [])))
        clean = sum(1 for s in right if claim_model.likely_flag(case_id, s, everything) is None)
        lines.append(f"{case_id} {name}: held-out wrong lines caught {caught}/{len(wrong)}, "
                     f"correct lines clean {clean}/{len(right)}")
    return lines


def stale(load, train_of, cases=CASES) -> list[str]:
    """Cases whose shipped model (`load(case)`) was not trained on today's lines (`train_of(case)`)."""
    return [case_id for case_id in cases if (load(case_id) or {}).get("fingerprint") != fingerprint(train_of(case_id))]


def write_model(path: Path, model: dict) -> None:
    """Gzipped JSON, byte-identical for identical weights (sorted keys, no timestamp)."""
    body = json.dumps(model, separators=(",", ":"), sort_keys=True).encode()
    path.write_bytes(gzip.compress(body, 9, mtime=0))


def stale_cases(catalog) -> list[str]:
    return stale(claim_model.load, lambda case_id: training_lines(case_id, catalog).train)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether the shipped model is stale")
    parser.add_argument("--case", action="append", choices=CASES, help="train only this case (repeatable)")
    args = parser.parse_args()
    catalog = load_catalog()
    if args.check:
        stale = stale_cases(catalog)
        print("stale: " + ", ".join(stale) + " (run python benchmarks/train_claim_model.py)" if stale else "up to date")
        return 1 if stale else 0
    claim_model.MODEL_DIR.mkdir(parents=True, exist_ok=True)
    for case_id in args.case or CASES:
        started = time.monotonic()
        lines = training_lines(case_id, catalog)
        model = {"fingerprint": fingerprint(lines.train), **fit(lines.train, lines.hard, lines.counterparts)}
        write_model(claim_model.model_file(case_id), model)
        claim_model.load.cache_clear()
        print(f"{case_id}: {len(lines.train)} lines, {len(model['classes']) - 1} flags, {len(model['weights'])} features, "
              f"{claim_model.model_file(case_id).stat().st_size // 1024} KB, {time.monotonic() - started:.0f} s")
        for line in report(case_id, lines.held, catalog):
            print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
