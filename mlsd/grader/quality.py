"""How well the grader agrees with labelled answers: Spearman and means per kind.

Used by benchmarks/grader_quality.py and by the regression test on the
blind holdout set (benchmarks/data/holdout_answers.jsonl).
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from mlsd.grader.core import DEFAULT_LEVEL, grade
from mlsd.content.loader import Catalog

KIND_ORDER = ["strong", "solid", "partial", "vague", "wrong", "stuffed", "offtopic"]
VOICE_ORDER = ["typed-fast", "whiteboard-bullets", "spoken-prose", "non-native", "plain-english", "textbook"]
# grader v2 targets (issue #11)
OVERALL_TARGET = 0.85
CASE_TARGET = 0.75
STRONG_TARGET = 0.70  # in every voice
JUNK_CEILING = 0.15  # stuffed and off-topic


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


def read_labelled(path: Path) -> list[dict]:
    """Rows of a JSONL file with id, case, step, kind, label and text."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@dataclass
class Report:
    scored: list[tuple[dict, float]]
    skipped_cases: set[str] = field(default_factory=set)

    @property
    def overall(self) -> float:
        return spearman([s for _, s in self.scored], [r["label"] for r, _ in self.scored])

    def by_case(self) -> dict[str, float]:
        groups: dict[str, list[tuple[dict, float]]] = defaultdict(list)
        for row, score in self.scored:
            groups[row["case"]].append((row, score))
        return {case_id: spearman([s for _, s in items], [r["label"] for r, _ in items])
                for case_id, items in sorted(groups.items())}

    def kind_means(self) -> dict[str, tuple[float, int]]:
        out = {}
        for kind in KIND_ORDER:
            values = [s for r, s in self.scored if r["kind"] == kind]
            if values:
                out[kind] = (statistics.fmean(values), len(values))
        return out

    def voice_kind_means(self) -> dict[str, dict[str, tuple[float, int]]]:
        """Mean score per kind within each voice (answers without a voice are 'unmarked')."""
        groups: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        for row, score in self.scored:
            groups[row.get("voice", "unmarked")][row["kind"]].append(score)
        order = [v for v in VOICE_ORDER if v in groups] + sorted(set(groups) - set(VOICE_ORDER))
        return {voice: {k: (statistics.fmean(groups[voice][k]), len(groups[voice][k]))
                        for k in KIND_ORDER if groups[voice].get(k)} for voice in order}

    def checks(self) -> list[tuple[str, bool]]:
        means = {k: m for k, (m, _) in self.kind_means().items()}
        strong_by_voice = [kinds["strong"][0] for kinds in self.voice_kind_means().values() if "strong" in kinds]
        return [
            (f"overall Spearman >= {OVERALL_TARGET:.2f}", self.overall >= OVERALL_TARGET),
            (f"every case's Spearman >= {CASE_TARGET:.2f}", all(r >= CASE_TARGET for r in self.by_case().values())),
            (f"strong mean >= {STRONG_TARGET:.2f} in every voice", all(m >= STRONG_TARGET for m in strong_by_voice)),
            ("wrong mean < partial mean", means.get("wrong", 0) < means.get("partial", 1)),
            (f"stuffed mean <= {JUNK_CEILING:.2f}", means.get("stuffed", 0) <= JUNK_CEILING),
            (f"offtopic mean <= {JUNK_CEILING:.2f}", means.get("offtopic", 0) <= JUNK_CEILING),
        ]


def evaluate(rows: list[dict], catalog: Catalog, level: str = DEFAULT_LEVEL) -> Report:
    """Grade every row through the same API as `mlsd grade`."""
    report = Report([])
    for row in rows:
        if row["case"] not in catalog.cases:
            report.skipped_cases.add(row["case"])
            continue
        result = grade(catalog.case(row["case"]), row["step"], row["text"], level)
        report.scored.append((row, result.score))
    return report
