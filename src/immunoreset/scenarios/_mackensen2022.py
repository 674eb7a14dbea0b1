"""Scenario ``mackensen2022``: the Erlangen CD19 CAR-T study in SLE, reproduced in silico.

Two paired arms over the same virtual patients with the same flare triggers: ``car_t``
(fludarabine/cyclophosphamide, then 1×10⁶ CAR-T cells/kg on day 0, all lupus drugs
stopped) and ``untreated`` (no lymphodepletion, no CAR-T, refractory background therapy).
Patients: the five Erlangen patients ``erlangen_P1`` … ``P5`` plus ``n`` Erlangen-like
virtual patients per arm. Outputs are written into a working folder and moved into
``out`` only when the run has finished.
"""

from __future__ import annotations

import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from immunoreset.calibration import evaluate_targets
from immunoreset.diseases import UNITS
from immunoreset.errors import InputError
from immunoreset.io import (
    RunDirectory,
    TrajectoryWriter,
    build_manifest,
    write_csv,
    write_manifest,
    write_table,
)
from immunoreset.model import load_parameters
from immunoreset.population import Cohort, erlangen_patients, sample_cohort
from immunoreset.report import Marker, write_report
from immunoreset.simulation import (
    DEFAULT_DAYS,
    DEFAULT_SOLVER,
    ArmResult,
    patient_readouts,
    simulate_arm,
)
from immunoreset.therapy import Regimen

__all__ = ["TRAJECTORY_VARIABLES", "reproduce"]

#: Variables written to trajectories.parquet.
TRAJECTORY_VARIABLES: tuple[str, ...] = (
    "car_t_blood", "t_cells_blood", "b_cells_blood", "b_cells_tissue", "naive_b_fraction",
    "anti_dsdna", "vaccine_igg", "total_igg", "c3", "c4", "proteinuria_g_per_day", "il6",
    "pga", "sledai_2k", "clinical_sledai", "doris", "drug_free_doris", "crs_grade",
)
#: Patients simulated per chunk (memory stays flat in n).
CHUNK_SIZE = 250

MARKERS = {
    "anti_dsdna": (Marker("hline", 30.0, "Anti-dsDNA positivity (30 IU/mL)", source="KYSA-1 NCT05938725"),),
    "c3": (Marker("hline", 0.9, "C3 lower limit of normal (0.9 g/L)"),),
    "b_cells_blood": (Marker("hline", 10.0, "B-cell return threshold (10 cells/µL)"),
                      Marker("point", (110.0, 10.0), "B-cell return, mean ± SD (Mackensen 2022)", xerr=32.0)),
    "car_t_blood": (Marker("vspan", (7.0, 10.0), "Observed CAR-T peak, days 7-10 (Erlangen, digitized)"),),
    "proteinuria_g_per_day": (Marker("hline", 0.5, "SLEDAI-2K proteinuria (> 0.5 g/day)"),),
}


def _cohort_chunks(n: int, seed: int, parameters):  # type: ignore[no-untyped-def]
    yield erlangen_patients(parameters, seed=seed)
    for start in range(0, n, CHUNK_SIZE):
        yield sample_cohort(min(CHUNK_SIZE, n - start), parameters, seed=seed, first_index=start)


def _concat(results: list[ArmResult]) -> ArmResult:
    first = results[0]
    return ArmResult(first.arm, first.regimen, sum((r.patient_ids for r in results), ()),
                     first.days, {k: np.concatenate([r.values[k] for r in results]) for k in first.values},
                     np.concatenate([r.status for r in results]),
                     np.concatenate([r.n_steps for r in results]))


