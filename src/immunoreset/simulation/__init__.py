"""Simulation of cohorts under therapy arms: batched solve, observables, clinical scores."""

from immunoreset.simulation._arm import (
    B_CELL_RETURN_CELLS_PER_UL,
    DEFAULT_DAYS,
    DEFAULT_SOLVER,
    ArmResult,
    patient_readouts,
    simulate_arm,
)

__all__ = [
    "B_CELL_RETURN_CELLS_PER_UL",
    "DEFAULT_DAYS",
    "DEFAULT_SOLVER",
    "ArmResult",
    "patient_readouts",
    "simulate_arm",
]
