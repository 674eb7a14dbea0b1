"""Rodas5P: a stiffly accurate, L-stable Rosenbrock method of order 5(4) with dense output.

One step from ``(t, y)`` with step ``h`` solves, for stages ``i = 1..8``,

    (I / (h γ) - J) k_i = f(t + c_i h, y + Σ_{j<i} a_ij k_j) + Σ_{j<i} (C_ij / h) k_j + h d_i f_t

with ``J = ∂f/∂y`` and ``f_t = ∂f/∂t`` at ``(t, y)`` (the transformed formulation of
Hairer & Wanner 1996, IV.7, eq. 7.28, used by their code RODAS). The method is stiffly
accurate: ``y_new = y + Σ a_8j k_j + k_8``; ``k_8`` is the local error estimate (the
difference to the embedded order-4 solution). The dense output has order 4:

    y(t + θh) = (1 - θ) y + θ (y_new + (1 - θ) (h_1 + θ (h_2 + θ h_3))),  h_m = Σ_j H_mj k_j.

Why Rodas5P: the models are moderately stiff (rates from 1e-4/day to ~5/day) and small
(~25 states), so each step pays for a Jacobian (25 RHS calls by finite differences) and an
LU; a fifth-order method needs fewer such steps than Rodas4 at rtol 1e-6..1e-8. Rodas5P
(Steinebach 2023) reworks Rodas5 (Di Marzo 1993) for a more reliable error estimate and an
order-4 interpolant, which matters because save times (daily visits) are read from the
interpolant instead of being stepped onto.

Coefficients are those of Steinebach (2023) as tabulated in OrdinaryDiffEq.jl
(``Rodas5PTableau``); the test suite checks the order empirically (5 for the step, 4 for
the interpolant).

References
----------
Steinebach, G. (2023). Construction of Rosenbrock-Wanner method Rodas5P and numerical
benchmarks within the Julia Differential Equations package. BIT Numerical Mathematics
63, 27. doi:10.1007/s10543-023-00967-x
Hairer, E. & Wanner, G. (1996). Solving Ordinary Differential Equations II, 2nd ed.,
Springer, IV.7.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from immunoreset.engine._control import (
    EPS,
    FLAG_JAC_VALID,
    FLAG_NRHS,
    N_FLAGS,
    SQRT_EPS,
    all_finite,
    error_norm,
)
from immunoreset.engine._linalg import block_order, factor_iteration_matrix, lu_solve

__all__ = [
    "FACMAX",
    "N_WORK",
    "ORDER",
    "interp",
    "jacobian_pattern",
    "probe_pattern",
    "probe_start",
    "start_pattern",
    "start_state",
    "step",
]

#: Order used by the step-size controller (error estimate ~ h**(ORDER + 1)).
ORDER = 4.0
#: Largest step growth factor after an accepted step (Hairer & Wanner's RODAS uses 6).
FACMAX = 6.0

N_STAGES = 8
GAMMA = 0.21193756319429014

# Stage abscissae c_i and time-derivative weights d_i (= γ_i in Hairer & Wanner).
_C = np.array(
    [0.0, 0.6358126895828704, 0.4095798393397535, 0.9769306725060716, 0.4288403609558664,
     1.0, 1.0, 1.0]
)  # fmt: skip
_D = np.array(
    [0.21193756319429014, -0.42387512638858027, -0.3384627126235924, 1.8046452872882734,
     2.325825639765069, 0.0, 0.0, 0.0]
)  # fmt: skip

_a6 = [-7.502846399306121, 2.561846144803919, -11.627539656261098, -0.18268767659942256,
       0.030198172008377946]  # fmt: skip
# Row i: stage-input weights a_ij (stages 7 and 8 add k_6, k_7: stiffly accurate);
# the last row gives y_new.
_A = np.zeros((N_STAGES + 1, N_STAGES))
_A[1, 0] = 3.0
_A[2, :2] = [2.849394379747939, 0.45842242204463923]
_A[3, :3] = [-6.954028509809101, 2.489845061869568, -10.358996098473584]
_A[4, :4] = [2.8029986275628964, 0.5072464736228206, -0.3988312541770524, -0.04721187230404641]
_A[5, :5] = _a6
_A[6, :6] = [*_a6, 1.0]
_A[7, :7] = [*_a6, 1.0, 1.0]
_A[8, :8] = [*_a6, 1.0, 1.0, 1.0]

_CM = np.zeros((N_STAGES, N_STAGES))  # C_ij, strictly lower triangular
_CM[1, 0] = -14.155112264123755
_CM[2, :2] = [-17.97296035885952, -2.859693295451294]
_CM[3, :3] = [147.12150275711716, -1.41221402718213, 71.68940251302358]
_CM[4, :4] = [165.43517024871676, -0.4592823456491126, 42.90938336958603, -5.961986721573306]
_CM[5, :5] = [24.854864614690072, -3.0009227002832186, 47.4931110020768, 5.5814197821558125,
              -0.6610691825249471]  # fmt: skip
_CM[6, :6] = [30.91273214028599, -3.1208243349937974, 77.79954646070892, 34.28646028294783,
              -19.097331116725623, -28.087943162872662]  # fmt: skip
_CM[7, :7] = [37.80277123390563, -3.2571969029072276, 112.26918849496327, 66.9347231244047,
              -40.06618937091002, -54.66780262877968, -9.48861652309627]  # fmt: skip

# Dense-output weights H_mj.
_H = np.array(
    [
        [25.948786856663858, -2.5579724845846235, 10.433815404888879, -2.3679251022685204,
         0.524948541321073, 1.1241088310450404, 0.4272876194431874, -0.17202221070155493],
        [-9.91568850695171, -0.9689944594115154, 3.0438037242978453, -24.495224566215796,
         20.176138334709044, 15.98066361424651, -6.789040303419874, -6.710236069923372],
        [11.419903575922262, 2.8879645146136994, 72.92137995996029, 80.12511834622643,
         -52.072871366152654, -59.78993625266729, -0.15582684282751913, 4.883087185713722],
    ]
)  # fmt: skip

# Rows of the per-patient work array.
_ROW_DT = N_STAGES  # df/dt
_ROW_U = N_STAGES + 1  # stage input
_ROW_F = N_STAGES + 2  # stage RHS / right-hand side of the linear solve
_ROW_DENSE = N_STAGES + 3  # three rows of dense-output coefficients
_ROW_Z = N_STAGES + 6  # scratch of the linear solves
N_WORK = N_STAGES + 7
#: Probe states of :func:`jacobian_pattern`.
N_PROBES = 3
_PHI = 0.6180339887498949  # golden-ratio and sqrt(2) sequences: fixed, well-spread numbers
_SQRT2 = 1.4142135623730951


@njit(nogil=True, error_model="numpy")
def _fd_jacobian(rhs, t, h, y, p, f0, atol, rtol, jac, ypert, fpert, flags):  # pragma: no cover
    """Forward-difference Jacobian, column j perturbed by δ_j (Hindmarsh's LSODE rule).

    δ_j = max(sqrt(eps) |y_j|, r0 w_j), w_j = atol_j + rtol |y_j|,
    r0 = 1000 |h| eps n ||f/w||_rms (1 if zero). The r0 term keeps the rounding error of
    h J at about 1/(1000 n) where y_j is near zero, and δ_j is rounded so that y_j + δ_j
    is exact.
    """
    n = y.size
    s = 0.0
    for i in range(n):
        v = f0[i] / (atol[i] + rtol * abs(y[i]))
        s += v * v
    r0 = 1000.0 * abs(h) * EPS * n * math.sqrt(s / n)
    if not (r0 > 0.0) or not math.isfinite(r0):
        r0 = 1.0
    for i in range(n):
        ypert[i] = y[i]
    for j in range(n):
        yj = y[j]
        delta = max(SQRT_EPS * abs(yj), r0 * (atol[j] + rtol * abs(yj)))
        ypert[j] = yj + delta
        delta = ypert[j] - yj
        rhs(t, ypert, p, fpert)
        inv = 1.0 / delta
        for i in range(n):
            jac[i, j] = (fpert[i] - f0[i]) * inv
        ypert[j] = yj
    flags[FLAG_NRHS] += n


@njit(nogil=True, error_model="numpy")
def jacobian_pattern(rhs, jac, use_jac, t, y, p, order, jmat, work, flags):  # pragma: no cover
    """Fill ``order`` with the block lower triangular order of :func:`probe_pattern`'s
    pattern."""
    pattern = np.zeros((y.size, y.size), dtype=np.bool_)
    probe_pattern(rhs, jac, use_jac, t, y, p, jmat, work, flags, pattern)
    block_order(pattern, order)


@njit(nogil=True, error_model="numpy")
def start_pattern(rhs, jac, use_jac, y0, p, t0, ev_t, ev_i, ev_a, pattern):  # pragma: no cover
    """Write into ``pattern`` the Jacobian pattern that the driver would probe for this
    patient (after its events at t0); ``False`` if its start is not finite (then it has no
    pattern). Allocating form of :func:`probe_start`."""
    n = y0.size
    return probe_start(rhs, jac, use_jac, y0, p, t0, ev_t, ev_i, ev_a, pattern, np.empty(n),
                       np.empty((n, n)), np.empty((3, n)), np.zeros(N_FLAGS, dtype=np.int64))  # fmt: skip


@njit(nogil=True, error_model="numpy")
def probe_start(rhs, jac, use_jac, y0, p, t0, ev_t, ev_i, ev_a, pattern, y, jmat, work,
                flags):  # fmt: skip  # pragma: no cover - numba
    """:func:`start_pattern` with caller-provided scratch (``y`` (n,), ``jmat`` (n, n),
    ``work`` (3, n), ``flags``): allocates nothing, so the CUDA kernels run it too."""
    if not start_state(y0, t0, ev_t, ev_i, ev_a, y):
        return False
    n = y0.size
    for i in range(n):
        for j in range(n):
            pattern[i, j] = False
    probe_pattern(rhs, jac, use_jac, t0, y, p, jmat, work, flags, pattern)
    return True


@njit(nogil=True, error_model="numpy")
def start_state(y0, t0, ev_t, ev_i, ev_a, y):  # pragma: no cover - numba
    """Write into ``y`` the state at ``t0`` after the events at ``t0``; ``False`` if it is
    not finite."""
    for i in range(y0.size):
        y[i] = y0[i]
    ie = 0
    while ie < ev_t.size and (ev_t[ie] - t0) <= 0.0:
        y[ev_i[ie]] += ev_a[ie]
        ie += 1
    return all_finite(y)


@njit(nogil=True, error_model="numpy")
def probe_pattern(rhs, jac, use_jac, t, y, p, jmat, work, flags, pattern):  # pragma: no cover
    """Add to ``pattern`` (Boolean, n × n) the sparsity pattern of the Jacobian near ``y``.

    The pattern is the union of the non-zeros of ``J`` (analytic, or else of the forward
    differences f(y + δ_j e_j) - f(y) with δ_j = |y_j| / 4 + 1e-3) at :data:`N_PROBES`
    probe states ``y_j u_j + 1e-3 v_j`` with fixed ``u_j`` in [0.5, 2) and ``v_j`` in
    [0.5, 1.5), at time ``t`` (the start: probing later times could meet a singularity the
    solve never reaches). It depends only on this patient's data, so the order (and the
    result) does not depend on the batch. A missed non-zero only costs speed: while ``J``
    has one, :func:`~immunoreset.engine._linalg.load_iteration_matrix` makes the step factor
    the whole matrix. Uses ``jmat`` and the first three rows of ``work`` as scratch.
    """
    n = y.size
    yp = work[0]
    fa = work[1]
    fb = work[2]
    for m in range(N_PROBES):
        for j in range(n):
            k = m * n + j + 1
            u = 0.5 * 4.0 ** ((k * _PHI) % 1.0)
            v = 0.5 + (k * _SQRT2) % 1.0
            yp[j] = y[j] * u + 1e-3 * v
        if use_jac:
            jac(t, yp, p, jmat)
            for i in range(n):
                for j in range(n):
                    if jmat[i, j] != 0.0:  # NaN counts as a non-zero
                        pattern[i, j] = True
        else:
            rhs(t, yp, p, fa)
            for j in range(n):
                yj = yp[j]
                yp[j] = yj + (0.25 * abs(yj) + 1e-3)
                rhs(t, yp, p, fb)
                yp[j] = yj
                for i in range(n):
                    if fb[i] != fa[i]:
                        pattern[i, j] = True
            flags[FLAG_NRHS] += n + 1


@njit(nogil=True, error_model="numpy")
def step(
    rhs, jac, use_jac, t, h, y, p, f0, atol, rtol, ynew, f1, work, jmat, lu, order, lu_index,
    flags,
):  # fmt: skip  # pragma: no cover - numba
    """One Rodas5P step; fills ``ynew`` and the dense coefficients, returns the error norm.

    ``f0`` must hold f(t, y). The Jacobian in ``jmat`` is recomputed only when
    ``flags[FLAG_JAC_VALID]`` is 0, so a rejected step retries with a new LU only. The
    linear systems are solved in ``order``'s block lower triangular order (``_linalg``).
    Returns ``inf`` if the iteration matrix is singular.
    """
    n = y.size
    dT = work[_ROW_DT]
    u = work[_ROW_U]
    fu = work[_ROW_F]
    if flags[FLAG_JAC_VALID] == 0:
        if use_jac:
            jac(t, y, p, jmat)
        else:
            _fd_jacobian(rhs, t, h, y, p, f0, atol, rtol, jmat, u, fu, flags)
        dt = SQRT_EPS * max(abs(t), 1.0)
        tt = t + dt
        dt = tt - t
        rhs(tt, y, p, fu)
        flags[FLAG_NRHS] += 1
        inv_dt = 1.0 / dt
        for i in range(n):
            dT[i] = (fu[i] - f0[i]) * inv_dt
        flags[FLAG_JAC_VALID] = 1
    z = work[_ROW_Z]
    if not factor_iteration_matrix(jmat, 1.0 / (h * GAMMA), order, lu, lu_index, z):
        return math.inf
    inv_h = 1.0 / h
    for s in range(N_STAGES):
        ks = work[s]
        if s == 0:
            for i in range(n):
                ks[i] = f0[i] + h * _D[0] * dT[i]
        else:
            for i in range(n):
                acc = y[i]
                for j in range(s):
                    acc += _A[s, j] * work[j, i]
                u[i] = acc
            rhs(t + _C[s] * h, u, p, fu)
            hd = h * _D[s]
            for i in range(n):
                acc = 0.0
                for j in range(s):
                    acc += _CM[s, j] * work[j, i]
                ks[i] = fu[i] + hd * dT[i] + acc * inv_h
        lu_solve(lu, order, lu_index, ks, z)
    flags[FLAG_NRHS] += N_STAGES - 1
    for i in range(n):
        acc = y[i]
        for j in range(N_STAGES):
            acc += _A[N_STAGES, j] * work[j, i]
        ynew[i] = acc
    for m in range(3):
        row = work[_ROW_DENSE + m]
        for i in range(n):
            acc = 0.0
            for j in range(N_STAGES):
                acc += _H[m, j] * work[j, i]
            row[i] = acc
    return error_norm(work[N_STAGES - 1], y, ynew, atol, rtol)


@njit(nogil=True, error_model="numpy")
def interp(theta, y, ynew, work, out, row):  # pragma: no cover - numba
    """Order-4 dense output at ``t + theta h`` (0 <= theta <= 1) after ``step``, into
    ``out[row]``."""
    r = _ROW_DENSE
    th1 = 1.0 - theta
    for i in range(y.size):
        out[row, i] = th1 * y[i] + theta * (
            ynew[i] + th1 * (work[r, i] + theta * (work[r + 1, i] + theta * work[r + 2, i]))
        )
