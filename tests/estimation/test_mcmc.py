"""MCMC draws (emcee) of one patient against the exact posterior of the same patient,
computed on a 25 × 25 grid of log-parameters (±4.5 Laplace SDs around the MAP): posterior
means within 0.3 posterior SD and SDs within 30% (a chain of 8 walkers × 300 kept steps
has a Monte-Carlo error of about 0.1 SD). The MAP is not the mean: the posterior is skewed,
which is what the sampler is for."""

from __future__ import annotations

import numpy as np
import pytest

from immunoreset.estimation import ErrorModel, fit_individuals

from .toy import problem, synthetic


def test_mcmc_draws_match_the_exact_posterior_on_a_grid() -> None:
    pytest.importorskip("emcee")
    error = ErrorModel("proportional", proportional=0.15)
    table, _ = synthetic(1, np.random.default_rng(11), error)
    prob = problem(table, error)
    result = fit_individuals(prob, n_draws=600, draws="mcmc", mcmc_steps=600, seed=4)
    fit = result.fits[0]
    assert fit.draws.shape == (600, 2) and fit.draws_method == "mcmc"
    post = prob.posterior(fit.patient_id)
    axes = [fit.log_estimate[j] + np.linspace(-4.5, 4.5, 25) * fit.se[j] for j in range(2)]
    grid = np.array(np.meshgrid(*axes, indexing="ij")).reshape(2, -1).T
    logp = np.array([post.log_posterior(post.z_of(eta)) for eta in grid])
    w = np.exp(logp - logp.max())
    w /= w.sum()
    mean = w @ grid
    sd = np.sqrt(w @ (grid - mean) ** 2)
    z = (fit.draws.mean(axis=0) - mean) / sd
    assert np.all(np.abs(z) < 0.3), (z, mean, fit.log_estimate)
    ratio = fit.draws.std(axis=0) / sd
    assert np.all((ratio > 0.7) & (ratio < 1.3)), ratio
