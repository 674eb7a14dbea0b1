"""Calibration data (the Erlangen targets) and their evaluation on simulated cohorts."""

from immunoreset.calibration._targets import Criterion, evaluate_targets, load_targets

__all__ = ["Criterion", "evaluate_targets", "load_targets"]
