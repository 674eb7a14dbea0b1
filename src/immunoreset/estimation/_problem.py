"""A fit problem: model, typical parameters, which to estimate, prior, data, error models.

:class:`FitProblem` gathers what every fit needs and checks it at construction;
:func:`fit_individuals` fits each patient (empirical Bayes, :mod:`._individual`), with
optional posterior draws per patient from its own random stream (children of the run's
seed, ``numpy.random.SeedSequence(seed).spawn``), so results do not depend on the order or
the number of patients fitted.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from immunoreset.errors import InputError
from immunoreset.estimation._data import Covariates, Dosing, Observations
from immunoreset.estimation._error import ErrorModel
from immunoreset.estimation._forward import (
    DEFAULT_FORWARD_SETTINGS,
    ForwardModel,
    ForwardSettings,
    Subject,
)
from immunoreset.estimation._individual import (
    Z95,
    IndividualFit,
    PatientPosterior,
    Prior,
    fit_patient,
    laplace_draws,
    sample_patient,
)
from immunoreset.estimation._observables import ObservableCatalogue, observable_catalogue
from immunoreset.model import CompiledModel, ParameterSet
from immunoreset.therapy import Regimen

__all__ = ["DRAW_METHODS", "FitProblem", "FitResult", "fit_individuals", "parse_parameters",
           "subjects_for"]

#: How posterior draws of a fitted patient are made.
DRAW_METHODS: tuple[str, ...] = ("laplace", "mcmc")


def parse_parameters(text: str | Sequence[str], parameters: ParameterSet, *,
                     model: CompiledModel) -> tuple[tuple[str, ...], np.ndarray]:
    """``"name[:cv],name[:cv]"`` → names and prior CVs. Without ``:cv`` the prior is the
    parameter file's variability (``iiv_cv``), which must then be > 0."""
    items = text.split(",") if isinstance(text, str) else list(text)
    names, cvs = [], []
    for raw in items:
        item = raw.strip()
        if not item:
            continue
        name, _, cv_text = item.partition(":")
        name = name.strip()
        if name not in parameters:
            close = [p for p in parameters if name.split("_")[0] in p][:5]
            hint = f" (similar: {', '.join(close)})" if close else ""
            raise InputError(f"--params: {name!r} is not a parameter of model {model.name}{hint}")
        if name in names:
            raise InputError(f"--params: {name!r} is given twice")
        if cv_text:
            try:
                cv = float(cv_text)
            except ValueError:
                raise InputError(f"--params: {item!r}, expected NAME or NAME:CV with CV a number") from None
        else:
            cv = parameters[name].iiv_cv
        if not (math.isfinite(cv) and cv > 0):
            raise InputError(f"--params: {name} has no inter-individual variability in the "
                             f"parameter file (iiv_cv = {parameters[name].iiv_cv:g}); give a prior "
                             f"CV, e.g. {name}:0.3")
        names.append(name)
        cvs.append(cv)
    if not names:
        raise InputError("--params: expected at least one parameter name")
    return tuple(names), np.array(cvs)


def subjects_for(observations: Observations, *, model: CompiledModel,
                 regimen: Regimen | None, covariates: Covariates | None,
                 dosing: Dosing | None) -> dict[str, Subject]:
    """One :class:`Subject` per patient of ``observations``."""
    if regimen is None and dosing is None:
        raise InputError("no doses: give an arm (--study CONFIG --arm NAME) or a dosing table "
                         "(--dosing FILE), or both")
    out = {}
    for pid in observations.patients:
        cov: dict[str, object] = covariates.row(pid) if covariates is not None else {}
        age = cov.get("age", math.nan)
        out[pid] = Subject(
            pid, regimen, dosing.of(pid) if dosing is not None else (),
            height_cm=float(cov.get("height_cm", math.nan)),  # type: ignore[arg-type]
            weight_kg=float(cov.get("weight_kg", math.nan)),  # type: ignore[arg-type]
            sex=str(cov.get("sex", "NA")), age=float(age))  # type: ignore[arg-type]
    return out


