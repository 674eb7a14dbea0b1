"""Simulate one arm of a cohort: events → batched solve → observables → clinical scores."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from immunoreset.clinical import score_visits
from immunoreset.diseases import MODEL_INSTRUMENTS, crs_grades, observables, visit_table
from immunoreset.engine import EventSchedule, SolverSettings, SolveStatus, solve_batch
from immunoreset.population import Cohort
from immunoreset.therapy import Regimen

__all__ = ["DEFAULT_DAYS", "DEFAULT_SOLVER", "NOT_ELIGIBLE", "READOUT_SCORE_DAYS",
           "REFERENCE_SOLVER", "ArmResult", "score_observables",
           "simulate_arm", "status_names"]

#: Daily output from day −7 to day 730 (t = 0 at CAR-T infusion).
DEFAULT_DAYS = np.arange(-7, 731, dtype=np.float64)
#: Default solver: stiff Rosenbrock (Rodas5P) at the loosest tolerance of the sweep that
#: meets the read-out fidelity contract (:func:`~immunoreset.simulation.check_fidelity`: no
#: patient changes category in any clinical read-out at any visit, event days within ±1
#: day, continuous read-outs within 1 %) with a margin, continuous read-outs within half
#: the allowed difference, on every example study and trial (``python
#: benchmarks/tolerance.py``; 2,000 patients per arm): at rtol 3e-5 the largest continuous
#: difference is 0.29 of the allowed one; at rtol 1e-4 it reaches 0.78 (dose finding,
#: 10⁷ cells/kg, autoreactive tissue B cells at day 730), and at 3e-4 and 1e-3 the contract
#: breaks. atol = 1e-3 × rtol. 234 steps per CAR-T patient against 440 at the former 3e-6.
#: Tighter settings are asked for with ``SolverSettings`` (or a config's ``[solver]``
#: table): CAR-T long-tail persistence (counts far below any assay's detection, e.g.
#: ``car_t_day180_over_peak``) needs a tighter rtol (see ``docs/accuracy.md``).
DEFAULT_SOLVER = SolverSettings(method="rodas", rtol=3e-5, atol=3e-8)
#: A tight reference: what the read-out fidelity contract (:mod:`._fidelity`) compares
#: runs against (``benchmarks/tolerance.py``, the fidelity test).
REFERENCE_SOLVER = SolverSettings(method="rodas", rtol=1e-8, atol=1e-11)
#: Status code of a patient for whom no candidate met the inclusion criteria: not a solver
#: failure (the solver's codes are :class:`~immunoreset.engine.SolveStatus`, all >= 0).
NOT_ELIGIBLE = np.int8(-1)


def status_names(status: np.ndarray) -> list[str]:
    """Status codes as names: ``ok``, the solver's failure names, or ``not_eligible``."""
    return ["not_eligible" if int(s) == NOT_ELIGIBLE else SolveStatus(int(s)).name.lower()
            for s in status]


#: B-cell reappearance threshold, cells/µL (fixed detection threshold of the targets file).
B_CELL_RETURN_CELLS_PER_UL = 10.0


@dataclass(frozen=True)
class ArmResult:
    """Result of one arm: observables and scores ``(n_patients, n_days)``; status ``(n,)``
    (:class:`~immunoreset.engine.SolveStatus`, or :data:`NOT_ELIGIBLE`)."""

    arm: str
    regimen: Regimen
    patient_ids: tuple[str, ...]
    days: np.ndarray
    values: dict[str, np.ndarray]
    status: np.ndarray
    n_steps: np.ndarray
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def ok(self) -> np.ndarray:
        """Boolean mask of patients whose solve succeeded."""
        return self.status == SolveStatus.OK


def patient_events(cohort: Cohort, regimen: Regimen, *, flares: bool = True,
                   extra: Sequence[Sequence[tuple[float, int, float]]] | None = None,
                   ) -> list[list[tuple[float, int, float]]]:
    """Per patient, the sorted state jumps ``(day, state_index, amount)``: the regimen's
    doses (dosed by the patient's body size), its flare triggers and any ``extra`` jumps."""
    model = cohort.model
    v_dist = cohort.params[:, model.parameter_index["car_t_distribution_volume"]]
    fl = model.state_index["flare_trigger"]
    lists = []
    for i in range(len(cohort)):
        ev = regimen.events(height_cm=float(cohort.height_cm[i]), weight_kg=float(cohort.weight_kg[i]),
                            car_t_distribution_volume_l=float(v_dist[i]),
                            state_index=model.state_index)
        if flares:
            ev += [(d, fl, a) for d, a in cohort.flares[i]]
        if extra is not None:
            ev += list(extra[i])
        lists.append(sorted(ev, key=lambda e: (e[0], e[1])))
    return lists


