"""Configuration objects and input checks fail early with one-line InputError messages."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from immunoreset.engine import BatchSolution, SolverSettings, SolveStatus, solve_batch
from immunoreset.errors import InputError

from .problems import decay


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"method": "rk4"}, r"SolverSettings.method: got 'rk4', expected one of \['dopri5', 'rodas'\]"),
        ({"rtol": 0.0}, r"SolverSettings.rtol: got 0.0"),
        ({"rtol": 1e-16}, r"expected a number in \[2.2e-14, 1\)"),
        ({"atol": -1.0}, r"SolverSettings.atol: got -1.0, expected a number > 0"),
        ({"max_steps": 0}, r"SolverSettings.max_steps: got 0"),
        ({"max_steps": 10.5}, r"SolverSettings.max_steps: got 10.5"),
        ({"first_step": -0.1}, r"SolverSettings.first_step: got -0.1"),
        ({"fixed_step": float("nan")}, r"SolverSettings.fixed_step: got nan"),
        ({"dense_output": 1}, r"SolverSettings.dense_output: got 1"),
    ],
)
def test_invalid_settings_raise_input_error_naming_the_field(kwargs: dict, match: str) -> None:
    with pytest.raises(InputError, match=match):
        SolverSettings(**kwargs)


def test_settings_are_frozen_and_changed_with_replace() -> None:
    s = SolverSettings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.rtol = 1e-3  # type: ignore[misc]
    assert dataclasses.replace(s, method="dopri5").method == "dopri5"
    with pytest.raises(InputError):
        dataclasses.replace(s, rtol=2.0)


Y0 = np.array([[1.0, 0.0]])
P = np.array([[1.0, 1.0]])
T = np.array([0.0, 1.0])


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: solve_batch(lambda t, y, p, d: None, Y0, P, T), "rhs is a function, expected a numba @njit"),
        (lambda: solve_batch(decay, Y0[0], P, T), r"y0 has shape \(2,\), expected \(n_patients, n_states\)"),
        (lambda: solve_batch(decay, Y0, np.ones((2, 2)), T), "params has 2 rows, expected n_patients=1"),
        (lambda: solve_batch(decay, Y0, P, T[::-1]), "t_save is not sorted"),
        (lambda: solve_batch(decay, Y0, P, T, t0=0.5), r"t0=0.5 is after t_save\[0\]=0.0"),
        (lambda: solve_batch(decay, Y0 * np.nan, P, T), "y0 contains NaN or inf"),
        (lambda: solve_batch(decay, Y0, P, T, atol=np.ones(3)), r"atol has shape \(3,\)"),
        (lambda: solve_batch(decay, Y0, P, T, atol=0.0), "atol must be finite and > 0"),
        (lambda: solve_batch(decay, Y0, P, T, n_threads=0), "n_threads=0, expected an int in"),
        (lambda: solve_batch(decay, Y0, P, T, settings="rodas"), "settings is a str"),
    ],
)
def test_bad_solve_batch_inputs_raise_input_error(call, match: str) -> None:
    with pytest.raises(InputError, match=match):
        call()


def test_empty_batch_returns_empty_solution_without_solving() -> None:
    sol = solve_batch(decay, np.empty((0, 2)), np.empty((0, 2)), T)
    assert isinstance(sol, BatchSolution)
    assert sol.y.shape == (0, 2, 2) and sol.status.shape == (0,)


def test_per_state_atol_array_is_accepted_and_solution_reports_itself() -> None:
    sol = solve_batch(decay, Y0, P, T, atol=np.array([1e-12, 1e-6]))
    assert sol.status[0] == SolveStatus.OK and sol.n_rhs[0] > sol.n_steps[0] > 0
    assert "n_patients=1" in repr(sol) and "'OK': 1" in repr(sol)
