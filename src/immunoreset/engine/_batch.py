"""The entry point: :func:`solve_batch`, many independent patients in parallel."""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
from numba.core.registry import CPUDispatcher

from immunoreset.engine._events import EventSchedule
from immunoreset.engine._kernels import get_kernel
from immunoreset.engine._settings import SolverSettings
from immunoreset.engine._solution import BatchSolution
from immunoreset.errors import InputError

__all__ = ["solve_batch"]


def solve_batch(
    rhs: Any,
    y0: np.ndarray,
    params: np.ndarray,
    t_save: np.ndarray,
    *,
    t0: float | None = None,
    events: EventSchedule | None = None,
    settings: SolverSettings = SolverSettings(),  # noqa: B008 - frozen, immutable
    atol: float | np.ndarray | None = None,
    jac: Any = None,
    n_threads: int | None = None,
) -> BatchSolution:
    """Integrate ``n_patients`` independent copies of an ODE system, in parallel.

    Each patient has its own adaptive step-size control, so its result is bit-identical
    whatever other patients share the batch and whatever the number of threads. A patient
    whose solve fails gets a non-OK :class:`SolveStatus` and NaN in its unreached rows; the
    others are unaffected. Nothing inside the batch raises.

    Main arguments
    --------------
    rhs:
        A numba ``@njit`` function ``rhs(t, y, p, dydt) -> None`` writing dy/dt (per day)
        into ``dydt``; ``t`` in days, ``y`` shape ``(n_states,)``, ``p`` shape ``(n_params,)``.
        Define it at module level, ideally with ``cache=True``.
    y0:
        Initial states at ``t0``, shape ``(n_patients, n_states)``.
    params:
        Parameters, shape ``(n_patients, n_params)`` (``n_params`` may be 0).
    t_save:
        Save times in days, shape ``(n_times,)``, non-decreasing; integration ends at
        ``t_save[-1]``.

    Other arguments
    ---------------
    t0:
        Start time in days, ``<= t_save[0]``; default ``t_save[0]``.
    events:
        Per-patient state jumps (:class:`EventSchedule` with ``n_patients`` rows, times
        ``>= t0``); default none.
    settings:
        :class:`SolverSettings` (method, tolerances, step limits).
    atol:
        Absolute tolerance: a scalar or an array of shape ``(n_states,)``, in state units,
        all > 0; overrides ``settings.atol``.
    jac:
        Optional ``@njit`` analytic Jacobian ``jac(t, y, p, J) -> None`` writing
        ``J[i, j] = ∂f_i/∂y_j`` (shape ``(n_states, n_states)``). Used by ``"rodas"`` only;
        without it the Jacobian is formed by forward differences.
    n_threads:
        Threads for this call (default: numba's current setting).

    Returns
    -------
    BatchSolution
        ``y`` has shape ``(n_patients, n_times, n_states)``.
    """
    if not isinstance(settings, SolverSettings):
        raise InputError(f"solve_batch: settings is a {type(settings).__name__}, expected SolverSettings")
    _check_jitted("rhs", rhs)
    if jac is not None:
        _check_jitted("jac", jac)
    y0_arr = _float_array("y0", y0, 2, "(n_patients, n_states)")
    params_arr = _float_array("params", params, 2, "(n_patients, n_params)", finite=False)
    t_arr = _float_array("t_save", t_save, 1, "(n_times,)")
    n_patients, n_states = y0_arr.shape
    if n_states == 0:
        raise InputError("solve_batch: y0 has 0 states, expected at least one column")
    if params_arr.shape[0] != n_patients:
        raise InputError(
            f"solve_batch: params has {params_arr.shape[0]} rows, expected n_patients={n_patients} like y0"
        )
    if t_arr.size == 0:
        raise InputError("solve_batch: t_save is empty, expected at least one save time")
    if t_arr.size > 1 and (np.diff(t_arr) < 0).any():
        raise InputError("solve_batch: t_save is not sorted, expected non-decreasing times")
    start = float(t_arr[0]) if t0 is None else t0
    if not isinstance(start, int | float | np.floating) or not np.isfinite(start):
        raise InputError(f"solve_batch: t0={t0!r}, expected a finite number of days")
    start = float(start)
    if start > t_arr[0]:
        raise InputError(f"solve_batch: t0={start} is after t_save[0]={t_arr[0]}, expected t0 <= t_save[0]")

    if events is None:
        events = EventSchedule.empty(n_patients)
    if not isinstance(events, EventSchedule):
        raise InputError(f"solve_batch: events is a {type(events).__name__}, expected EventSchedule")
    if events.n_patients != n_patients:
        raise InputError(
            f"solve_batch: events has {events.n_patients} rows, expected n_patients={n_patients}"
        )
    active = np.isfinite(events.times)
    if (events.times[active] < start).any():
        raise InputError(f"solve_batch: an event is before t0={start}, expected event times >= t0")
    if (events.state_index[active] >= n_states).any():
        bad = int(events.state_index[active].max())
        raise InputError(f"solve_batch: event state_index {bad} out of range for {n_states} states")

    atol_arr = _atol_array(settings.atol if atol is None else atol, n_states)

    y_out = np.full((n_patients, t_arr.size, n_states), np.nan)
    status = np.zeros(n_patients, dtype=np.int8)
    stats = np.zeros((n_patients, 3), dtype=np.int64)
    if n_patients > 0:
        kernel = get_kernel(settings.method, rhs, jac)
        args = (
            y0_arr, params_arr, t_arr, start,
            np.ascontiguousarray(events.times), np.ascontiguousarray(events.state_index),
            np.ascontiguousarray(events.amount),
            float(settings.rtol), atol_arr, int(settings.max_steps),
            float(settings.first_step or 0.0), float(settings.fixed_step or 0.0),
            bool(settings.dense_output), y_out, status, stats,
        )  # fmt: skip
        _run(kernel, args, n_threads)
    t_arr.flags.writeable = False
    return BatchSolution(
        t=t_arr,
        y=y_out,
        status=status,
        n_steps=stats[:, 0].copy(),
        n_rejected=stats[:, 1].copy(),
        n_rhs=stats[:, 2].copy(),
    )


