"""Per-patient integration loop shared by all methods: events, save times, step control.

``integrate_patient`` takes the method's ``step`` and ``interp`` as numba dispatcher
arguments, so each (method, RHS) pair compiles to one specialised, inlinable loop. It never
raises: failures are returned as :class:`~immunoreset.engine.SolveStatus` codes and the
unreached save rows are left as they were (NaN).

Algorithm (Hairer, Norsett & Wanner 1993, II.4 for the controller):

1. Apply events at ``t0``; save any save times equal to ``t0``.
2. Integrate to the next stop: the next event time, the last save time, or (with
   ``dense=False``) the next save time. Steps are shortened to land on the stop exactly;
   save times passed on the way are filled from the interpolant.
3. At a stop: apply all events at that time, save the save times equal to it, restart the
   step size from the starting-step heuristic (a jump invalidates the old step).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from immunoreset.engine._control import (
    EPS,
    FACMIN,
    FLAG_F1_VALID,
    FLAG_JAC_VALID,
    FLAG_NRHS,
    N_FLAGS,
    SAFETY,
    all_finite,
    initial_step,
)

__all__ = ["STATUS_MAX_STEPS", "STATUS_NONFINITE", "STATUS_OK", "STATUS_STEP_TOO_SMALL", "integrate_patient"]

STATUS_OK = 0
STATUS_MAX_STEPS = 1
STATUS_STEP_TOO_SMALL = 2
STATUS_NONFINITE = 3


@njit(cache=True, nogil=True)
def _copy(src, dst):  # pragma: no cover - numba
    # Explicit loop: numba compiles slice assignment (dst[:] = src) very slowly.
    for i in range(src.size):
        dst[i] = src[i]


@njit(nogil=True)
def integrate_patient(
    step,
    interp,
    rhs,
    jac,
    use_jac,
    order,
    facmax,
    n_work,
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
    out,
    stats,
):  # pragma: no cover - numba
    """Integrate one patient; fill ``out`` (n_times, n_states) and ``stats``; return status."""
    n = y0.size
    nt = t_save.size
    ne = ev_t.size
    y = y0.copy()
    ynew = np.empty(n)
    f0 = np.empty(n)
    f1 = np.empty(n)
    work = np.empty((n_work, n))
    jmat = np.empty((n, n))
    lu = np.empty((n, n))
    piv = np.empty(n, dtype=np.int64)
    flags = np.zeros(N_FLAGS, dtype=np.int64)
    expo = -1.0 / (order + 1.0)
    fixed = fixed_step > 0.0

    t = t0
    t_end = t_save[nt - 1]
    ie = 0
    isave = 0
    n_acc = 0
    n_rej = 0
    status = STATUS_OK

    while ie < ne and ev_t[ie] <= t:
        y[ev_i[ie]] += ev_a[ie]
        ie += 1
    if not all_finite(y):
        status = STATUS_NONFINITE
    else:
        while isave < nt and t_save[isave] <= t:
            _copy(y, out[isave])
            isave += 1

    f0_valid = False
    need_init = True
    h = 0.0
    rejected_last = False
    nonfinite_last = False
    while status == STATUS_OK and isave < nt:
        tb = t_end
        if ie < ne and ev_t[ie] < tb:
            tb = ev_t[ie]
        if not dense and t_save[isave] < tb:
            tb = t_save[isave]
        while t < tb:
            if not f0_valid:
                rhs(t, y, p, f0)
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
                    h = initial_step(rhs, t, t_end - t, y, p, f0, atol, rtol, order,
                                     ynew, f1, flags)  # fmt: skip
                need_init = False
                rejected_last = False
            if n_acc + n_rej >= max_steps:
                status = STATUS_MAX_STEPS
                break
            if fixed:
                h = fixed_step
            remaining = tb - t
            last = h >= remaining
            h_try = remaining if last else h
            if not last and not (h_try > 16.0 * EPS * max(abs(t), abs(tb))):
                status = STATUS_NONFINITE if nonfinite_last else STATUS_STEP_TOO_SMALL
                break
            err = step(rhs, jac, use_jac, t, h_try, y, p, f0, atol, rtol, ynew, f1, work,
                       jmat, lu, piv, flags)  # fmt: skip
            finite = math.isfinite(err) and all_finite(ynew)
            if fixed and not finite:
                status = STATUS_NONFINITE
                break
            if finite and (fixed or err <= 1.0):
                t_new = tb if last else t + h_try
                while isave < nt and t_save[isave] < tb and t_save[isave] <= t_new:
                    if t_save[isave] == t_new:
                        _copy(ynew, out[isave])
                    else:
                        interp((t_save[isave] - t) / h_try, h_try, y, ynew, work, out[isave])
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
                    fac = facmax if err == 0.0 else SAFETY * err**expo
                    fac = min(1.0 if rejected_last else facmax, max(FACMIN, fac))
                    # A step shortened to reach a stop does not shrink the next one.
                    h = max(h, h_try * fac) if last else h_try * fac
                rejected_last = False
                nonfinite_last = False
            else:
                n_rej += 1
                flags[FLAG_F1_VALID] = 0
                if finite:
                    h = h_try * max(FACMIN, SAFETY * err**expo)
                    nonfinite_last = False
                else:
                    h = h_try * 0.25
                    nonfinite_last = True
                rejected_last = True
        if status != STATUS_OK:
            break
        applied = False
        while ie < ne and ev_t[ie] <= tb:
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
        while isave < nt and t_save[isave] <= tb:
            _copy(y, out[isave])
            isave += 1

    stats[0] = n_acc
    stats[1] = n_rej
    stats[2] = flags[FLAG_NRHS]
    return status
