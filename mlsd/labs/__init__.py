"""Runnable toy models: synthetic data made in-process, real models, real numbers.

Import-light on purpose: the registry and result types load without pandas,
scikit-learn or xgboost; each lab imports those inside its own function.
"""

from mlsd.labs.base import LabOutput, LabResult, LabSpec, PlotSpec, Series
from mlsd.labs.registry import all_labs, get_lab, labs_for_case, labs_for_step, run_lab

__all__ = [
    "LabOutput", "LabResult", "LabSpec", "PlotSpec", "Series",
    "all_labs", "get_lab", "labs_for_case", "labs_for_step", "run_lab",
]
