"""Rodas5P on several patients at once: one step of ``LANES`` patients per pass, in lockstep.

Why. A Rodas5P step of one patient is a chain of dependent operations: the eight stage
solves run one after the other, and each substitution row waits for the rows before it.
On a small system the core spends most of its time waiting for results rather than
computing them (``benchmarks/profile_engine.py``: the LU solves alone take 38% of a step).
Independent patients have independent chains. This module stores ``LANES`` patients side by
side (``y[i, lane]``: structure of arrays) and walks the step's operation lists once for
all of them, so that the core overlaps ``LANES`` chains and loads each index once per pass
instead of once per patient.

What stays per patient. Every lane keeps its own time, step size, events, save times, step
counts and controller state (:func:`_prepare` and :func:`_finish_attempt` are the control
flow of :func:`immunoreset.engine._driver.integrate_patient` split around the step), and a
finished lane takes the next patient. The RHS and the Jacobian are called per lane.

Identical results. Each lane performs exactly the operations, in exactly the order, of the
one-patient path (:func:`immunoreset.engine._rosenbrock.step` with the static block LU of
``_linalg``), and no operation mixes lanes, so every patient's result is bit for bit the
one :func:`~immunoreset.engine._driver.integrate_patient` gives, whoever its lane-mates
are (checked by ``tests/engine/test_lanes.py``). A lane whose matrix leaves the static
path (a non-zero outside the pattern, or a pivot the static elimination refuses) is
factored and solved for that step by the one-patient routines, as it would be alone.

Scope. Rodas5P with adaptive steps on patients sharing one block order with several blocks
(:func:`immunoreset.engine._linalg.block_order`); the batch kernel groups patients by their
Jacobian pattern and sends everything else (DOPRI5, fixed steps, one-block patterns) to the
one-patient path.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from immunoreset.engine import _rosenbrock as _ros
from immunoreset.engine._control import (
    EPS,
    FLAG_NRHS,
    N_FLAGS,
    SQRT_EPS,
    accepted_step,
    all_finite,
    error_norm,
    initial_step,
    rejected_step,
)
from immunoreset.engine._driver import (
    _H_TINY,
    _STRETCH,
    STATUS_MAX_STEPS,
    STATUS_NONFINITE,
    STATUS_OK,
    STATUS_STEP_TOO_SMALL,
)
from immunoreset.engine._linalg import (
    PIVOT_CANCELLATION,
    _dst,
    _src,
    _sym,
    factor_iteration_matrix,
    lu_solve,
    lu_workspace,
)

__all__ = ["LANES", "LANE_CHUNK", "group_patterns", "integrate_lanes", "lane_chunks"]

#: Patients stepped together: four doubles fill an AVX2 register. The hot loops of
#: :func:`_solve_static` and the elimination are written out for exactly four lanes.
LANES = 4

_U1 = np.uint64(1)
_U2 = np.uint64(2)
_U3 = np.uint64(3)

#: Patients per ``prange`` task of lanes. Large enough that the lanes left idle while a
#: task's last patients finish cost little (at most LANES - 1 idle lanes for the length of
#: one patient, against 64 / LANES patients' time), small enough to share a 500-patient
#: chunk between threads.
LANE_CHUNK = 64


# Per-lane integer state (rows of ``ist``).
_PID = 0  # patient index, -1 when the lane is idle
_IE = 1  # next event
_ISAVE = 2  # next save time
_NACC = 3
_NREJ = 4
_NRHS = 5
_STATUS = 6
_F0_VALID = 7
_NEED_INIT = 8
_REJ_LAST = 9
_NONFIN_LAST = 10
_JAC_VALID = 11
_LAST = 12  # this attempt lands on the stop
_DENSE_LU = 13  # this attempt's matrix is factored by the one-patient routines
_N_IST = 14
# Per-lane float state (rows of ``fst``).
_T = 0
_H = 1
_HTRY = 2
_TB = 3
_HACC = 4
_ERRACC = 5
_N_FST = 6


@njit(nogil=True, error_model="numpy")
def _lane_finite(x, lane):  # pragma: no cover - numba
    """``all_finite`` of one lane's column of ``x`` (n, LANES)."""
    for i in range(x.shape[0]):
        if not math.isfinite(x[i, lane]):
            return False
    return True


