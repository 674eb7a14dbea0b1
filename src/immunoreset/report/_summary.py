"""Statistics over virtual patients, computed from the long trajectory format.

These are the numbers behind the report's plots and tables, exposed so that they can be
tested and reused: per-day summaries per arm (median, quantile bands, mean, proportion),
values at landmark days, and per-patient read-outs (CAR-T peak, B-cell reappearance).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from immunoreset.errors import InputError

__all__ = [
    "BASELINE_DAY",
    "B_CELL_DETECTION_LIMIT",
    "LANDMARK_DAYS",
    "QUANTILES",
    "b_cell_reappearance",
    "car_t_peak",
    "check_trajectories",
    "patient_matrix",
    "summarise_time_courses",
]

#: Quantiles of the bands drawn around the median: 5–95 % and 25–75 %.
QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)

#: Landmark days of the report tables → label (day 0 = infusion or enrolment). Baseline is
#: the pre-treatment visit, day −7 of the Erlangen schedule (lymphodepletion starts on day
#: −5, so day 0 is already after it: paired arms differ there).
BASELINE_DAY = -7
LANDMARK_DAYS: dict[int, str] = {
    BASELINE_DAY: "Baseline",
    91: "Month 3",
    182: "Month 6",
    365: "Month 12",
    730: "Month 24",
}

#: Detection limit of circulating B cells, cells/µL: below it B cells count as depleted
#: (Mackensen et al., Nat Med 2022, flow-cytometry threshold used for reappearance).
B_CELL_DETECTION_LIMIT = 10.0

_REQUIRED = ("patient_id", "arm", "day", "variable", "value")


def check_trajectories(trajectories: pd.DataFrame) -> None:
    """Raise :class:`InputError` if ``trajectories`` lacks a long-format column."""
    missing = [c for c in _REQUIRED if c not in trajectories.columns]
    if missing:
        raise InputError(
            f"trajectories: missing column(s) {', '.join(missing)}; expected the long format "
            "patient_id, arm, day, variable, value, unit"
        )


def summarise_time_courses(
    trajectories: pd.DataFrame, *, variables: Sequence[str] | None = None
) -> pd.DataFrame:
    """Per variable, arm and day: the distribution of values over patients.

    Arguments:
        trajectories: long format (``patient_id, arm, day, variable, value[, unit]``).

    Other arguments:
        variables: restrict to these variables (default: all present).

    Returns:
        One row per ``(variable, arm, day)`` with columns ``n`` (patients with a value),
        ``mean``, ``std``, ``q05, q25, median, q75, q95`` (linear interpolation, as
        :func:`numpy.quantile`). Missing values (``NaN``) are left out. For 0/1 variables
        ``mean`` is the proportion of patients.
    """
    check_trajectories(trajectories)
    frame = trajectories[["variable", "arm", "day", "value"]]
    if variables is not None:
        frame = frame[frame["variable"].isin(list(variables))]
    frame = frame.assign(variable=frame["variable"].astype(str), arm=frame["arm"].astype(str))
    columns = ["variable", "arm", "day", "n", "mean", "std", "q05", "q25", "median", "q75", "q95"]
    if frame.empty:  # e.g. a run that saved per-patient summaries only
        return pd.DataFrame({c: pd.Series(dtype=str if c in ("variable", "arm") else
                                          np.int64 if c in ("day", "n") else float) for c in columns})
    grouped = frame.groupby(["variable", "arm", "day"], sort=True)["value"]
    stats = grouped.agg(["count", "mean", "std"]).rename(columns={"count": "n"})
    quantiles = grouped.quantile(list(QUANTILES)).unstack()
    quantiles.columns = ["q05", "q25", "median", "q75", "q95"]
    out = stats.join(quantiles).reset_index()
    out["day"] = out["day"].astype(np.int64)
    out["n"] = out["n"].astype(np.int64)
    return out


def patient_matrix(
    trajectories: pd.DataFrame, variable: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One variable as a wide matrix.

    Returns:
        ``(patient_ids (n_patients,), arms (n_patients,), days (n_days,), values
        (n_patients, n_days))``, patients sorted by id, days ascending; ``NaN`` where a
        patient has no value on a day.
    """
    check_trajectories(trajectories)
    sub = trajectories.loc[
        trajectories["variable"] == variable, ["patient_id", "arm", "day", "value"]
    ]
    sub = sub.assign(patient_id=sub["patient_id"].astype(str), arm=sub["arm"].astype(str))
    wide = sub.pivot_table(
        index="patient_id", columns="day", values="value", aggfunc="first", dropna=False
    )
    arms = sub.drop_duplicates("patient_id").set_index("patient_id")["arm"].reindex(wide.index)
    return (
        wide.index.to_numpy(dtype=object),
        arms.to_numpy(dtype=object),
        wide.columns.to_numpy(dtype=np.int64),
        wide.to_numpy(dtype=np.float64),
    )


def car_t_peak(trajectories: pd.DataFrame, *, variable: str = "car_t_blood") -> pd.DataFrame:
    """Per patient: the peak CAR-T count in blood after infusion and the day it occurs.

    Returns:
        Columns ``patient_id, arm, peak`` (the variable's unit, cells/µL) and ``peak_day``
        (``NaN`` where the patient never has CAR-T cells, e.g. untreated arms).
    """
    ids, arms, days, values = patient_matrix(trajectories, variable)
    after = days >= 0
    vals = np.where(np.isnan(values[:, after]), -np.inf, values[:, after])
    peak = np.full(len(ids), np.nan)
    peak_day = np.full(len(ids), np.nan)
    if vals.shape[1]:
        best = vals.max(axis=1)
        has = best > 0
        peak[has] = best[has]
        peak_day[has] = days[after][np.argmax(vals, axis=1)][has]
    return pd.DataFrame(
        {
            "patient_id": ids,
            "arm": arms,
            "peak": peak,
            "peak_day": peak_day,
        }
    )


def b_cell_reappearance(
    trajectories: pd.DataFrame,
    *,
    variable: str = "b_cells_blood",
    threshold: float = B_CELL_DETECTION_LIMIT,
) -> pd.DataFrame:
    """Per patient: whether B cells were depleted after day 0 and the day they came back.

    A patient is depleted on the first day ≥ 0 with a count below ``threshold``
    (cells/µL); B cells have reappeared on the first later day with a count at or above it.

    Returns:
        Columns ``patient_id, arm, depleted`` (bool), ``depletion_day`` and
        ``reappearance_day`` (days; ``NaN`` if never depleted or not back by the last day).
    """
    ids, arms, days, values = patient_matrix(trajectories, variable)
    after = days >= 0
    d = days[after].astype(np.float64)
    v = values[:, after]
    n_patients = len(ids)
    below = v < threshold  # NaN compares False: a missing value never counts as depleted
    depleted = below.any(axis=1)
    depletion_day = np.full(n_patients, np.nan)
    reappearance = np.full(n_patients, np.nan)
    if d.size:
        first_below = np.where(depleted, np.argmax(below, axis=1), d.size)
        later = np.arange(d.size)[None, :] > first_below[:, None]
        back = (v >= threshold) & later
        returned = back.any(axis=1)
        depletion_day[depleted] = d[first_below[depleted]]
        reappearance[returned] = d[np.argmax(back, axis=1)[returned]]
    return pd.DataFrame(
        {
            "patient_id": ids,
            "arm": arms,
            "depleted": depleted,
            "depletion_day": depletion_day,
            "reappearance_day": reappearance,
        }
    )
