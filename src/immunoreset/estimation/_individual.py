"""Individual fits: maximum a posteriori estimates with the population variability as prior.

For patient *i* and parameters θ estimated on the log scale, ``η = log θ`` has the
population prior ``η ~ N(μ, Ω)`` (μ the typical values, Ω from the variability of the
parameter file or of a population fit). The estimate maximises

    log p(η | y) = Σ_rows log p(y_r | f_r(η)) − ½ (η − μ)ᵀ Ω⁻¹ (η − μ) + const,

the *empirical Bayes* estimate of NONMEM's POSTHOC step. The optimiser (SciPy L-BFGS-B)
works in whitened coordinates ``z = L⁻¹(η − μ)`` (``Ω = L Lᵀ``) with the exact gradient from
the forward sensitivities (:mod:`immunoreset.estimation._forward`). Uncertainty:

* **Laplace**: the posterior is approximated by ``N(η̂, L H⁻¹ Lᵀ)``, ``H`` the Hessian of
  ``−log p`` in ``z``, by central differences of the exact gradient (step
  :data:`HESSIAN_STEP`); 95% intervals are ``η̂ ± 1.96 sd``;
* **MCMC** (optional, ``emcee``'s affine-invariant ensemble sampler, Foreman-Mackey et
  al. 2013, PASP 125:306): draws of the exact posterior, started around the MAP.

Layers: :class:`PatientPosterior` is the objective any optimiser or sampler can use;
:func:`fit_patient` runs the MAP fit and the Laplace step on it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from immunoreset.errors import InputError
from immunoreset.estimation._data import PatientObservations
from immunoreset.estimation._error import ErrorModel, negative_log_likelihood
from immunoreset.estimation._forward import ForwardModel, Prediction, Subject

__all__ = ["HESSIAN_STEP", "IndividualFit", "PatientPosterior", "Prior", "fit_patient",
           "sample_patient"]

#: Central-difference step of the Hessian, in whitened units (prior SDs).
HESSIAN_STEP = 5e-3
#: Bound on the whitened coordinates: 10 prior SDs either side of the typical value.
Z_BOUND = 10.0
#: Objective returned where the patient has no steady state or the solve fails.
FAILED_OBJECTIVE = 1e12
#: Largest Newton step (prior SDs) left at a converged estimate.
NEWTON_TOL = 1e-2
#: Two-sided 95% normal quantile.
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Prior:
    """``η = log θ ~ N(mean, cov)`` over the estimated parameters ``names``."""

    names: tuple[str, ...]
    mean: np.ndarray
    cov: np.ndarray

    def __post_init__(self) -> None:
        k = len(self.names)
        if self.mean.shape != (k,) or self.cov.shape != (k, k):
            raise ValueError("prior: mean and cov do not match the names")
        try:
            np.linalg.cholesky(self.cov)
        except np.linalg.LinAlgError:
            bad = [n for n, v in zip(self.names, np.diag(self.cov), strict=True) if not v > 0]
            raise InputError(f"prior of {bad[0] if bad else self.names}: variance must be > 0 "
                             "(give a prior CV, e.g. NAME:0.3)") from None

    @property
    def chol(self) -> np.ndarray:
        return np.linalg.cholesky(self.cov)

    @property
    def omega(self) -> np.ndarray:
        """Prior SD of each log-parameter ``(k,)``."""
        return np.sqrt(np.diag(self.cov))

    @classmethod
    def diagonal(cls, names: tuple[str, ...], typical: np.ndarray, cv: np.ndarray) -> Prior:
        """Independent log-normal priors of median ``typical`` and coefficient of variation
        ``cv`` (ω² = log(1 + CV²), as the population variability)."""
        omega2 = np.log1p(np.asarray(cv, dtype=np.float64) ** 2)
        return cls(names, np.log(np.asarray(typical, dtype=np.float64)), np.diag(omega2))


class PatientPosterior:
    """``−log p(η | y)`` of one patient in whitened coordinates, with its gradient.

    Main arguments: the forward model, the patient (:class:`Subject`), its observations,
    an error model per observable and the prior. ``m3``: rows below the LLOQ count by
    their probability (else they are left out).
    """

    def __init__(self, forward: ForwardModel, subject: Subject, data: PatientObservations,
                 errors: Mapping[str, ErrorModel], prior: Prior, *, m3: bool = True) -> None:
        if tuple(prior.names) != forward.estimated:
            raise ValueError("prior names do not match the forward model's parameters")
        self.forward, self.subject, self.data, self.prior, self.m3 = forward, subject, data, prior, m3
        missing = [n for n in sorted(set(data.names[i] for i in data.observable)) if n not in errors]
        if missing:
            raise InputError(f"--error: no error model for observable {missing[0]!r}")
        self.errors = dict(errors)
        self.used = tuple(sorted(set(data.names[i] for i in data.observable)))
        self.days = np.unique(data.day)
        self.start_day = forward.start_day(subject, self.days)
        self._chol = prior.chol
        self.n_evaluations = 0

    def eta(self, z: np.ndarray) -> np.ndarray:
        return self.prior.mean + self._chol @ z

    def z_of(self, eta: np.ndarray) -> np.ndarray:
        return np.linalg.solve(self._chol, eta - self.prior.mean)

    def predict(self, eta: np.ndarray, *, sensitivities: bool) -> Prediction:
        return self.forward.predict(eta, self.subject, self.days, self.used,
                                    sensitivities=sensitivities, start_day=self.start_day)

    def row_predictions(self, pred: Prediction) -> tuple[np.ndarray, np.ndarray | None]:
        """Prediction of each data row ``(n_rows,)`` and its sensitivities ``(n_rows, k)``."""
        d = self.data
        ti = np.searchsorted(pred.times, d.day)
        oi = np.array([self.used.index(d.names[o]) for o in d.observable], dtype=np.int64)
        f = pred.values[oi, ti]
        s = None if pred.sensitivities is None else pred.sensitivities[oi, ti]
        return f, s

    def data_nll(self, f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row ``−log p`` and ``d/df`` for row predictions ``f``."""
        d = self.data
        nll = np.zeros_like(f)
        grad = np.zeros_like(f)
        for name in self.used:
            rows = np.array([d.names[o] == name for o in d.observable])
            a, b = negative_log_likelihood(self.errors[name], f[rows], d.value[rows], d.lloq[rows],
                                           d.blq[rows], m3=self.m3)
            nll[rows], grad[rows] = a, b
        return nll, grad

    def __call__(self, z: np.ndarray) -> tuple[float, np.ndarray]:
        """``−log p(η(z) | y)`` (up to a constant) and its gradient in ``z``."""
        self.n_evaluations += 1
        z = np.asarray(z, dtype=np.float64)
        pred = self.predict(self.eta(z), sensitivities=True)
        if not pred.ok:
            return FAILED_OBJECTIVE, np.zeros_like(z)
        f, s = self.row_predictions(pred)
        nll, g = self.data_nll(f)
        assert s is not None
        grad_eta = g @ s
        return float(nll.sum() + 0.5 * z @ z), self._chol.T @ grad_eta + z

    def log_posterior(self, z: np.ndarray) -> float:
        """``log p(η(z) | y)`` up to a constant, without gradient (for samplers)."""
        self.n_evaluations += 1
        pred = self.predict(self.eta(np.asarray(z, dtype=np.float64)), sensitivities=False)
        if not pred.ok:
            return -math.inf
        f, _ = self.row_predictions(pred)
        nll, _ = self.data_nll(f)
        return float(-nll.sum() - 0.5 * np.dot(z, z))