@njit(nogil=True, error_model="numpy")
def _start(lane, patient, y0, ev_t, ev_i, ev_a, t0, t_save, out, nrhs0, y, ist, fst):  # pragma: no cover
    """Put ``patient`` in ``lane``: events at t0, save times at t0 (``integrate_patient``'s
    start; the Jacobian pattern was probed before, costing ``nrhs0`` RHS calls)."""
    n = y.shape[0]
    for i in range(n):
        y[i, lane] = y0[patient, i]
    for k in range(_N_IST):
        ist[k, lane] = 0
    ist[_PID, lane] = patient
    ist[_NEED_INIT, lane] = 1
    ist[_NRHS, lane] = nrhs0
    fst[_T, lane] = 0.0
    fst[_H, lane] = 0.0
    fst[_HACC, lane] = 0.0
    fst[_ERRACC, lane] = 1.0
    ie = 0
    ne = ev_t.shape[1]
    while ie < ne and (ev_t[patient, ie] - t0) <= 0.0:
        y[ev_i[patient, ie], lane] += ev_a[patient, ie]
        ie += 1
    ist[_IE, lane] = ie
    if not _lane_finite(y, lane):
        ist[_STATUS, lane] = STATUS_NONFINITE
        return
    isave = 0
    while isave < t_save.size and (t_save[isave] - t0) <= 0.0:
        for i in range(n):
            out[patient, isave, i] = y[i, lane]
        isave += 1
    ist[_ISAVE, lane] = isave


@njit(nogil=True, error_model="numpy")
def _prepare(
    lane, rhs, params, t0, t_save, ev_t, ev_i, ev_a, rtol, atol, max_steps, first_step, dense,
    out, y, f0, ist, fst, yl, fl, tmp1, tmp2, flags,
):  # fmt: skip  # pragma: no cover - numba
    """Run ``lane``'s control flow up to its next step attempt; ``False`` when its patient
    is finished (status set) instead."""
    n = y.shape[0]
    nt = t_save.size
    ne = ev_t.shape[1]
    patient = ist[_PID, lane]
    p = params[patient]
    t_end = t_save[nt - 1] - t0
    while ist[_STATUS, lane] == STATUS_OK and ist[_ISAVE, lane] < nt:
        ie = ist[_IE, lane]
        t = fst[_T, lane]
        tb = t_end
        if ie < ne and (ev_t[patient, ie] - t0) < tb:
            tb = ev_t[patient, ie] - t0
        if not dense and (t_save[ist[_ISAVE, lane]] - t0) < tb:
            tb = t_save[ist[_ISAVE, lane]] - t0
        if t < tb:
            for i in range(n):
                yl[i] = y[i, lane]
            if ist[_F0_VALID, lane] == 0:
                rhs(t0 + t, yl, p, fl)
                ist[_NRHS, lane] += 1
                ist[_F0_VALID, lane] = 1
                for i in range(n):
                    f0[i, lane] = fl[i]
                if not all_finite(fl):
                    ist[_STATUS, lane] = STATUS_NONFINITE
                    break
            if ist[_NEED_INIT, lane] == 1:
                if first_step > 0.0:
                    fst[_H, lane] = first_step
                else:
                    for i in range(n):
                        fl[i] = f0[i, lane]
                    flags[FLAG_NRHS] = 0
                    fst[_H, lane] = initial_step(rhs, t0 + t, t_end - t, yl, p, fl, atol, rtol,
                                                 _ros.ORDER, tmp1, tmp2, flags)  # fmt: skip
                    ist[_NRHS, lane] += flags[FLAG_NRHS]
                ist[_NEED_INIT, lane] = 0
                ist[_REJ_LAST, lane] = 0
                fst[_HACC, lane] = 0.0
            if ist[_NACC, lane] + ist[_NREJ, lane] >= max_steps:
                ist[_STATUS, lane] = STATUS_MAX_STEPS
                break
            h = fst[_H, lane]
            remaining = tb - t
            last = h * _STRETCH >= remaining
            h_try = remaining if last else h
            if not last and not (h_try > 16.0 * EPS * abs(t0 + t) and h_try > _H_TINY):
                nonfinite = ist[_NONFIN_LAST, lane] == 1
                ist[_STATUS, lane] = STATUS_NONFINITE if nonfinite else STATUS_STEP_TOO_SMALL
                break
            fst[_TB, lane] = tb
            fst[_HTRY, lane] = h_try
            ist[_LAST, lane] = 1 if last else 0
            return True
        # At the stop: events, then the save times on it.
        applied = False
        while ie < ne and (ev_t[patient, ie] - t0) <= tb:
            y[ev_i[patient, ie], lane] += ev_a[patient, ie]
            ie += 1
            applied = True
        ist[_IE, lane] = ie
        if applied:
            ist[_JAC_VALID, lane] = 0
            ist[_F0_VALID, lane] = 0
            ist[_NEED_INIT, lane] = 1
            if not _lane_finite(y, lane):
                ist[_STATUS, lane] = STATUS_NONFINITE
                break
        isave = ist[_ISAVE, lane]
        while isave < nt and (t_save[isave] - t0) <= tb:
            for i in range(n):
                out[patient, isave, i] = y[i, lane]
            isave += 1
        ist[_ISAVE, lane] = isave
    return False


