"""Run a study — cohort × arms — chunk by chunk into an output folder.

Used by ``immunoreset reproduce`` and ``immunoreset simulate``. Patients are simulated in
chunks (memory flat in n); trajectories are appended to Parquet as each chunk finishes;
every file is written into ``DIR/.work`` and moved into ``DIR`` only when the run is
complete (:class:`~immunoreset.io.RunDirectory`).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from immunoreset.diseases import UNITS
from immunoreset.engine import SolverSettings
from immunoreset.io import (
    RunDirectory,
    TrajectoryWriter,
    build_manifest,
    write_csv,
    write_manifest,
    write_table,
)
from immunoreset.model import ParameterSet
from immunoreset.population import CohortSpec, erlangen_patients, sample_cohort
from immunoreset.report import Marker, write_report
from immunoreset.simulation._arm import (
    DEFAULT_DAYS,
    DEFAULT_SOLVER,
    ArmResult,
    patient_readouts,
    simulate_arm,
)
from immunoreset.therapy import Regimen

__all__ = ["CHUNK_SIZE", "TRAJECTORY_VARIABLES", "StudySpec", "run_study"]

#: Variables written to trajectories.parquet.
TRAJECTORY_VARIABLES: tuple[str, ...] = (
    "car_t_blood", "t_cells_blood", "b_cells_blood", "b_cells_tissue", "naive_b_fraction",
    "anti_dsdna", "vaccine_igg", "total_igg", "c3", "c4", "proteinuria_g_per_day", "il6",
    "pga", "sledai_2k", "clinical_sledai", "doris", "drug_free_doris", "crs_grade",
)
#: Patients simulated per chunk.
CHUNK_SIZE = 250
#: Virtual patients whose full time courses feed the report's plots (the rest is on disk).
REPORT_PATIENTS = 500


@dataclass(frozen=True)
class StudySpec:
    """What to simulate: a parameter set, a cohort recipe, named arms, days, solver."""

    title: str
    parameters: ParameterSet
    arms: Mapping[str, Regimen]
    n: int
    seed: int
    include_erlangen: bool = False
    cohort: CohortSpec = field(default_factory=CohortSpec)
    days: np.ndarray = field(default_factory=lambda: DEFAULT_DAYS.copy())
    solver: SolverSettings = DEFAULT_SOLVER
    evaluate_targets: bool = False
    markers: Mapping[str, Sequence[Marker]] | None = None


def _chunks(spec: StudySpec):  # type: ignore[no-untyped-def]
    if spec.include_erlangen:
        yield False, erlangen_patients(spec.parameters, seed=spec.seed, spec=spec.cohort)
    for start in range(0, spec.n, CHUNK_SIZE):
        yield True, sample_cohort(min(CHUNK_SIZE, spec.n - start), spec.parameters,
                                  seed=spec.seed, spec=spec.cohort, first_index=start)


def _concat(results: list[ArmResult]) -> ArmResult:
    first = results[0]
    return ArmResult(first.arm, first.regimen, sum((r.patient_ids for r in results), ()),
                     first.days, {k: np.concatenate([r.values[k] for r in results]) for k in first.values},
                     np.concatenate([r.status for r in results]),
                     np.concatenate([r.n_steps for r in results]))


def _long(res: ArmResult) -> pd.DataFrame:
    n, m = len(res.patient_ids), res.days.size
    frames = [pd.DataFrame({"patient_id": np.repeat(np.array(res.patient_ids), m), "arm": res.arm,
                            "day": np.tile(res.days, n).astype(int), "variable": v,
                            "value": res.values[v].ravel(), "unit": UNITS[v]})
              for v in TRAJECTORY_VARIABLES]
    return pd.concat(frames, ignore_index=True)


def run_study(out: str | Path, spec: StudySpec, *, command: str, config: Mapping[str, Any],
              progress: bool = True) -> Path:
    """Simulate ``spec`` and write trajectories.parquet, patients.parquet, report.html,
    manifest.json (and calibration.csv when ``spec.evaluate_targets``) into ``out``."""
    run_dir = RunDirectory(out)
    run_dir.check()
    t_start = time.perf_counter()
    virtual: dict[str, list[ArmResult]] = {a: [] for a in spec.arms}
    patient_rows: list[pd.DataFrame] = []
    plotted: list[pd.DataFrame] = []
    n_plotted = 0
    total = len(spec.arms) * (spec.n + (5 if spec.include_erlangen else 0))
    with run_dir:
        with TrajectoryWriter(run_dir.path("trajectories.parquet")) as writer:
            bar = tqdm(total=total, unit="patient", desc="simulating",
                       disable=not (progress and sys.stderr.isatty()))
            for is_virtual, cohort in _chunks(spec):
                cov = pd.DataFrame({"patient_id": list(cohort.patient_id), **cohort.covariates()})
                plot_this = n_plotted < REPORT_PATIENTS
                for arm, regimen in spec.arms.items():
                    res = simulate_arm(cohort, regimen, arm=arm, days=spec.days, settings=spec.solver)
                    if is_virtual and spec.evaluate_targets:
                        virtual[arm].append(res)
                    writer.write_wide(list(cohort.patient_id), arm, spec.days,
                                      {v: res.values[v] for v in TRAJECTORY_VARIABLES},
                                      {v: UNITS[v] for v in TRAJECTORY_VARIABLES})
                    patient_rows.append(cov.merge(patient_readouts(res), on="patient_id"))
                    if plot_this:
                        plotted.append(_long(res))
                    bar.update(len(cohort))
                n_plotted += len(cohort) if plot_this else 0
            bar.close()
        timings = {"simulate_s": time.perf_counter() - t_start}
        patients = pd.concat(patient_rows, ignore_index=True)
        patients["arm"] = patients["arm"].astype("category")
        write_table(patients, run_dir.path("patients.parquet"))
        calibration = None
        extra: dict[str, Any] = {
            "n_failed": int((patients["solver_status"] != "ok").sum()),
            "failed_by_status": patients["solver_status"].value_counts().to_dict()}
        if spec.evaluate_targets:
            from immunoreset.calibration import evaluate_targets

            calibration = evaluate_targets(_concat(virtual["car_t"]), _concat(virtual["untreated"]))
            write_csv(calibration.drop(columns=["low", "high"]), run_dir.path("calibration.csv"))
            extra["calibration_passed"] = f"{int(calibration['passed'].sum())}/{len(calibration)}"
        timings["total_s"] = time.perf_counter() - t_start
        manifest = build_manifest(command=command, seed=spec.seed, config=config,
                                  solver_settings=asdict(spec.solver), timings=timings,
                                  extra={**extra, "parameter_set": spec.parameters.name,
                                         "parameter_provenance": dict(spec.parameters.provenance),
                                         "parameters": {p.name: p.value for p in spec.parameters.parameters}})
        write_manifest(manifest, run_dir.path("manifest.json"))
        write_report(run_dir.path("report.html"), title=spec.title,
                     trajectories=pd.concat(plotted, ignore_index=True), patients=patients,
                     calibration=calibration, manifest=manifest, markers=spec.markers)
    return Path(out)
