"""Empirical order of convergence with fixed steps (``SolverSettings(fixed_step=h)``).

Problems with known solutions:

- logistic ``y' = 2 y (1 - y)``, ``y0 = 0.1``: ``y(t) = 1 / (1 + 9 exp(-2 t))``, on [0, 4];
- linear ``y' = A y`` (3 states, eigenvalues -1 and -0.5 ± 2i): ``y(t) = expm(A t) y0``,
  for Dormand-Prince only: on linear constant-coefficient problems Rodas5P's stability
  function matches exp(z) beyond order 5, and its observed slope is ~6 (super-convergence,
  not a property of the method on nonlinear problems).

The error at the end is fitted against ``h`` (0.2 to 0.025, errors 1e-8 to 1e-13) on a
log-log scale; the slope must be the method's order ± 0.3: 5 for Rodas5P (with the analytic
Jacobian, since a Rosenbrock method has its order only with the exact Jacobian) and 5 for
Dormand-Prince. Values read from the dense output at mid-step points converge with slope
min(5, 4 + 1) = 5 as well, since an order-4 interpolant has local error O(h^5).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import expm

from immunoreset.engine import SolverSettings, SolveStatus, solve_batch

from .problems import linear, linear_jac, logistic, logistic_jac

A = np.array([[-1.0, 0.3, 0.0], [0.0, -0.5, 2.0], [0.0, -2.0, -0.5]])
Y0 = np.array([1.0, 0.5, -0.25])
T_END = 4.0
STEPS = np.array([0.2, 0.1, 0.05, 0.025])


def _slope(h: np.ndarray, err: np.ndarray) -> float:
    return float(np.polyfit(np.log(h), np.log(err), 1)[0])


def _fixed_errors(method: str, problem: str, t_save: np.ndarray) -> np.ndarray:
    errs = []
    for h in STEPS:
        settings = SolverSettings(method=method, fixed_step=float(h), rtol=1e-10, atol=1e-12)
        if problem == "linear":
            sol = solve_batch(linear, Y0[None, :], A.reshape(1, -1), t_save, settings=settings,
                              jac=linear_jac)  # fmt: skip
            exact = np.array([expm(A * t) @ Y0 for t in t_save])
        else:
            sol = solve_batch(logistic, np.array([[0.1]]), np.array([[2.0]]), t_save,
                              settings=settings, jac=logistic_jac)  # fmt: skip
            exact = (1.0 / (1.0 + 9.0 * np.exp(-2.0 * t_save)))[:, None]
        assert sol.status[0] == SolveStatus.OK
        assert sol.n_steps[0] == round(T_END / h)
        errs.append(np.max(np.abs(sol.y[0] - exact)))
    return np.array(errs)


@pytest.mark.parametrize(
    ("method", "problem"), [("rodas", "logistic"), ("dopri5", "logistic"), ("dopri5", "linear")]
)
def test_global_error_slope_is_order_five(method: str, problem: str) -> None:
    errs = _fixed_errors(method, problem, np.array([0.0, T_END]))
    assert errs[-1] > 1e-13, "errors must stay above round-off for the fit to mean anything"
    assert _slope(STEPS, errs) == pytest.approx(5.0, abs=0.3), errs


@pytest.mark.parametrize("method", ["rodas", "dopri5"])
def test_dense_output_error_slope_is_five_at_mid_step_points(method: str) -> None:
    # Save times off every step boundary of every h tried (h = 0.2 / 2**k, k <= 3).
    t_save = np.array([0.0, 0.06, 0.51, 1.33, 2.97, 3.99])
    errs = _fixed_errors(method, "logistic", t_save)
    assert _slope(STEPS, errs) == pytest.approx(5.0, abs=0.3), errs