@njit(nogil=True, error_model="numpy")
def _step(
    rhs, jac, use_jac, params, t0, rtol, atol, order, active, y, f0, ynew, k, dtdt, u, fu, dense_rows,
    z, a, d0, jm, lu1, idx1, ist, fst, err, shift, inv_h, inv, ok, yl, fl, tmp1, tmp2, flags,
):  # fmt: skip  # pragma: no cover - numba
    """One Rodas5P attempt for every active lane: :func:`immunoreset.engine._rosenbrock.step`
    operation for operation, with each operation applied to all lanes in turn. Writes the
    lanes' error norms into ``err``."""
    n = y.shape[0]
    nn = n * n
    jflat = jm.reshape(LANES, nn)
    # Jacobian and df/dt, per lane, unless kept from a rejected attempt.
    for lane in range(LANES):
        if not active[lane] or ist[_JAC_VALID, lane] == 1:
            continue
        p = params[ist[_PID, lane]]
        t = t0 + fst[_T, lane]
        for i in range(n):
            yl[i] = y[i, lane]
            fl[i] = f0[i, lane]
        if use_jac:
            jac(t, yl, p, jm[lane])
        else:
            flags[FLAG_NRHS] = 0
            _ros._fd_jacobian(rhs, t, fst[_HTRY, lane], yl, p, fl, atol, rtol, jm[lane], tmp1,
                              tmp2, flags)  # fmt: skip
            ist[_NRHS, lane] += flags[FLAG_NRHS]
        dt = SQRT_EPS * max(abs(t), 1.0)
        tt = t + dt
        dt = tt - t
        rhs(tt, yl, p, tmp2)
        ist[_NRHS, lane] += 1
        inv_dt = 1.0 / dt
        for i in range(n):
            dtdt[i, lane] = (tmp2[i] - fl[i]) * inv_dt
        ist[_JAC_VALID, lane] = 1
    # shift I - J on the pattern (load_iteration_matrix), for all lanes.
    npat = order[2 * n + 2]
    src = _src(n)
    dst = _dst(n)
    for q in range(nn):
        for lane in range(LANES):
            a[q, lane] = 0.0
    for q in range(npat):
        sq = order[src + q]
        dq = order[dst + q]
        for lane in range(LANES):
            a[dq, lane] = -jflat[lane, sq]
    for lane in range(LANES):
        shift[lane] = 1.0 / (fst[_HTRY, lane] * _ros.GAMMA)
        inv_h[lane] = 1.0 / fst[_HTRY, lane]
        ist[_DENSE_LU, lane] = 0
        if active[lane]:
            nz = 0
            for q in range(nn):
                nz += jflat[lane, q] != 0.0
            nz_pattern = 0
            for q in range(npat):
                nz_pattern += jflat[lane, order[src + q]] != 0.0
            if nz_pattern != nz:
                ist[_DENSE_LU, lane] = 1
    for i in range(n):
        ii = i * (n + 1)
        for lane in range(LANES):
            a[ii, lane] += shift[lane]
    # Static elimination (_eliminate_static), for all lanes; a refused pivot marks its lane.
    for i in range(n):
        ii = i * (n + 1)
        for lane in range(LANES):
            d0[i, lane] = abs(a[ii, lane])
            ok[lane] = True
    _eliminate_static(a, order, n, d0, ok, inv)
    # Lanes off the static path: the one-patient factorisation (as factor_iteration_matrix).
    for lane in range(LANES):
        err[lane] = 0.0
        if not active[lane]:
            continue
        if not ok[lane]:
            ist[_DENSE_LU, lane] = 1
        if ist[_DENSE_LU, lane] == 1:
            if not factor_iteration_matrix(jm[lane], shift[lane], order, lu1[lane], idx1[lane],
                                           tmp1):  # fmt: skip
                err[lane] = math.inf  # singular: no stages, as in the one-patient step
    # Stages.
    for s in range(_ros.N_STAGES):
        ks = k[s]
        if s == 0:
            for lane in range(LANES):
                hd = fst[_HTRY, lane] * _ros._D[0]
                for i in range(n):
                    ks[i, lane] = f0[i, lane] + hd * dtdt[i, lane]
        else:
            _weighted_sum(y, k, _ros._A[s], s, u)
            for lane in range(LANES):
                if not active[lane] or err[lane] == math.inf:
                    continue
                for i in range(n):
                    yl[i] = u[i, lane]
                h = fst[_HTRY, lane]
                rhs(t0 + fst[_T, lane] + _ros._C[s] * h, yl, params[ist[_PID, lane]], fl)
                for i in range(n):
                    fu[i, lane] = fl[i]
            _weighted_sum(None, k, _ros._CM[s], s, z)
            for lane in range(LANES):
                hd = fst[_HTRY, lane] * _ros._D[s]
                for i in range(n):
                    ks[i, lane] = fu[i, lane] + hd * dtdt[i, lane] + z[i, lane] * inv_h[lane]
        for lane in range(LANES):  # keep the dense lanes' right-hand sides
            if active[lane] and ist[_DENSE_LU, lane] == 1:
                for i in range(n):
                    tmp1[i] = ks[i, lane]
                lu_solve(lu1[lane], order, idx1[lane], tmp1, tmp2)
                for i in range(n):
                    d0[i, lane] = tmp1[i]
        _solve_static(a, order, ks, z)
        for lane in range(LANES):
            if active[lane] and ist[_DENSE_LU, lane] == 1:
                for i in range(n):
                    ks[i, lane] = d0[i, lane]
    for lane in range(LANES):
        if active[lane] and err[lane] == 0.0:
            ist[_NRHS, lane] += _ros.N_STAGES - 1
    _weighted_sum(y, k, _ros._A[_ros.N_STAGES], _ros.N_STAGES, ynew)
    for row in range(3):
        _weighted_sum(None, k, _ros._H[row], _ros.N_STAGES, dense_rows[row])
    for lane in range(LANES):
        if active[lane] and err[lane] == 0.0:
            for i in range(n):
                tmp1[i] = k[_ros.N_STAGES - 1, i, lane]
                yl[i] = y[i, lane]
                fl[i] = ynew[i, lane]
            err[lane] = error_norm(tmp1, yl, fl, atol, rtol)


