"""Events: additive jumps applied exactly at their times, checked against closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from immunoreset.engine import EventSchedule, SolverSettings, SolveStatus, solve_batch
from immunoreset.errors import InputError

from .problems import decay

TIGHT = SolverSettings(rtol=1e-10, atol=1e-14)


def _decay_with_jumps(t: np.ndarray, k: float, y0: float, jumps: list[tuple[float, float]]) -> np.ndarray:
    """y' = -k y with y += a at each (time, a): superposition of shifted exponentials.

    Right-continuous: a jump at time s is included in y(s).
    """
    y = y0 * np.exp(-k * t)
    for s, a in jumps:
        y = y + np.where(t >= s, a * np.exp(-k * (t - s)), 0.0)
    return y


@pytest.mark.parametrize("method", ["rodas", "dopri5"])
def test_decay_with_jumps_matches_closed_form_to_1e8_relative(method: str) -> None:
    k = np.array([0.3, 1.1, 0.05])
    jumps = [
        [(0.0, 2.0), (3.5, 1.0), (10.0, 0.5), (10.0, 0.25)],  # at t0, mid-run, two at once
        [(2.0, 5.0), (7.25, -1.0)],  # on a save time, then a negative jump
        [],
    ]
    t_save = np.linspace(0.0, 20.0, 41)  # includes 2.0, 10.0
    events = EventSchedule.from_lists([[(s, 0, a) for s, a in row] for row in jumps])
    y0 = np.column_stack([np.ones(3), np.zeros(3)])
    params = np.column_stack([k, np.ones(3)])
    sol = solve_batch(decay, y0, params, t_save, events=events,
                      settings=SolverSettings(method=method, rtol=1e-10, atol=1e-14))  # fmt: skip
    assert (sol.status == SolveStatus.OK).all()
    for i in range(3):
        exact = _decay_with_jumps(t_save, k[i], 1.0, jumps[i])
        np.testing.assert_allclose(sol.y[i, :, 0], exact, rtol=1e-8, atol=0.0)


def test_event_exactly_at_t0_changes_the_initial_state() -> None:
    events = EventSchedule.from_lists([[(0.0, 1, 3.0)]])
    sol = solve_batch(decay, np.array([[1.0, 0.0]]), np.array([[0.0, 0.0]]), np.array([0.0, 1.0]),
                      events=events, settings=TIGHT)  # fmt: skip
    np.testing.assert_array_equal(sol.y[0, 0], [1.0, 3.0])


def test_event_at_a_save_time_is_visible_in_that_save() -> None:
    events = EventSchedule.from_lists([[(1.0, 0, 10.0)]])
    sol = solve_batch(decay, np.array([[1.0, 0.0]]), np.array([[0.0, 0.0]]),
                      np.array([0.0, 1.0, 2.0]), events=events, settings=TIGHT)  # fmt: skip
    np.testing.assert_allclose(sol.y[0, :, 0], [1.0, 11.0, 11.0], rtol=1e-12)


def test_events_after_the_last_save_time_are_ignored() -> None:
    events = EventSchedule.from_lists([[(5.0, 0, 1e300)]])
    sol = solve_batch(decay, np.array([[1.0, 0.0]]), np.array([[0.5, 0.5]]), np.array([0.0, 1.0]),
                      events=events, settings=TIGHT)  # fmt: skip
    assert sol.status[0] == SolveStatus.OK


def test_solver_starts_before_first_save_when_t0_is_earlier() -> None:
    t_save = np.array([1.0, 2.0])
    sol = solve_batch(decay, np.array([[1.0, 0.0]]), np.array([[0.5, 0.0]]), t_save, t0=-3.0,
                      settings=TIGHT)  # fmt: skip
    np.testing.assert_allclose(sol.y[0, :, 0], np.exp(-0.5 * (t_save + 3.0)), rtol=1e-9)


def test_event_schedule_from_lists_sorts_and_pads() -> None:
    ev = EventSchedule.from_lists([[(2.0, 1, 1.0), (1.0, 0, 2.0)], []])
    np.testing.assert_array_equal(ev.times, [[1.0, 2.0], [np.inf, np.inf]])
    np.testing.assert_array_equal(ev.state_index, [[0, 1], [0, 0]])
    assert ev.times.flags.writeable is False
    assert EventSchedule.empty(3).times.shape == (3, 0)


def test_unsorted_event_times_are_rejected() -> None:
    with pytest.raises(InputError, match="row 0 is not sorted"):
        EventSchedule(np.array([[2.0, 1.0]]), np.zeros((1, 2), dtype=np.int64), np.ones((1, 2)))


def test_event_before_t0_is_rejected() -> None:
    events = EventSchedule.from_lists([[(-1.0, 0, 1.0)]])
    with pytest.raises(InputError, match="before t0"):
        solve_batch(decay, np.array([[1.0, 0.0]]), np.array([[0.5, 0.5]]), np.array([0.0, 1.0]),
                    events=events)  # fmt: skip


def test_event_state_index_out_of_range_is_rejected() -> None:
    events = EventSchedule.from_lists([[(0.5, 2, 1.0)]])
    with pytest.raises(InputError, match="state_index 2 out of range for 2 states"):
        solve_batch(decay, np.array([[1.0, 0.0]]), np.array([[0.5, 0.5]]), np.array([0.0, 1.0]),
                    events=events)  # fmt: skip
