"""Values below the LLOQ: Beal's M3 likelihood against the usual substitution, on censored data.

30 patients with the same true parameters (proportional error 15%); their depletion nadir
(days 2-14, 5-15 cells/µL) lies below an LLOQ of 30 cells/µL, so about half of the visits
are censored. The kill and death rates are fitted with a wide prior (CV 200%), so the
data decide. With M3 the mean error of the log-estimates over patients is within 3
standard errors of zero; substituting LLOQ/2 for the censored values biases the kill rate
(the nadir looks shallower) by far more than that.
"""

from __future__ import annotations

import numpy as np

from immunoreset.estimation import ErrorModel, Prior, fit_individuals, negative_log_likelihood

from .toy import problem, synthetic, toy

ERROR = ErrorModel("proportional", proportional=0.15)
LLOQ = 30.0
N = 30


#: The nadir is set by the kill rate, the return by the death rate.
NAMES = ("toy_kill", "toy_death_rate")


def _wide() -> Prior:
    _, params = toy()
    return Prior(NAMES, np.log([params.value(n) for n in NAMES]),
                 np.diag(np.log1p(np.full(2, 2.0**2))))


def _bias(m3: bool, table, truth):  # type: ignore[no-untyped-def]
    result = fit_individuals(problem(table, ERROR, prior=_wide(), m3=m3))
    est = np.array([f.log_estimate for f in result.fits])
    err = est - truth
    return err.mean(axis=0), err.std(axis=0, ddof=1) / np.sqrt(N)


def test_m3_is_unbiased_where_leaving_censored_values_out_is_not() -> None:
    rng = np.random.default_rng(3)
    truth = np.tile(_wide().mean, (N, 1))
    table, _ = synthetic(N, rng, ERROR, lloq=LLOQ, eta=truth, prior=_wide())
    censored = (table["value"] == "").mean()
    assert 0.3 < censored < 0.6
    bias_m3, se_m3 = _bias(True, table, truth)
    imputed = table.assign(value=table["value"].where(table["value"] != "", repr(LLOQ / 2)),
                           lloq="")
    bias_half, se_half = _bias(True, imputed, truth)
    assert np.all(np.abs(bias_m3) < 3 * se_m3), (bias_m3, se_m3)
    k = NAMES.index("toy_kill")
    assert abs(bias_half[k]) > 3 * se_half[k] and abs(bias_half[k]) > 5 * abs(bias_m3[k]), bias_half


def test_m3_likelihood_is_the_normal_probability_below_the_limit() -> None:
    from scipy.stats import norm

    additive = ErrorModel("additive", additive=8.0)
    f = np.array([10.0, 30.0, 50.0])
    nll, grad = negative_log_likelihood(additive, f, np.full(3, np.nan), np.full(3, LLOQ),
                                        np.ones(3, bool))
    np.testing.assert_allclose(nll, -norm.logcdf((LLOQ - f) / 8.0), rtol=1e-12)
    h = 1e-6
    up = negative_log_likelihood(additive, f + h, np.full(3, np.nan), np.full(3, LLOQ), np.ones(3, bool))[0]
    down = negative_log_likelihood(additive, f - h, np.full(3, np.nan), np.full(3, LLOQ), np.ones(3, bool))[0]
    np.testing.assert_allclose(grad, (up - down) / (2 * h), rtol=1e-6)


def test_every_error_model_has_the_gradient_of_its_likelihood() -> None:
    f = np.array([0.5, 5.0, 50.0, 400.0])
    y = np.array([0.7, 4.0, 60.0, 380.0])
    lloq = np.full(4, 1.0)
    for em in (ErrorModel("additive", additive=2.0), ErrorModel("proportional", proportional=0.2),
               ErrorModel("combined", additive=1.0, proportional=0.1),
               ErrorModel("lognormal", proportional=0.3)):
        for blq in (np.zeros(4, bool), np.array([True, False, True, False])):
            _, g = negative_log_likelihood(em, f, y, lloq, blq)
            h = 1e-6 * f
            up = negative_log_likelihood(em, f + h, y, lloq, blq)[0]
            down = negative_log_likelihood(em, f - h, y, lloq, blq)[0]
            np.testing.assert_allclose(g, (up - down) / (2 * h), rtol=1e-5, atol=1e-9,
                                       err_msg=em.describe())

