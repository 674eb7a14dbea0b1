"""The entry point: :func:`solve_batch`, many independent patients in parallel."""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
from numba.core.registry import CPUDispatcher

from immunoreset.engine._cuda import cuda_available, solve_on_gpu
from immunoreset.engine._driver import METHOD_DOPRI5, METHOD_RODAS
from immunoreset.engine._events import EventSchedule
from immunoreset.engine._kernel import JAC_SIGNATURE, RHS_SIGNATURE, get_kernel, no_jac
from immunoreset.engine._linalg import order_size
from immunoreset.engine._settings import SolverSettings
from immunoreset.engine._solution import BatchSolution, SolveStatus
from immunoreset.errors import InputError

__all__ = ["solve_batch"]

_NOT_RUN = -1


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
        It is compiled for ``(float64, float64[::1], float64[::1], float64[::1])`` and
        called through a function pointer; use ``@njit(cache=True)`` at module level so a
        new process loads it from disk.
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
        Optional ``@njit`` analytic Jacobian ``jac(t, y, p, J) -> None`` writing every
        entry ``J[i, j] = ∂f_i/∂y_j`` (shape ``(n_states, n_states)``). Used by ``"rodas"`` only;
        without it the Jacobian is formed by forward differences.
    n_threads:
        Threads for this call (default: numba's current setting); ignored on the GPU.

    Returns
    -------
    BatchSolution
        ``y`` has shape ``(n_patients, n_times, n_states)``; ``status`` per patient.

    Notes
    -----
    Memory: ``y`` holds ``n_patients × n_times × n_states`` float64 (1e4 patients × 738 days
    × 25 states = 1.5 GB); split very large populations into chunks. ``params`` may contain
    NaN (that patient fails with ``NONFINITE``); ``y0`` may not. An exception raised inside
    the RHS (e.g. ZeroDivisionError) is recorded as ``RHS_ERROR`` for that patient (on the
    GPU, where floating-point errors raise nothing, a division by zero gives inf or NaN and
    ``NONFINITE``; an explicit ``raise`` gives ``RHS_ERROR`` with the rows reached).

    With ``"rodas"``, ``jac`` (or else ``rhs``) is also evaluated at three probe states near
    each patient's initial state (components scaled by 0.5-2, plus ~1e-3) to find the
    Jacobian's block triangular structure, which makes each step's linear algebra cheaper
    (``engine._linalg``); the structure is per patient, so results stay independent of the
    batch, and a non-zero the probes miss only costs speed. Patients with the same structure
    (all patients of one model, as a rule) are then stepped four at a time in lockstep
    (``engine._lanes``, ``settings.lanes``), each with its own step sizes and events and with
    the arithmetic of a patient solved alone, so results are unchanged, bit for bit.
    """
    if not isinstance(settings, SolverSettings):
        raise InputError(f"solve_batch: settings is a {type(settings).__name__}, expected SolverSettings")
    _check_jitted("rhs", rhs, RHS_SIGNATURE, "rhs(t, y, p, dydt) -> None")
    if jac is not None:
        _check_jitted("jac", jac, JAC_SIGNATURE, "jac(t, y, p, J) -> None")
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

    shape = (n_patients, t_arr.size, n_states)
    # The GPU path writes every entry (NaN in the unreached rows) itself.
    y_out = np.empty(shape) if settings.device == "cuda" else np.full(shape, np.nan)
    # A patient whose solve is aborted by an exception raised in the RHS never gets its
    # status written: the sentinel marks it (see _recover_aborted).
    status = np.full(n_patients, _NOT_RUN, dtype=np.int8)
    stats = np.zeros((n_patients, 3), dtype=np.int64)
    _check_threads(n_threads)
    if settings.device == "cuda" and not cuda_available():
        raise InputError(
            "SolverSettings.device: got 'cuda', but numba-cuda sees no usable NVIDIA GPU here; "
            "install the gpu extra (pip install 'immunoreset[gpu]') on a machine with an NVIDIA "
            "driver, or use device='cpu'"
        )
    if n_patients > 0:
        method = METHOD_RODAS if settings.method == "rodas" else METHOD_DOPRI5
        block = _block_order(n_states)
        if block.size not in (0, order_size.py_func(n_states)):  # see _linalg
            raise ValueError(f"solve_batch: block order of size {block.size} for {n_states} states")
        common = (
            method, rhs, no_jac if jac is None else jac, jac is not None,
            t_arr, start, float(settings.rtol), atol_arr, int(settings.max_steps),
            float(settings.first_step or 0.0), float(settings.fixed_step or 0.0),
            bool(settings.dense_output), bool(settings.lanes), block,
        )  # fmt: skip
        per_patient = (
            y0_arr, params_arr,
            np.array(events.times, dtype=np.float64, order="C"),
            np.array(events.state_index, dtype=np.int64, order="C"),
            np.array(events.amount, dtype=np.float64, order="C"),
        )  # fmt: skip
        if settings.device == "cuda":
            solve_on_gpu(common, per_patient, (y_out, status, stats))
            # A GPU thread whose RHS raised stopped without writing its status.
            status[status == _NOT_RUN] = SolveStatus.RHS_ERROR
            return _solution(t_arr, y_out, status, stats)
        kernel = get_kernel()
        _call(kernel, common, per_patient, (y_out, status, stats), n_threads)
        if (status == _NOT_RUN).any():
            _recover_aborted(kernel, common, per_patient, (y_out, status, stats))
    return _solution(t_arr, y_out, status, stats)


def _solution(t: np.ndarray, y: np.ndarray, status: np.ndarray, stats: np.ndarray) -> BatchSolution:
    t.flags.writeable = False
    return BatchSolution(
        t=t,
        y=y,
        status=status,
        n_steps=stats[:, 0].copy(),
        n_rejected=stats[:, 1].copy(),
        n_rhs=stats[:, 2].copy(),
    )


def _call(kernel: Any, common: tuple[Any, ...], per_patient: tuple[np.ndarray, ...],
          outputs: tuple[np.ndarray, ...], n_threads: int | None) -> None:  # fmt: skip
    """Run the kernel; an exception raised by the RHS surfaces here as a SystemError."""
    method, rhs, jac, use_jac, t_save, t0, rtol, atol, max_steps, first, fixed, dense, lanes, block = common
    y0, params, ev_t, ev_i, ev_a = per_patient
    args = (method, rhs, jac, use_jac, y0, params, t_save, t0, ev_t, ev_i, ev_a, rtol, atol,
            max_steps, first, fixed, dense, lanes, block, *outputs)  # fmt: skip
    try:
        _run(kernel, args, n_threads)
    except SystemError:
        if not (outputs[1] == _NOT_RUN).any():
            raise


def _block_order(n_states: int) -> np.ndarray:
    """The kernel's ``block`` argument: empty, so that each patient's Rosenbrock solves use
    the block lower triangular order of its own Jacobian (see ``_linalg``).

    A fixed order for every patient can be substituted here (tests, benchmarks):
    ``_linalg.order_workspace(n_states)`` is the dense factorisation, one block.
    """
    return np.empty(0, dtype=np.int64)


def _recover_aborted(kernel: Any, common: tuple[Any, ...], per_patient: tuple[np.ndarray, ...],
                     outputs: tuple[np.ndarray, ...]) -> None:  # fmt: skip
    """Re-solve the patients of a chunk aborted by an RHS exception; flag the culprits.

    numba abandons the rest of a thread's chunk when one patient's RHS raises, so the
    patients after the culprit were never solved. They are re-run on one thread; each
    round confirms the first unsolved patient alone (RHS_ERROR if it raises again) and
    re-runs the ones after it. Results are identical to an undisturbed run because each
    patient is solved independently.
    """
    y_out, status, stats = outputs
    # One patient at a time: the lanes path probes every patient's pattern before solving
    # any, so one raising patient would leave all the others pending in every round.
    # Results are the same either way (engine._lanes).
    common = (*common[:12], False, *common[13:])
    pending = np.flatnonzero(status == _NOT_RUN)
    while pending.size:
        first = pending[:1]
        sub = _sub_outputs(first, y_out)
        _call(kernel, common, tuple(np.ascontiguousarray(a[first]) for a in per_patient), sub, 1)
        y_out[first], stats[first] = sub[0], sub[2]
        status[first] = SolveStatus.RHS_ERROR if sub[1][0] == _NOT_RUN else sub[1]
        rest = pending[1:]
        if rest.size:
            sub = _sub_outputs(rest, y_out)
            _call(kernel, common, tuple(np.ascontiguousarray(a[rest]) for a in per_patient),
                  sub, 1)  # fmt: skip
            y_out[rest], status[rest], stats[rest] = sub
        pending = np.flatnonzero(status == _NOT_RUN)


def _sub_outputs(rows: np.ndarray, y_out: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        np.full((rows.size, *y_out.shape[1:]), np.nan),
        np.full(rows.size, _NOT_RUN, dtype=np.int8),
        np.zeros((rows.size, 3), dtype=np.int64),
    )


def _check_threads(n_threads: int | None) -> None:
    limit = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]
    if n_threads is not None and (isinstance(n_threads, bool) or not isinstance(n_threads, int)
                                  or not 1 <= n_threads <= limit):
        raise InputError(f"solve_batch: n_threads={n_threads!r}, expected an int in [1, {limit}]")


def _run(kernel: Any, args: tuple[Any, ...], n_threads: int | None) -> None:
    if n_threads is None:
        kernel(*args)
        return
    previous = numba.get_num_threads()
    numba.set_num_threads(n_threads)
    try:
        kernel(*args)
    finally:
        numba.set_num_threads(previous)


def _check_jitted(name: str, func: Any, signature: Any, expected: str) -> None:
    if not isinstance(func, CPUDispatcher):
        raise InputError(
            f"solve_batch: {name} is a {type(func).__name__}, expected a numba @njit function "
            f"{expected}"
        )
    try:
        func.compile(signature)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(
            f"solve_batch: {name} does not compile as {expected} with float64 arrays ({first})"
        ) from exc


def _float_array(name: str, value: Any, ndim: int, shape: str, finite: bool = True) -> np.ndarray:
    try:
        arr = np.ascontiguousarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"solve_batch: {name} is not numeric ({exc}), expected shape {shape}") from None
    if arr.ndim != ndim:
        raise InputError(f"solve_batch: {name} has shape {arr.shape}, expected {shape}")
    if finite and not np.isfinite(arr).all():
        raise InputError(f"solve_batch: {name} contains NaN or inf, expected finite values")
    if arr is value or not arr.flags.writeable:
        arr = arr.copy()
    return arr


def _atol_array(atol: Any, n_states: int) -> np.ndarray:
    arr = np.array(atol, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full(n_states, float(arr))
    if arr.shape != (n_states,):
        raise InputError(f"solve_batch: atol has shape {arr.shape}, expected a scalar or ({n_states},)")
    if not (np.isfinite(arr).all() and (arr > 0).all()):
        raise InputError("solve_batch: atol must be finite and > 0 for every state")
    return arr
