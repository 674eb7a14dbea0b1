"""The read-out fidelity contract: does a run reproduce a reference run's clinical read-outs?

A solver tolerance is good enough when no user could tell the difference in what the
package reports. The contract compares a *candidate* run of an arm with a *reference* run
of the same patients (typically the same arm solved at a much tighter tolerance) on the
clinical read-outs, not on the states:

1. **Categories at visits.** No patient changes category in any clinical read-out at any
   visit day: DORIS and drug-free DORIS remission, the SLEDAI-2K and clinical SLEDAI
   activity bands (:data:`SLEDAI_BANDS`), LLDAS, the CRS grade (and the ICANS grade where
   the model has one), B-cell aplasia (blood B cells below
   :data:`~immunoreset.simulation.B_CELL_RETURN_CELLS_PER_UL`), anti-dsDNA status (at or
   above the ELISA cut-off; seroconversion is a change of it), C3 status (below the lower
   limit of normal; normalisation is a change of it) and the SLEDAI-2K proteinuria item
   (above 0.5 g/day, the proteinuria part of a renal response; the model has no
   creatinine or eGFR, so there is no full renal response read-out).
2. **Categories over follow-up.** The same highest CRS (and ICANS) grade from day 0 on,
   and the same solver status.
3. **Event days** within ``event_days`` (default ±1 day), and an event present in one run
   is present in the other: B-cell return (:func:`~immunoreset.simulation.b_cell_return_days`),
   onset of B-cell aplasia, the CAR-T peak (arms that give CAR-T), the onset of CRS, the
   first DORIS remission and its first loss after it (relapse).
4. **Continuous read-outs at visits** within ``rtol`` (default 1 %) relative:
   ``|candidate − reference| ≤ rtol · max(|reference|, floor)``, with the floor of the
   read-out's unit (:data:`UNIT_FLOORS`); every observable of the run with a known unit
   is checked (so a new observable of a new model is checked too), plus the CAR-T peak.

Patients on the edge of a category are the exception: a change of category (or an event
day moving further) where the reference itself is within 0.1 % of the category's limit
is counted apart and allowed (:attr:`FidelityContract.borderline`), since some patient
of a large cohort is always that close to some limit at some visit.

Only patients solved in both runs are compared (a patient solved in one run only is a
solver-status change). Each check reports how many patients break it and the worst case
(the first patient and visit where it happens), so a failure says where to look.

Layers: :func:`check_fidelity` (two runs → :class:`FidelityReport`) →
:func:`arm_readouts` (one run → :class:`Readouts`) and :func:`compare_readouts`.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import numpy as np
import pandas as pd

from immunoreset.clinical import BILAG_COLUMNS, score_visits
from immunoreset.clinical.sledai2k import PROTEINURIA_G_PER_DAY_ABOVE
from immunoreset.diseases import ANTI_DSDNA_ULN_IU_PER_ML, C3_LLN_G_PER_L, UNITS, visit_table
from immunoreset.engine import SolveStatus
from immunoreset.errors import InputError
from immunoreset.population import Cohort
from immunoreset.simulation._arm import B_CELL_RETURN_CELLS_PER_UL, ArmResult, b_cell_return_days
from immunoreset.simulation._spec import DEFAULT_VISIT_DAYS

__all__ = [
    "SLEDAI_BANDS",
    "UNIT_FLOORS",
    "FidelityContract",
    "FidelityReport",
    "Readouts",
    "arm_readouts",
    "check_fidelity",
    "compare_readouts",
    "sledai_band",
]

#: Lower bounds (points) of the SLEDAI-2K activity bands: none (0), mild (1-5), moderate
#: (6-10), high (11-19), very high (>= 20). Cook RJ, Gladman DD, Pericak D, Urowitz MB,
#: J Rheumatol 2000;27:1892-1895 (the categories of SLEDAI-2K used to predict mortality),
#: also used for the clinical SLEDAI.
SLEDAI_BANDS: tuple[int, ...] = (0, 1, 6, 11, 20)

#: Floors of the continuous read-outs, by unit (:data:`~immunoreset.diseases.UNITS`): a
#: difference is measured relative to ``max(|reference|, floor)``. ASSUMED, each the
#: resolution at which the quantity is reported clinically, so that a difference of 1 % of
#: the floor is far below what a laboratory report shows: cell counts in whole cells/µL
#: (flow cytometry; B-cell aplasia is judged at 10 cells/µL); anti-dsDNA in whole IU/mL
#: (ELISA, cut-off 30 IU/mL); C3, C4 and total IgG to 0.01 g/L; proteinuria to 0.01 g/day;
#: IL-6 in whole pg/mL; fractions (of baseline, naive B-cell fraction, inflammation) and
#: the 0-3 physician's global assessment to 0.01; the mechanism read-outs of the core —
#: fludarabine (2F-ara-A) to 0.01 mg/L (about 1% of the plasma peak after 25 mg/m²), rates
#: (lymphodepletion hazard, CAR-T expansion rate) to 0.01/day, kills per CAR-T cell to
#: 0.01 per day.
UNIT_FLOORS: Mapping[str, float] = MappingProxyType({
    "cells/uL": 1.0,
    "IU/mL": 1.0,
    "g/L": 0.01,
    "g/day": 0.01,
    "pg/mL": 1.0,
    "fraction": 0.01,
    "fraction of baseline": 0.01,
    "0-3": 0.01,
    "mg/L": 0.01,
    "1/day": 0.01,
    "cells/cell/day": 0.01,
})

#: Read-outs that are scores (compared as categories, never as continuous values).
_SCORES = ("sledai_2k", "clinical_sledai", "doris", "drug_free_doris", "lldas", "crs_grade",
           "icans_grade")
#: Grades compared at visits and as their highest value over follow-up, when present.
_GRADES = ("crs_grade", "icans_grade")
#: Categories that are an observable beyond a clinical limit: name -> (observable, test,
#: limit). B-cell aplasia (detection threshold of Mackensen 2022), anti-dsDNA positive
#: (ELISA cut-off; seroconversion is its change), low C3 (lower limit of normal;
#: normalisation is its change), the SLEDAI-2K proteinuria item (Gladman 2002).
_THRESHOLDS: Mapping[str, tuple[str, str, float]] = MappingProxyType({
    "b_cell_aplasia": ("b_cells_blood", "<", B_CELL_RETURN_CELLS_PER_UL),
    "anti_dsdna_positive": ("anti_dsdna", ">=", ANTI_DSDNA_ULN_IU_PER_ML),
    "c3_low": ("c3", "<", C3_LLN_G_PER_L),
    "proteinuria_sledai_item": ("proteinuria_g_per_day", ">", PROTEINURIA_G_PER_DAY_ABOVE),
})
_COMPARE = {"<": np.less, ">": np.greater, ">=": np.greater_equal}
#: A category of a patient not solved (or a visit the run does not reach).
_UNKNOWN = -1


def sledai_band(score: np.ndarray) -> np.ndarray:
    """The SLEDAI activity band (0-4, :data:`SLEDAI_BANDS`) of each score; -1 where NaN."""
    s = np.asarray(score, dtype=np.float64)
    band = np.searchsorted(np.asarray(SLEDAI_BANDS, dtype=np.float64), s, side="right") - 1
    return np.where(np.isfinite(s), band, _UNKNOWN).astype(np.int16)


@dataclass(frozen=True)
class FidelityContract:
    """What a candidate run must reproduce of a reference run (validated at construction).

    ``visit_days``: the days whose categories and values are compared (those a run does
    not simulate are left out); ``event_days``: the largest allowed shift of an event day;
    ``rtol``: the largest relative difference of a continuous read-out; ``floors``: by unit,
    see :data:`UNIT_FLOORS` (replace it to use others).

    ``borderline``: a patient whose reference category at a visit (or event day) changes
    when the reference's observables are all scaled by ``1 - borderline`` or
    ``1 + borderline`` (and the scores recomputed from them), or whose CAR-T curve comes
    within ``borderline`` of its peak on another day, sits on the edge of that category:
    its category is not determined to better than a tenth of the precision asked of the
    continuous read-outs (0.1 % against 1 %). A change there is counted apart
    (``borderline`` in the report) and does not break the contract. Such patients exist
    at any tolerance looser than the reference's: e.g. one of 2,000 Erlangen-like CAR-T
    patients has IL-6 at day 14 within 7e-6 of its fever threshold, so its CRS grade flips
    at rtol 3e-5. ``borderline=0`` is the strict contract.
    """

    visit_days: tuple[float, ...] = tuple(float(d) for d in DEFAULT_VISIT_DAYS)
    event_days: float = 1.0
    rtol: float = 0.01
    floors: Mapping[str, float] = field(default_factory=lambda: UNIT_FLOORS)
    borderline: float = 0.001

    def __post_init__(self) -> None:
        if not self.visit_days:
            raise InputError("FidelityContract.visit_days: got none, expected at least one day")
        if not (np.isfinite(self.event_days) and self.event_days >= 0):
            raise InputError(f"FidelityContract.event_days: got {self.event_days!r}, expected "
                             "a number of days >= 0")
        if not (np.isfinite(self.rtol) and 0 < self.rtol < 1):
            raise InputError(f"FidelityContract.rtol: got {self.rtol!r}, expected a number in (0, 1)")
        if not (np.isfinite(self.borderline) and 0 <= self.borderline < self.rtol):
            raise InputError(f"FidelityContract.borderline: got {self.borderline!r}, expected "
                             f"a number >= 0 and below rtol ({self.rtol:g})")
        bad = {u: f for u, f in self.floors.items() if not (np.isfinite(f) and f > 0)}
        if bad:
            unit, value = next(iter(bad.items()))
            raise InputError(f"FidelityContract.floors[{unit!r}]: got {value!r}, expected a "
                             "number > 0")


@dataclass(frozen=True)
class Readouts:
    """The clinical read-outs of one arm's run, as the contract compares them.

    ``categories``: ``(n_patients, n_visits)`` integer categories at ``visit_days``
    (-1 where unknown); ``follow_up``: ``(n_patients,)`` categories over follow-up;
    ``events``: ``(n_patients,)`` event days (NaN where the event does not happen);
    ``continuous``: ``(n_patients, n_visits)`` values at ``visit_days``, and ``(n_patients, 1)``
    for once-per-patient values (the CAR-T peak); ``units``: the unit of each continuous
    read-out. ``near_categories`` and ``near_events``: the same categories (at visits and
    over follow-up) and event days of the run on the edge of their categories (``(k, ...)``
    stacks; see
    :attr:`FidelityContract.borderline`), empty unless asked for.
    """

    arm: str
    patient_ids: tuple[str, ...]
    visit_days: np.ndarray
    solved: np.ndarray
    categories: Mapping[str, np.ndarray]
    follow_up: Mapping[str, np.ndarray]
    events: Mapping[str, np.ndarray]
    continuous: Mapping[str, np.ndarray]
    units: Mapping[str, str]
    near_categories: Mapping[str, np.ndarray] = field(default_factory=dict)
    near_events: Mapping[str, np.ndarray] = field(default_factory=dict)


def _first_day(mask: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Per row, the day of the first True (NaN where none)."""
    has = mask.any(axis=1)
    return np.where(has, days[np.argmax(mask, axis=1)], np.nan)


