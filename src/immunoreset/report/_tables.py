"""Reader-facing tables of the report: key results, landmark values, patient summary.

Each function returns a DataFrame of display strings (already formatted), with human-
readable row and column names; :mod:`._html` only renders them.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from immunoreset.io import PatientColumns
from immunoreset.report._style import arm_label, format_number, order_arms
from immunoreset.report._summary import (
    B_CELL_DETECTION_LIMIT,
    BASELINE_DAY,
    LANDMARK_DAYS,
    b_cell_reappearance,
    car_t_peak,
)
from immunoreset.report._variables import VARIABLES, VariableInfo, variable_info

__all__ = ["key_results_table", "landmark_table", "patient_summary_table"]

#: Variables of the key-results table and the landmarks at which they are shown.
KEY_VARIABLES: dict[str, tuple[int, ...]] = {
    "doris": (182, 365, 730),
    "drug_free_doris": (182, 365, 730),
    "sledai_2k": (BASELINE_DAY, 182, 365),
    "anti_dsdna": (BASELINE_DAY, 182, 365),
    "c3": (BASELINE_DAY, 182, 365),
    "proteinuria_g_per_day": (BASELINE_DAY, 182, 365),
    "total_igg": (BASELINE_DAY, 182, 365),
}

#: Per-patient read-outs shown in Key results when no time courses were saved
#: (``--save summary``): column → (measure, kind).
PATIENT_KEY_COLUMNS: dict[str, tuple[str, str]] = {
    "sledai_2k_baseline": ("SLEDAI-2K, baseline (day −7)", "score"),
    "sledai_2k_day90": ("SLEDAI-2K, day 90", "score"),
    "doris_day90": ("DORIS remission, day 90", "binary"),
    "drug_free_doris_day90": ("Drug-free DORIS remission, day 90", "binary"),
    "drug_free_doris_day517": ("Drug-free DORIS remission, day 517", "binary"),
    "anti_dsdna_baseline": ("Anti-dsDNA (IU/mL), baseline (day −7)", "continuous"),
    "anti_dsdna_day180": ("Anti-dsDNA (IU/mL), day 180", "continuous"),
    "c3_baseline": ("C3 (g/L), baseline (day −7)", "continuous"),
    "c3_day180": ("C3 (g/L), day 180", "continuous"),
    "proteinuria_baseline": ("Proteinuria (g/day), baseline (day −7)", "continuous"),
}

#: Landmarks match the nearest simulated day within this many days.
_LANDMARK_TOLERANCE_DAYS = 7


def _lookup(summary: pd.DataFrame) -> dict[tuple[str, str, int], dict[str, float]]:
    """Summary rows keyed by ``(variable, arm, day)``."""
    records = summary.to_dict("records")
    return {(str(r["variable"]), str(r["arm"]), int(r["day"])): r for r in records}


def _cell(row: Mapping[str, float], kind: str) -> str:
    """Format one summary row (``n, mean, std, q25, median, q75``) for a table cell."""
    n = int(row["n"])
    if n == 0:
        return "–"
    if kind == "binary":
        k = round(float(row["mean"]) * n)
        return f"{100 * float(row['mean']):.0f}% ({k}/{n})"
    if kind == "score":
        sd = float(row["std"])
        return f"{float(row['mean']):.1f} ± {sd:.1f}" if sd == sd else f"{float(row['mean']):.1f}"
    return (
        f"{format_number(row['median'])} ({format_number(row['q25'])}–{format_number(row['q75'])})"
    )


def _stat_name(kind: str) -> str:
    return {"binary": "% of patients", "score": "mean ± SD"}.get(kind, "median (IQR)")


def _nearest_day(days: np.ndarray, target: int) -> int | None:
    if days.size == 0:
        return None
    best = int(days[np.argmin(np.abs(days - target))])
    return best if abs(best - target) <= _LANDMARK_TOLERANCE_DAYS else None


def _units(trajectories: pd.DataFrame) -> dict[str, str]:
    if "unit" not in trajectories.columns:
        return {}
    pairs = trajectories[["variable", "unit"]].drop_duplicates("variable")
    return {str(v): str(u) for v, u in zip(pairs["variable"], pairs["unit"], strict=True)}


def _info(variable: str, summary: pd.DataFrame, units: Mapping[str, str]) -> VariableInfo:
    rows = summary[summary["variable"] == variable]
    binary = bool(rows["q05"].isin([0.0, 1.0]).all() and rows["q95"].isin([0.0, 1.0]).all())
    return variable_info(variable, unit=units.get(variable), binary=binary)


def landmark_table(summary: pd.DataFrame, trajectories: pd.DataFrame) -> pd.DataFrame:
    """Every variable per arm at the landmark days (:data:`LANDMARK_DAYS`).

    Returns:
        Columns ``Variable, Statistic, Arm`` and one per landmark present in the data.
    """
    units = _units(trajectories)
    days = np.sort(summary["day"].unique())
    landmarks = {
        label: d for t, label in LANDMARK_DAYS.items() if (d := _nearest_day(days, t)) is not None
    }
    present = {str(v) for v in summary["variable"].unique()}
    known = [v for v in VARIABLES if v in present]
    variables = known + sorted(present - set(known))
    arms = order_arms(summary["arm"].unique())
    indexed = _lookup(summary)
    records = []
    for variable in variables:
        info = _info(variable, summary, units)
        for arm in arms:
            record = {
                "Variable": f"{info.label} ({info.unit})" if info.unit else info.label,
                "Statistic": _stat_name(info.kind),
                "Arm": arm_label(arm),
            }
            for label, day in landmarks.items():
                key = (variable, arm, day)
                record[label] = _cell(indexed[key], info.kind) if key in indexed else "–"
            records.append(record)
    return pd.DataFrame.from_records(records)


def key_results_table(
    summary: pd.DataFrame, trajectories: pd.DataFrame,
    patients: pd.DataFrame | PatientColumns | None = None,
) -> pd.DataFrame:
    """The headline numbers per arm: cohort size, solver failures, CAR-T expansion, B-cell
    aplasia, remission rates and the main laboratory values at landmark days.

    Returns:
        Columns ``Measure, Statistic`` and one per arm (display name); rows only for the
        quantities present in the data.
    """
    if len(summary):
        arms = order_arms(summary["arm"].unique())
    elif len(trajectories) or patients is None or "arm" not in patients.columns:
        arms = order_arms(trajectories["arm"].unique())
    else:  # --save summary: no time courses, the arms of the patient table
        arms = order_arms(patients["arm"].astype(str).unique())
    labels = {a: arm_label(a) for a in arms}
    rows: list[dict[str, str]] = []

    def add(measure: str, statistic: str, cells: Mapping[str, str]) -> None:
        rows.append(
            {"Measure": measure, "Statistic": statistic}
            | {labels[a]: cells.get(a, "–") for a in arms}
        )

    # Cohort and solver status.
    if patients is not None and "arm" in patients.columns:
        counts = patients["arm"].astype(str).value_counts()
        add("Virtual patients", "n", {a: f"{int(counts.get(a, 0)):,}" for a in arms})
        status_column = next((c for c in ("solver_status", "status") if c in patients.columns), None)
        if status_column is not None:
            status = patients[status_column].astype(str)
            not_eligible = status == "not_eligible"
            failed = (status != "ok") & ~not_eligible
            for measure, mask, always in (("Solver failures", failed, True),
                                          ("Not eligible (no candidate met inclusion)",
                                           not_eligible, False)):
                if not (always or mask.any()):
                    continue
                cells = {}
                for a in arms:
                    in_arm = patients["arm"].astype(str) == a
                    k, n = int((mask & in_arm).sum()), int(in_arm.sum())
                    cells[a] = f"{k} ({100 * k / n:.1f}%)" if n else "–"
                add(measure, "n (% of arm)", cells)
    else:
        counts = trajectories.groupby(trajectories["arm"].astype(str))["patient_id"].nunique()
        add("Virtual patients", "n", {a: f"{int(counts.get(a, 0)):,}" for a in arms})

    variables = set(summary["variable"])
    per_patient = patients is not None and {"car_t_peak_cells_per_ul", "b_cell_return_day"} <= set(
        patients.columns)
    if per_patient:
        # Read-outs computed by the simulation from daily values for every patient.
        assert patients is not None
        peak_cells, day_cells, back_cells = {}, {}, {}
        # Column by column (a PatientColumns holds one numeric column at a time).
        arm_of = patients["arm"].astype(str)
        peak_all = patients["car_t_peak_cells_per_ul"]
        peak_day_all = patients["car_t_peak_day"]
        back_all = patients["b_cell_return_day"]
        for a in arms:
            in_arm = arm_of == a
            peak = peak_all[in_arm]
            if (peak > 0).any():
                q = np.nanquantile(peak[peak > 0], [0.25, 0.5, 0.75])
                peak_cells[a] = f"{format_number(q[1])} ({format_number(q[0])}–{format_number(q[2])})"
                qd = np.nanquantile(peak_day_all[in_arm][peak > 0], [0.25, 0.5, 0.75])
                day_cells[a] = f"{qd[1]:.0f} ({qd[0]:.0f}–{qd[2]:.0f})"
            days = back_all[in_arm].dropna()
            if len(days) and (peak > 0).any():
                sd = float(days.std(ddof=1)) if len(days) > 1 else float("nan")
                spread = f" ± {sd:.0f}" if sd == sd else ""
                back_cells[a] = f"{days.mean():.0f}{spread} ({len(days)}/{int(in_arm.sum())} returned)"
        add("CAR-T peak in blood (cells/µL)", "median (IQR)", peak_cells)
        add("Day of CAR-T peak", "median (IQR)", day_cells)
        add(f"Day B cells reappear (≥ {B_CELL_DETECTION_LIMIT:g} cells/µL after the nadir)",
            "mean ± SD (returned/all)", back_cells)
    if "car_t_blood" in variables and not per_patient:
        peaks = car_t_peak(trajectories)
        peak_cells, day_cells = {}, {}
        for a in arms:
            sub = peaks[(peaks["arm"] == a) & peaks["peak"].notna()]
            if len(sub):
                q = np.quantile(sub["peak"], [0.25, 0.5, 0.75])
                peak_cells[a] = (
                    f"{format_number(q[1])} ({format_number(q[0])}–{format_number(q[2])})"
                )
                qd = np.quantile(sub["peak_day"], [0.25, 0.5, 0.75])
                day_cells[a] = f"{qd[1]:.0f} ({qd[0]:.0f}–{qd[2]:.0f})"
        add("CAR-T peak in blood (cells/µL)", "median (IQR)", peak_cells)
        add("Day of CAR-T peak", "median (IQR)", day_cells)
    if "b_cells_blood" in variables and not per_patient:
        back = b_cell_reappearance(trajectories)
        cells = {}
        for a in arms:
            sub = back[back["arm"] == a]
            n_dep = int(sub["depleted"].sum())
            days = sub["reappearance_day"].dropna()
            if n_dep == 0:
                cells[a] = "not depleted"
            elif len(days) == 0:
                cells[a] = f"none returned (0/{n_dep})"
            else:
                sd = float(days.std(ddof=1)) if len(days) > 1 else float("nan")
                spread = f" ± {sd:.0f}" if sd == sd else ""
                cells[a] = f"{days.mean():.0f}{spread} ({len(days)}/{n_dep} returned)"
        add(
            f"Day B cells reappear (≥ {B_CELL_DETECTION_LIMIT:g} cells/µL)",
            "mean ± SD (returned/depleted)",
            cells,
        )

    if not variables and patients is not None:
        arm_of = patients["arm"].astype(str)
        for column, (measure, kind) in PATIENT_KEY_COLUMNS.items():
            if column not in patients.columns:
                continue
            values = pd.to_numeric(patients[column], errors="coerce")
            cells = {}
            for a in arms:
                v = values[arm_of == a].dropna()
                if not len(v):
                    continue
                if kind == "binary":
                    k = int((v >= 0.5).sum())
                    cells[a] = f"{k}/{len(v)} ({100 * k / len(v):.0f}%)"
                else:
                    q = np.quantile(v, [0.25, 0.5, 0.75])
                    cells[a] = (f"{format_number(q[1])} ({format_number(q[0])}–"
                                f"{format_number(q[2])})")
            if cells:
                add(measure, "n (% of solved)" if kind == "binary" else "median (IQR)", cells)

    units = _units(trajectories)
    indexed = _lookup(summary)
    all_days = np.sort(summary["day"].unique())
    for variable, targets in KEY_VARIABLES.items():
        if variable not in variables:
            continue
        info = _info(variable, summary, units)
        for target in targets:
            day = _nearest_day(all_days, target)
            if day is None:
                continue
            when = LANDMARK_DAYS.get(target, f"day {target}")
            name = f"{info.label} ({info.unit})" if info.unit else info.label
            add(
                f"{name}, {when.lower() if when == 'Baseline' else when}",
                _stat_name(info.kind),
                {
                    a: _cell(indexed[(variable, a, day)], info.kind)
                    for a in arms
                    if (variable, a, day) in indexed
                },
            )
    return pd.DataFrame.from_records(rows)


def patient_summary_table(patients: pd.DataFrame | PatientColumns, *,
                          max_levels: int = 8) -> pd.DataFrame:
    """Summary statistics of every per-patient column, per arm (read one column at a time,
    so a :class:`~immunoreset.io.PatientColumns` of a large run is never loaded whole).

    Numbers: median (IQR) and range; booleans: count (%); categories with at most
    ``max_levels`` levels: count per level. Identifier-like columns are skipped.

    Returns:
        Columns ``Column, Statistic`` and one per arm (display name).
    """
    if "arm" in patients.columns:
        arm_col = patients["arm"].astype(str)
        arms = order_arms(arm_col.unique())
    else:
        arm_col = pd.Series("all", index=getattr(patients, "index", pd.RangeIndex(len(patients))))
        arms = ["all"]
    records: list[dict[str, str]] = []
    for column in patients.columns:
        if column in ("arm", "patient_id"):
            continue
        series = patients[column]
        record_cells: dict[str, str] = {}
        if pd.api.types.is_bool_dtype(series):
            statistic = "n (%) true"
            for a in arms:
                s = series[arm_col == a]
                record_cells[a] = f"{int(s.sum())} ({100 * s.mean():.0f}%)" if len(s) else "–"
        elif pd.api.types.is_numeric_dtype(series):
            statistic = "median (IQR) [range]"
            for a in arms:
                s = series[arm_col == a].dropna().astype(float)
                if s.empty:
                    record_cells[a] = "–"
                    continue
                q = np.quantile(s, [0.25, 0.5, 0.75])
                record_cells[a] = (
                    f"{format_number(q[1])} ({format_number(q[0])}–{format_number(q[2])}) "
                    f"[{format_number(s.min())}–{format_number(s.max())}]"
                )
        else:
            levels = series.astype(str).value_counts()
            if len(levels) > max_levels:
                continue
            statistic = "n per level"
            for a in arms:
                s = series[arm_col == a].astype(str).value_counts()
                record_cells[a] = "; ".join(f"{lvl}: {int(s.get(lvl, 0))}" for lvl in levels.index)
        missing = int(series.isna().sum())
        records.append(
            {
                "Column": column + (f" ({missing} missing)" if missing else ""),
                "Statistic": statistic,
            }
            | {arm_label(a): record_cells.get(a, "–") for a in arms}
        )
    return pd.DataFrame.from_records(records)
