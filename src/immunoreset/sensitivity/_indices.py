"""Sobol indices and Morris screening of any function of parameters, with SALib.

* **Sobol** (variance-based; Saltelli 2002 sampling with a scrambled Sobol' sequence,
  Saltelli et al. 2010 estimators, as SALib implements them): first-order ``S1`` and total
  ``ST`` indices of each parameter with bootstrap 95% confidence intervals;
  ``n · (d + 2)`` evaluations for ``d`` parameters.
* **Morris** elementary effects (Morris 1991; Campolongo et al. 2007 ``μ*``): ``μ*`` (the
  mean absolute effect, with a bootstrap interval) and ``σ`` (spread: non-linearity or
  interaction), ``n · (d + 1)`` evaluations.

Parameters are sampled uniformly between their bounds, on the log scale for ``scale =
"log"`` (rates and counts spanning a factor). :func:`sobol_indices` and
:func:`morris_screening` take a vectorised function ``f(X) -> Y`` (``X`` ``(n_samples, d)``,
``Y`` ``(n_samples, n_outputs)``) and return tidy tables.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from immunoreset.errors import InputError

__all__ = ["METHODS", "SampledParameter", "morris_screening", "sample", "sobol_indices"]

#: The methods of a sensitivity analysis.
METHODS: tuple[str, ...] = ("sobol", "morris")


@dataclass(frozen=True)
class SampledParameter:
    """A parameter varied between ``low`` and ``high`` (uniform, on the log scale for
    ``scale="log"``)."""

    name: str
    low: float
    high: float
    scale: str = "log"

    def __post_init__(self) -> None:
        if self.scale not in ("log", "linear"):
            raise InputError(f"parameter {self.name}: scale got {self.scale!r}, expected log or linear")
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
            raise InputError(f"parameter {self.name}: bounds [{self.low!r}, {self.high!r}], expected "
                             "finite low < high")
        if self.scale == "log" and self.low <= 0:
            raise InputError(f"parameter {self.name}: low got {self.low!r}, expected > 0 on the "
                             "log scale (or scale = 'linear')")

    def to_value(self, u: np.ndarray) -> np.ndarray:
        """Values from coordinates ``u`` of the sampling space (log or linear)."""
        return np.exp(u) if self.scale == "log" else u

    @property
    def bounds(self) -> list[float]:
        if self.scale == "log":
            return [math.log(self.low), math.log(self.high)]
        return [self.low, self.high]


def _problem(parameters: Sequence[SampledParameter]) -> dict[str, object]:
    if not parameters:
        raise InputError("sensitivity: expected at least one parameter")
    names = [p.name for p in parameters]
    if len(set(names)) != len(names):
        raise InputError("sensitivity: a parameter is listed twice")
    return {"num_vars": len(parameters), "names": names, "bounds": [p.bounds for p in parameters]}


def sample(parameters: Sequence[SampledParameter], method: str, n: int, *, seed: int) -> np.ndarray:
    """The design ``(n_samples, d)`` in parameter values (not log)."""
    problem = _problem(parameters)
    if method == "sobol":
        from SALib.sample import sobol

        if n < 2 or n & (n - 1):
            raise InputError(f"sensitivity.n: got {n}, expected a power of 2 for Sobol' sampling")
        u = sobol.sample(problem, n, calc_second_order=False, seed=seed)
    elif method == "morris":
        from SALib.sample import morris

        if n < 2:
            raise InputError(f"sensitivity.n: got {n}, expected >= 2 Morris trajectories")
        u = morris.sample(problem, n, num_levels=4, seed=seed)
    else:
        raise InputError(f"sensitivity.method: got {method!r}, expected one of {', '.join(METHODS)}")
    return np.column_stack([p.to_value(u[:, j]) for j, p in enumerate(parameters)])


def _coordinates(parameters: Sequence[SampledParameter], x: np.ndarray) -> np.ndarray:
    return np.column_stack([np.log(x[:, j]) if p.scale == "log" else x[:, j]
                            for j, p in enumerate(parameters)])


def sobol_indices(parameters: Sequence[SampledParameter], x: np.ndarray, y: np.ndarray,
                  outputs: Sequence[str], *, seed: int) -> pd.DataFrame:
    """First-order and total Sobol indices of each output column of ``y`` for the design
    ``x`` from :func:`sample` (``"sobol"``)."""
    from SALib.analyze import sobol

    problem = _problem(parameters)
    rows = []
    for k, out in enumerate(outputs):
        res = sobol.analyze(problem, np.ascontiguousarray(y[:, k]), calc_second_order=False,
                            conf_level=0.95, seed=seed)
        for j, p in enumerate(parameters):
            for index, key in (("S1", "S1"), ("ST", "ST")):
                v, c = float(res[key][j]), float(res[f"{key}_conf"][j])
                rows.append({"endpoint": out, "parameter": p.name, "index": index, "value": v,
                             "ci95_low": v - c, "ci95_high": v + c})
    return pd.DataFrame(rows)


def morris_screening(parameters: Sequence[SampledParameter], x: np.ndarray, y: np.ndarray,
                     outputs: Sequence[str], *, seed: int) -> pd.DataFrame:
    """Morris ``μ*`` (with 95% interval) and ``σ`` of each output for the design ``x``
    from :func:`sample` (``"morris"``); effects per unit of the sampling coordinate
    (log value for log-scaled parameters)."""
    from SALib.analyze import morris

    problem = _problem(parameters)
    u = _coordinates(parameters, x)
    rows = []
    for k, out in enumerate(outputs):
        res = morris.analyze(problem, u, np.ascontiguousarray(y[:, k]), conf_level=0.95,
                             num_levels=4, seed=seed)
        for j, p in enumerate(parameters):
            mu, conf = float(res["mu_star"][j]), float(res["mu_star_conf"][j])
            rows.append({"endpoint": out, "parameter": p.name, "index": "mu_star", "value": mu,
                         "ci95_low": mu - conf, "ci95_high": mu + conf})
            rows.append({"endpoint": out, "parameter": p.name, "index": "sigma",
                         "value": float(res["sigma"][j]), "ci95_low": math.nan,
                         "ci95_high": math.nan})
    return pd.DataFrame(rows)


def analyse(fn: Callable[[np.ndarray], np.ndarray], parameters: Sequence[SampledParameter],
            outputs: Sequence[str], *, method: str, n: int, seed: int) -> pd.DataFrame:
    """Sample, evaluate ``fn`` and analyse in one call (used for test functions)."""
    x = sample(parameters, method, n, seed=seed)
    y = np.asarray(fn(x), dtype=np.float64).reshape(x.shape[0], -1)
    analyse_fn = sobol_indices if method == "sobol" else morris_screening
    return analyse_fn(parameters, x, y, outputs, seed=seed)