def _lldas(result: ArmResult, cohort: Cohort, cols: np.ndarray) -> np.ndarray:
    """LLDAS ``(n, len(cols))`` on the days ``cols`` of the run (each visit judged against
    the previous one of these days), scored by the clinical library from visit records."""
    out = np.full((len(cohort), cols.size), _UNKNOWN, dtype=np.int16)
    idx = np.flatnonzero(result.ok)
    if idx.size == 0 or cols.size == 0:
        return out
    obs = {k: v[np.ix_(idx, cols)] for k, v in result.values.items()}
    table = visit_table(obs, cohort.params[idx], cohort.thresholds[idx],
                        cohort.y0[idx, cohort.model.state_index["inflammation"]], result.regimen,
                        [cohort.patient_id[i] for i in idx], result.days[cols], model=cohort.model)
    for c in BILAG_COLUMNS:  # not needed by LLDAS; the visit format has them
        table[c] = "E"
    scored = score_visits(table, instruments=["lldas"])["lldas"].to_numpy(dtype=np.int16)
    out[idx] = scored.reshape(idx.size, cols.size)
    return out


def arm_readouts(result: ArmResult, cohort: Cohort, *,
                 visit_days: Sequence[float] = FidelityContract().visit_days,
                 borderline: float = 0.0) -> Readouts:
    """The read-outs of ``result`` (one arm of ``cohort``) that the contract compares.

    ``result`` must hold daily values with the scores on every day (as
    :func:`~immunoreset.simulation.simulate_arm` gives without ``score_days``): event days
    are found day by day. Visit days outside the run are left out. With ``borderline`` > 0
    (a reference run) the read-outs on the edge of their categories are found too (see
    :attr:`FidelityContract.borderline`): the scores are recomputed twice, daily, from the
    scaled observables.
    """
    if tuple(result.patient_ids) != tuple(cohort.patient_id):
        raise ValueError(f"arm_readouts: the result of arm {result.arm!r} is not of this cohort's "
                         "patients")
    out = _readouts(result, cohort, visit_days)
    if borderline <= 0:
        return out
    scaled = [_readouts(_scaled(result, cohort, f), cohort, visit_days)
              for f in (1.0 - borderline, 1.0 + borderline)]
    near_cat = {k: np.stack([r.categories[k] for r in scaled]) for k in out.categories}
    near_cat |= {k: np.stack([r.follow_up[k] for r in scaled]) for k in out.follow_up
                 if k != "solver_status"}
    near_ev = {k: np.stack([r.events[k] for r in scaled]) for k in out.events}
    if "car_t_peak_day" in out.events:  # a flat peak: days within `borderline` of it
        days = np.asarray(result.days, dtype=np.float64)
        car = np.where(days[None, :] >= 0, np.nan_to_num(result.values["car_t_blood"]), 0.0)
        close = car >= (1.0 - borderline) * car.max(axis=1, keepdims=True)
        last = days[days.size - 1 - np.argmax(close[:, ::-1], axis=1)]
        near_ev["car_t_peak_day"] = np.stack([_first_day(close, days), last])
    return Readouts(**{**out.__dict__, "near_categories": near_cat, "near_events": near_ev})


