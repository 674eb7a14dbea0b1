"""Calibration data (the Erlangen targets), their evaluation, fitting and uncertainty."""

from immunoreset.calibration._constraints import (
    CONSTRAINT_ARMS,
    evaluate_all,
    evaluate_constraints,
    load_constraints,
    prior_penalty,
    prior_ratios,
)
from immunoreset.calibration._fit import (
    FitResult,
    abc_posterior,
    calibrated_names,
    fit,
    simulate_targets,
    target_loss,
)
from immunoreset.calibration._profiles import at_prior, pass_ranges
from immunoreset.calibration._targets import (
    Criterion,
    evaluate_targets,
    evaluate_trajectories,
    load_targets,
)

__all__ = [
    "CONSTRAINT_ARMS",
    "Criterion",
    "FitResult",
    "abc_posterior",
    "at_prior",
    "calibrated_names",
    "evaluate_all",
    "evaluate_constraints",
    "evaluate_targets",
    "evaluate_trajectories",
    "fit",
    "load_constraints",
    "load_targets",
    "pass_ranges",
    "prior_penalty",
    "prior_ratios",
    "simulate_targets",
    "target_loss",
]