def _run(kernel: Any, args: tuple[Any, ...], n_threads: int | None) -> None:
    if n_threads is None:
        kernel(*args)
        return
    limit = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]
    if isinstance(n_threads, bool) or not isinstance(n_threads, int) or not 1 <= n_threads <= limit:
        raise InputError(f"solve_batch: n_threads={n_threads!r}, expected an int in [1, {limit}]")
    previous = numba.get_num_threads()
    numba.set_num_threads(n_threads)
    try:
        kernel(*args)
    finally:
        numba.set_num_threads(previous)


def _check_jitted(name: str, func: Any) -> None:
    if not isinstance(func, CPUDispatcher):
        raise InputError(
            f"solve_batch: {name} is a {type(func).__name__}, expected a numba @njit function "
            f"{name}(t, y, p, out) -> None"
        )


def _float_array(name: str, value: Any, ndim: int, shape: str, finite: bool = True) -> np.ndarray:
    try:
        arr = np.ascontiguousarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"solve_batch: {name} is not numeric ({exc}), expected shape {shape}") from None
    if arr.ndim != ndim:
        raise InputError(f"solve_batch: {name} has shape {arr.shape}, expected {shape}")
    if finite and not np.isfinite(arr).all():
        raise InputError(f"solve_batch: {name} contains NaN or inf, expected finite values")
    return arr.copy() if arr is value else arr


def _atol_array(atol: Any, n_states: int) -> np.ndarray:
    arr = np.array(atol, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full(n_states, float(arr))
    if arr.shape != (n_states,):
        raise InputError(f"solve_batch: atol has shape {arr.shape}, expected a scalar or ({n_states},)")
    if not (np.isfinite(arr).all() and (arr > 0).all()):
        raise InputError("solve_batch: atol must be finite and > 0 for every state")
    return arr