def _scaled(result: ArmResult, cohort: Cohort, factor: float) -> ArmResult:
    """``result`` with every observable times ``factor`` and the scores recomputed."""
    from immunoreset.simulation._arm import score_observables

    obs = {k: v * factor for k, v in result.values.items() if k not in _SCORES}
    scores = score_observables(obs, cohort, result.regimen, np.asarray(result.days), ok=result.ok)
    return replace(result, values={**obs, **scores})


def _readouts(result: ArmResult, cohort: Cohort, visit_days: Sequence[float]) -> Readouts:
    days = np.asarray(result.days, dtype=np.float64)
    v = result.values
    solved = result.status == SolveStatus.OK
    wanted = np.asarray(visit_days, dtype=np.float64)
    cols = np.flatnonzero(np.isin(days, wanted))
    missing = [k for k in ("doris", "sledai_2k", "crs_grade") if k in v
               and np.isnan(v[k][solved]).any()]
    if missing:
        raise ValueError(f"arm_readouts: {missing[0]!r} is not scored on every day of arm "
                         f"{result.arm!r}; simulate the arm without score_days")

    def at(name: str) -> np.ndarray:
        return v[name][:, cols]

    def category(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
        return np.where(np.isfinite(values) & solved[:, None], mask, _UNKNOWN).astype(np.int16)

    cats: dict[str, np.ndarray] = {}
    for name in ("doris", "drug_free_doris"):
        if name in v:
            cats[name] = category(at(name) >= 0.5, at(name))
    for name in ("sledai_2k", "clinical_sledai"):
        if name in v:
            cats[f"{name}_band"] = np.where(solved[:, None], sledai_band(at(name)), _UNKNOWN)
    if {"inflammation", "pga"} <= set(v):
        cats["lldas"] = _lldas(result, cohort, cols)
    for name in _GRADES:
        if name in v:
            cats[name] = np.where(np.isfinite(at(name)) & solved[:, None],
                                  np.nan_to_num(at(name)), _UNKNOWN).astype(np.int16)
    for name, (var, op, limit) in _THRESHOLDS.items():
        if var in v:
            x = at(var)
            cats[name] = category(_COMPARE[op](x, limit), x)

    after = days >= 0
    follow: dict[str, np.ndarray] = {"solver_status": result.status.astype(np.int16)}
    for name in _GRADES:
        if name in v:
            worst = np.nanmax(np.where(after[None, :], v[name], -np.inf), axis=1)
            follow[f"max_{name}"] = np.where(solved, worst, _UNKNOWN).astype(np.int16)

    events: dict[str, np.ndarray] = {}
    if "b_cells_blood" in v:
        b = v["b_cells_blood"]
        events["b_cell_return_day"] = b_cell_return_days(b, days)
        events["b_cell_aplasia_onset_day"] = _first_day(after & (b < B_CELL_RETURN_CELLS_PER_UL), days)
    gives_car_t = result.regimen.car_t is not None
    if "car_t_blood" in v and gives_car_t:
        car = np.where(after[None, :], np.nan_to_num(v["car_t_blood"], nan=-np.inf), -np.inf)
        events["car_t_peak_day"] = days[np.argmax(car, axis=1)]
    if "crs_grade" in v:
        events["crs_onset_day"] = _first_day(after & (v["crs_grade"] >= 1), days)
    if "doris" in v:
        remission = after & (v["doris"] >= 0.5)
        first = _first_day(remission, days)
        lost = after & (v["doris"] < 0.5) & (days[None, :] > np.nan_to_num(first, nan=np.inf)[:, None])
        events["first_doris_day"] = first
        events["doris_loss_day"] = _first_day(lost, days)
    events = {k: np.where(solved, e, np.nan) for k, e in events.items()}

    cont: dict[str, np.ndarray] = {}
    units: dict[str, str] = {}
    for name, values in v.items():
        if name in _SCORES or name not in UNITS:
            continue
        cont[name] = np.where(solved[:, None], values[:, cols], np.nan)
        units[name] = UNITS[name]
    if "car_t_blood" in v and gives_car_t:
        peak = np.nanmax(np.where(after[None, :], v["car_t_blood"], -np.inf), axis=1)
        cont["car_t_peak"] = np.where(solved, peak, np.nan)[:, None]
        units["car_t_peak"] = UNITS["car_t_blood"]
    return Readouts(result.arm, tuple(result.patient_ids), days[cols], solved, cats, follow,
                    events, cont, units)


_COLUMNS = ["arm", "readout", "kind", "bound", "patients", "violations", "borderline", "worst",
            "moved", "example", "passed"]


@dataclass(frozen=True)
class FidelityReport:
    """The result of a fidelity check: one row per arm and read-out.

    ``table`` columns: ``arm``, ``readout``, ``kind`` (``visit_category``,
    ``follow_up_category``, ``event_day``, ``continuous``), ``bound`` (what is allowed, in
    words), ``patients`` (compared), ``violations`` (patients breaking the bound),
    ``borderline`` (patients whose change is on the edge of a category, see
    :attr:`FidelityContract.borderline`; not violations), ``worst``
    (patient-visits changing category; the largest event shift in days, an event present
    in one run only counting as infinite; the largest relative difference over the allowed
    one), ``moved`` (event days: patients whose day moved at all, within the bound or not;
    0 for the other kinds), ``example`` (the first violation: patient, visit, both values)
    and ``passed``.
    """

    table: pd.DataFrame

    @property
    def passed(self) -> bool:
        """Whether every read-out of every arm meets the contract."""
        return bool(self.table["passed"].all())

    def failures(self) -> pd.DataFrame:
        """The rows that do not meet the contract."""
        return self.table.loc[~self.table["passed"]].reset_index(drop=True)

    @classmethod
    def concat(cls, reports: Iterable[FidelityReport]) -> FidelityReport:
        """One report of several (e.g. one per arm)."""
        tables = [r.table for r in reports]
        return cls(pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=_COLUMNS))

    def worst(self) -> pd.DataFrame:
        """Per read-out and kind, over arms: the patients violating it and its worst value."""
        g = self.table.groupby(["kind", "readout"], sort=False)
        return g.agg(patients=("patients", "sum"), violations=("violations", "sum"),
                     borderline=("borderline", "sum"), worst=("worst", "max"),
                     moved=("moved", "sum"),
                     passed=("passed", "all")).reset_index()

    def __str__(self) -> str:
        t = self.table
        head = (f"fidelity contract {'MET' if self.passed else 'NOT MET'}: {len(t)} checks, "
                f"{int((~t['passed']).sum())} failed")
        lines = [head]
        for r in self.failures().itertuples(index=False):
            lines.append(f"  {r.arm} {r.readout} ({r.kind}, {r.bound}): {r.violations} of "
                         f"{r.patients} patients, worst {r.worst:g}; e.g. {r.example}")
        return "\n".join(lines)


