"""Why a therapy works or fails: depletion depth and duration per compartment, the
autoreactive mass, each autoantibody's washout and the protective titres, per patient and
as per-arm median curves.

Every quantity is read from the arm's trajectories relative to the patient's own
pre-treatment value (the first simulated day, before any dose), so arms of different
therapies compare on one scale:

* **depth**: the nadir after day 0 (fraction of baseline);
* **duration**: the days after day 0 below :data:`DEPLETED_FRACTION` of baseline;
* **at the end**: the fraction on the last simulated day (a pool or titre that rebuilt).

Nothing is fitted here; the curves are medians and interquartile ranges over patients.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["DEPLETED_FRACTION", "MECHANISM_VARIABLES", "mechanism_curves", "mechanism_readouts"]

#: A pool counts as depleted below this fraction of its baseline: B-cell aplasia in the
#: CAR-T literature is blood B cells below ~1-10% of normal; 10% is the lenient end, so the
#: duration measures depletion, not only aplasia (a reporting convention, not a parameter).
DEPLETED_FRACTION = 0.1

#: Read-outs, their label, and whether they are a depletable pool (duration reported).
#: Therapy modules may add read-outs of their own: any observed name listed in
#: :data:`OPTIONAL_VARIABLES` is used when the model has it.
MECHANISM_VARIABLES: tuple[tuple[str, str, bool], ...] = (
    ("b_cells_blood", "blood B cells", True),
    ("b_cells_tissue", "lymphoid-tissue B cells", True),
    ("b_cells_marrow", "marrow B precursors", True),
    ("autoreactive_b_tissue", "autoreactive tissue B cells", True),
    ("anti_dsdna", "anti-dsDNA", False),
    ("vaccine_igg", "protective (vaccine) IgG", False),
)
#: Read-outs that therapy modules add (a second autoantibody, long-lived plasma cells).
OPTIONAL_VARIABLES: tuple[tuple[str, str, bool], ...] = (
    ("anti_ro_serum", "anti-Ro60/SSA", False),
)


def _variables(values: Mapping[str, np.ndarray]) -> list[tuple[str, str, bool]]:
    return [v for v in MECHANISM_VARIABLES + OPTIONAL_VARIABLES if v[0] in values]


def _relative(values: Mapping[str, np.ndarray], name: str) -> np.ndarray:
    v = np.asarray(values[name], dtype=np.float64)
    base = v[:, :1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(base > 0, v / np.where(base > 0, base, 1.0), np.nan)


def mechanism_readouts(values: Mapping[str, np.ndarray], days: np.ndarray) -> pd.DataFrame:
    """Per patient (rows, in the order of ``values``' arrays ``(n_patients, n_days)``):
    ``<variable>_nadir``, ``<variable>_at_end`` and, for pools, ``<variable>_days_depleted``
    (fractions of the patient's first-day value; days after day 0)."""
    days = np.asarray(days, dtype=np.float64)
    after = days >= 0
    dt = np.gradient(days) if days.size > 1 else np.ones(1)
    out: dict[str, np.ndarray] = {}
    for name, _label, pool in _variables(values):
        rel = _relative(values, name)
        with np.errstate(invalid="ignore"):
            out[f"{name}_nadir"] = np.nanmin(np.where(after, rel, np.nan), axis=1) if after.any() \
                else np.full(rel.shape[0], np.nan)
            out[f"{name}_at_end"] = rel[:, -1]
            if pool:
                below = (rel < DEPLETED_FRACTION) & after
                out[f"{name}_days_depleted"] = np.where(np.isnan(rel[:, -1]), np.nan,
                                                        (below * dt).sum(axis=1))
    return pd.DataFrame(out)


def mechanism_curves(values: Mapping[str, np.ndarray], days: np.ndarray, arm: str,
                     *, ok: np.ndarray | None = None) -> pd.DataFrame:
    """Per-arm median and interquartile range of each read-out relative to baseline, by
    day: columns ``arm, variable, day, median, q25, q75`` (patients not ``ok`` left out)."""
    rows = []
    for name, _label, _pool in _variables(values):
        rel = _relative(values, name)
        if ok is not None:
            rel = rel[np.asarray(ok, dtype=bool)]
        if rel.shape[0] == 0:
            continue
        with np.errstate(invalid="ignore"):
            q25, q50, q75 = np.nanpercentile(rel, [25, 50, 75], axis=0)
        rows.append(pd.DataFrame({"arm": arm, "variable": name, "day": days, "median": q50,
                                  "q25": q25, "q75": q75}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=["arm", "variable", "day", "median", "q25", "q75"])


def variable_label(name: str) -> str:
    """The label of a mechanism read-out."""
    for n, label, _ in MECHANISM_VARIABLES + OPTIONAL_VARIABLES:
        if n == name:
            return label
    return name.replace("_", " ")
