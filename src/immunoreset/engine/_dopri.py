"""Dormand-Prince 5(4): explicit Runge-Kutta pair with an order-4 dense output.

For non-stiff problems and for comparison with the Rosenbrock method. Seven stages, the
last one first-same-as-last (FSAL), local extrapolation (the order-5 solution is kept), and
the error estimate ``h Σ e_i k_i`` of the embedded order-4 solution. Coefficients as in
SciPy's ``RK45`` (same source): Dormand & Prince (1980), J. Comput. Appl. Math. 6, 19-26;
dense output from Hairer, Norsett & Wanner (1993), *Solving ODEs I*, II.6 (Shampine's
continuous extension, order 4).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from immunoreset.engine._control import FLAG_F1_VALID, FLAG_NRHS, error_norm

__all__ = ["FACMAX", "N_WORK", "ORDER", "interp", "step"]

ORDER = 4.0
FACMAX = 10.0
N_STAGES = 7

_C = np.array([0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0])
_A = np.array(
    [
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [1 / 5, 0.0, 0.0, 0.0, 0.0, 0.0],
        [3 / 40, 9 / 40, 0.0, 0.0, 0.0, 0.0],
        [44 / 45, -56 / 15, 32 / 9, 0.0, 0.0, 0.0],
        [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729, 0.0, 0.0],
        [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656, 0.0],
        [35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
    ]
)
_E = np.array(
    [-71 / 57600, 0.0, 71 / 16695, -71 / 1920, 17253 / 339200, -22 / 525, 1 / 40]
)
_P = np.array(
    [
        [1.0, -8048581381 / 2820520608, 8663915743 / 2820520608, -12715105075 / 11282082432],
        [0.0, 0.0, 0.0, 0.0],
        [0.0, 131558114200 / 32700410799, -68118460800 / 10900136933,
         87487479700 / 32700410799],
        [0.0, -1754552775 / 470086768, 14199869525 / 1410260304, -10690763975 / 1880347072],
        [0.0, 127303824393 / 49829197408, -318862633887 / 49829197408,
         701980252875 / 199316789632],
        [0.0, -282668133 / 205662961, 2019193451 / 616988883, -1453857185 / 822651844],
        [0.0, 40617522 / 29380423, -110615467 / 29380423, 69997945 / 29380423],
    ]
)  # fmt: skip

_ROW_U = N_STAGES  # stage input
_ROW_ERR = N_STAGES + 1  # local error estimate
N_WORK = N_STAGES + 2


@njit(nogil=True, error_model="numpy")
def step(rhs, t, h, y, p, f0, atol, rtol, ynew, f1, work, flags):  # pragma: no cover - numba
    """One Dormand-Prince step; leaves f(t + h, ynew) in ``f1`` and returns the error norm."""
    n = y.size
    u = work[_ROW_U]
    k0 = work[0]
    for i in range(n):
        k0[i] = f0[i]
    for s in range(1, N_STAGES):
        for i in range(n):
            acc = 0.0
            for j in range(s):
                acc += _A[s, j] * work[j, i]
            u[i] = y[i] + h * acc
        if s == N_STAGES - 1:
            for i in range(n):
                ynew[i] = u[i]
        rhs(t + _C[s] * h, u, p, work[s])
    flags[FLAG_NRHS] += N_STAGES - 1
    k_last = work[N_STAGES - 1]
    err = work[_ROW_ERR]
    for i in range(n):
        f1[i] = k_last[i]
        acc = 0.0
        for j in range(N_STAGES):
            acc += _E[j] * work[j, i]
        err[i] = h * acc
    flags[FLAG_F1_VALID] = 1
    return error_norm(err, y, ynew, atol, rtol)


@njit(nogil=True, error_model="numpy")
def interp(theta, h, y, ynew, work, out, row):  # pragma: no cover - numba
    """Order-4 dense output at ``t + theta h`` (0 <= theta <= 1) after ``step``, into
    ``out[row]``."""
    n = y.size
    for i in range(n):
        out[row, i] = 0.0
    for j in range(N_STAGES):
        bj = theta * (_P[j, 0] + theta * (_P[j, 1] + theta * (_P[j, 2] + theta * _P[j, 3])))
        if bj != 0.0:
            for i in range(n):
                out[row, i] += bj * work[j, i]
    for i in range(n):
        out[row, i] = y[i] + h * out[row, i]
