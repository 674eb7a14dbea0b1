"""Virtual patients similar to a real one: nearest neighbours on the baseline read-outs.

A clinician knows a patient by covariates (sex, age, weight, height) and baseline
read-outs (SLEDAI-2K, anti-dsDNA, C3, proteinuria, B cells in blood). In the model the
read-outs are not inputs: they are read from each virtual patient's untreated steady state
(:mod:`immunoreset.population._cohort`). So "a virtual patient like mine" is found, not
made: draw a pool of plausible virtual patients, and keep the ``k`` whose baseline
read-outs are nearest to the observed ones.

Distance (dimensionless): the root mean square over the read-outs given of
``(f(virtual) − f(observed)) / s``, with ``f`` the identity for SLEDAI-2K (points) and the
natural log for the concentrations and counts (floored at :data:`LOG_FLOORS`, so a zero is
finite), and ``s`` the standard deviation of ``f`` over the pool's plausible patients, so
each read-out weighs the same whatever its unit. Read-outs left out (``None``) do not
count; with none given every plausible patient is at distance 0 and the first ``k`` of the
pool are kept (a typical patient of the population).

The covariates do not enter the dynamics; weight and height set the doses (cells/kg,
mg/m²), so the matched patients take the observed weight and height (when given) before
they are dosed, and the observed sex and age for the record.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd

from immunoreset.errors import InputError
from immunoreset.population._cohort import Cohort

__all__ = ["LOG_FLOORS", "READOUTS", "PatientProfile", "SimilarPatients", "baseline_readouts",
           "similar_patients"]

#: Baseline read-outs matched on: profile field → (column of :func:`baseline_readouts`, unit).
READOUTS: dict[str, tuple[str, str]] = {
    "sledai_2k": ("sledai_2k", "points"),
    "anti_dsdna_iu_per_ml": ("anti_dsdna", "IU/mL"),
    "c3_g_per_l": ("c3", "g/L"),
    "proteinuria_g_per_day": ("proteinuria", "g/day"),
    "b_cells_per_ul": ("b_cells_blood", "cells/µL"),
}
#: Floors of the log transform, in each read-out's unit: about a tenth of the lowest value
#: a clinical assay reports (anti-dsDNA ELISAs report from ~1 IU/mL; C3 nephelometry from
#: ~0.05 g/L; urine protein from ~0.05 g/day; flow cytometry counts B cells from ~1 cell/µL),
#: so undetectable values stay finite without dominating the distance.
LOG_FLOORS: dict[str, float] = {"anti_dsdna": 0.1, "c3": 0.005, "proteinuria": 0.005,
                                "b_cells_blood": 0.1}
#: SLEDAI-2K has 105 points at most (Gladman 2002).
MAX_SLEDAI_2K = 105.0


@dataclass(frozen=True)
class PatientProfile:
    """A real patient as the model can use it; every field optional (``None``: unknown).

    ``sex`` ``"F"`` or ``"M"``; ``age_years``; ``weight_kg`` and ``height_cm`` (they set the
    doses); baseline ``sledai_2k`` (points, 0-105), ``anti_dsdna_iu_per_ml``,
    ``c3_g_per_l``, ``proteinuria_g_per_day`` and ``b_cells_per_ul`` (CD19⁺ B cells in
    blood), the read-outs matched on.
    """

    sex: str | None = None
    age_years: float | None = None
    weight_kg: float | None = None
    height_cm: float | None = None
    sledai_2k: float | None = None
    anti_dsdna_iu_per_ml: float | None = None
    c3_g_per_l: float | None = None
    proteinuria_g_per_day: float | None = None
    b_cells_per_ul: float | None = None

    def __post_init__(self) -> None:
        if self.sex is not None and self.sex not in ("F", "M"):
            raise InputError(f"patient.sex: got {self.sex!r}, expected 'F' or 'M'")
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "sex" or v is None:
                continue
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v < 0:
                raise InputError(f"patient.{f.name}: got {v!r}, expected a number >= 0")
        for name in ("weight_kg", "height_cm"):
            if getattr(self, name) == 0:
                raise InputError(f"patient.{name}: got 0, expected a number > 0")
        if self.sledai_2k is not None and self.sledai_2k > MAX_SLEDAI_2K:
            raise InputError(f"patient.sledai_2k: got {self.sledai_2k:g}, expected 0-105 points")

    def observed(self) -> dict[str, float]:
        """The read-outs given: column of :func:`baseline_readouts` → value."""
        return {col: float(v) for name, (col, _) in READOUTS.items()
                if (v := getattr(self, name)) is not None}


def baseline_readouts(cohort: Cohort) -> pd.DataFrame:
    """Per patient of ``cohort``, the baseline read-outs of its untreated steady state:
    ``patient_id, plausible, sledai_2k`` (points), ``anti_dsdna`` (IU/mL), ``c3`` (g/L),
    ``proteinuria`` (g/day), ``b_cells_blood`` (cells/µL); NaN for patients that are not
    plausible (no steady state met the inclusion criteria)."""
    from immunoreset.diseases import baseline_sledai_2k

    cov = cohort.covariates()
    ok = np.asarray(cohort.plausible, dtype=bool)
    sledai = np.full(len(cohort), np.nan)
    if ok.any():
        sledai[ok] = baseline_sledai_2k(cohort.y0[ok], cohort.params[ok], cohort.thresholds[ok],
                                        model=cohort.model)
    out = pd.DataFrame({
        "patient_id": list(cohort.patient_id), "plausible": ok, "sledai_2k": sledai,
        "anti_dsdna": cov["baseline_anti_dsdna"], "c3": cov["baseline_c3"],
        "proteinuria": cov["baseline_proteinuria"],
        "b_cells_blood": cov["baseline_b_cells_blood"]})
    for c in ("anti_dsdna", "c3", "proteinuria", "b_cells_blood"):
        out.loc[~ok, c] = np.nan
    return out


def _transform(column: str, values: np.ndarray) -> np.ndarray:
    if column in LOG_FLOORS:
        return np.log(np.maximum(values, LOG_FLOORS[column]))
    return values


@dataclass(frozen=True)
class SimilarPatients:
    """The result of :func:`similar_patients`.

    ``profile``: the patient matched; ``cohort``: the ``k`` matched patients, nearest
    first, with the profile's covariates;
    ``rows``: their indices in the pool; ``distance``: their distances ``(k,)``;
    ``pool``: :func:`baseline_readouts` of the whole pool with a ``distance`` column;
    ``notes``: one line per observed read-out outside the range of the pool's plausible
    patients (the matched patients are then the closest, not close).
    """

    profile: PatientProfile
    cohort: Cohort
    rows: np.ndarray
    distance: np.ndarray
    pool: pd.DataFrame
    notes: tuple[str, ...]

    def comparison(self) -> pd.DataFrame:
        """Observed read-outs against the matched patients and the pool: one row per
        read-out with ``readout, unit, observed`` (NaN: not given), ``matched_median,
        matched_min, matched_max, pool_median``."""
        matched = self.pool.iloc[self.rows]
        plausible = self.pool[self.pool["plausible"]]
        rows = []
        for name, (col, unit) in READOUTS.items():
            observed = getattr(self.profile, name)
            rows.append({"readout": col, "unit": unit,
                         "observed": math.nan if observed is None else float(observed),
                         "matched_median": float(np.nanmedian(matched[col])),
                         "matched_min": float(np.nanmin(matched[col])),
                         "matched_max": float(np.nanmax(matched[col])),
                         "pool_median": float(np.nanmedian(plausible[col]))})
        return pd.DataFrame(rows)


def similar_patients(pool: Cohort, profile: PatientProfile, *, k: int) -> SimilarPatients:
    """The ``k`` plausible patients of ``pool`` nearest to ``profile`` (see the module
    docstring for the distance), nearest first; ties keep the pool's order.

    Raises :class:`~immunoreset.errors.InputError` when ``k`` is not 1 … the number of
    plausible patients in the pool.
    """
    table = baseline_readouts(pool)
    ok = table["plausible"].to_numpy(dtype=bool)
    n_ok = int(ok.sum())
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= n_ok:
        raise InputError(f"matching.similar: got {k!r}, expected an integer 1-{n_ok} (the "
                         f"plausible patients of a pool of {len(pool)})")
    observed = profile.observed()
    z2 = np.zeros(len(pool))
    notes = []
    for col, value in observed.items():
        v = table[col].to_numpy(dtype=np.float64)
        f = _transform(col, v)
        f_obs = float(_transform(col, np.array([value]))[0])
        s = float(np.std(f[ok], ddof=1)) if n_ok > 1 else 0.0
        s = s if s > 0 and math.isfinite(s) else 1.0
        z2 += ((f - f_obs) / s) ** 2
        low, high = float(np.min(v[ok])), float(np.max(v[ok]))
        if not low <= value <= high:
            unit = next(u for c, u in READOUTS.values() if c == col)
            notes.append(f"{col} {value:g} {unit} is outside the pool's range "
                         f"{low:.3g}-{high:.3g} {unit}: the matched patients are the closest, "
                         "not close")
    distance = np.sqrt(z2 / max(len(observed), 1))
    distance[~ok] = np.inf
    rows = np.argsort(distance, kind="stable")[:k]
    matched = pool.subset(rows.tolist())
    n = len(matched)
    changes: dict[str, object] = {}
    if profile.weight_kg is not None:
        changes["weight_kg"] = np.full(n, float(profile.weight_kg))
    if profile.height_cm is not None:
        changes["height_cm"] = np.full(n, float(profile.height_cm))
    if profile.age_years is not None:
        changes["age"] = np.full(n, float(profile.age_years))
    if profile.sex is not None:
        changes["sex"] = (profile.sex,) * n
    if changes:
        matched = replace(matched, **changes)  # type: ignore[arg-type]
    return SimilarPatients(profile, matched, rows, distance[rows], table.assign(distance=distance),
                           tuple(notes))
