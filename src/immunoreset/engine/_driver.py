"""Per-patient integration loop shared by all methods: events, save times, step control.

``integrate_patient`` calls the RHS (and Jacobian) through numba first-class function
values, so it is compiled once for every RHS (into the kernel of ``_kernel.py``). The
method is a runtime integer (``METHOD_RODAS`` or ``METHOD_DOPRI5``); the branch costs
nothing next to a step. It never raises by itself: failures are returned as
:class:`~immunoreset.engine.SolveStatus` codes and the unreached save rows are left as they
were (NaN). (An exception raised *by the RHS* aborts the call; ``_batch`` recovers.)

Algorithm:

1. Apply events at ``t0``; save any save times equal to ``t0``.
2. Integrate to the next stop: the next event time, the last save time, or (with
   ``dense=False``) the next save time. A step that would reach within 1% past the stop is
   shortened to land on it exactly (Hairer's DOPRI5 rule); save times passed on the way are
   filled from the method's interpolant.
3. At a stop: apply all events at that time, save the save times equal to it, and restart
   the step size from the starting-step heuristic (a jump invalidates the old step).

Step-size control (Hairer, Norsett & Wanner 1993, II.4): ``h_new = h * clip(0.9 *
err**(-1/5), 0.2, facmax)`` with no growth right after a rejection; for Rodas5P also
Gustafsson's predictive controller as in RODAS (Hairer & Wanner 1996, IV.8), which cut
rejections from 63 to 14 per patient on the benchmark model without events. Time is
tracked relative to ``t0`` so that a shift of all input times reproduces the run.

``integrate_patient`` allocates the work arrays and finds the block order of the linear
solves; :func:`integrate` does the rest with both given and allocates nothing, so that the
same code also runs on a GPU, one patient per CUDA thread (``engine._cuda``).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from immunoreset.engine import _dopri, _rosenbrock
from immunoreset.engine._control import (
    EPS,
    FLAG_F1_VALID,
    FLAG_JAC_VALID,
    FLAG_NRHS,
    N_FLAGS,
    accepted_step,
    all_finite,
    initial_step,
    rejected_step,
)
from immunoreset.engine._linalg import lu_workspace, order_workspace

__all__ = [
    "METHOD_DOPRI5",
    "METHOD_RODAS",
    "STATUS_MAX_STEPS",
    "STATUS_NONFINITE",
    "STATUS_OK",
    "STATUS_STEP_TOO_SMALL",
    "integrate",
    "integrate_patient",
]

METHOD_RODAS = 0
METHOD_DOPRI5 = 1
_N_WORK = max(_rosenbrock.N_WORK, _dopri.N_WORK)
#: Smallest step accepted near t = 0 (days); elsewhere the floor is 16 eps |t|.
_H_TINY = 1e-280
_STRETCH = 1.01
_STRETCH_FIXED = 1.0 + 1e-8

STATUS_OK = 0
STATUS_MAX_STEPS = 1
STATUS_STEP_TOO_SMALL = 2
STATUS_NONFINITE = 3


@njit(nogil=True, error_model="numpy")
def _copy(src, dst):  # pragma: no cover - numba
    # Explicit loop: numba compiles slice assignment (dst[:] = src) very slowly.
    for i in range(src.size):
        dst[i] = src[i]


@njit(nogil=True, error_model="numpy")
def _copy_row(src, out, row):  # pragma: no cover - numba
    for i in range(src.size):
        out[row, i] = src[i]


@njit(nogil=True, error_model="numpy")
def integrate_patient(
    method,
    rhs,
    jac,
    use_jac,
    y0,
    p,
    t0,
    t_save,
    ev_t,
    ev_i,
    ev_a,
    rtol,
    atol,
    max_steps,
    first_step,
    fixed_step,
    dense,
    block,
    out,
    stats,
):  # pragma: no cover - numba
    """Integrate one patient; fill ``out`` (n_times, n_states) and ``stats``; return status.

    ``block`` is the block lower triangular order of the linear solves (``_linalg``), or
    empty to derive it from this patient's Jacobian (:func:`_rosenbrock.jacobian_pattern`, at
    the state after the events at ``t0``). Allocates the workspace and calls
    :func:`integrate`.
    """
    n = y0.size
    flags = np.zeros(N_FLAGS, dtype=np.int64)
    jmat = np.empty((n, n))
    work = np.empty((_N_WORK, n))
    y = np.empty(n)
    order = block
    if block.size == 0:
        order = order_workspace(n)
        if method == METHOD_RODAS and _rosenbrock.start_state(y0, t0, ev_t, ev_i, ev_a, y):
            # The rows at t0 first, as integrate() writes them, so that a patient whose RHS
            # raises in the probe keeps them.
            isave = 0
            while isave < t_save.size and (t_save[isave] - t0) <= 0.0:
                _copy_row(y, out, isave)
                isave += 1
            _rosenbrock.jacobian_pattern(rhs, jac, use_jac, t0, y, p, order, jmat, work, flags)
    return integrate(
        method, rhs, jac, use_jac, y0, p, t0, t_save, ev_t, ev_i, ev_a, rtol, atol, max_steps,
        first_step, fixed_step, dense, order, out, stats, y, np.empty(n), np.empty(n),
        np.empty(n), work, jmat, np.empty((n, n)), lu_workspace(n), flags,
    )  # fmt: skip


@njit(nogil=True, error_model="numpy")
def integrate(
    method,
    rhs,
    jac,
    use_jac,
    y0,
    p,
    t0,
    t_save,
    ev_t,
    ev_i,
    ev_a,
    rtol,
    atol,
    max_steps,
    first_step,
    fixed_step,
    dense,
    solve_order,
    out,
    stats,
    y,
    ynew,
    f0,
    f1,
    work,
    jmat,
    lu,
    lu_index,
    flags,
):  # pragma: no cover - numba
    """:func:`integrate_patient` with the block order and every work array given: allocates
    nothing, so the CUDA kernel (``_cuda``) runs it too, one patient per GPU thread.

    ``solve_order``: a ``_linalg`` order array (read only; any for DOPRI5). Scratch, float64:
    ``y``, ``ynew``, ``f0``, ``f1`` (n,), ``work`` (:data:`N_WORK`, n), ``jmat`` and ``lu``
    (n, n); ``lu_index``: a :func:`~immunoreset.engine._linalg.lu_workspace` array;
    ``flags``: int64 (``N_FLAGS``,), zero except for RHS calls already spent (counted).
    """
    nt = t_save.size
    ne = ev_t.size
    for i in range(y0.size):
        y[i] = y0[i]
    if method == METHOD_RODAS:
        order = _rosenbrock.ORDER
        facmax = _rosenbrock.FACMAX
    else:
        order = _dopri.ORDER
        facmax = _dopri.FACMAX
    expo = -1.0 / (order + 1.0)
    fixed = fixed_step > 0.0

    # Time is tracked relative to t0, so that shifting t0, save and event times by the same
    # amount reproduces the run exactly (where the shifted differences are exact).
    base = t0
    t = 0.0
    t_end = t_save[nt - 1] - base
    ie = 0
    isave = 0
    n_acc = 0
    n_rej = 0
    status = STATUS_OK

    while ie < ne and (ev_t[ie] - base) <= t:
        y[ev_i[ie]] += ev_a[ie]
        ie += 1
    if not all_finite(y):
        status = STATUS_NONFINITE
    else:
        while isave < nt and (t_save[isave] - base) <= t:
            _copy_row(y, out, isave)
            isave += 1

    f0_valid = False
    need_init = True
    h = 0.0
    rejected_last = False
    nonfinite_last = False
    predictive = method == METHOD_RODAS
    h_acc = 0.0
    err_acc = 1.0
    while status == STATUS_OK and isave < nt:
        tb = t_end
        if ie < ne and (ev_t[ie] - base) < tb:
            tb = ev_t[ie] - base
        if not dense and (t_save[isave] - base) < tb:
            tb = t_save[isave] - base
        while t < tb:
            if not f0_valid:
                rhs(base + t, y, p, f0)
                flags[FLAG_NRHS] += 1
                f0_valid = True
                if not all_finite(f0):
                    status = STATUS_NONFINITE
                    break
            if need_init:
                if fixed:
                    h = fixed_step
                elif first_step > 0.0:
                    h = first_step
                else:
                    h = initial_step(rhs, base + t, t_end - t, y, p, f0, atol, rtol, order,
                                     ynew, f1, flags)  # fmt: skip
                need_init = False
                rejected_last = False
                h_acc = 0.0
            if n_acc + n_rej >= max_steps:
                status = STATUS_MAX_STEPS
                break
            if fixed:
                h = fixed_step
            remaining = tb - t
            # Land on the stop if it is within reach: stretch by up to 1% (Hairer's DOPRI5)
            # or, with fixed steps, by round-off only.
            last = h * (_STRETCH_FIXED if fixed else _STRETCH) >= remaining
            h_try = remaining if last else h
            if not last and not (h_try > 16.0 * EPS * abs(base + t) and h_try > _H_TINY):
                status = STATUS_NONFINITE if nonfinite_last else STATUS_STEP_TOO_SMALL
                break
            if method == METHOD_RODAS:
                err = _rosenbrock.step(rhs, jac, use_jac, base + t, h_try, y, p, f0, atol, rtol, ynew,
                                       f1, work, jmat, lu, solve_order, lu_index, flags)  # fmt: skip
            else:
                err = _dopri.step(rhs, base + t, h_try, y, p, f0, atol, rtol, ynew, f1, work, flags)
            finite = math.isfinite(err) and all_finite(ynew)
            if fixed and not finite:
                status = STATUS_NONFINITE
                break
            if finite and (fixed or err <= 1.0):
                t_new = tb if last else t + h_try
                while isave < nt and (t_save[isave] - base) < tb and (t_save[isave] - base) <= t_new:
                    if (t_save[isave] - base) == t_new:
                        _copy_row(ynew, out, isave)
                    else:
                        theta = ((t_save[isave] - base) - t) / h_try
                        if method == METHOD_RODAS:
                            _rosenbrock.interp(theta, y, ynew, work, out, isave)
                        else:
                            _dopri.interp(theta, h_try, y, ynew, work, out, isave)
                    isave += 1
                _copy(ynew, y)
                t = t_new
                if flags[FLAG_F1_VALID] == 1:
                    _copy(f1, f0)
                else:
                    f0_valid = False
                flags[FLAG_JAC_VALID] = 0
                flags[FLAG_F1_VALID] = 0
                n_acc += 1
                if not fixed:
                    h = accepted_step(h, h_try, err, expo, facmax, last, rejected_last, predictive,
                                      h_acc, err_acc)  # fmt: skip
                    h_acc = h_try
                    err_acc = max(1e-2, err)
                rejected_last = False
                nonfinite_last = False
            else:
                n_rej += 1
                flags[FLAG_F1_VALID] = 0
                h = rejected_step(h_try, err, expo, finite)
                nonfinite_last = not finite
                rejected_last = True
        if status != STATUS_OK:
            break
        applied = False
        while ie < ne and (ev_t[ie] - base) <= tb:
            y[ev_i[ie]] += ev_a[ie]
            ie += 1
            applied = True
        if applied:
            flags[FLAG_JAC_VALID] = 0
            f0_valid = False
            need_init = True
            if not all_finite(y):
                status = STATUS_NONFINITE
                break
        while isave < nt and (t_save[isave] - base) <= tb:
            _copy_row(y, out, isave)
            isave += 1

    stats[0] = n_acc
    stats[1] = n_rej
    stats[2] = flags[FLAG_NRHS]
    return status
