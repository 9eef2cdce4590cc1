"""A multinomial logistic regression shipped as sparse weights and scored in plain Python.

The learned readers of a sentence (claim_model: wrong claims; concept_model: concepts) are
trained with scikit-learn by scripts under benchmarks/ and written as gzipped JSON:
{"fingerprint", "classes", "intercept", "weights": {feature: [[class index, weight], ...]}}.
Grading reads them without scikit-learn or numpy.
"""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path


def read(path: Path) -> dict | None:
    """The model in `path`, or None when it is missing or unreadable (grading goes on without it)."""
    if not path.is_file():
        return None
    try:
        data = json.loads(gzip.decompress(path.read_bytes()))
    except (OSError, ValueError, EOFError):
        return None
    return data if isinstance(data, dict) and {"classes", "intercept", "weights"} <= data.keys() else None


def case_file(folder: Path, case_id: str) -> Path:
    """Where a case's model of one kind lives: <folder>/<case>.json.gz."""
    return folder / f"{case_id}.json.gz"


def read_case(folder: Path, case_id: str) -> dict | None:
    """A case's model from `folder`, or None (no such case, a path for an id, or unreadable)."""
    return None if "/" in case_id else read(case_file(folder, case_id))


def logits(model: dict, features) -> list[float]:
    """Each class's logit for a sentence with these features, in the order of model["classes"]."""
    out = list(model["intercept"])
    weights = model["weights"]
    for feature in features:
        for index, weight in weights.get(feature, ()):
            out[index] += weight
    return out


def probabilities(model: dict, features) -> list[float]:
    """Each class's probability for a sentence with these features, in the order of model["classes"]."""
    return softmax(logits(model, features))


def softmax(logits: list[float]) -> list[float]:
    top = max(logits)
    exps = [math.exp(v - top) for v in logits]
    total = sum(exps)
    return [e / total for e in exps]
