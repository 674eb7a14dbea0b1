"""Failure is data: a failing patient gets a status and NaN, the others are unaffected."""

from __future__ import annotations

import numpy as np
import pytest

from immunoreset.engine import SolverSettings, SolveStatus, solve_batch

from .problems import decay, inverse_time, riccati, sqrt_growth


@pytest.mark.parametrize("method", ["rodas", "dopri5"])
def test_blow_up_patient_fails_while_neighbours_match_analytic_solution(method: str) -> None:
    # y' = p y^2, y0 = 1: y = 1 / (1 - p t); p = 0.45 blows up at t = 2.22 < t_end = 5.
    p = np.array([-1.0, -0.2, 0.45, -3.0])
    t_save = np.linspace(0.0, 5.0, 11)
    sol = solve_batch(riccati, np.ones((4, 1)), p[:, None], t_save,
                      settings=SolverSettings(method=method, rtol=1e-9, atol=1e-12))  # fmt: skip
    assert sol.status[2] in (SolveStatus.STEP_TOO_SMALL, SolveStatus.NONFINITE,
                             SolveStatus.MAX_STEPS)  # fmt: skip
    before = t_save < 1 / 0.45
    np.testing.assert_allclose(sol.y[2, before, 0], 1.0 / (1.0 - 0.45 * t_save[before]), rtol=1e-7)
    assert np.isnan(sol.y[2, ~before]).all()
    for i in (0, 1, 3):
        assert sol.status[i] == SolveStatus.OK
        np.testing.assert_allclose(sol.y[i, :, 0], 1.0 / (1.0 - p[i] * t_save), rtol=1e-7)
    assert sol.n_failed == 1 and sol.ok.tolist() == [True, True, False, True]


def test_max_steps_is_reported_and_leaves_nan() -> None:
    sol = solve_batch(decay, np.array([[1.0, 0.0], [1.0, 0.0]]), np.array([[1.0, 1.0], [1e-3, 1e-3]]),
                      np.linspace(0.0, 100.0, 5),
                      settings=SolverSettings(rtol=1e-10, atol=1e-14, max_steps=30))  # fmt: skip
    assert sol.status.tolist() == [SolveStatus.MAX_STEPS, SolveStatus.OK]
    assert np.isnan(sol.y[0, -1]).all() and np.isfinite(sol.y[1]).all()
    assert sol.n_steps[0] + sol.n_rejected[0] == 30


def test_nan_parameters_give_nonfinite_status_not_an_exception() -> None:
    sol = solve_batch(decay, np.array([[1.0, 0.0], [1.0, 0.0]]), np.array([[np.nan, 1.0], [1.0, 1.0]]),
                      np.array([0.0, 1.0]))  # fmt: skip
    assert sol.status.tolist() == [SolveStatus.NONFINITE, SolveStatus.OK]
    # The initial state is known and saved; the rest is NaN.
    np.testing.assert_array_equal(sol.y[0, 0], [1.0, 0.0])
    assert np.isnan(sol.y[0, 1]).all()


def test_rhs_that_turns_nan_mid_run_gives_nonfinite() -> None:
    # y' = sqrt(p0 - y) + 1 becomes NaN once y > p0 = 1, which it must cross.
    sol = solve_batch(sqrt_growth, np.zeros((2, 1)), np.array([[1.0], [1e9]]), np.linspace(0, 5, 6))
    assert sol.status.tolist() == [SolveStatus.NONFINITE, SolveStatus.OK]
    assert sol.status_counts() == {"OK": 1, "NONFINITE": 1}


def test_exception_raised_by_the_rhs_is_reported_as_rhs_error_for_that_patient_only() -> None:
    # p0 = 0: 1 / (0 - 0) raises at t0 (numba's default error model); p0 = 1: raises when a
    # stage lands on t = 1. p0 >= 10: y = ln(p0 / (p0 - t)), smooth on [0, 2].
    p = np.array([10.0, 0.0, 12.0, 15.0, 1.0, 20.0, 30.0])[:, None]
    t_save = np.linspace(0.0, 2.0, 5)
    good = p[:, 0] >= 10.0
    for n_threads in (1, 2):
        sol = solve_batch(inverse_time, np.zeros((7, 1)), p, t_save, n_threads=n_threads)
        assert (sol.status[~good] != SolveStatus.OK).all()
        assert sol.status[1] == SolveStatus.RHS_ERROR
        assert (sol.status[good] == SolveStatus.OK).all()
        assert np.isnan(sol.y[1, 1:]).all()
        exact = np.log(p[good] / (p[good] - t_save[None, :]))
        np.testing.assert_allclose(sol.y[good, :, 0], exact, rtol=1e-5)
