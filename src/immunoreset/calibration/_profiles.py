"""How well the calibration pins each fitted parameter, and which data pull it off its prior.

Two one-parameter scans on the calibration cohort, every other parameter at its fitted value:

* :func:`pass_ranges` — the conditional pass range: the factors (below and above the fitted
  value, on a log grid) to which one parameter can move while every criterion of
  :func:`~immunoreset.calibration.simulate_targets` still passes, and the criteria that
  fail first beyond each end. A narrow range means the data pin the value; a range that
  reaches the grid's end means they hardly constrain it (its prior does).
* :func:`at_prior` — each parameter set to its literature prior alone: the criteria that
  then fail are the data that demand the fitted value.

Both are conditional (the other parameters are not re-optimised), so they bound the
uncertainty from below; the ABC posterior (:func:`~immunoreset.calibration.abc_posterior`)
gives the joint spread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from immunoreset.calibration._fit import simulate_targets
from immunoreset.model import ParameterSet

__all__ = ["at_prior", "pass_ranges"]

#: Default scan: factors on the fitted value, nearest first, each side.
SCAN_FACTORS = (1.15, 1.4, 2.0, 3.0)


def _failures(table: pd.DataFrame) -> str:
    failed = table[~table["passed"]]
    return "; ".join(f"{r.target_id}: {r.criterion}" for r in failed.itertuples()) or ""


def pass_ranges(parameters: ParameterSet, names: Sequence[str], *, n: int, seed: int,
                factors: Sequence[float] = SCAN_FACTORS,
                progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Conditional pass range of each parameter in ``names`` (see the module docstring).

    Returns one row per parameter: ``value``, ``low`` and ``high`` (the farthest scanned
    values, each side, at which every criterion passes; the fitted value itself when the
    nearest step already fails), ``low_factor``/``high_factor`` (``value / low``,
    ``high / value``), ``open_low``/``open_high`` (no failure up to the grid's end) and
    ``fails_below``/``fails_above`` (the criteria that fail at the first failing step).
    """
    if any(f <= 1 for f in factors) or list(factors) != sorted(factors):
        raise ValueError(f"factors: {list(factors)} must be increasing and > 1")
    rows = []
    for name in names:
        value = parameters.value(name)
        row: dict[str, object] = {"parameter": name, "value": value}
        for side, sign in (("low", -1), ("high", 1)):
            reach, failed = value, ""
            for f in factors:
                trial = value * f**sign
                table = simulate_targets(parameters.with_values({name: trial}), n=n, seed=seed)
                if not table["passed"].all():
                    failed = _failures(table)
                    break
                reach = trial
            row[side] = reach
            row[f"{side}_factor"] = (value / reach) if sign < 0 else (reach / value)
            row[f"open_{side}"] = failed == ""
            row["fails_below" if sign < 0 else "fails_above"] = failed
        if progress is not None:
            progress(name)
        rows.append(row)
    return pd.DataFrame(rows)


def at_prior(parameters: ParameterSet, names: Sequence[str], *, n: int,
             seed: int) -> pd.DataFrame:
    """Each parameter of ``names`` that has a prior, set to it alone: the criteria that fail.

    Returns ``parameter``, ``value``, ``prior``, ``ratio`` (value / prior), ``passed`` (the
    number of criteria that pass at the prior) and ``fails_at_prior``.
    """
    rows = []
    for name in names:
        p = parameters[name]
        if p.prior is None:
            continue
        table = simulate_targets(parameters.with_values({name: p.prior}), n=n, seed=seed)
        rows.append({"parameter": name, "value": p.value, "prior": p.prior,
                     "ratio": p.value / p.prior, "passed": int(table["passed"].sum()),
                     "criteria": len(table), "fails_at_prior": _failures(table)})
    return pd.DataFrame(rows)
