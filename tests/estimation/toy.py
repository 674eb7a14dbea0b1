"""The two-state test model (toy_depletion.py) and synthetic patients made with it."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from immunoreset.estimation import (
    ErrorModel,
    FitProblem,
    ForwardModel,
    ForwardSettings,
    Prior,
    Subject,
    observable_catalogue,
    read_observations,
)
from immunoreset.model import (
    CompiledModel,
    ModelSpec,
    ParameterSet,
    build_model,
    module_parameter_file,
)

HERE = Path(__file__).resolve().parent
#: Visits of the synthetic patients (days after the dose).
DAYS = np.array([-1.0, 2, 7, 14, 28, 42, 56])
DOSE_MG_PER_L = 10.0
#: Looser than the default: the toy's answers do not need 1e-7 (and tests run on 2 cores).
SETTINGS = ForwardSettings(rtol=1e-6, atol=1e-8)
ESTIMATED = ("toy_production", "toy_death_rate")


@lru_cache(maxsize=1)
def toy() -> tuple[CompiledModel, ParameterSet]:
    params = module_parameter_file(HERE / "toy_depletion.toml")
    return build_model(ModelSpec("toy_depletion", (str(HERE / "toy_depletion.py"),), params.specs)), params


def subject(pid: str) -> Subject:
    model, _ = toy()
    return Subject(pid, extra_events=((0.0, model.state_index["toy_drug"], DOSE_MG_PER_L),))


def forward(names: tuple[str, ...] = ESTIMATED) -> ForwardModel:
    model, params = toy()
    return ForwardModel(model, params.vector(), names, catalogue=observable_catalogue(model),
                        settings=SETTINGS)


def population_prior() -> Prior:
    _, params = toy()
    return Prior.diagonal(ESTIMATED, np.array([params.value(n) for n in ESTIMATED]),
                          np.array([params[n].iiv_cv for n in ESTIMATED]))


def synthetic(n: int, rng: np.random.Generator, error: ErrorModel, *, lloq: float | None = None,
              prior: Prior | None = None, eta: np.ndarray | None = None,
              days: np.ndarray = DAYS) -> tuple[pd.DataFrame, np.ndarray]:
    """``n`` patients with log-parameters drawn from ``prior`` (or ``eta`` ``(n, k)``), noisy
    observations of toy_cells; returns the long table and the true log-parameters."""
    prior = prior or population_prior()
    fw = forward(prior.names)
    rows, truth = [], []
    for i in range(n):
        e = prior.mean + prior.chol @ rng.standard_normal(len(prior.names)) if eta is None else eta[i]
        f = fw.predict(e, subject(f"p{i}"), days, ("toy_cells",), sensitivities=False).values[0]
        f = f[np.isin(np.unique(np.concatenate([[-7.0], days])), days)]
        y = error.simulate(f, rng)
        for d, v in zip(days, y, strict=True):
            below = lloq is not None and v < lloq
            rows.append((f"p{i}", d, "toy_cells", "" if below else repr(float(v)), "cells/uL",
                         "" if lloq is None else repr(lloq)))
        truth.append(e)
    table = pd.DataFrame(rows, columns=["patient_id", "day", "observable", "value", "unit", "lloq"])
    return table, np.array(truth)


def problem(table: pd.DataFrame, error: ErrorModel, *, prior: Prior | None = None,
            m3: bool = True) -> FitProblem:
    model, params = toy()
    obs = read_observations(table, observable_catalogue(model))
    return FitProblem(model, params, prior or population_prior(), obs,
                      {p: subject(p) for p in obs.patients}, {"toy_cells": error}, m3=m3,
                      settings=SETTINGS)