@dataclass(frozen=True)
class IndividualFit:
    """One patient's MAP estimate and its Laplace uncertainty (log scale).

    ``log_estimate`` ``(k,)``; ``cov`` ``(k, k)`` of log θ; ``draws`` ``(n_draws, k)`` of
    log θ (Laplace or MCMC, see ``draws_method``), empty when none were asked.
    """

    patient_id: str
    names: tuple[str, ...]
    log_estimate: np.ndarray
    cov: np.ndarray
    objective: float
    n_obs: int
    n_blq: int
    converged: bool
    message: str
    n_evaluations: int
    seconds: float
    hessian_ok: bool = True
    draws: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    draws_method: str = "none"

    @property
    def estimate(self) -> np.ndarray:
        return np.exp(self.log_estimate)

    @property
    def se(self) -> np.ndarray:
        """SD of log θ (≈ the relative standard error of θ)."""
        return np.sqrt(np.maximum(np.diag(self.cov), 0.0))

    def interval(self, level_z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
        """Interval of θ: ``exp(log θ̂ ± z sd)``."""
        return (np.exp(self.log_estimate - level_z * self.se),
                np.exp(self.log_estimate + level_z * self.se))


def _hessian(posterior: PatientPosterior, z: np.ndarray) -> np.ndarray:
    k = z.size
    h = HESSIAN_STEP
    cols = []
    for j in range(k):
        e = np.zeros(k)
        e[j] = h
        gp = posterior(z + e)[1]
        gm = posterior(z - e)[1]
        cols.append((gp - gm) / (2 * h))
    hess = np.array(cols).T
    return 0.5 * (hess + hess.T)


def fit_patient(posterior: PatientPosterior, *, start: np.ndarray | None = None,
                max_iterations: int = 200) -> IndividualFit:
    """MAP estimate and Laplace covariance of one patient (see the module docstring).

    ``start``: log θ to start from (default the prior mean).
    """
    from scipy.optimize import minimize

    t0 = time.perf_counter()
    posterior.n_evaluations = 0
    k = len(posterior.prior.names)
    z0 = np.zeros(k) if start is None else np.clip(posterior.z_of(np.asarray(start)), -Z_BOUND, Z_BOUND)
    res = minimize(posterior, z0, jac=True, method="L-BFGS-B",
                   bounds=[(-Z_BOUND, Z_BOUND)] * k,
                   options={"maxiter": max_iterations, "ftol": 1e-10, "gtol": 1e-6})
    z = np.asarray(res.x)
    value, grad = posterior(z)
    hess = _hessian(posterior, z)
    w, v = np.linalg.eigh(hess)
    hess_ok = bool(np.all(w > 0))
    w = np.maximum(w, 1e-8)  # a flat direction: the prior alone bounds it
    cov_z = (v / w) @ v.T
    chol = posterior.prior.chol
    cov = chol @ cov_z @ chol.T
    d = posterior.data
    failed = value >= FAILED_OBJECTIVE
    # The line search may stop on the solver's round-off before L-BFGS-B's own test; the
    # fit has converged when the Newton step left is below NEWTON_TOL prior SDs.
    newton = float(np.max(np.abs(cov_z @ grad))) if k else 0.0
    converged = not failed and (bool(res.success) or newton < NEWTON_TOL)
    return IndividualFit(
        patient_id=posterior.subject.patient_id, names=posterior.prior.names,
        log_estimate=posterior.eta(z), cov=cov, objective=float(value), n_obs=len(d),
        n_blq=int(d.blq.sum()), converged=converged,
        message=("no steady state or solve failure at the estimate" if failed
                 else f"{res.message} (Newton step left {newton:.1e} prior SD)"),
        n_evaluations=posterior.n_evaluations, seconds=time.perf_counter() - t0,
        hessian_ok=hess_ok)


def laplace_draws(fit: IndividualFit, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` draws of log θ from the Laplace approximation ``(n, k)``."""
    return rng.multivariate_normal(fit.log_estimate, fit.cov, size=n, method="cholesky")


def sample_patient(posterior: PatientPosterior, fit: IndividualFit, *, n_draws: int,
                   rng: np.random.Generator, n_steps: int = 400,
                   n_walkers: int | None = None) -> np.ndarray:
    """Posterior draws of log θ ``(n_draws, k)`` by MCMC (emcee), started from a small
    ball around the MAP (scaled by the Laplace SDs); the first half of each chain is
    discarded and the rest thinned to ``n_draws``. Needs ``pip install 'immunoreset[mcmc]'``."""
    try:
        import emcee
    except ImportError:
        raise InputError("--mcmc needs emcee: pip install 'immunoreset[mcmc]'") from None
    k = fit.log_estimate.size
    walkers = n_walkers or max(8, 2 * k + 2)
    z_hat = posterior.z_of(fit.log_estimate)
    sd_z = np.sqrt(np.maximum(np.diag(np.linalg.solve(posterior.prior.chol,
                                                      np.linalg.solve(posterior.prior.chol, fit.cov).T)), 1e-12))
    start = z_hat + 0.1 * sd_z * rng.standard_normal((walkers, k))
    state = emcee.State(start, random_state=np.random.RandomState(
        int(rng.integers(0, 2**32 - 1))).get_state())
    sampler = emcee.EnsembleSampler(walkers, k, posterior.log_posterior)
    sampler.run_mcmc(state, n_steps, progress=False)
    chain = sampler.get_chain(discard=n_steps // 2, flat=True)
    pick = rng.choice(chain.shape[0], size=n_draws, replace=chain.shape[0] < n_draws)
    return np.array([posterior.eta(z) for z in chain[pick]])