@njit(nogil=True, error_model="numpy")
def _eliminate_static(a, order, n, d0, ok, inv):  # pragma: no cover - numba
    """:func:`immunoreset.engine._linalg._eliminate_static` for all lanes, ``d0`` holding
    the loaded diagonal; a refused pivot clears its lane's ``ok`` (the lane goes on with
    meaningless numbers, unused). Flat unsigned indexing as in :func:`_solve_static`;
    ``inv`` (LANES,) is scratch."""
    pos = order.view(np.uint64)
    af = a.reshape(a.size)
    sym = _sym(n)
    m = pos[sym]
    for kcol in range(n):
        kk = kcol * (n + 1)
        for lane in range(LANES):
            d = a[kk, lane]
            if not (abs(d) >= PIVOT_CANCELLATION * d0[kcol, lane]) or d == 0.0 or not math.isfinite(d):
                ok[lane] = False
            inv[lane] = 1.0 / d
        end = pos[sym + kcol + 1]
        while m < end:
            r = pos[m] << _U2
            count = pos[m + _U1]
            m += _U2
            l0 = af[r] * inv[0]
            l1 = af[r + _U1] * inv[1]
            l2 = af[r + _U2] * inv[2]
            l3 = af[r + _U3] * inv[3]
            af[r] = l0
            af[r + _U1] = l1
            af[r + _U2] = l2
            af[r + _U3] = l3
            stop = m + (count << _U1)
            while m < stop:
                tg = pos[m] << _U2
                sc = pos[m + _U1] << _U2
                af[tg] -= l0 * af[sc]
                af[tg + _U1] -= l1 * af[sc + _U1]
                af[tg + _U2] -= l2 * af[sc + _U2]
                af[tg + _U3] -= l3 * af[sc + _U3]
                m += _U2
        for lane in range(LANES):
            a[kk, lane] = inv[lane]


