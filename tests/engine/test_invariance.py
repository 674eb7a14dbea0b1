"""Time-shift invariance of an autonomous system: the solver's decisions depend on h, not t."""

from __future__ import annotations

import numpy as np
import pytest

from immunoreset.engine import EventSchedule, SolverSettings, solve_batch

from .problems import STIFF_PROBLEMS


@pytest.mark.parametrize("method", ["rodas", "dopri5"])
@pytest.mark.parametrize("shift", [-7.0, 1000.0])
def test_shifting_t0_saves_and_events_by_k_gives_the_same_trajectory(method: str, shift: float) -> None:
    problem = STIFF_PROBLEMS["OREGO"]
    t_save = np.linspace(0.0, 30.0, 31)
    y0 = np.array([problem.y0, (2.0, 1.0, 5.0)])
    params = np.empty((2, 0))
    ev = [[(5.5, 0, 100.0), (12.0, 2, 3.0)], [(0.0, 1, 1.0), (20.25, 0, 50.0)]]
    settings = SolverSettings(method=method, rtol=1e-7, atol=1e-10, max_steps=200_000)

    def run(k: float):
        events = EventSchedule.from_lists([[(t + k, i, a) for t, i, a in row] for row in ev])
        return solve_batch(problem.rhs, y0, params, t_save + k, t0=k, events=events, settings=settings)

    base, shifted = run(0.0), run(shift)
    assert (base.status == 0).all() and (shifted.status == 0).all()
    np.testing.assert_allclose(shifted.y, base.y, rtol=1e-12, atol=0.0)
