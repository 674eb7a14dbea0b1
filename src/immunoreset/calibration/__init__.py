"""Calibration data (the Erlangen targets), their evaluation, fitting and uncertainty."""

from immunoreset.calibration._fit import (
    FitResult,
    abc_posterior,
    calibrated_names,
    fit,
    simulate_targets,
    target_loss,
)
from immunoreset.calibration._targets import (
    Criterion,
    evaluate_targets,
    evaluate_trajectories,
    load_targets,
)

__all__ = [
    "Criterion",
    "FitResult",
    "abc_posterior",
    "calibrated_names",
    "evaluate_targets",
    "evaluate_trajectories",
    "fit",
    "load_targets",
    "simulate_targets",
    "target_loss",
]