@njit(nogil=True, error_model="numpy")
def _weighted_sum(start, k, w, s, out):  # pragma: no cover - numba
    """``out = start + Σ_{j<s} w[j] k[j]`` (``start`` None: 0), all states and lanes; the
    terms are added in the one-patient step's order (j = 0, 1, ...), so every lane's sums
    are the same numbers, while the loop runs over contiguous rows."""
    flat = out.reshape(out.size)
    size = flat.size
    kf = k.reshape(k.size)
    if start is None:
        for q in range(size):
            flat[q] = 0.0
    else:
        start_flat = start.reshape(size)
        for q in range(size):
            flat[q] = start_flat[q]
    for j in range(s):
        wj = w[j]
        off = j * size
        for q in range(size):
            flat[q] += wj * kf[off + q]


@njit(nogil=True, error_model="numpy", inline="always")
def _row(af, zf, pos, m, end, z0, z1, z2, z3):  # pragma: no cover - numba
    """Subtract the terms ``pos[m:end]`` (pairs: position, column) of one substitution row
    from the four lanes' sums; unsigned indices (``_U1``, ``_U2``: no wraparound)."""
    while m < end:
        pa = pos[m] << _U2
        c = pos[m + _U1] << _U2
        z0 -= af[pa] * zf[c]
        z1 -= af[pa + _U1] * zf[c + _U1]
        z2 -= af[pa + _U2] * zf[c + _U2]
        z3 -= af[pa + _U3] * zf[c + _U3]
        m += _U2
    return z0, z1, z2, z3


@njit(nogil=True, error_model="numpy")
def _solve_static(a, order, b, z):  # pragma: no cover - numba
    """:func:`immunoreset.engine._linalg.lu_solve` on the static path, for all lanes.

    Written for speed, with the same arithmetic: the four lanes' sums are kept in four
    locals (registers), the arrays are read flat at ``position * LANES + lane``, and the
    positions are read unsigned, so that no access pays for negative-index wraparound."""
    n = b.shape[0]
    nb = order[n]
    pos = order.view(np.uint64)
    af = a.reshape(a.size)
    zf = z.reshape(z.size)
    for i in range(n):
        q = order[i]
        for lane in range(LANES):
            z[i, lane] = b[q, lane]
    forward = _sym(n) + n + 1
    back = _sym(n) + 2 * n + 2
    for blk in range(nb):
        s0 = order[n + 1 + blk]
        e = order[n + 2 + blk]
        for i in range(s0, e):
            z0, z1, z2, z3 = _row(af, zf, pos, pos[forward + i], pos[forward + i + 1],
                                  z[i, 0], z[i, 1], z[i, 2], z[i, 3])  # fmt: skip
            z[i, 0] = z0
            z[i, 1] = z1
            z[i, 2] = z2
            z[i, 3] = z3
        for i in range(e - 1, s0 - 1, -1):
            z0, z1, z2, z3 = _row(af, zf, pos, pos[back + i], pos[back + i + 1],
                                  z[i, 0], z[i, 1], z[i, 2], z[i, 3])  # fmt: skip
            ii = i * (n + 1)
            z[i, 0] = z0 * a[ii, 0]
            z[i, 1] = z1 * a[ii, 1]
            z[i, 2] = z2 * a[ii, 2]
            z[i, 3] = z3 * a[ii, 3]
    for i in range(n):
        q = order[i]
        for lane in range(LANES):
            b[q, lane] = z[i, lane]


