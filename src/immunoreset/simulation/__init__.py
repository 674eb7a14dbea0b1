"""Simulation of cohorts under therapy arms: batched solve, observables, clinical scores,
and studies run at scale (chunks, workers, Dask, resume)."""

from immunoreset.simulation._arm import (
    B_CELL_RETURN_CELLS_PER_UL,
    DEFAULT_DAYS,
    DEFAULT_SOLVER,
    NOT_ELIGIBLE,
    REFERENCE_SOLVER,
    ArmResult,
    b_cell_return_days,
    patient_events,
    patient_readouts,
    score_observables,
    simulate_arm,
    status_names,
)
from immunoreset.simulation._chunk import NAMED_CHUNK, ChunkOutput, solve_chunk
from immunoreset.simulation._config import load_study_config
from immunoreset.simulation._fidelity import (
    SLEDAI_BANDS,
    UNIT_FLOORS,
    FidelityContract,
    FidelityReport,
    Readouts,
    arm_readouts,
    check_fidelity,
    compare_readouts,
    sledai_band,
)
from immunoreset.simulation._reference import solve_patient_scipy
from immunoreset.simulation._resources import (
    available_cores,
    available_memory_bytes,
    check_study_resources,
    check_trial_resources,
)
from immunoreset.simulation._spec import (
    DEFAULT_VISIT_DAYS,
    SAVE_MODES,
    TRAJECTORY_VARIABLES,
    StudySpec,
)
from immunoreset.simulation._study import FAULT_ENV, RunOptions, run_study

__all__ = [
    "B_CELL_RETURN_CELLS_PER_UL",
    "DEFAULT_DAYS",
    "DEFAULT_SOLVER",
    "DEFAULT_VISIT_DAYS",
    "FAULT_ENV",
    "NAMED_CHUNK",
    "NOT_ELIGIBLE",
    "REFERENCE_SOLVER",
    "SAVE_MODES",
    "SLEDAI_BANDS",
    "TRAJECTORY_VARIABLES",
    "UNIT_FLOORS",
    "ArmResult",
    "ChunkOutput",
    "FidelityContract",
    "FidelityReport",
    "Readouts",
    "RunOptions",
    "StudySpec",
    "arm_readouts",
    "available_cores",
    "available_memory_bytes",
    "b_cell_return_days",
    "check_fidelity",
    "check_study_resources",
    "check_trial_resources",
    "compare_readouts",
    "load_study_config",
    "patient_events",
    "patient_readouts",
    "run_study",
    "score_observables",
    "simulate_arm",
    "sledai_band",
    "solve_chunk",
    "solve_patient_scipy",
    "status_names",
]