def reproduce(out: str | Path, *, n: int = 200, seed: int = 1, progress: bool = True,
              command: str = "reproduce mackensen2022") -> Path:
    """Run the Erlangen reproduction into ``out``; returns the output folder.

    ``n`` virtual patients per arm (plus the five named patients), one explicit ``seed``.
    Writes trajectories.parquet, patients.parquet, calibration.csv, report.html and
    manifest.json. Bad input raises :class:`InputError` before anything is created.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InputError(f"--n: got {n!r}, expected an integer >= 1")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(f"--seed: got {seed!r}, expected an integer >= 0")
    run_dir = RunDirectory(out)
    run_dir.check()
    parameters = load_parameters()
    arms = {"car_t": Regimen.erlangen_car_t(), "untreated": Regimen.refractory_background()}
    timings: dict[str, float] = {}
    t_start = time.perf_counter()
    days = DEFAULT_DAYS
    virtual: dict[str, list[ArmResult]] = {a: [] for a in arms}
    patient_rows: list[pd.DataFrame] = []
    traj_frames: list[pd.DataFrame] = []
    with run_dir:
        with TrajectoryWriter(run_dir.path("trajectories.parquet")) as writer:
            n_chunks = 1 + -(-n // CHUNK_SIZE)
            bar = tqdm(total=2 * (n + 5), unit="patient", desc="simulating",
                       disable=not (progress and sys.stderr.isatty()))
            for k, cohort in enumerate(_cohort_chunks(n, seed, parameters)):
                cov = pd.DataFrame({"patient_id": list(cohort.patient_id), **cohort.covariates()})
                for arm, regimen in arms.items():
                    res = simulate_arm(cohort, regimen, arm=arm)
                    if k > 0:
                        virtual[arm].append(res)
                    writer.write_wide(list(cohort.patient_id), arm, days,
                                      {v: res.values[v] for v in TRAJECTORY_VARIABLES},
                                      {v: UNITS[v] for v in TRAJECTORY_VARIABLES})
                    patient_rows.append(cov.merge(patient_readouts(res), on="patient_id"))
                    if k <= 1:  # the report plots the named patients and the first chunk
                        traj_frames.append(_long(res, cohort))
                    bar.update(len(cohort))
            bar.close()
            del n_chunks
        timings["simulate_s"] = time.perf_counter() - t_start
        patients = pd.concat(patient_rows, ignore_index=True)
        patients["arm"] = patients["arm"].astype("category")
        write_table(patients, run_dir.path("patients.parquet"))
        car, unt = _concat(virtual["car_t"]), _concat(virtual["untreated"])
        calibration = evaluate_targets(car, unt)
        write_csv(calibration, run_dir.path("calibration.csv"))
        config = {"scenario": "mackensen2022", "n_per_arm": n, "seed": seed,
                  "parameter_set": parameters.name,
                  "arms": {a: _regimen_dict(r) for a, r in arms.items()},
                  "days": [float(days[0]), float(days[-1])], "chunk_size": CHUNK_SIZE}
        timings["total_s"] = time.perf_counter() - t_start
        manifest = build_manifest(command=command, seed=seed, config=config,
                                  solver_settings=asdict(DEFAULT_SOLVER), timings=timings,
                                  extra={"n_failed": int((patients["solver_status"] != "ok").sum()),
                                         "calibration_passed": int(calibration["passed"].sum()),
                                         "calibration_criteria": len(calibration)})
        write_manifest(manifest, run_dir.path("manifest.json"))
        write_report(run_dir.path("report.html"), title="Mackensen 2022 reproduction: CD19 CAR-T in SLE",
                     trajectories=pd.concat(traj_frames, ignore_index=True), patients=patients,
                     calibration=calibration, manifest=manifest, markers=MARKERS)
    return Path(out)


def _regimen_dict(regimen: Regimen) -> dict[str, object]:
    return asdict(regimen)


def _long(res: ArmResult, cohort: Cohort) -> pd.DataFrame:
    n, m = len(cohort), res.days.size
    frames = []
    for v in TRAJECTORY_VARIABLES:
        frames.append(pd.DataFrame({"patient_id": np.repeat(np.array(cohort.patient_id), m),
                                    "arm": res.arm, "day": np.tile(res.days, n).astype(int),
                                    "variable": v, "value": res.values[v].ravel(), "unit": UNITS[v]}))
    return pd.concat(frames, ignore_index=True)
