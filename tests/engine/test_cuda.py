"""The GPU path (``SolverSettings(device="cuda")``, ``engine._cuda``).

Without a GPU (CI): the settings and the refusal, the chunk sizing, the host's grouping of
probed patterns into block orders (against the order the CPU driver builds for each
patient), and the whole host side in numba's CUDA simulator with CPU stand-ins for the
kernels, bit for bit against the CPU with chunks of 3 patients (``cuda_emulation.py``).
With an NVIDIA GPU and numba-cuda: the GPU kernels against exact solutions of linear
systems (Rodas5P with analytic and finite-difference Jacobians, DOPRI5), against a tight
Radau reference on SLE patients, failure isolation, and bit-for-bit independence of the
batch.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.linalg import expm

from immunoreset.engine import EventSchedule, SolverSettings, SolveStatus, _cuda, solve_batch
from immunoreset.engine._linalg import block_order, order_size, order_workspace
from immunoreset.engine._rosenbrock import start_pattern
from immunoreset.errors import InputError
from immunoreset.model import STATE_INDEX, load_parameters
from immunoreset.model import jac as sle_jac
from immunoreset.model import rhs as sle_rhs
from immunoreset.population import sample_cohort
from immunoreset.simulation import DEFAULT_DAYS, DEFAULT_SOLVER, patient_events, solve_patient_scipy
from immunoreset.therapy import Regimen

from .problems import linear, linear_batch, linear_jac

GPU = _cuda.cuda_available()
needs_gpu = pytest.mark.skipif(not GPU, reason="needs an NVIDIA GPU and numba-cuda (gpu extra)")
KEY_STATES = [STATE_INDEX[s] for s in ("car_t_effector", "naive_b_blood", "anti_dsdna", "c3", "proteinuria")]
FLOOR = 1e-3  # state units; differences below it are not counted as relative errors


def test_settings_accept_cpu_and_cuda_only() -> None:
    assert SolverSettings().device == "cpu"
    assert SolverSettings(device="cuda").device == "cuda"
    with pytest.raises(InputError, match=r"SolverSettings.device: got 'gpu'"):
        SolverSettings(device="gpu")


@pytest.mark.skipif(GPU, reason="checks the refusal on a machine without a GPU")
def test_cuda_without_a_gpu_is_a_clear_input_error() -> None:
    y0, params = linear_batch(1, 2)
    with pytest.raises(InputError, match=r"SolverSettings.device: got 'cuda'.*no usable NVIDIA GPU"):
        solve_batch(linear, y0, params, np.linspace(0, 1, 5), settings=SolverSettings(device="cuda"))


def test_chunks_fit_the_output_share_of_free_memory() -> None:
    per_patient = 738 * 25 * 8
    free = 80 * 2**30
    chunk = _cuda.chunk_patients(10**6, 738, 25, free)
    assert chunk * per_patient <= _cuda.OUTPUT_MEMORY_SHARE * free
    assert (chunk + 1) * per_patient > _cuda.OUTPUT_MEMORY_SHARE * free
    assert _cuda.chunk_patients(100, 738, 25, free) == 100
    assert _cuda.chunk_patients(10, 738, 25, 0) == 1


def test_order_groups_give_each_patient_the_cpu_drivers_order() -> None:
    """The host side of the GPU path: every patient gets the block order that the CPU
    driver would build from its own pattern (one row per distinct pattern), and a patient
    without a pattern the one-block order."""
    y0, params = linear_batch(3, 12)
    n = y0.shape[1]
    empty = np.empty((12, 0))
    patterns = np.zeros((12, n, n), dtype=np.bool_)
    has = np.array([start_pattern(linear, linear_jac, True, y0[i], params[i], 0.0, empty[i],
                                  empty[i].astype(np.int64), empty[i], patterns[i]) for i in range(12)])  # fmt: skip
    assert has.all()
    has[4] = False  # as for a patient whose start is not finite
    orders, group = _cuda.order_groups(patterns, has)
    assert orders.shape == (len(np.unique(patterns[has].reshape(11, -1), axis=0)) + 1, order_size.py_func(n))
    for i in range(12):
        expected = order_workspace(n)
        if has[i]:
            block_order(patterns[i], expected)
        np.testing.assert_array_equal(orders[group[i]], expected)
    assert group[4] == orders.shape[0] - 1
    orders, group = _cuda.order_groups(patterns, np.zeros(12, dtype=bool))
    assert orders.shape[0] == 1 and (group == 0).all()
    np.testing.assert_array_equal(orders[0], order_workspace(n))


def test_gpu_host_side_matches_the_cpu_bit_for_bit_in_the_cuda_simulator() -> None:
    """The host side of the GPU path (chunking, padding, pattern groups, RHS counts, NaN
    fill, copies, RHS exceptions) with CPU stand-ins for the two kernels: see
    ``cuda_emulation.py``. A child process, because the simulator is chosen when
    ``numba.cuda`` is first imported."""
    script = Path(__file__).with_name("cuda_emulation.py")
    env = {**os.environ, "NUMBA_ENABLE_CUDASIM": "1"}
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env,
                          timeout=900)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.count("ok: ") == 4, proc.stdout


# --- on the GPU ---------------------------------------------------------------------------


def _exact_linear(y0: np.ndarray, params: np.ndarray, t: np.ndarray) -> np.ndarray:
    n = y0.shape[1]
    return np.array([[expm(p.reshape(n, n) * ti) @ y for ti in t] for y, p in zip(y0, params, strict=True)])


@needs_gpu
@pytest.mark.parametrize(
    ("method", "analytic"), [("rodas", True), ("rodas", False), ("dopri5", False)]
)
def test_gpu_matches_exact_solutions_of_linear_systems(method: str, analytic: bool) -> None:
    y0, params = linear_batch(11, 30)  # several block structures, so several order groups
    t = np.linspace(0.0, 2.0, 9)
    settings = SolverSettings(method=method, rtol=1e-8, atol=1e-12, device="cuda")
    sol = solve_batch(linear, y0, params, t, settings=settings,
                      jac=linear_jac if analytic else None)  # fmt: skip
    assert (sol.status == SolveStatus.OK).all()
    exact = _exact_linear(y0, params, t)
    err = np.abs(sol.y - exact) / np.maximum(np.abs(exact), 1e-6)
    assert err.max() < 1e-5


@pytest.fixture(scope="module")
def sle_batch() -> tuple[np.ndarray, np.ndarray, EventSchedule, list[list[tuple[float, int, float]]]]:
    cohort = sample_cohort(48, load_parameters(), seed=5)
    lists = patient_events(cohort, Regimen.erlangen_car_t())
    return cohort.y0, cohort.params, EventSchedule.from_lists(lists), lists


@needs_gpu
def test_gpu_sle_patients_match_a_tight_radau_reference(sle_batch) -> None:  # type: ignore[no-untyped-def]
    y0, params, events, lists = sle_batch
    days = DEFAULT_DAYS[DEFAULT_DAYS <= 240]
    sol = solve_batch(sle_rhs, y0, params, days, t0=float(days[0]), events=events,
                      settings=dataclasses.replace(DEFAULT_SOLVER, device="cuda"), jac=sle_jac)  # fmt: skip
    assert (sol.status == SolveStatus.OK).all()
    for i in (0, 1, 2):
        ref = solve_patient_scipy(y0[i], params[i], days, lists[i])
        err = np.abs(sol.y[i][:, KEY_STATES] - ref[:, KEY_STATES])
        rel = err / np.maximum(np.abs(ref[:, KEY_STATES]), FLOOR)
        # The accuracy target of the default tolerance (benchmarks/tolerance.py).
        assert rel.max() < 1e-4, (i, rel.max())


@needs_gpu
def test_gpu_results_do_not_depend_on_the_batch(sle_batch) -> None:  # type: ignore[no-untyped-def]
    y0, params, events, _ = sle_batch
    days = DEFAULT_DAYS[DEFAULT_DAYS <= 120]
    settings = dataclasses.replace(DEFAULT_SOLVER, device="cuda")
    full = solve_batch(sle_rhs, y0, params, days, t0=float(days[0]), events=events,
                       settings=settings, jac=sle_jac)  # fmt: skip
    pick = np.array([40, 3, 17])
    sub_events = EventSchedule(events.times[pick], events.state_index[pick], events.amount[pick])
    sub = solve_batch(sle_rhs, y0[pick], params[pick], days, t0=float(days[0]), events=sub_events,
                      settings=settings, jac=sle_jac)  # fmt: skip
    np.testing.assert_array_equal(sub.y, full.y[pick])
    np.testing.assert_array_equal(sub.n_steps, full.n_steps[pick])
    np.testing.assert_array_equal(sub.n_rhs, full.n_rhs[pick])


@needs_gpu
def test_gpu_failing_patient_does_not_stop_the_others(sle_batch) -> None:  # type: ignore[no-untyped-def]
    y0, params, events, _ = sle_batch
    days = DEFAULT_DAYS[DEFAULT_DAYS <= 60]
    bad = params.copy()
    bad[7, :] = np.nan
    settings = dataclasses.replace(DEFAULT_SOLVER, device="cuda")
    sol = solve_batch(sle_rhs, y0, bad, days, t0=float(days[0]), events=events, settings=settings,
                      jac=sle_jac)  # fmt: skip
    assert sol.status[7] == SolveStatus.NONFINITE
    others = np.arange(len(y0)) != 7
    assert (sol.status[others] == SolveStatus.OK).all()
    assert np.isfinite(sol.y[others]).all()
