"""One chunk of a study: draw (or take the given) patients, solve every arm, keep what is saved.

A chunk is a pure function of (study spec, chunk id): the named-patient chunk
``"erlangen"`` or virtual patients ``id·size … id·size + size − 1``. It runs the same in
this process, in a worker process or on a Dask worker, and returns plain data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from immunoreset.model import build_model
from immunoreset.population import erlangen_patients, given_cohort, sample_cohort
from immunoreset.simulation._arm import READOUT_SCORE_DAYS, patient_readouts, simulate_arm
from immunoreset.simulation._spec import SAVE_MODES, TRAJECTORY_VARIABLES, StudySpec

__all__ = ["NAMED_CHUNK", "ChunkOutput", "solve_chunk"]

#: Id of the chunk holding the five named Erlangen patients.
NAMED_CHUNK = "erlangen"


@dataclass(frozen=True)
class ChunkOutput:
    """What one chunk returns: per arm, the patient rows and the saved trajectories.

    ``trajectories[arm]`` maps variable → ``(n_patients, n_saved_days)`` (empty with
    ``save="summary"``); ``days`` are the saved days.
    """

    chunk: str
    patient_ids: tuple[str, ...]
    patients: dict[str, pd.DataFrame]
    days: np.ndarray
    trajectories: dict[str, dict[str, np.ndarray]]


def solve_chunk(spec: StudySpec, chunk: str, *, chunk_size: int, save: str) -> ChunkOutput:
    """Simulate chunk ``chunk`` of ``spec`` (see module docstring)."""
    if save not in SAVE_MODES:
        raise ValueError(f"save: got {save!r}, expected one of {SAVE_MODES}")
    model = build_model(spec.model)
    if chunk == NAMED_CHUNK:
        cohort = erlangen_patients(spec.parameters, seed=spec.seed, spec=spec.cohort, model=model)
    elif spec.patients is not None:
        start = int(chunk) * chunk_size
        stop = min(start + chunk_size, spec.n)
        cohort = given_cohort(spec.patients.rows(start, stop), spec.parameters, seed=spec.seed,
                              model=model, spec=spec.cohort, first_index=start)
    else:
        start = int(chunk) * chunk_size
        cohort = sample_cohort(min(chunk_size, spec.n - start), spec.parameters, seed=spec.seed,
                               spec=spec.cohort, first_index=start, model=model)
    cov = pd.DataFrame({"patient_id": list(cohort.patient_id), **cohort.covariates()})
    if save == "full":
        keep = np.ones(spec.days.size, dtype=bool)
    elif save == "visits":
        keep = np.isin(spec.days, spec.visit_days)
    else:
        keep = np.zeros(spec.days.size, dtype=bool)
    # Daily scores only when daily trajectories are kept; else the saved and read-out days.
    score_days = None
    if save != "full":
        wanted = np.union1d(np.asarray(spec.visit_days, dtype=np.float64), READOUT_SCORE_DAYS)
        score_days = spec.days[np.isin(spec.days, wanted)]
    patients: dict[str, pd.DataFrame] = {}
    trajectories: dict[str, dict[str, np.ndarray]] = {}
    for arm, regimen in spec.arms.items():
        res = simulate_arm(cohort, regimen, arm=arm, days=spec.days, settings=spec.solver,
                           score_days=score_days)
        patients[arm] = cov.merge(patient_readouts(res), on="patient_id")
        trajectories[arm] = {v: np.ascontiguousarray(res.values[v][:, keep]) for v in TRAJECTORY_VARIABLES}
    return ChunkOutput(chunk, cohort.patient_id, patients, spec.days[keep], trajectories)