@njit(nogil=True, error_model="numpy")
def _finish_attempt(lane, err, t0, t_save, out, y, ynew, dense_rows, ist, fst):  # pragma: no cover
    """Accept or reject ``lane``'s attempt: save times passed, step-size control
    (``integrate_patient`` after its step call, for Rodas5P)."""
    n = y.shape[0]
    nt = t_save.size
    patient = ist[_PID, lane]
    t = fst[_T, lane]
    h_try = fst[_HTRY, lane]
    tb = fst[_TB, lane]
    last = ist[_LAST, lane] == 1
    expo = -1.0 / (_ros.ORDER + 1.0)
    finite = math.isfinite(err) and _lane_finite(ynew, lane)
    if finite and err <= 1.0:
        t_new = tb if last else t + h_try
        isave = ist[_ISAVE, lane]
        while isave < nt and (t_save[isave] - t0) < tb and (t_save[isave] - t0) <= t_new:
            if (t_save[isave] - t0) == t_new:
                for i in range(n):
                    out[patient, isave, i] = ynew[i, lane]
            else:
                theta = ((t_save[isave] - t0) - t) / h_try
                th1 = 1.0 - theta
                for i in range(n):
                    out[patient, isave, i] = th1 * y[i, lane] + theta * (
                        ynew[i, lane] + th1 * (dense_rows[0, i, lane] + theta * (
                            dense_rows[1, i, lane] + theta * dense_rows[2, i, lane]))
                    )  # fmt: skip
            isave += 1
        ist[_ISAVE, lane] = isave
        for i in range(n):
            y[i, lane] = ynew[i, lane]
        fst[_T, lane] = t_new
        ist[_F0_VALID, lane] = 0
        ist[_JAC_VALID, lane] = 0
        ist[_NACC, lane] += 1
        fst[_H, lane] = accepted_step(fst[_H, lane], h_try, err, expo, _ros.FACMAX, last,
                                      ist[_REJ_LAST, lane] == 1, True, fst[_HACC, lane],
                                      fst[_ERRACC, lane])  # fmt: skip
        fst[_HACC, lane] = h_try
        fst[_ERRACC, lane] = max(1e-2, err)
        ist[_REJ_LAST, lane] = 0
        ist[_NONFIN_LAST, lane] = 0
    else:
        ist[_NREJ, lane] += 1
        fst[_H, lane] = rejected_step(h_try, err, expo, finite)
        ist[_NONFIN_LAST, lane] = 0 if finite else 1
        ist[_REJ_LAST, lane] = 1


