"""The generated Jacobian matches finite differences of the generated RHS."""

from __future__ import annotations

import numpy as np
import pytest

from immunoreset.model import (
    N_STATES,
    PARAMETER_INDEX,
    STATE_INDEX,
    default_model,
    jac,
    load_parameters,
    rhs,
)
from immunoreset.population import sample_cohort

#: States that enter the rates through max(y, 0), as the modules declare them.
CLAMPED_STATES = [i for i, s in enumerate(default_model().symbolic().states) if s.clamped]
CE = STATE_INDEX["car_t_effector"]
V_DIST = PARAMETER_INDEX["car_t_distribution_volume"]


@pytest.fixture(scope="module")
def cohort():  # type: ignore[no-untyped-def]
    return sample_cohort(40, load_parameters(), seed=11)


def _f(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    out = np.empty(N_STATES)
    rhs(0.0, y, p, out)
    return out


def _analytic(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    out = np.full((N_STATES, N_STATES), np.nan)
    jac(0.0, y, p, out)
    return out


def _check(y: np.ndarray, p: np.ndarray, *, one_sided: bool = False) -> int:
    """Compare J with differences column by column; return the number of kinked entries."""
    y = y.astype(np.float64)
    ja = _analytic(y, p)
    f0 = _f(y, p)
    fwd = np.empty((N_STATES, N_STATES))
    bwd = np.empty((N_STATES, N_STATES))
    steps = np.empty(N_STATES)
    for j in range(N_STATES):
        d = (1e-7 if one_sided else 1e-6) * max(abs(y[j]), 1e-3 if one_sided else 1e-12)
        yp = y.copy()
        yp[j] += d
        ym = y.copy()
        ym[j] -= d
        steps[j] = d
        fwd[:, j] = (_f(yp, p) - f0) / d
        bwd[:, j] = (f0 - _f(ym, p)) / d
    fd = fwd if one_sided else 0.5 * (fwd + bwd)
    # Scale of the terms of each f_i, so that round-off in cancelling sums is allowed for.
    terms = np.abs(f0) + np.abs(fd) @ np.maximum(np.abs(y), steps)
    rel = 1e-4 if one_sided else 1e-5
    tol = rel * np.abs(fd) + 1e-8 * terms[:, None] / np.maximum(np.abs(y), steps)[None, :]
    kinked = np.zeros_like(tol, dtype=bool) if one_sided else np.abs(fwd - bwd) > 10 * tol
    bad = (np.abs(ja - fd) > tol) & ~kinked
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise AssertionError(f"J[{i},{j}] analytic {ja[i, j]:.8g} vs differences {fd[i, j]:.8g} "
                             f"({int(bad.sum())} entries differ)")
    return int(kinked.sum())


def test_jacobian_matches_central_differences_at_random_states(cohort) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(2024)
    kinked = 0
    n = 0
    for k in range(200):
        i = k % len(cohort)
        p = cohort.params[i] * np.exp(rng.normal(0.0, 0.3, cohort.params.shape[1]))
        y = np.abs(cohort.y0[i]) + 1e-2
        y = y * np.exp(rng.normal(0.0, 1.5, N_STATES))
        if k % 4 == 1:  # CAR-T below one cell in the body: extinction branch
            y[CE] = 0.3 / (p[V_DIST] * 1e6)
        if k % 4 == 2:  # a few states slightly negative (the clamps)
            for j in rng.choice(CLAMPED_STATES, 3, replace=False):
                y[j] = -abs(y[j]) * 1e-3
        kinked += _check(y, p)
        n += N_STATES * N_STATES
    assert kinked < 1e-3 * n


def test_jacobian_matches_one_sided_differences_at_the_pretreatment_state(cohort) -> None:  # type: ignore[no-untyped-def]
    # Exact zeros (no drug, no CAR-T, no flare): right derivatives, as the solver uses.
    for i in range(len(cohort)):
        _check(cohort.y0[i], cohort.params[i], one_sided=True)


def test_jacobian_overwrites_every_entry(cohort) -> None:  # type: ignore[no-untyped-def]
    out = np.full((N_STATES, N_STATES), 7.0)
    jac(0.0, cohort.y0[0], cohort.params[0], out)
    np.testing.assert_array_equal(out, _analytic(cohort.y0[0], cohort.params[0]))


def test_solves_with_the_analytic_jacobian_match_finite_differences(cohort) -> None:  # type: ignore[no-untyped-def]
    from immunoreset.engine import EventSchedule, SolverSettings, solve_batch
    from immunoreset.simulation import DEFAULT_DAYS, patient_events
    from immunoreset.therapy import Regimen

    n = 3
    regimen = Regimen.erlangen_car_t()
    events = EventSchedule.from_lists(patient_events(cohort, regimen, flares=False)[:n])
    kw = {"t0": float(DEFAULT_DAYS[0]), "events": events,
          "settings": SolverSettings(rtol=1e-7, atol=1e-10)}  # fmt: skip
    fd = solve_batch(rhs, cohort.y0[:n], cohort.params[:n], DEFAULT_DAYS, **kw)  # type: ignore[arg-type]
    an = solve_batch(rhs, cohort.y0[:n], cohort.params[:n], DEFAULT_DAYS, jac=jac, **kw)  # type: ignore[arg-type]
    assert (fd.status == 0).all() and (an.status == 0).all()
    assert (an.n_rhs < 0.5 * fd.n_rhs).all()
    np.testing.assert_allclose(an.y, fd.y, rtol=1e-5, atol=1e-7)