def _row(arm: str, readout: str, kind: str, bound: str, patients: int, bad: np.ndarray,
         worst: float, example: str, moved: int = 0, borderline: int = 0) -> dict[str, object]:
    n_bad = int(bad.sum())
    return dict(arm=arm, readout=readout, kind=kind, bound=bound, patients=patients,
                violations=n_bad, borderline=borderline, worst=float(worst), moved=moved,
                example=example if n_bad else "", passed=n_bad == 0)


def compare_readouts(reference: Readouts, candidate: Readouts, *,
                     contract: FidelityContract = FidelityContract()) -> FidelityReport:
    """Check ``candidate`` against ``reference`` (read-outs of the same arm and patients)."""
    if reference.patient_ids != candidate.patient_ids:
        raise ValueError("compare_readouts: the two runs are not of the same patients")
    if not np.array_equal(reference.visit_days, candidate.visit_days):
        raise ValueError("compare_readouts: the two runs have different visit days")
    arm, ids, vdays = reference.arm, reference.patient_ids, reference.visit_days
    both = reference.solved & candidate.solved
    n = int(both.sum())
    rows = []

    def where(bad: np.ndarray) -> tuple[int, int | None]:
        i = int(np.argmax(bad.any(axis=1) if bad.ndim == 2 else bad))
        return i, (int(np.argmax(bad[i])) if bad.ndim == 2 else None)

    for name, ref in reference.categories.items():
        got = candidate.categories.get(name)
        if got is None:
            raise ValueError(f"compare_readouts: {name!r} is missing from the candidate")
        changed = (ref != got) & both[:, None]
        near = reference.near_categories.get(name)
        edge = changed & (near == got[None]).any(axis=0) if near is not None else changed & False
        bad = changed & ~edge
        i, j = where(bad)
        ex = f"{ids[i]} day {vdays[j or 0]:g}: {ref[i, j or 0]} -> {got[i, j or 0]}"
        rows.append(_row(arm, name, "visit_category", "same category at every visit", n,
                         bad.any(axis=1), bad.sum(), ex,
                         borderline=int((edge.any(axis=1) & ~bad.any(axis=1)).sum())))
    for name, ref in reference.follow_up.items():
        got = candidate.follow_up[name]
        changed = ref != got
        if name != "solver_status":
            changed &= both
        near = reference.near_categories.get(name)
        edge = changed & (near == got[None]).any(axis=0) if near is not None else changed & False
        bad = changed & ~edge
        i, _ = where(bad)
        rows.append(_row(arm, name, "follow_up_category", "same category", len(ids), bad,
                         bad.sum(), f"{ids[i]}: {ref[i]} -> {got[i]}", borderline=int(edge.sum())))
    bound = contract.event_days
    for name, ref in reference.events.items():
        got = candidate.events[name]
        presence = np.isnan(ref) != np.isnan(got)
        with np.errstate(invalid="ignore"):
            shift = np.where(presence, np.inf, np.abs(np.nan_to_num(ref - got)))
        shift = np.where(both, shift, 0.0)
        changed = shift > bound
        near = reference.near_events.get(name)
        edge = np.zeros_like(changed)
        if near is not None:  # within the days (or the absence) of the event on the edge
            days = np.concatenate([ref[None], near])
            with np.errstate(invalid="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
                lo, hi = np.nanmin(days, axis=0), np.nanmax(days, axis=0)
            edge = changed & np.where(np.isnan(got), np.isnan(days).any(axis=0),
                                      (got >= lo - bound) & (got <= hi + bound))
        bad = changed & ~edge
        worst = float(np.where(edge, 0.0, shift).max(initial=0.0))
        i, _ = where(bad)
        rows.append(_row(arm, name, "event_day", f"within ±{bound:g} day", n, bad, worst,
                         f"{ids[i]}: day {ref[i]:g} -> {got[i]:g}", moved=int((shift > 0).sum()),
                         borderline=int(edge.sum())))
    for name, ref in reference.continuous.items():
        got = candidate.continuous[name]
        unit = reference.units[name]
        floor = contract.floors.get(unit)
        if floor is None:
            raise ValueError(f"compare_readouts: no floor for unit {unit!r} of {name!r}; give "
                             "FidelityContract(floors=...) one")
        with np.errstate(invalid="ignore"):
            ratio = np.abs(got - ref) / np.maximum(np.abs(ref), floor) / contract.rtol
        ratio = np.where(both[:, None], ratio, 0.0)
        ratio = np.where(np.isnan(ratio) & (np.isnan(ref) != np.isnan(got)), np.inf,
                         np.nan_to_num(ratio, nan=0.0))
        bad = np.asarray(ratio > 1.0)
        i, j = where(bad)
        jj = j or 0
        day = "follow-up" if ref.shape[1] == 1 else f"day {vdays[jj]:g}"
        rows.append(_row(arm, name, "continuous",
                         f"within {contract.rtol:.0%} of max(|ref|, {floor:g} {unit})", n,
                         np.asarray(bad.any(axis=1)), float(ratio.max(initial=0.0)),
                         f"{ids[i]} {day}: {ref[i, jj]:.6g} -> {got[i, jj]:.6g}"))
    return FidelityReport(pd.DataFrame(rows, columns=_COLUMNS))


def check_fidelity(reference: ArmResult, candidate: ArmResult, cohort: Cohort, *,
                   contract: FidelityContract = FidelityContract()) -> FidelityReport:
    """Check that ``candidate`` reproduces ``reference``'s clinical read-outs (the contract
    of this module's docstring): two runs of one arm over the patients of ``cohort``, both
    with daily values and scores (:func:`~immunoreset.simulation.simulate_arm` without
    ``score_days``).

    Example::

        ref = simulate_arm(cohort, regimen, settings=REFERENCE_SOLVER)
        run = simulate_arm(cohort, regimen)  # DEFAULT_SOLVER
        report = check_fidelity(ref, run, cohort)
        assert report.passed, str(report)
    """
    if not np.array_equal(reference.days, candidate.days):
        raise ValueError("check_fidelity: the two runs have different days")
    return compare_readouts(arm_readouts(reference, cohort, visit_days=contract.visit_days,
                                         borderline=contract.borderline),
                            arm_readouts(candidate, cohort, visit_days=contract.visit_days),
                            contract=contract)
