"""The core constraints' pieces against known answers: the MAP prior term, the doubling
time of an exponential, and the per-cell kill limit as a property of the model."""

from __future__ import annotations

import numpy as np
import pytest

from immunoreset.calibration import load_constraints, prior_penalty, prior_ratios
from immunoreset.calibration._constraints import (
    doubling_times,
    fastest_doubling_times,
    lag_end_days,
)
from immunoreset.model import default_model, load_parameters
from immunoreset.population import sample_cohort
from immunoreset.simulation import ArmResult
from immunoreset.therapy import Regimen


def test_the_prior_term_is_the_log_normal_negative_log_density() -> None:
    params = load_parameters()
    at_prior = params.with_values({p.name: p.prior for p in params.parameters if p.prior})
    assert prior_penalty(at_prior) == 0.0
    p = params["car_t_kill_rate"]
    moved = at_prior.with_values({p.name: p.prior * np.e})  # one log unit away
    assert prior_penalty(moved) == pytest.approx(0.5 / p.prior_log_sd**2, rel=1e-12)
    ratios = prior_ratios(moved).set_index("parameter")
    assert ratios.loc["car_t_kill_rate", "ratio"] == pytest.approx(np.e)


def _course(rate: np.ndarray, *, lag: float, tmax: float) -> ArmResult:
    """Infused level 0.1 from day 0, flat over the lag, exponential at ``rate`` to ``tmax``,
    then a decline at 0.1/day: the popCK shape (Stein 2019)."""
    days = np.arange(-7.0, 40.0)
    grow = rate[:, None] * np.clip(days - lag, 0.0, tmax - lag)
    fall = -0.1 * np.maximum(days - tmax, 0.0)
    cart = np.where(days[None, :] >= 0, 0.1 * np.exp(grow + fall), 0.0)
    return ArmResult("x", Regimen("x"), tuple("abc"[: rate.size]), days, {"car_t_blood": cart},
                     np.zeros(rate.size, dtype=np.int8), np.zeros(rate.size, dtype=np.int64))


def test_doubling_time_of_a_lagged_exponential_rise_is_the_popck_rate() -> None:
    rate = np.array([0.9, 0.5])
    r = _course(rate, lag=2.5, tmax=12.0)
    np.testing.assert_allclose(doubling_times(r), np.log(2) / rate, rtol=1e-12)
    np.testing.assert_allclose(fastest_doubling_times(r), np.log(2) / rate, rtol=1e-12)
    # The lag ends on the first day above twice the infused level: 2.5 + ln 2 / rate, rounded up.
    np.testing.assert_array_equal(lag_end_days(r), np.ceil(2.5 + np.log(2) / rate))


def test_cells_that_never_double_have_no_doubling_time() -> None:
    r = _course(np.array([0.05]), lag=0.0, tmax=10.0)  # x1.65 by the peak
    assert np.isnan(lag_end_days(r)[0]) and doubling_times(r)[0] == np.inf


def test_no_state_lets_one_car_t_cell_kill_more_than_its_maximal_rate() -> None:
    """Kills per CAR-T cell per day = k x engaged fraction <= k, whatever the counts."""
    model, params = default_model(), load_parameters()
    cohort = sample_cohort(4, params, seed=3)
    rng = np.random.default_rng(0)
    y = np.repeat(cohort.y0[:, None, :], 200, axis=1)
    for name in ("car_t_effector", "car_t_memory", "naive_b_blood", "naive_b_tissue",
                 "autoreactive_b_tissue", "b_precursors"):
        y[:, :, model.state(name)] *= 0.0
        y[:, :, model.state(name)] += 10.0 ** rng.uniform(-3, 5, size=(4, 200))
    kills = model.observe(y, cohort.params)["car_t_kills_per_cell"]
    k = cohort.params[:, model.parameter_index["car_t_kill_rate"]]
    assert (kills <= k[:, None] * (1 + 1e-12)).all() and (kills >= 0).all()
    assert kills.max() > 0.5 * k.min()  # target excess reaches the limit


def test_every_constraint_of_the_shared_table_is_known() -> None:
    ids = set(load_constraints()["constraint_id"])
    assert {"kills_per_car_t_cell", "car_t_kill_rate_prior", "car_t_expansion_phase",
            "expansion_needs_lymphodepletion", "dose_sets_timing", "lymphodepletion_alone",
            "lymphodepletion_exposure", "blood_tissue_traffic", "priors_respected"} <= ids
