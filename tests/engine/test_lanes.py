"""Rodas5P in lockstep lanes (``engine._lanes``) against one patient at a time.

The lanes perform each patient's operations in the one-patient order, so the two paths
must agree bit for bit: trajectories, statuses and step, rejection and RHS counts. These
tests cross-check the two implementations on the SLE model, on patients whose Jacobian
patterns differ (several lane groups and one-block patients), on failing patients, and on
the fallbacks off the static LU path.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest
from scipy.linalg import expm

from immunoreset.engine import (
    BatchSolution,
    EventSchedule,
    SolverSettings,
    SolveStatus,
    _batch,
    solve_batch,
)
from immunoreset.engine._linalg import (
    block_order,
    load_iteration_matrix,
    lu_factor,
    lu_workspace,
    order_workspace,
)
from immunoreset.engine._rosenbrock import GAMMA
from immunoreset.model import jac as sle_jac
from immunoreset.model import load_parameters
from immunoreset.model import rhs as sle_rhs
from immunoreset.population import sample_cohort
from immunoreset.simulation import DEFAULT_DAYS, DEFAULT_SOLVER, patient_events
from immunoreset.therapy import Regimen

from .problems import inverse_time, linear, linear_batch, linear_jac, reducible_matrix


def _both(*args: Any, settings: SolverSettings, **kwargs: Any) -> tuple[BatchSolution, BatchSolution]:
    lanes = solve_batch(*args, settings=dataclasses.replace(settings, lanes=True), **kwargs)
    one = solve_batch(*args, settings=dataclasses.replace(settings, lanes=False), **kwargs)
    return lanes, one


def _assert_identical(lanes: BatchSolution, one: BatchSolution) -> None:
    np.testing.assert_array_equal(lanes.y, one.y)
    np.testing.assert_array_equal(lanes.status, one.status)
    np.testing.assert_array_equal(lanes.n_steps, one.n_steps)
    np.testing.assert_array_equal(lanes.n_rejected, one.n_rejected)
    np.testing.assert_array_equal(lanes.n_rhs, one.n_rhs)


@pytest.fixture(scope="module")
def sle_cohort() -> tuple[Any, EventSchedule]:
    cohort = sample_cohort(10, load_parameters(), seed=11)
    return cohort, EventSchedule.from_lists(patient_events(cohort, Regimen.erlangen_car_t()))


@pytest.mark.parametrize(("use_jac", "dense"), [(True, True), (False, True), (True, False)])
def test_sle_patients_in_lanes_match_one_at_a_time_bit_for_bit(
    sle_cohort: tuple[Any, EventSchedule], use_jac: bool, dense: bool
) -> None:
    cohort, events = sle_cohort
    days = DEFAULT_DAYS if dense else DEFAULT_DAYS[::30]
    settings = dataclasses.replace(DEFAULT_SOLVER, dense_output=dense)
    lanes, one = _both(sle_rhs, cohort.y0, cohort.params, days, events=events,
                       settings=settings, jac=sle_jac if use_jac else None)  # fmt: skip
    assert (one.status == 0).all() and one.n_steps.min() > 100
    _assert_identical(lanes, one)


@pytest.mark.parametrize("use_jac", [True, False])
def test_patients_with_different_patterns_match_one_at_a_time(use_jac: bool) -> None:
    # 30 patients, 1 to 4 blocks each: several lane groups, and one-block patients on the
    # one-patient path, all in one batch.
    y0, params = linear_batch(37, 30)
    mats = params.reshape(30, 7, 7)
    t_save = np.linspace(0.0, 3.0, 13)
    settings = SolverSettings(rtol=1e-7, atol=1e-10)
    lanes, one = _both(linear, y0, params, t_save, settings=settings,
                       jac=linear_jac if use_jac else None)  # fmt: skip
    assert (one.status == 0).all()
    _assert_identical(lanes, one)
    for k in (0, 7, 29):
        exact = np.array([expm(mats[k] * t) @ y0[k] for t in t_save])
        np.testing.assert_allclose(lanes.y[k], exact, rtol=1e-5, atol=1e-8)


def test_failing_patients_in_lanes_match_one_at_a_time() -> None:
    # Unstable patients (growth 50/day: non-finite or out of steps) between healthy ones.
    rng = np.random.default_rng(41)
    mats = [reducible_matrix(rng, [2, 3, 2]) for _ in range(9)]
    for k in (2, 5):
        mats[k] = mats[k] + 50.0 * np.eye(7)
    y0 = rng.uniform(0.5, 2.0, size=(9, 7))
    params = np.array([a.ravel() for a in mats])
    t_save = np.linspace(0.0, 40.0, 11)
    lanes, one = _both(linear, y0, params, t_save,
                       settings=SolverSettings(rtol=1e-6, atol=1e-9, max_steps=400), jac=linear_jac)  # fmt: skip
    assert (one.status[[2, 5]] != 0).all() and (np.delete(one.status, [2, 5]) == 0).all()
    _assert_identical(lanes, one)


def test_lanes_off_the_pattern_factor_like_one_patient(monkeypatch: pytest.MonkeyPatch) -> None:
    # A shared order claiming seven independent states: every step of every lane meets a
    # non-zero outside the pattern and is factored by the one-patient (dense) routines.
    rng = np.random.default_rng(43)
    mats = [reducible_matrix(rng, [3, 4]) for _ in range(6)]
    y0 = rng.uniform(0.5, 2.0, size=(6, 7))
    params = np.array([a.ravel() for a in mats])
    wrong = order_workspace(7)
    block_order(np.eye(7, dtype=bool), wrong)
    with monkeypatch.context() as m:
        m.setattr(_batch, "_block_order", lambda n_states: wrong)
        lanes, one = _both(linear, y0, params, np.linspace(0.0, 2.0, 9),
                           settings=SolverSettings(rtol=1e-8, atol=1e-11), jac=linear_jac)  # fmt: skip
    assert (one.status == 0).all()
    _assert_identical(lanes, one)


def test_refused_static_pivots_in_lanes_match_one_at_a_time() -> None:
    # A 2-state core with eigenvalues about -200 and -5e-5/day, fed by a third state: once
    # the fast modes have decayed the steps grow past 10 days, where the second static pivot
    # of I / (h γ) - A cancels below 1e-2 of its entry, and the step is factored again with
    # partial pivoting.
    a = np.zeros((3, 3))
    a[:2, :2] = [[-100.0, 100.0], [100.0, -100.0 - 1e-2]]
    a[0, 2], a[2, 2] = 0.5, -3.0
    order = order_workspace(3)
    block_order(a != 0.0, order)
    lu, index = np.empty((3, 3)), lu_workspace(3)
    load_iteration_matrix(a, 1.0 / (20.0 * GAMMA), order, lu, index)
    assert order[3] == 2 and not lu_factor(lu, order, index, np.empty(3))  # refused at h = 20
    y0 = np.array([[1.0, 0.5, 2.0], [0.2, 1.0, 1.0], [2.0, 2.0, 0.0]])
    params = np.tile(a.ravel(), (3, 1))
    t_save = np.linspace(0.0, 400.0, 11)
    lanes, one = _both(linear, y0, params, t_save, settings=SolverSettings(rtol=1e-8, atol=1e-11),
                       jac=linear_jac)  # fmt: skip
    assert (one.status == 0).all() and one.n_steps.min() < 200  # long steps were taken
    _assert_identical(lanes, one)
    for k in range(3):
        exact = np.array([expm(a * t) @ y0[k] for t in t_save])
        np.testing.assert_allclose(lanes.y[k], exact, rtol=1e-5, atol=1e-8)


def test_rhs_exceptions_leave_the_same_results_as_one_at_a_time() -> None:
    # p0 = 0 raises in the first RHS call (a pattern probe, with lanes), p0 = 1 at t = 1;
    # the others are smooth. The patients a raising one leaves unsolved are solved again one
    # at a time, so every row, the culprits' included, equals the one-patient run.
    p = np.array([10.0, 0.0, 12.0, 15.0, 1.0, 20.0, 30.0])[:, None]
    for n_threads in (1, 2):
        lanes, one = _both(inverse_time, np.zeros((7, 1)), p, np.linspace(0.0, 2.0, 5),
                           settings=SolverSettings(), n_threads=n_threads)  # fmt: skip
        assert one.status[1] == SolveStatus.RHS_ERROR and one.y[1, 0, 0] == 0.0
        _assert_identical(lanes, one)
