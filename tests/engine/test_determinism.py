"""A patient's trajectory does not depend on its batch-mates or on the thread count."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from immunoreset.engine import EventSchedule, SolverSettings, solve_batch

from .problems import vdpol

pytestmark = pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs 2 threads")


def _batch(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, EventSchedule]:
    rng = np.random.default_rng(seed)
    y0 = np.column_stack([rng.uniform(0.5, 2, n), rng.uniform(-1, 1, n)])
    eps = rng.uniform(0.05, 2.0, n)  # van der Pol with mu = 1/sqrt(eps): mildly stiff at most
    events = EventSchedule.from_lists(
        [[(float(rng.uniform(0, 20)), int(rng.integers(2)), float(rng.uniform(-1, 1)))]
         for _ in range(n)]
    )  # fmt: skip
    return y0, eps[:, None], events


@pytest.mark.parametrize("method", ["rodas", "dopri5"])
def test_patient_is_bit_identical_alone_in_a_batch_and_across_thread_counts(method: str) -> None:
    y0, params, events = _batch(50, seed=7)
    t_save = np.linspace(0.0, 30.0, 61)
    settings = SolverSettings(method=method, rtol=1e-6, atol=1e-9, max_steps=200_000)
    k = 17
    alone = solve_batch(vdpol, y0[k : k + 1], params[k : k + 1], t_save, settings=settings,
                        events=EventSchedule(events.times[k : k + 1], events.state_index[k : k + 1],
                                             events.amount[k : k + 1]), n_threads=1)  # fmt: skip
    runs = [solve_batch(vdpol, y0, params, t_save, events=events, settings=settings, n_threads=n)
            for n in (1, 2)]  # fmt: skip
    # Reversed order puts patient k on another thread with other neighbours.
    rev = solve_batch(vdpol, y0[::-1].copy(), params[::-1].copy(), t_save, settings=settings,
                      events=EventSchedule(events.times[::-1], events.state_index[::-1],
                                           events.amount[::-1]), n_threads=2)  # fmt: skip
    assert alone.status[0] == 0 and (runs[0].status == 0).all()
    for run in runs:
        np.testing.assert_array_equal(run.y[k], alone.y[0])
        assert run.n_steps[k] == alone.n_steps[0] and run.n_rhs[k] == alone.n_rhs[0]
    np.testing.assert_array_equal(runs[0].y, runs[1].y)
    np.testing.assert_array_equal(rev.y[::-1], runs[1].y)


def test_n_threads_setting_is_restored_after_the_call() -> None:
    before = numba.get_num_threads()
    solve_batch(vdpol, np.array([[1.0, 2.0]]), np.ones((1, 1)), np.array([0.0, 1.0]),
                n_threads=1)  # fmt: skip
    assert numba.get_num_threads() == before
