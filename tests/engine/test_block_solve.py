"""Block triangular linear algebra inside ``solve_batch``: per-patient order and fallback.

Each patient's Rosenbrock solves use the block lower triangular order of its own Jacobian
(``engine._linalg``); ``_batch._block_order`` is replaced here to force a given order on
every patient (``order_workspace(n)``: one block, the dense path).
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.linalg import expm

from immunoreset.engine import BatchSolution, SolverSettings, _batch, solve_batch
from immunoreset.engine._kernel import no_jac
from immunoreset.engine._linalg import block_order, order_workspace
from immunoreset.engine._rosenbrock import N_WORK, jacobian_pattern

from .problems import (
    hidden_coupling,
    hidden_coupling_jac,
    linear,
    linear_batch,
    linear_jac,
    reducible_matrix,
    scipy_rhs,
)

TIGHT = SolverSettings(rtol=1e-9, atol=1e-12)


def _derived_order(rhs: Any, jac: Any, y0: np.ndarray, p: np.ndarray) -> np.ndarray:
    n = y0.size
    order = order_workspace(n)
    jacobian_pattern(rhs, no_jac if jac is None else jac, jac is not None, 0.0,
                     np.array(y0, dtype=float), np.array(p, dtype=float), order,
                     np.empty((n, n)), np.empty((N_WORK, n)), np.zeros(3, dtype=np.int64))  # fmt: skip
    return order


def _solve(monkeypatch: pytest.MonkeyPatch, order: np.ndarray | None, *args: Any,
           **kwargs: Any) -> BatchSolution:  # fmt: skip
    with monkeypatch.context() as m:
        if order is not None:
            m.setattr(_batch, "_block_order", lambda n_states: order)
        return solve_batch(*args, **kwargs)


@pytest.mark.parametrize("use_jac", [True, False])
def test_reducible_linear_systems_match_the_exact_solution(use_jac: bool) -> None:
    rng = np.random.default_rng(21)
    sizes = [[2, 3, 1, 2], [1, 1, 1, 1, 4], [8]]
    mats = [reducible_matrix(rng, s) for s in sizes]
    y0 = rng.uniform(0.5, 2.0, size=(3, 8))
    params = np.array([a.ravel() for a in mats])
    for k, s in enumerate(sizes):  # the probes find the blocks
        order = _derived_order(linear, linear_jac if use_jac else None, y0[k], params[k])
        assert order[8] == len(s)
    t_save = np.linspace(0.0, 2.0, 9)
    sol = solve_batch(linear, y0, params, t_save, settings=TIGHT,
                      jac=linear_jac if use_jac else None)  # fmt: skip
    assert (sol.status == 0).all()
    for k, a in enumerate(mats):
        exact = np.array([expm(a * t) @ y0[k] for t in t_save])
        np.testing.assert_allclose(sol.y[k], exact, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("use_jac", [True, False])
def test_coupling_missed_by_the_probes_is_solved_correctly(
    monkeypatch: pytest.MonkeyPatch, use_jac: bool
) -> None:
    jac = hidden_coupling_jac if use_jac else None
    y0 = np.array([[1.0, 2.0, 1.0]])
    order = _derived_order(hidden_coupling, jac, y0[0], np.zeros(0))
    assert order[:8].tolist() == [0, 1, 2, 3, 0, 1, 2, 3]  # singletons: y1 -> y2 missed
    t_save = np.linspace(0.0, 10.0, 21)
    args = (hidden_coupling, y0, np.zeros((1, 0)), t_save)
    sol = solve_batch(*args, settings=TIGHT, jac=jac)
    dense = _solve(monkeypatch, order_workspace(3), *args, settings=TIGHT, jac=jac)
    assert sol.status[0] == 0 and dense.status[0] == 0
    ref = solve_ivp(scipy_rhs(hidden_coupling, np.zeros(0)), (0.0, 10.0), y0[0],
                    method="Radau", t_eval=t_save, rtol=1e-12, atol=1e-14).y.T  # fmt: skip
    np.testing.assert_allclose(sol.y[0], ref, rtol=1e-6, atol=1e-9)
    # Once the coupling is on, each step's matrix has a non-zero above the blocks and is
    # factored as one block; ignoring it would take far more steps (stiff, rate ~5000/day).
    assert sol.n_steps[0] <= 1.2 * dense.n_steps[0]


def test_wrong_block_order_falls_back_to_the_dense_path(monkeypatch: pytest.MonkeyPatch) -> None:
    y0, params = linear_batch(seed=23, n_patients=6)
    t_save = np.linspace(0.0, 2.0, 9)
    args = (linear, y0, params, t_save)
    dense = _solve(monkeypatch, order_workspace(7), *args, settings=TIGHT, jac=linear_jac)
    # Identity order claiming seven independent states: every step meets a non-zero above
    # the blocks and factors one block, exactly as the dense path.
    wrong = order_workspace(7)
    block_order(np.eye(7, dtype=bool), wrong)
    fallback = _solve(monkeypatch, wrong, *args, settings=TIGHT, jac=linear_jac)
    np.testing.assert_array_equal(fallback.y, dense.y)
    # The per-patient block order gives the same solution to within the tolerance.
    block = solve_batch(*args, settings=TIGHT, jac=linear_jac)
    assert (block.status == 0).all()
    np.testing.assert_allclose(block.y, dense.y, rtol=1e-6, atol=1e-9)


def test_strongly_connected_model_is_bit_identical_to_the_dense_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(29)
    a = reducible_matrix(rng, [6])
    y0, params = rng.uniform(0.5, 2.0, size=(2, 6)), np.array([a.ravel(), a.ravel() * 0.5])
    t_save = np.linspace(0.0, 3.0, 7)
    for jac in (linear_jac, None):
        block = solve_batch(linear, y0, params, t_save, settings=TIGHT, jac=jac)
        dense = _solve(monkeypatch, order_workspace(6), linear, y0, params, t_save,
                       settings=TIGHT, jac=jac)  # fmt: skip
        np.testing.assert_array_equal(block.y, dense.y)


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs 2 threads")
@pytest.mark.parametrize("use_jac", [True, False])
def test_patient_with_its_own_block_order_is_independent_of_the_batch(use_jac: bool) -> None:
    y0, params = linear_batch(seed=31, n_patients=24)
    t_save = np.linspace(0.0, 3.0, 13)
    jac = linear_jac if use_jac else None
    settings = SolverSettings(rtol=1e-6, atol=1e-9)
    k = 9
    alone = solve_batch(linear, y0[k : k + 1], params[k : k + 1], t_save, settings=settings,
                        jac=jac, n_threads=1)  # fmt: skip
    runs = [solve_batch(linear, y0, params, t_save, settings=settings, jac=jac, n_threads=n)
            for n in (1, 2)]  # fmt: skip
    rev = solve_batch(linear, y0[::-1].copy(), params[::-1].copy(), t_save, settings=settings,
                      jac=jac, n_threads=2)  # fmt: skip
    for run in runs:
        assert (run.status == 0).all()
        np.testing.assert_array_equal(run.y[k], alone.y[0])
        assert run.n_steps[k] == alone.n_steps[0] and run.n_rhs[k] == alone.n_rhs[0]
    np.testing.assert_array_equal(runs[0].y, runs[1].y)
    np.testing.assert_array_equal(rev.y[::-1], runs[1].y)
