"""Known answers: parameters of synthetic patients are recovered.

* Coverage: 60 patients whose log-parameters are drawn from the prior, each fitted
  (MAP + Laplace 95% interval) on 7 noisy visits: averaged over the prior, a calibrated
  posterior interval covers the truth with probability 0.95. With 120 intervals (two
  parameters per patient, nearly independent), the number covered is binomial(120, 0.95):
  mean 114; the acceptance region 106-119 has P(X < 106) + P(X = 120) = 0.003 (the test
  fails when coverage is clearly off: 0.85, or intervals twice too wide).
* Population: the iterative two-stage fit of 16 patients (11 visits each), started 50% off with doubled
  variability, returns typical values within 3 standard errors of the truth.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import binom

from immunoreset.estimation import ErrorModel, Prior, fit_individuals, fit_population

from .toy import ESTIMATED, population_prior, problem, synthetic

ERROR = ErrorModel("proportional", proportional=0.15)
#: Eleven visits: the variability of the death rate needs the recovery phase sampled.
RICH_DAYS = np.array([-1.0, 2, 4, 7, 10, 14, 21, 28, 42, 56, 70])


def test_laplace_intervals_cover_the_true_parameters_at_the_nominal_rate() -> None:
    rng = np.random.default_rng(20260118)
    table, truth = synthetic(60, rng, ERROR)
    result = fit_individuals(problem(table, ERROR))
    assert all(f.converged for f in result.fits)
    order = [int(f.patient_id[1:]) for f in result.fits]  # patients sort as text: p0, p1, p10
    truth = truth[order]
    est = np.array([f.log_estimate for f in result.fits])
    sd = np.array([f.se for f in result.fits])
    covered = int(np.sum(np.abs(est - truth) <= 1.959963984540054 * sd))
    n = truth.size
    low, high = 106, 119
    assert binom.cdf(low - 1, n, 0.95) + binom.sf(high, n, 0.95) < 0.004
    assert low <= covered <= high, f"coverage {covered}/{n}"
    # The estimates are informative (not the prior): they track the truth.
    for j in range(len(ESTIMATED)):
        assert np.corrcoef(est[:, j], truth[:, j])[0, 1] > 0.8


def test_population_fit_recovers_typical_values_and_variability() -> None:
    rng = np.random.default_rng(7)
    truth = population_prior()
    table, eta = synthetic(16, rng, ERROR, prior=truth, days=RICH_DAYS)
    start = Prior(truth.names, truth.mean + np.log(1.5), 4.0 * truth.cov)
    pop = fit_population(problem(table, ErrorModel("proportional", proportional=0.3), prior=start),
                         max_iterations=10)
    assert pop.converged
    # Against what 16 patients can tell: the mean and SD of their true log-parameters.
    se = truth.omega / np.sqrt(16)
    assert np.all(np.abs(pop.prior.mean - eta.mean(axis=0)) < 3 * se), pop.summary()
    # ω: within ±40% of the cohort's SD (the SE of an SD from 16 values is 18%).
    sd = eta.std(axis=0, ddof=1)
    assert np.all(np.abs(np.log(pop.prior.omega / sd)) < np.log(1.4)), (pop.summary(), sd)
    # σ from 176 rows: SE ≈ 0.15/sqrt(352) = 0.008; within 0.03 (the Laplace EM step
    # leaves a small downward bias).
    assert abs(pop.errors["toy_cells"].proportional - 0.15) < 0.03
