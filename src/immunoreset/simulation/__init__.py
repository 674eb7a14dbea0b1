"""Simulation of cohorts under therapy arms: batched solve, observables, clinical scores."""

from immunoreset.simulation._arm import (
    B_CELL_RETURN_CELLS_PER_UL,
    DEFAULT_DAYS,
    DEFAULT_SOLVER,
    ArmResult,
    patient_readouts,
    simulate_arm,
)
from immunoreset.simulation._config import load_study_config
from immunoreset.simulation._reference import solve_patient_scipy
from immunoreset.simulation._study import CHUNK_SIZE, TRAJECTORY_VARIABLES, StudySpec, run_study

__all__ = [
    "B_CELL_RETURN_CELLS_PER_UL",
    "CHUNK_SIZE",
    "DEFAULT_DAYS",
    "DEFAULT_SOLVER",
    "TRAJECTORY_VARIABLES",
    "ArmResult",
    "StudySpec",
    "load_study_config",
    "patient_readouts",
    "run_study",
    "simulate_arm",
    "solve_patient_scipy",
]