@njit(nogil=True, error_model="numpy")
def integrate_lanes(
    rhs, jac, use_jac, y0, params, t0, t_save, ev_t, ev_i, ev_a, rtol, atol, max_steps,
    first_step, dense, order, patients, nrhs0, out, out_status, out_stats,
):  # fmt: skip  # pragma: no cover - numba
    """Integrate ``patients`` (indices into the batch arrays) ``LANES`` at a time with the
    shared block ``order`` (several blocks); fill their rows of ``out``, ``out_status`` and
    ``out_stats`` exactly as :func:`~immunoreset.engine._driver.integrate_patient` does.
    ``nrhs0`` RHS calls (the pattern probes) are counted for each patient."""
    n = y0.shape[1]
    y = np.zeros((n, LANES))
    f0 = np.zeros((n, LANES))
    ynew = np.zeros((n, LANES))
    k = np.zeros((_ros.N_STAGES, n, LANES))
    dtdt = np.zeros((n, LANES))
    u = np.zeros((n, LANES))
    fu = np.zeros((n, LANES))
    dense_rows = np.zeros((3, n, LANES))
    z = np.zeros((n, LANES))
    a = np.zeros((n * n, LANES))
    d0 = np.zeros((n, LANES))
    jm = np.zeros((LANES, n, n))
    lu1 = np.zeros((LANES, n, n))
    idx1 = np.zeros((LANES, lu_workspace(n).size), dtype=np.int64)
    ist = np.zeros((_N_IST, LANES), dtype=np.int64)
    fst = np.zeros((_N_FST, LANES))
    err = np.zeros(LANES)
    shift = np.ones(LANES)
    inv_h = np.ones(LANES)
    inv = np.zeros(LANES)
    ok = np.zeros(LANES, dtype=np.bool_)
    active = np.zeros(LANES, dtype=np.bool_)
    yl = np.empty(n)
    fl = np.empty(n)
    tmp1 = np.empty(n)
    tmp2 = np.empty(n)
    flags = np.zeros(N_FLAGS, dtype=np.int64)
    for lane in range(LANES):
        ist[_PID, lane] = -1
        fst[_HTRY, lane] = 1.0  # idle lanes: any finite step keeps their arithmetic finite
    nxt = 0
    while True:
        n_active = 0
        for lane in range(LANES):
            active[lane] = False
            while True:
                if ist[_PID, lane] < 0:
                    if nxt >= patients.size:
                        break
                    _start(lane, patients[nxt], y0, ev_t, ev_i, ev_a, t0, t_save, out, nrhs0, y,
                           ist, fst)  # fmt: skip
                    nxt += 1
                if _prepare(lane, rhs, params, t0, t_save, ev_t, ev_i, ev_a, rtol, atol, max_steps,
                            first_step, dense, out, y, f0, ist, fst, yl, fl, tmp1, tmp2, flags):  # fmt: skip
                    active[lane] = True
                    n_active += 1
                    break
                patient = ist[_PID, lane]
                out_status[patient] = ist[_STATUS, lane]
                out_stats[patient, 0] = ist[_NACC, lane]
                out_stats[patient, 1] = ist[_NREJ, lane]
                out_stats[patient, 2] = ist[_NRHS, lane]
                ist[_PID, lane] = -1
                fst[_HTRY, lane] = 1.0
        if n_active == 0:
            break
        _step(rhs, jac, use_jac, params, t0, rtol, atol, order, active, y, f0, ynew, k, dtdt, u, fu,
              dense_rows, z, a, d0, jm, lu1, idx1, ist, fst, err, shift, inv_h, inv, ok, yl,
              fl, tmp1, tmp2, flags)  # fmt: skip
        for lane in range(LANES):
            if active[lane]:
                _finish_attempt(lane, err[lane], t0, t_save, out, y, ynew, dense_rows, ist, fst)


@njit(nogil=True, error_model="numpy")
def group_patterns(patterns, has_pattern):  # pragma: no cover - numba
    """Group patients by identical patterns: ``(group, representatives)``, ``group[i] = -1``
    for a patient without one. The first patient of each group represents it."""
    n_pat = patterns.shape[0]
    group = np.full(n_pat, -1, dtype=np.int64)
    reps = np.empty(n_pat, dtype=np.int64)
    n_groups = 0
    for i in range(n_pat):
        if not has_pattern[i]:
            continue
        for g in range(n_groups):
            if np.array_equal(patterns[i], patterns[reps[g]]):
                group[i] = g
                break
        if group[i] < 0:
            reps[n_groups] = i
            group[i] = n_groups
            n_groups += 1
    return group, reps[:n_groups]


@njit(nogil=True, error_model="numpy")
def lane_chunks(group, n_groups, chunk):  # pragma: no cover - numba
    """Split each group's patients into contiguous chunks of about ``chunk`` for ``prange``:
    ``(members, chunks)`` with ``members`` the patients sorted by group (stable) and
    ``chunks[c] = (group, start, end)`` into ``members``. Chunking never changes a result."""
    members = np.argsort(group, kind="mergesort")
    chunks = np.empty((members.size // chunk + n_groups + 1, 3), dtype=np.int64)
    c = 0
    pos = 0
    while pos < members.size and group[members[pos]] < 0:
        pos += 1
    for g in range(n_groups):
        start = pos
        while pos < members.size and group[members[pos]] == g:
            pos += 1
        size = pos - start
        n_chunks = 0 if size == 0 else max(1, (size + chunk // 2) // chunk)
        for q in range(n_chunks):
            chunks[c, 0] = g
            chunks[c, 1] = start + size * q // n_chunks
            chunks[c, 2] = start + size * (q + 1) // n_chunks
            c += 1
    return members, chunks[:c]
