"""Kaplan–Meier estimates for the time-to-event endpoints, via lifelines.

The product-limit estimator (Kaplan & Meier, JASA 1958;53:457) with exponential Greenwood
("log-log") 95 % pointwise intervals, and the median with its interval read off the
interval bands (Brookmeyer & Crowley, Biometrics 1982;38:29) — both as computed by
``lifelines.KaplanMeierFitter`` (Davidson-Pilon, JOSS 2019;4:1317).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["KaplanMeier", "kaplan_meier"]


@dataclass(frozen=True)
class KaplanMeier:
    """A fitted Kaplan–Meier curve.

    ``curve`` has columns ``time, survival, ci_low, ci_high, at_risk`` (one row per
    distinct time, starting at 0); ``median`` is ``inf`` when the curve never falls to
    0.5 (not reached) and ``nan`` when there are no subjects; ``n`` subjects, ``events``.
    """

    curve: pd.DataFrame
    median: float
    median_low: float
    median_high: float
    n: int
    events: int

    def survival_at(self, t: float) -> tuple[float, float, float]:
        """``(S(t), low, high)``: the step function at time ``t`` (right-continuous)."""
        if self.n == 0:
            return (np.nan, np.nan, np.nan)
        rows = self.curve[self.curve["time"] <= t]
        if rows.empty:
            return (1.0, 1.0, 1.0)
        r = rows.iloc[-1]
        return (float(r["survival"]), float(r["ci_low"]), float(r["ci_high"]))


def kaplan_meier(time: npt.ArrayLike, event: npt.ArrayLike, *, confidence: float = 0.95,
                 ) -> KaplanMeier:
    """Fit the Kaplan–Meier estimator to ``time`` (days) and ``event`` (1 = event seen,
    0 = censored at ``time``). Non-finite times are dropped."""
    t = np.asarray(time, dtype=np.float64)
    e = np.asarray(event, dtype=np.float64)
    keep = np.isfinite(t) & np.isfinite(e)
    t, e = t[keep], e[keep].astype(bool)
    if t.size == 0:
        empty = pd.DataFrame({"time": [0.0], "survival": [np.nan], "ci_low": [np.nan],
                              "ci_high": [np.nan], "at_risk": [0]})
        return KaplanMeier(empty, np.nan, np.nan, np.nan, 0, 0)
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    kmf = KaplanMeierFitter(alpha=1.0 - confidence)
    kmf.fit(t, event_observed=e)
    sf = kmf.survival_function_.iloc[:, 0]
    ci = kmf.confidence_interval_survival_function_
    curve = pd.DataFrame({
        "time": sf.index.to_numpy(dtype=np.float64),
        "survival": sf.to_numpy(dtype=np.float64),
        "ci_low": ci.iloc[:, 0].to_numpy(dtype=np.float64),
        "ci_high": ci.iloc[:, 1].to_numpy(dtype=np.float64),
        "at_risk": kmf.event_table["at_risk"].reindex(sf.index).to_numpy(),
    })
    med = float(kmf.median_survival_time_)
    mci = median_survival_times(ci)
    return KaplanMeier(curve, med, float(mci.iloc[0, 0]), float(mci.iloc[0, 1]),
                       int(t.size), int(e.sum()))