def simulate_arm(cohort: Cohort, regimen: Regimen, *, arm: str | None = None,
                 days: np.ndarray = DEFAULT_DAYS, settings: SolverSettings = DEFAULT_SOLVER,
                 flares: bool = True, y0: np.ndarray | None = None,
                 extra_events: list[list[tuple[float, int, float]]] | None = None,
                 n_threads: int | None = None,
                 score_days: np.ndarray | None = None) -> ArmResult:
    """Solve every patient of ``cohort`` under ``regimen`` and score its visit records.

    Patients are paired across arms: the same parameters, initial state and flare triggers.
    A patient whose solve fails keeps its row with a non-OK status and NaN values.

    The CRS grade is scored on every day of ``days``. The other instruments
    (:data:`~immunoreset.diseases.MODEL_INSTRUMENTS`) are scored on every day too unless
    ``score_days`` lists the days that need them (a subset of ``days``); on the other
    days their values are NaN. Large runs that keep only visit-day scores use it: building
    and scoring daily visit records costs about as much as the solve.
    """
    name = arm or regimen.name
    events = EventSchedule.from_lists(patient_events(cohort, regimen, flares=flares, extra=extra_events))
    start = cohort.y0 if y0 is None else y0
    model = cohort.model
    sol = solve_batch(model.rhs, np.nan_to_num(start, nan=0.0), cohort.params, days,
                      t0=float(days[0]), events=events, settings=settings, jac=model.jac,
                      n_threads=n_threads)
    status = np.where(cohort.plausible, sol.status, NOT_ELIGIBLE).astype(np.int8)
    y = sol.y  # in place: (n_patients, n_days, n_states) is the largest array of a run
    y[np.isinf(y)] = np.nan
    np.maximum(y, 0.0, out=y)  # NaN stays NaN
    obs = observables(y, cohort.params, model=model)
    values = dict(obs)
    values.update(score_observables(obs, cohort, regimen, days, ok=status == SolveStatus.OK,
                                    score_days=score_days))
    return ArmResult(name, regimen, cohort.patient_id, days, values, status, sol.n_steps)


