"""``immunoreset fit`` as a function: load data and model, fit, write the results folder.

:func:`load_fit_problem` turns files and command-line strings into a checked
:class:`~immunoreset.estimation.FitProblem` (every refusal a one-line
:class:`~immunoreset.errors.InputError`, before any output exists); :func:`run_fit` fits
it and writes, through a working folder committed at the end:

* ``estimates.csv``: per patient and parameter, MAP estimate, log-scale SD, 95% interval;
* ``fitted.parquet``: the fitted patients and their posterior draws, for ``immunoreset
  simulate --patients``;
* ``residuals.csv``: per observation, IPRED and IWRES; ``population.csv`` (with
  ``--population``): typical values, variability and error magnitudes;
* ``report.html``: diagnostics plots and tables; ``manifest.json``: seed, versions,
  options, solver settings, timings.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from immunoreset.errors import InputError
from immunoreset.estimation._data import read_covariates, read_dosing, read_observations
from immunoreset.estimation._error import ErrorModel, parse_error_model
from immunoreset.estimation._forward import DEFAULT_FORWARD_SETTINGS, ForwardSettings
from immunoreset.estimation._individual import Prior
from immunoreset.estimation._observables import observable_catalogue
from immunoreset.estimation._problem import DRAW_METHODS, FitProblem, parse_parameters, subjects_for
from immunoreset.model import CompiledModel, ParameterSet, build_model, load_parameters
from immunoreset.therapy import Regimen

__all__ = ["FitOptions", "load_fit_problem", "parse_errors", "run_fit", "study_arm"]


@dataclass(frozen=True)
class FitOptions:
    """How to fit (``immunoreset fit`` flags)."""

    population: bool = False
    n_draws: int = 20
    draws: str = "laplace"
    seed: int = 1
    mcmc_steps: int = 400
    max_iterations: int = 30
    progress: bool = True

    def __post_init__(self) -> None:
        if self.draws not in DRAW_METHODS:
            raise InputError(f"--draws-method: got {self.draws!r}, expected one of "
                             f"{', '.join(DRAW_METHODS)}")
        for name, low in (("n_draws", 0), ("seed", 0), ("mcmc_steps", 10), ("max_iterations", 1)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < low:
                raise InputError(f"--{name.replace('_', '-')}: got {v!r}, expected an integer >= {low}")


def parse_errors(items: Sequence[str], observables: Sequence[str]) -> dict[str, ErrorModel]:
    """``["b_cells_blood=lognormal:0.3", "proportional:0.2"]``: per observable, or one
    spec without a name for every observable not named."""
    named: dict[str, ErrorModel] = {}
    default: ErrorModel | None = None
    for item in items:
        name, sep, spec = item.partition("=")
        if sep:
            if name.strip() not in observables:
                raise InputError(f"--error: {name.strip()!r} is not an observable of the data "
                                 f"({', '.join(observables)})")
            named[name.strip()] = parse_error_model(spec)
        else:
            if default is not None:
                raise InputError("--error: two specs without an observable name; give NAME=SPEC")
            default = parse_error_model(item)
    out = {}
    for name in observables:
        em = named.get(name, default)
        if em is None:
            raise InputError(f"--error: no error model for observable {name!r} (e.g. --error "
                             f"{name}=proportional:0.2)")
        out[name] = em
    return out


def study_arm(study: str | Path, arm: str | None) -> tuple[CompiledModel, ParameterSet, Regimen | None]:
    """The model, parameters and (named) arm regimen of a study config."""
    from immunoreset.simulation import load_study_config

    spec, _, _ = load_study_config(study, n=1)
    model = build_model(spec.model)
    if arm is None:
        return model, spec.parameters, None
    if arm not in spec.arms:
        raise InputError(f"--arm: got {arm!r}, expected an arm of {Path(study).name} "
                         f"({', '.join(spec.arms)})")
    return model, spec.parameters, spec.arms[arm]


def load_fit_problem(data: str | Path, *, params: str | Sequence[str], errors: Sequence[str],
                     study: str | Path | None = None, arm: str | None = None,
                     covariates: str | Path | None = None, dosing: str | Path | None = None,
                     m3: bool = True, settings: ForwardSettings = DEFAULT_FORWARD_SETTINGS,
                     ) -> FitProblem:
    """Read and check everything a fit needs (see the module docstring)."""
    if arm is not None and study is None:
        raise InputError("--arm needs --study CONFIG (the study config that defines the arm)")
    if study is not None:
        model, parameters, regimen = study_arm(study, arm)
    else:
        from immunoreset.model import default_model

        model, parameters, regimen = default_model(), load_parameters(), None
    catalogue = observable_catalogue(model)
    obs = read_observations(data, catalogue)
    names, cvs = parse_parameters(params, parameters, model=model)
    prior = Prior.diagonal(names, np.array([parameters.value(n) for n in names]), cvs)
    cov = read_covariates(covariates) if covariates is not None else None
    dos = read_dosing(dosing, model) if dosing is not None else None
    subjects = subjects_for(obs, model=model, regimen=regimen, covariates=cov, dosing=dos)
    return FitProblem(model, parameters, prior, obs, subjects, parse_errors(errors, obs.names),
                      m3=m3, settings=settings)


def run_fit(out: str | Path, problem: FitProblem, *, options: FitOptions = FitOptions(),
            command: str = "immunoreset fit", config: Mapping[str, Any] | None = None) -> Path:
    """Fit ``problem`` and write the results folder ``out`` (see the module docstring)."""
    from tqdm import tqdm

    from immunoreset.estimation._diagnostics import fit_curves, residuals, write_fit_report
    from immunoreset.estimation._fitted import write_fitted
    from immunoreset.estimation._population import fit_population
    from immunoreset.estimation._problem import fit_individuals
    from immunoreset.io import RunDirectory, build_manifest, write_manifest

    run_dir = RunDirectory(out, command=command)
    run_dir.check()
    n = len(problem.observations.patients)
    timings: dict[str, float] = {}
    with run_dir:
        pop_table = err_table = None
        history = None
        t0 = time.perf_counter()
        prior, errors = problem.prior, dict(problem.errors)
        pop_extra: dict[str, Any] = {}
        if options.population:
            bar = tqdm(total=options.max_iterations, desc="population (ITS)", unit="iteration",
                       disable=not (options.progress and sys.stderr.isatty()))
            pop = fit_population(problem, max_iterations=options.max_iterations, seed=options.seed,
                                 on_iteration=lambda i, p: bar.update(1))
            bar.close()
            prior, errors = pop.prior, dict(pop.errors)
            pop_table, err_table, history = pop.summary(), pop.error_table(), pop.history
            pop_extra = {"population_converged": pop.converged, "population_iterations": pop.iterations}
            timings["population_s"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        bar = tqdm(total=n, desc="fitting", unit="patient",
                   disable=not (options.progress and sys.stderr.isatty()))
        result = fit_individuals(replace(problem, prior=prior, errors=errors), seed=options.seed,
                                 n_draws=options.n_draws, draws=options.draws,
                                 mcmc_steps=options.mcmc_steps, on_patient=lambda _: bar.update(1))
        bar.close()
        timings["individual_s"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        est = result.estimates()
        est.to_csv(run_dir.path("estimates.csv"), index=False)
        write_fitted(result, run_dir.path("fitted.parquet"))
        res = residuals(result)
        res.to_csv(run_dir.path("residuals.csv"), index=False)
        names = ["estimates.csv", "fitted.parquet", "residuals.csv", "report.html", "manifest.json"]
        if pop_table is not None and err_table is not None and history is not None:
            pop_table.to_csv(run_dir.path("population.csv"), index=False)
            err_table.to_csv(run_dir.path("residual_error.csv"), index=False)
            history.to_csv(run_dir.path("population_history.csv"), index=False)
            names += ["population.csv", "residual_error.csv", "population_history.csv"]
        curves = fit_curves(result)
        timings["diagnostics_s"] = time.perf_counter() - t2
        manifest = build_manifest(
            command=command, seed=options.seed, config=dict(config or {}),
            solver_settings={"method": "LSODA (scipy) with forward sensitivities",
                             **asdict(problem.settings)},
            timings=timings,
            extra={"fit_options": asdict(options), "model": problem.model.name,
                   "model_key": problem.model.key, "parameter_set": problem.parameters.name,
                   "estimated": list(result.prior.names),
                   "prior_typical": dict(zip(result.prior.names, np.exp(result.prior.mean).tolist(), strict=True)),
                   "prior_omega": dict(zip(result.prior.names, result.prior.omega.tolist(), strict=True)),
                   "error_models": {k: asdict(e) for k, e in result.errors.items()},
                   "m3": problem.m3, "n_patients": n,
                   "n_not_converged": int(sum(not f.converged for f in result.fits)),
                   "data": problem.observations.source, **pop_extra})
        from immunoreset import __version__

        write_fit_report(str(run_dir.path("report.html")), result, res=res, curves=curves,
                         manifest={**manifest, "immunoreset_version": __version__},
                         population=pop_table, population_errors=err_table)
        write_manifest(manifest, run_dir.path("manifest.json"))
        run_dir.commit(names)
    return Path(out)