@dataclass(frozen=True)
class FitProblem:
    """Everything a fit needs (validated at construction).

    ``parameters``: the typical patient (the parameter set of the model); ``estimated``:
    the parameters θ fitted per patient; ``prior``: ``log θ ~ N(mean, cov)``; ``errors``:
    an error model per observable in the data; ``m3``: values below the LLOQ by M3 (else
    left out); ``settings``: the forward solver's tolerances.
    """

    model: CompiledModel
    parameters: ParameterSet
    prior: Prior
    observations: Observations
    subjects: Mapping[str, Subject]
    errors: Mapping[str, ErrorModel]
    m3: bool = True
    settings: ForwardSettings = DEFAULT_FORWARD_SETTINGS

    def __post_init__(self) -> None:
        self.model.check_parameters(list(self.parameters))
        missing = [n for n in self.observations.names if n not in self.errors]
        if missing:
            raise InputError(f"--error: no error model for observable {missing[0]!r} (give "
                             f"{missing[0]}=KIND:VALUES)")
        extra = [n for n in self.errors if n not in self.observations.names]
        if extra:
            raise InputError(f"--error: {extra[0]!r} has no rows in {self.observations.source}")
        lacking = [p for p in self.observations.patients if p not in self.subjects]
        if lacking:
            raise InputError(f"patient {lacking[0]!r}: no dosing or covariates")

    @property
    def estimated(self) -> tuple[str, ...]:
        return self.prior.names

    @property
    def catalogue(self) -> ObservableCatalogue:
        return observable_catalogue(self.model)

    def forward(self) -> ForwardModel:
        return ForwardModel(self.model, self.parameters.vector(), self.estimated,
                            catalogue=self.catalogue, settings=self.settings)

    def posterior(self, patient_id: str, *, forward: ForwardModel | None = None,
                  prior: Prior | None = None,
                  errors: Mapping[str, ErrorModel] | None = None) -> PatientPosterior:
        return PatientPosterior(forward or self.forward(), self.subjects[patient_id],
                                self.observations.patient(patient_id),
                                self.errors if errors is None else errors,
                                self.prior if prior is None else prior, m3=self.m3)


@dataclass(frozen=True)
class FitResult:
    """Individual fits of a cohort, with the prior they used."""

    problem: FitProblem
    prior: Prior
    errors: Mapping[str, ErrorModel]
    fits: tuple[IndividualFit, ...]
    draws_method: str
    seed: int

    def estimates(self) -> pd.DataFrame:
        """One row per patient and parameter: estimate, log-scale SD, 95% interval,
        objective, convergence."""
        rows = []
        for f in self.fits:
            lo, hi = f.interval(Z95)
            for j, name in enumerate(f.names):
                rows.append({"patient_id": f.patient_id, "parameter": name,
                             "unit": self.problem.parameters[name].unit,
                             "typical": float(np.exp(self.prior.mean[j])),
                             "estimate": float(f.estimate[j]), "sd_log": float(f.se[j]),
                             "ci95_low": float(lo[j]), "ci95_high": float(hi[j]),
                             "objective": f.objective, "n_obs": f.n_obs, "n_blq": f.n_blq,
                             "converged": f.converged, "hessian_ok": f.hessian_ok})
        return pd.DataFrame(rows)

    def shrinkage(self) -> pd.DataFrame:
        """η-shrinkage per parameter: ``1 − SD(η̂ − μ) / ω`` (Savic & Karlsson 2009, AAPS J
        11:558); near 1 the data say little and the estimates sit at the prior."""
        eta = np.array([f.log_estimate - self.prior.mean for f in self.fits])
        omega = self.prior.omega
        sd = eta.std(axis=0, ddof=1) if len(self.fits) > 1 else np.full(omega.size, np.nan)
        return pd.DataFrame({"parameter": list(self.prior.names), "omega": omega,
                             "sd_eta": sd, "shrinkage": 1.0 - sd / omega})


def fit_individuals(problem: FitProblem, *, seed: int = 0, n_draws: int = 0,
                    draws: str = "laplace", prior: Prior | None = None,
                    errors: Mapping[str, ErrorModel] | None = None,
                    starts: Mapping[str, np.ndarray] | None = None,
                    mcmc_steps: int = 400,
                    on_patient: Callable[[str], None] | None = None) -> FitResult:
    """Fit every patient of ``problem`` (MAP + Laplace), with ``n_draws`` posterior draws
    each (``draws``: ``"laplace"`` or ``"mcmc"``) from child ``i`` of
    ``SeedSequence(seed)`` for patient ``i``."""
    if draws not in DRAW_METHODS:
        raise InputError(f"draws: got {draws!r}, expected one of {', '.join(DRAW_METHODS)}")
    if isinstance(n_draws, bool) or not isinstance(n_draws, int) or n_draws < 0:
        raise InputError(f"--draws: got {n_draws!r}, expected an integer >= 0")
    prior = problem.prior if prior is None else prior
    errors = problem.errors if errors is None else errors
    forward = problem.forward()
    children = np.random.SeedSequence(seed).spawn(len(problem.observations.patients))
    fits = []
    for pid, child in zip(problem.observations.patients, children, strict=True):
        post = problem.posterior(pid, forward=forward, prior=prior, errors=errors)
        fit = fit_patient(post, start=None if starts is None else starts.get(pid))
        if n_draws:
            rng = np.random.default_rng(child)
            sample = (sample_patient(post, fit, n_draws=n_draws, rng=rng, n_steps=mcmc_steps)
                      if draws == "mcmc" else laplace_draws(fit, n_draws, rng))
            fit = replace(fit, draws=sample, draws_method=draws)
        fits.append(fit)
        if on_patient is not None:
            on_patient(pid)
    return FitResult(problem, prior, dict(errors), tuple(fits), draws if n_draws else "none", seed)