def score_observables(obs: Mapping[str, np.ndarray], cohort: Cohort, regimen: Regimen,
                      days: np.ndarray, *, ok: np.ndarray,
                      score_days: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The clinical scores of one arm (:data:`~immunoreset.diseases.MODEL_INSTRUMENTS`),
    ``(n_patients, n_days)`` each, from its observables ``obs`` (arrays ``(n_patients,
    n_days)`` over ``days``, as :func:`~immunoreset.diseases.observables` gives them).

    Patients not ``ok`` (``(n_patients,)`` boolean) get NaN. The CRS grade is scored on
    every day; the other instruments on ``score_days`` (a subset of ``days``; default every
    day), NaN on the other days. This is the scoring step of :func:`simulate_arm`.
    """
    model = cohort.model
    n = len(cohort)
    if score_days is None:
        cols = np.arange(days.size)
    else:
        cols = np.flatnonzero(np.isin(days, score_days))
        missing = np.setdiff1d(np.asarray(score_days, dtype=np.float64), days)
        if missing.size:
            raise ValueError(f"score_days: {missing.tolist()} are not simulated days")
    baseline_inf = cohort.y0[:, model.state_index["inflammation"]]
    visit_instruments = [k for k in MODEL_INSTRUMENTS if k != "crs_grade"]
    scores = {k: np.full((n, days.size), np.nan) for k in MODEL_INSTRUMENTS}
    if ok.any():
        idx = np.flatnonzero(ok)
        scores["crs_grade"][idx] = crs_grades(obs["il6"][idx], cohort.params[idx], model=model)
        sub = {k: v[np.ix_(idx, cols)] for k, v in obs.items()}
        visits = visit_table(sub, cohort.params[idx], cohort.thresholds[idx], baseline_inf[idx],
                             regimen, [cohort.patient_id[i] for i in idx], days[cols],
                             model=model)
        scored = score_visits(visits, instruments=visit_instruments)
        for k in visit_instruments:
            scores[k][np.ix_(idx, cols)] = scored[k].to_numpy(dtype=np.float64).reshape(idx.size, cols.size)
    return scores


def b_cell_return_days(b_cells_blood: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Day of B-cell return per patient: the first day after the post-infusion nadir (within
    days 0-60) with blood B cells >= 10 cells/µL; NaN if they never return or were never
    depleted below that level.

    ``b_cells_blood`` is ``(n_patients, n_days)`` in cells/µL over ``days``.
    """
    window = (days >= 0) & (days <= 60)
    masked = np.where(window[None, :], np.nan_to_num(b_cells_blood, nan=np.inf), np.inf)
    nadir = np.argmin(masked, axis=1)
    depleted = masked[np.arange(masked.shape[0]), nadir] < B_CELL_RETURN_CELLS_PER_UL
    after = (np.arange(days.size)[None, :] > nadir[:, None]) & (b_cells_blood >= B_CELL_RETURN_CELLS_PER_UL)
    return np.where(depleted & after.any(axis=1), days[np.argmax(after, axis=1)], np.nan)


#: Days whose clinical scores :func:`patient_readouts` reads (baseline, day 90, day 517).
READOUT_SCORE_DAYS: tuple[float, ...] = (-7.0, 90.0, 517.0)


def patient_readouts(result: ArmResult) -> pd.DataFrame:
    """Per-patient read-outs of one arm (one row per patient).

    Scores are read on :data:`READOUT_SCORE_DAYS`, the CRS grade over every day.
    """
    baseline_day, day90, day517 = READOUT_SCORE_DAYS
    d = result.days
    v = result.values
    car = v["car_t_blood"]
    with np.errstate(invalid="ignore"):
        ipk = np.nanargmax(np.where(np.isfinite(car), car, -1.0), axis=1)
    peak = car[np.arange(car.shape[0]), ipk]
    if result.regimen.car_t is None:  # no CAR-T: no expansion read-outs (only round-off)
        peak = np.full_like(peak, np.nan)
    ret = b_cell_return_days(v["b_cells_blood"], d)

    def at(name: str, day: float) -> np.ndarray:
        """Values on ``day``; NaN when the run does not cover that day."""
        j = int(np.searchsorted(d, day))
        if j >= d.size or d[j] != day:
            return np.full(len(result.patient_ids), np.nan)
        return v[name][:, j]

    out = pd.DataFrame({
        "patient_id": list(result.patient_ids),
        "arm": result.arm,
        "solver_status": status_names(result.status),
        "solver_steps": result.n_steps,
        "car_t_peak_day": np.where(peak > 0, d[ipk], np.nan),
        "car_t_peak_cells_per_ul": peak,
        "car_t_day180_over_peak": np.where(peak > 0, at("car_t_blood", 180) / np.where(peak > 0, peak, 1), np.nan),
        "t_cell_nadir_cells_per_ul": np.nanmin(v["t_cells_blood"][:, (d >= -3) & (d <= 5)], axis=1),
        "b_cell_return_day": ret,
        "max_crs_grade": np.nanmax(v["crs_grade"], axis=1),
        "sledai_2k_baseline": at("sledai_2k", baseline_day),
        "sledai_2k_day90": at("sledai_2k", day90),
        "clinical_sledai_day90": at("clinical_sledai", day90),
        "doris_day90": at("doris", day90),
        "drug_free_doris_day90": at("drug_free_doris", day90),
        "drug_free_doris_day517": at("drug_free_doris", day517),
        "anti_dsdna_baseline": at("anti_dsdna", -7),
        "anti_dsdna_day90": at("anti_dsdna", 90),
        "anti_dsdna_day180": at("anti_dsdna", 180),
        "c3_baseline": at("c3", -7),
        "c3_day180": at("c3", 180),
        "proteinuria_baseline": at("proteinuria_g_per_day", -7),
        "vaccine_igg_day365": at("vaccine_igg", 365),
        "total_igg_day365_over_baseline": at("total_igg", 365) / at("total_igg", -7),
    })
    return out

