"""From the per-patient table to the endpoint and difference tables and Kaplan–Meier curves.

``endpoints.csv`` has one row per arm, endpoint and visit: ``arm, endpoint, visit_day,
estimate, ci_low, ci_high, n``. Proportions carry their exact (Clopper–Pearson) or Wilson
interval; means a Student-t interval; time-to-event endpoints give a row ``NAME_median``
(Kaplan–Meier median, days, Brookmeyer–Crowley interval; ``inf`` = not reached) and a row
``NAME_km`` per visit (Kaplan–Meier probability of being event-free at that day).
``differences.csv`` compares each arm with the reference arm (``arm − reference``):
proportions by Newcombe's hybrid-score interval, paired (method 10 of Newcombe 1998b, the
default since arms treat the same patients) or unpaired; means by a paired or Welch t
interval.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from immunoreset.trial._endpoints import FAILED, column, endpoint
from immunoreset.trial._intervals import (
    mean_interval,
    newcombe_paired,
    newcombe_unpaired,
    paired_mean_difference,
    proportion_interval,
)
from immunoreset.trial._spec import TrialSpec
from immunoreset.trial._survival import KaplanMeier, kaplan_meier

__all__ = [
    "DIFFERENCE_COLUMNS",
    "ENDPOINT_COLUMNS",
    "difference_table",
    "endpoint_table",
    "kaplan_meier_curves",
    "outcome_columns",
]

ENDPOINT_COLUMNS: tuple[str, ...] = ("arm", "endpoint", "visit_day", "estimate", "ci_low",
                                     "ci_high", "n")
DIFFERENCE_COLUMNS: tuple[str, ...] = ("arm", "reference", "endpoint", "visit_day", "estimate",
                                       "ci_low", "ci_high", "n", "method")


def outcome_columns(spec: TrialSpec) -> list[tuple[str, int | None, str]]:
    """``(endpoint, visit_day, column)`` of every proportion/mean outcome of ``spec``,
    ``numerically_failed`` last."""
    out: list[tuple[str, int | None, str]] = []
    for name in spec.endpoints:
        ep = endpoint(name)
        if ep.kind == "time_to_event":
            continue
        if ep.timing == "visit":
            out += [(name, v, column(name, v)) for v in spec.schedule.visits]
        else:
            out.append((name, None, column(name)))
    out.append((FAILED.name, None, FAILED.name))
    return out


def kaplan_meier_curves(patients: pd.DataFrame, spec: TrialSpec,
                        ) -> dict[tuple[str, str], KaplanMeier]:
    """Kaplan–Meier fit per ``(endpoint, arm)`` for the time-to-event endpoints."""
    curves: dict[tuple[str, str], KaplanMeier] = {}
    for name in spec.endpoints:
        if endpoint(name).kind != "time_to_event":
            continue
        for arm in spec.arm_names:
            rows = patients[patients["arm"] == arm]
            curves[(name, arm)] = kaplan_meier(rows[column(name, part="time")],
                                               rows[column(name, part="event")],
                                               confidence=spec.confidence)
    return curves


def endpoint_table(patients: pd.DataFrame, spec: TrialSpec,
                   curves: dict[tuple[str, str], KaplanMeier] | None = None) -> pd.DataFrame:
    """The endpoint table (:data:`ENDPOINT_COLUMNS`) of ``patients`` (all arms)."""
    rows: list[dict[str, object]] = []
    for arm in spec.arm_names:
        sub = patients[patients["arm"] == arm]
        for name, day, col in outcome_columns(spec):
            values = sub[col].to_numpy(dtype=np.float64)
            finite = values[np.isfinite(values)]
            if endpoint(name).kind == "proportion":
                x, n = float(finite.sum()), int(finite.size)
                lo, hi = proportion_interval(x, n, method=spec.interval, confidence=spec.confidence)
                est = x / n if n else np.nan
                rows.append(dict(arm=arm, endpoint=name, visit_day=day, estimate=est,
                                 ci_low=float(lo), ci_high=float(hi), n=n))
            else:
                m, lo_, hi_ = mean_interval(finite, confidence=spec.confidence)
                rows.append(dict(arm=arm, endpoint=name, visit_day=day, estimate=m, ci_low=lo_,
                                 ci_high=hi_, n=int(finite.size)))
    curves = kaplan_meier_curves(patients, spec) if curves is None else curves
    for (name, arm), km in curves.items():
        rows.append(dict(arm=arm, endpoint=f"{name}_median", visit_day=None, estimate=km.median,
                         ci_low=km.median_low, ci_high=km.median_high, n=km.n))
        for day in spec.schedule.visits:
            s, lo_, hi_ = km.survival_at(day)
            rows.append(dict(arm=arm, endpoint=f"{name}_km", visit_day=day, estimate=s,
                             ci_low=lo_, ci_high=hi_, n=km.n))
    table = pd.DataFrame(rows, columns=list(ENDPOINT_COLUMNS))
    table["visit_day"] = table["visit_day"].astype("Int64")
    table["n"] = table["n"].astype(np.int64)
    return table


def _welch(v1: np.ndarray, v2: np.ndarray, confidence: float) -> tuple[float, float, float]:
    a, b = v1[np.isfinite(v1)], v2[np.isfinite(v2)]
    if a.size < 2 or b.size < 2:
        return (np.nan, np.nan, np.nan)
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    d = float(a.mean() - b.mean())
    se = float(np.sqrt(va + vb))
    if se == 0:
        return (d, d, d)
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    t = float(stats.t.ppf(0.5 + confidence / 2, df))
    return (d, d - t * se, d + t * se)


def difference_table(patients: pd.DataFrame, spec: TrialSpec,
                     arms: Sequence[str] | None = None) -> pd.DataFrame:
    """Differences ``arm − reference`` (:data:`DIFFERENCE_COLUMNS`) for every proportion and
    mean endpoint; paired by patient when ``spec.paired``."""
    ref = spec.reference
    base = patients[patients["arm"] == ref].set_index("patient_id")
    rows: list[dict[str, object]] = []
    for arm in arms if arms is not None else spec.arm_names:
        if arm == ref:
            continue
        other = patients[patients["arm"] == arm].set_index("patient_id")
        if spec.paired:
            other = other.reindex(base.index)
        for name, day, col in outcome_columns(spec):
            v1 = other[col].to_numpy(dtype=np.float64)
            v2 = base[col].to_numpy(dtype=np.float64)
            if endpoint(name).kind == "proportion":
                if spec.paired:
                    both = np.isfinite(v1) & np.isfinite(v2)
                    est, lo, hi = newcombe_paired(v1[both] > 0.5, v2[both] > 0.5,
                                                  confidence=spec.confidence)
                    n, method = int(both.sum()), "newcombe_paired"
                else:
                    a, b = v1[np.isfinite(v1)], v2[np.isfinite(v2)]
                    est, lo, hi = newcombe_unpaired(int(a.sum()), a.size, int(b.sum()), b.size,
                                                    confidence=spec.confidence)
                    n, method = int(a.size + b.size), "newcombe_unpaired"
            elif spec.paired:
                est, lo, hi, n = paired_mean_difference(v1, v2, confidence=spec.confidence)
                method = "paired_t"
            else:
                est, lo, hi = _welch(v1, v2, spec.confidence)
                n, method = int(np.isfinite(v1).sum() + np.isfinite(v2).sum()), "welch_t"
            rows.append(dict(arm=arm, reference=ref, endpoint=name, visit_day=day, estimate=est,
                             ci_low=lo, ci_high=hi, n=n, method=method))
    table = pd.DataFrame(rows, columns=list(DIFFERENCE_COLUMNS))
    table["visit_day"] = table["visit_day"].astype("Int64")
    return table
