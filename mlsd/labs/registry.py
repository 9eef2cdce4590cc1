"""The lab registry: `@lab(...)` declares a lab; `run_lab` runs and times it."""

from __future__ import annotations

import importlib
import os
import time
from typing import Callable

from mlsd.labs.base import LabOutput, LabResult, LabSpec

# Modules that declare labs, one per case. Importing them is cheap: heavy
# libraries are imported inside each lab function.
LAB_MODULES = ("ctr", "recs", "eta", "fraud", "search", "rag", "moderation", "feed", "notifications", "pymk")

_REGISTRY: dict[str, LabSpec] = {}
_loaded = False


def lab(*, id: str, case: str, step: str, title: str, summary: str) -> Callable:
    """Register a function `f(seed: int) -> LabOutput` as a lab."""

    def decorate(func: Callable[[int], LabOutput]) -> Callable[[int], LabOutput]:
        if id in _REGISTRY:
            raise ValueError(f"duplicate lab id {id!r}")
        _REGISTRY[id] = LabSpec(id=id, case=case, step=step, title=title, summary=summary, func=func)
        return func

    return decorate


def _load() -> None:
    global _loaded
    if _loaded:
        return
    for name in LAB_MODULES:
        try:
            importlib.import_module(f"mlsd.labs.{name}")
        except ModuleNotFoundError as exc:  # a case without labs yet
            if exc.name != f"mlsd.labs.{name}":
                raise
    _loaded = True


def all_labs() -> list[LabSpec]:
    _load()
    return list(_REGISTRY.values())


def get_lab(lab_id: str) -> LabSpec:
    _load()
    try:
        return _REGISTRY[lab_id]
    except KeyError:
        raise KeyError(lab_id) from None


def labs_for_case(case_id: str) -> list[LabSpec]:
    return [spec for spec in all_labs() if spec.case == case_id]


def labs_for_step(case_id: str, step_id: str) -> list[LabSpec]:
    return [spec for spec in labs_for_case(case_id) if spec.step == step_id]


def run_lab(lab_id: str, seed: int = 0) -> LabResult:
    """Run one lab with a seed; `seconds` is the lab's own compute time."""
    spec = get_lab(lab_id)
    # One BLAS/OpenMP thread: the models are tiny, and spinning threads on a
    # busy two-core machine made fits 10-20x slower without changing a number.
    # threadpoolctl limits only the libraries loaded already, and a lab imports numpy
    # and scipy inside itself: in a fresh `mlsd lab ID` process they loaded after the
    # limit, with a thread per core (recs-feedback-loop: 20 s of CPU instead of 1.3).
    # These variables are read when a library loads; a user's own setting stays.
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")
    from threadpoolctl import threadpool_limits  # ships with scikit-learn

    with threadpool_limits(limits=1):
        start = time.perf_counter()
        output = spec.func(seed)
        seconds = time.perf_counter() - start
    return LabResult(
        id=spec.id, case=spec.case, step=spec.step, title=spec.title, seed=seed,
        seconds=seconds, metrics=dict(output.metrics), table=list(output.table),
        takeaway=output.takeaway, plot=output.plot,
    )
