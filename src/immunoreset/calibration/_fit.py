"""Fitting the calibrated parameters to the Erlangen targets, and their uncertainty.

Layers (PINTS-style): :func:`target_loss` is the objective any optimiser can use;
:func:`fit` runs Nelder–Mead (local) or CMA-ES (global, the ``cma`` package of the
``[calibration]`` extra) on it, over log-parameters, deterministic for a seed;
:func:`abc_posterior` gives the uncertainty as approximate-Bayesian-computation rejection
samples — parameter sets drawn around the fit that still pass every target — from which
trial replicates draw population-level parameters.

The loss is evaluated on a virtual Erlangen-like cohort (the targets' arms and the
constraints' arms) with a fixed seed: ``Σ 100·(distance outside the acceptance band / band
scale)²`` plus a weak pull towards the inner 60% of each bounded band, so the fit moves away
from band edges — plus the negative log of the log-normal prior of every parameter that
carries a literature value (:func:`~immunoreset.calibration.prior_penalty`): a penalised,
maximum a posteriori fit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from immunoreset.calibration._constraints import (
    CONSTRAINT_ARMS,
    evaluate_all,
    prior_penalty,
)
from immunoreset.model import ParameterSet
from immunoreset.population import sample_cohort
from immunoreset.simulation import simulate_arm
from immunoreset.therapy import Regimen

__all__ = ["FitResult", "abc_posterior", "calibrated_names", "fit", "simulate_targets", "target_loss"]

#: Fraction of a bounded acceptance band treated as its comfortable interior.
INNER_FRACTION = 0.6
#: Weight of a band violation relative to the interior pull.
VIOLATION_WEIGHT = 100.0


def calibrated_names(parameters: ParameterSet) -> list[str]:
    """Names of parameters whose value comes from the calibration (status 'calibrated')."""
    return [p.name for p in parameters.by_status("calibrated")]


def simulate_targets(parameters: ParameterSet, *, n: int, seed: int) -> pd.DataFrame:
    """Evaluate every calibration criterion and core constraint on ``n`` virtual patients
    per arm (the targets' two arms and :data:`CONSTRAINT_ARMS`, same patients)."""
    cohort = sample_cohort(n, parameters, seed=seed)
    car = simulate_arm(cohort, Regimen.erlangen_car_t(), arm="car_t")
    unt = simulate_arm(cohort, Regimen.refractory_background(), arm="untreated")
    arms = {"car_t": car, "untreated": unt,
            **{a: simulate_arm(cohort, r, arm=a) for a, r in CONSTRAINT_ARMS.items()}}
    return evaluate_all(arms, parameters)


def target_loss(table: pd.DataFrame) -> float:
    """Loss of a criteria table from :func:`evaluate_targets` (0 = every band's interior)."""
    loss = 0.0
    for value, low, high in table[["model_value", "low", "high"]].itertuples(index=False):
        if not np.isfinite(value):
            loss += VIOLATION_WEIGHT * 100.0
            continue
        bounded = np.isfinite(low) and np.isfinite(high)
        scale = (high - low) if bounded and high > low else max(abs(low if np.isfinite(low) else high), 1.0)
        outside = max(low - value, 0.0, value - high) / scale
        loss += VIOLATION_WEIGHT * outside**2
        if bounded and high > low:
            centre, half = 0.5 * (low + high), 0.5 * (high - low)
            loss += max(abs(value - centre) / half - INNER_FRACTION, 0.0) ** 2
    return float(loss)


@dataclass(frozen=True)
class FitResult:
    """Outcome of :func:`fit`: the fitted set, its criteria table and the loss history."""

    parameters: ParameterSet
    table: pd.DataFrame
    loss: float
    history: pd.DataFrame


def fit(parameters: ParameterSet, names: Sequence[str], *, n: int, seed: int,
        max_evals: int = 150, method: str = "nelder-mead", cma_sigma: float = 0.3,
        progress: Callable[[int, float], None] | None = None) -> FitResult:
    """Minimise the MAP loss over log-parameters ``names``, starting from ``parameters``.

    ``method``: ``"nelder-mead"`` (local, a ±10% simplex) or ``"cmaes"`` (covariance
    matrix adaptation, Hansen 2016 arXiv:1604.00772, through the ``cma`` package: a
    global search from a spread of ``cma_sigma`` in natural-log units, seeded by
    ``seed``). ``max_evals=0`` only evaluates the starting point (a check of an existing
    calibration).
    """
    if method not in ("nelder-mead", "cmaes"):
        raise ValueError(f"method: {method!r} is not 'nelder-mead' or 'cmaes'")
    if max_evals <= 0:
        table = simulate_targets(parameters, n=n, seed=seed)
        return FitResult(parameters, table, target_loss(table) + prior_penalty(parameters),
                         pd.DataFrame())
    x0 = np.log([parameters.value(k) for k in names])
    rows: list[dict[str, float]] = []

    def objective(x: np.ndarray) -> float:
        trial = parameters.with_values(dict(zip(names, np.exp(x), strict=True)))
        loss = target_loss(simulate_targets(trial, n=n, seed=seed)) + prior_penalty(trial)
        rows.append({"evaluation": len(rows), "loss": loss,
                     **{k: float(v) for k, v in zip(names, np.exp(x), strict=True)}})
        if progress is not None:
            progress(len(rows), loss)
        return loss

    if method == "cmaes":
        x_best = _cmaes(objective, x0, sigma=cma_sigma, max_evals=max_evals, seed=seed)
    else:
        x_best = minimize(objective, x0, method="Nelder-Mead",
                          options={"maxfev": max_evals, "xatol": 1e-3, "fatol": 1e-4,
                                   "initial_simplex": _simplex(x0)}).x
    best = parameters.with_values(dict(zip(names, np.exp(x_best), strict=True)))
    table = simulate_targets(best, n=n, seed=seed)
    return FitResult(best, table, target_loss(table) + prior_penalty(best), pd.DataFrame(rows))


def _cmaes(objective: Callable[[np.ndarray], float], x0: np.ndarray, *, sigma: float,
           max_evals: int, seed: int) -> np.ndarray:
    """CMA-ES (ask/tell) from ``x0``; returns the best point it evaluated."""
    try:
        import cma  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - the optional extra
        raise ImportError("method 'cmaes' needs the cma package: pip install "
                          "'immunoreset[calibration]'") from exc
    es = cma.CMAEvolutionStrategy(list(x0), sigma, {"seed": seed, "maxfevals": max_evals,
                                                    "verbose": -9})
    best_x, best_f = np.asarray(x0, dtype=float), objective(np.asarray(x0, dtype=float))
    while not es.stop():
        xs = es.ask()
        fs = [objective(np.asarray(xi)) for xi in xs]
        es.tell(xs, fs)
        i = int(np.argmin(fs))
        if fs[i] < best_f:
            best_x, best_f = np.asarray(xs[i], dtype=float), fs[i]
    return best_x


def _simplex(x0: np.ndarray, step: float = 0.1) -> np.ndarray:
    """Initial simplex: ±10% (in log space) along each parameter."""
    simplex = np.tile(x0, (x0.size + 1, 1))
    for i in range(x0.size):
        simplex[i + 1, i] += step
    return simplex


def abc_posterior(parameters: ParameterSet, names: Sequence[str], *, n_proposals: int,
                  proposal_sd: float = 0.15, n: int, seed: int,
                  progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """ABC rejection samples of the calibrated parameters.

    Proposals: log-normal around the fitted values with log-scale SD ``proposal_sd``
    (one child stream of ``SeedSequence(seed)`` each); a proposal is accepted when every
    criterion passes on the same virtual cohort. Returns one row per proposal with the
    values, the number of criteria passed and ``accepted``.
    """
    centre = np.log([parameters.value(k) for k in names])
    rows = []
    children = np.random.SeedSequence([seed, 7]).spawn(n_proposals)
    for i, child in enumerate(children):
        rng = np.random.default_rng(child)
        values = np.exp(centre + proposal_sd * rng.standard_normal(len(names)))
        table = simulate_targets(parameters.with_values(dict(zip(names, values, strict=True))),
                                 n=n, seed=seed)
        rows.append({"proposal": i, **dict(zip(names, values, strict=True)),
                     "criteria_passed": int(table["passed"].sum()),
                     "criteria": len(table), "accepted": bool(table["passed"].all())})
        if progress is not None:
            progress(i + 1, sum(r["accepted"] for r in rows))
    return pd.DataFrame(rows)
