"""Population estimation: typical values, inter-individual variability and residual error
of a cohort, by the iterative two-stage method.

The iterative two-stage (ITS) method (Prévost 1977; Steimer, Mallet, Golmard & Boisvieux
1984, Drug Metab Rev 15:265; the expectation–maximisation form with the Laplace
approximation of each patient's posterior) alternates:

1. each patient's MAP estimate ``η̂_i`` and Laplace covariance ``C_i`` under the current
   population prior ``N(μ, Ω)`` (:func:`~immunoreset.estimation.fit_individuals`);
2. ``μ ← mean_i η̂_i``, ``Ω ← mean_i [(η̂_i − μ)(η̂_i − μ)ᵀ + C_i]`` (diagonal unless
   ``full_covariance``), and the magnitudes of each observable's error model by maximum
   likelihood given the current individual predictions;

until μ and log ω change by less than the tolerances. It needs only the individual fit
of the framework (and its exact gradients); its approximation is the Laplace one of
FOCE-I. Standard errors of μ are ``sqrt(Ω_kk / N)`` (the between-patient spread), reported
with the estimates.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from immunoreset.estimation._error import PREDICTION_FLOOR, ErrorModel
from immunoreset.estimation._individual import Prior
from immunoreset.estimation._problem import FitProblem, FitResult, fit_individuals

__all__ = ["PopulationFit", "fit_population"]


@dataclass(frozen=True)
class PopulationFit:
    """Result of :func:`fit_population`: the population prior it converged to, the error
    models, the individual fits under them, and the iteration history."""

    prior: Prior
    errors: Mapping[str, ErrorModel]
    individuals: FitResult
    history: pd.DataFrame
    converged: bool
    iterations: int
    seconds: float

    def summary(self) -> pd.DataFrame:
        """Typical value (with SE and 95% interval), ω and CV per parameter."""
        n = len(self.individuals.fits)
        omega = self.prior.omega
        se = omega / math.sqrt(max(n, 1))
        units = self.individuals.problem.parameters
        return pd.DataFrame({
            "parameter": list(self.prior.names),
            "unit": [units[p].unit for p in self.prior.names],
            "typical": np.exp(self.prior.mean), "se_log": se,
            "ci95_low": np.exp(self.prior.mean - 1.96 * se),
            "ci95_high": np.exp(self.prior.mean + 1.96 * se),
            "omega": omega, "cv": np.sqrt(np.expm1(omega**2)),
        })

    def error_table(self) -> pd.DataFrame:
        return pd.DataFrame([{"observable": k, "model": e.kind, "additive": e.additive,
                              "proportional": e.proportional} for k, e in self.errors.items()])


def _with(model: ErrorModel, keys: tuple[str, ...], logs: np.ndarray) -> ErrorModel:
    """``model`` with the magnitudes ``keys`` set to ``exp(logs)``."""
    values = {"additive": model.additive, "proportional": model.proportional}
    values.update({k: float(np.exp(v)) for k, v in zip(keys, logs, strict=True)})
    return ErrorModel(model.kind, additive=values["additive"], proportional=values["proportional"])


def _update_errors(result: FitResult) -> dict[str, ErrorModel]:
    """Error magnitudes of the EM M-step: maximise the expected data log-likelihood over
    each patient's Laplace posterior, ``Σ_rows [−log p(y | f̂) − ½ var(f) ∂²log p/∂f²]``
    with ``var(f) = sᵀ C s`` (``s`` the row's sensitivities, ``C`` the patient's Laplace
    covariance). Without the second term the magnitudes would shrink by the degrees of
    freedom the individual fits use (7 rows and 2 parameters: σ × sqrt(5/7))."""
    from scipy.optimize import minimize

    from immunoreset.estimation._error import negative_log_likelihood

    problem = result.problem
    forward = problem.forward()
    rows: dict[str, list[tuple[np.ndarray, ...]]] = {}
    for fit in result.fits:
        post = problem.posterior(fit.patient_id, forward=forward, prior=result.prior,
                                 errors=result.errors)
        pred = post.predict(fit.log_estimate, sensitivities=True)
        if not pred.ok:
            continue
        f, sens = post.row_predictions(pred)
        assert sens is not None
        var_f = np.einsum("rk,kl,rl->r", sens, fit.cov, sens)
        d = post.data
        for name in post.used:
            sel = np.array([d.names[o] == name for o in d.observable])
            rows.setdefault(name, []).append((f[sel], d.value[sel], d.lloq[sel], d.blq[sel],
                                              var_f[sel]))
    out = dict(result.errors)
    for name, parts in rows.items():
        old = result.errors[name]
        f, y, lloq, blq, var_f = (np.concatenate([p[i] for p in parts]) for i in range(5))
        keys = old.magnitudes
        fl = np.maximum(np.abs(f), PREDICTION_FLOOR)
        # Variance of what the error model compares: f, or log f for log-normal error.
        var = var_f / (fl * fl) if old.kind == "lognormal" else var_f

        def total(logs: np.ndarray, old: ErrorModel = old, keys: tuple[str, ...] = keys,
                  f: np.ndarray = f, y: np.ndarray = y, lloq: np.ndarray = lloq,
                  blq: np.ndarray = blq, var: np.ndarray = var) -> float:
            em = _with(old, keys, logs)
            nll = negative_log_likelihood(em, f, y, lloq, blq, m3=problem.m3)[0].sum()
            sigma = em.sigma(f)[0]
            return float(nll + 0.5 * np.sum((var / (sigma * sigma))[~blq]))

        x0 = np.log([getattr(old, k) for k in keys])
        res = minimize(total, x0, method="Nelder-Mead", options={"xatol": 1e-6, "fatol": 1e-9})
        out[name] = _with(old, keys, res.x)
    return out


def fit_population(problem: FitProblem, *, max_iterations: int = 30, mean_tol: float = 1e-3,
                   omega_tol: float = 1e-2, estimate_errors: bool = True,
                   full_covariance: bool = False, seed: int = 0,
                   on_iteration: Callable[[int, Prior], None] | None = None) -> PopulationFit:
    """Iterative two-stage estimation of the population prior of ``problem.estimated``
    (see the module docstring); starts from ``problem.prior`` and ``problem.errors``."""
    t0 = time.perf_counter()
    prior, errors = problem.prior, dict(problem.errors)
    history = []
    starts: dict[str, np.ndarray] | None = None
    converged = False
    it = 0
    result = fit_individuals(problem, seed=seed, prior=prior, errors=errors)
    for it in range(1, max_iterations + 1):
        eta = np.array([f.log_estimate for f in result.fits])
        covs = np.array([f.cov for f in result.fits])
        mean = eta.mean(axis=0)
        dev = eta - mean
        omega2 = (dev[:, :, None] * dev[:, None, :] + covs).mean(axis=0)
        if not full_covariance:
            omega2 = np.diag(np.diag(omega2))
        new = Prior(prior.names, mean, omega2)
        if estimate_errors:
            errors = _update_errors(replace(result, errors=errors))
        history.append({"iteration": it, **{f"mu_{n}": math.exp(v) for n, v in zip(new.names, mean, strict=True)},
                        **{f"omega_{n}": w for n, w in zip(new.names, new.omega, strict=True)},
                        "objective": sum(f.objective for f in result.fits),
                        **{f"error_{k}": e.describe() for k, e in errors.items()}})
        change_mu = float(np.max(np.abs(new.mean - prior.mean)))
        change_om = float(np.max(np.abs(np.log(new.omega) - np.log(prior.omega))))
        prior = new
        if on_iteration is not None:
            on_iteration(it, prior)
        starts = {f.patient_id: f.log_estimate for f in result.fits}
        result = fit_individuals(problem, seed=seed, prior=prior, errors=errors, starts=starts)
        if change_mu < mean_tol and change_om < omega_tol:
            converged = True
            break
    return PopulationFit(prior, errors, result, pd.DataFrame(history), converged, it,
                         time.perf_counter() - t0)
