"""Per-patient discrete events (additive state jumps): :class:`EventSchedule`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from immunoreset.errors import InputError

__all__ = ["EventSchedule"]


@dataclass(frozen=True)
class EventSchedule:
    """Additive state jumps, one padded row per patient.

    At ``times[i, k]`` (days) the solver stops exactly, applies
    ``y[state_index[i, k]] += amount[i, k]`` and integrates onward from the new state.
    Events at the same time are applied in row order. An event exactly at ``t0`` changes the
    initial state; an event at a save time is visible in the value saved there (states are
    right-continuous). Events after the last save time are ignored.

    Attributes
    ----------
    times:
        Shape ``(n_patients, max_events)``, float64, non-decreasing along each row; unused
        slots are padded with ``+inf`` at the end of the row.
    state_index:
        Shape ``(n_patients, max_events)``, int64: which state each event changes.
    amount:
        Shape ``(n_patients, max_events)``, float64, in the units of that state.

    The arrays are copied and made read-only.
    """

    times: np.ndarray
    state_index: np.ndarray
    amount: np.ndarray

    def __post_init__(self) -> None:
        times = np.array(self.times, dtype=np.float64, copy=True)
        index = np.array(self.state_index, copy=True)
        amount = np.array(self.amount, dtype=np.float64, copy=True)
        if times.ndim != 2:
            raise InputError(
                f"EventSchedule.times: got shape {times.shape}, expected (n_patients, max_events)"
            )
        for name, arr in (("state_index", index), ("amount", amount)):
            if arr.shape != times.shape:
                raise InputError(
                    f"EventSchedule.{name}: got shape {arr.shape}, expected {times.shape} like times"
                )
        if index.size and not np.issubdtype(index.dtype, np.integer):
            raise InputError(
                f"EventSchedule.state_index: got dtype {index.dtype}, expected integers"
            )
        index = index.astype(np.int64)
        if np.isnan(times).any() or np.isneginf(times).any():
            raise InputError("EventSchedule.times: got NaN or -inf, expected finite times or +inf padding")
        unsorted = (times[:, 1:] < times[:, :-1]).any(axis=1)
        if unsorted.any():
            row = int(np.flatnonzero(unsorted)[0])
            raise InputError(
                f"EventSchedule.times: row {row} is not sorted, expected non-decreasing times "
                "with +inf padding at the end"
            )
        active = np.isfinite(times)
        if (index[active] < 0).any():
            raise InputError("EventSchedule.state_index: got a negative index, expected >= 0")
        if not np.isfinite(amount[active]).all():
            raise InputError("EventSchedule.amount: got NaN or inf, expected finite amounts")
        for name, arr in (("times", times), ("state_index", index), ("amount", amount)):
            arr.flags.writeable = False
            object.__setattr__(self, name, arr)

    @property
    def n_patients(self) -> int:
        """Number of rows (patients)."""
        return int(self.times.shape[0])

    @property
    def max_events(self) -> int:
        """Number of columns (event slots per patient, padding included)."""
        return int(self.times.shape[1])

    @classmethod
    def empty(cls, n_patients: int) -> EventSchedule:
        """A schedule with no events for ``n_patients`` patients."""
        if isinstance(n_patients, bool) or not isinstance(n_patients, int | np.integer) or n_patients < 0:
            raise InputError(f"EventSchedule.empty: got n_patients={n_patients!r}, expected an int >= 0")
        shape = (int(n_patients), 0)
        return cls(np.empty(shape), np.empty(shape, dtype=np.int64), np.empty(shape))

    @classmethod
    def from_lists(cls, events: Sequence[Sequence[tuple[float, int, float]]]) -> EventSchedule:
        """Build a padded schedule from one list of ``(time, state_index, amount)`` per patient.

        Each patient's events are sorted by time (stably, so simultaneous events keep their
        order). Example: ``EventSchedule.from_lists([[(0.0, 3, 1e6)], []])`` gives patient 0
        an infusion of 1e6 into state 3 at day 0 and patient 1 nothing.
        """
        n_patients = len(events)
        width = max((len(row) for row in events), default=0)
        times = np.full((n_patients, width), np.inf)
        index = np.zeros((n_patients, width), dtype=np.int64)
        amount = np.zeros((n_patients, width))
        for i, row in enumerate(events):
            ordered = sorted(row, key=lambda event: float(event[0]))
            for k, event in enumerate(ordered):
                if len(event) != 3:
                    raise InputError(
                        f"EventSchedule.from_lists: patient {i} event {k} is {event!r}, "
                        "expected (time, state_index, amount)"
                    )
                t, j, a = event
                if not np.isfinite(t):
                    raise InputError(
                        f"EventSchedule.from_lists: patient {i} event time {t!r}, expected finite"
                    )
                times[i, k], index[i, k], amount[i, k] = float(t), int(j), float(a)
        return cls(times, index, amount)
