"""Pieces shared by every integrator: error norm, starting step, bookkeeping flags.

References
----------
Hairer, Norsett & Wanner (1993), *Solving Ordinary Differential Equations I*, 2nd ed.,
Springer: II.4 (error norm, eq. 4.11; starting step, algorithm p. 169).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = [
    "EPS",
    "FACMIN",
    "FLAG_F1_VALID",
    "FLAG_JAC_VALID",
    "FLAG_NRHS",
    "N_FLAGS",
    "SAFETY",
    "accepted_step",
    "all_finite",
    "error_norm",
    "initial_step",
    "rejected_step",
]

EPS = 2.220446049250313e-16
SQRT_EPS = 1.4901161193847656e-08
#: Step-size controller: h_new = h * clip(SAFETY * err**(-1/(q+1)), FACMIN, facmax).
SAFETY = 0.9
FACMIN = 0.2

# Indices into the per-patient int64 ``flags`` array shared by driver and steppers.
FLAG_JAC_VALID = 0  # Jacobian and df/dt are current for (t, y): reused after a rejection
FLAG_F1_VALID = 1  # the stepper left f(t + h, y_new) in f1 (first-same-as-last)
FLAG_NRHS = 2  # RHS evaluations so far
N_FLAGS = 3


@njit(nogil=True, error_model="numpy")
def all_finite(x: np.ndarray) -> bool:  # pragma: no cover - numba
    for i in range(x.size):
        if not math.isfinite(x[i]):
            return False
    return True


@njit(nogil=True, error_model="numpy")
def error_norm(
    e: np.ndarray, y: np.ndarray, ynew: np.ndarray, atol: np.ndarray, rtol: float
) -> float:  # pragma: no cover - numba
    """RMS of ``e_i / (atol_i + rtol * max(|y_i|, |ynew_i|))``; inf/NaN propagate."""
    n = e.size
    s = 0.0
    for i in range(n):
        sc = atol[i] + rtol * max(abs(y[i]), abs(ynew[i]))
        v = e[i] / sc
        s += v * v
    return math.sqrt(s / n)


@njit(nogil=True, error_model="numpy")
def initial_step(
    rhs, t, h_max, y, p, f0, atol, rtol, order, y1, f1, flags
):  # pragma: no cover - numba
    """Hairer-Norsett-Wanner starting step for a method of order ``order``; at most h_max."""
    n = y.size
    d0 = 0.0
    d1 = 0.0
    for i in range(n):
        sc = atol[i] + rtol * abs(y[i])
        d0 += (y[i] / sc) ** 2
        d1 += (f0[i] / sc) ** 2
    d0 = math.sqrt(d0 / n)
    d1 = math.sqrt(d1 / n)
    if d0 < 1e-5 or d1 < 1e-5:
        h0 = 1e-6
    else:
        h0 = 0.01 * d0 / d1
    h0 = min(h0, h_max)
    for i in range(n):
        y1[i] = y[i] + h0 * f0[i]
    rhs(t + h0, y1, p, f1)
    flags[FLAG_NRHS] += 1
    d2 = 0.0
    for i in range(n):
        sc = atol[i] + rtol * abs(y[i])
        d2 += ((f1[i] - f0[i]) / sc) ** 2
    d2 = math.sqrt(d2 / n) / h0
    dmax = max(d1, d2)
    if not math.isfinite(dmax):
        return h0 * 1e-3
    if dmax <= 1e-15:
        h1 = max(1e-6, h0 * 1e-3)
    else:
        h1 = (0.01 / dmax) ** (1.0 / (order + 1.0))
    return min(100.0 * h0, h1, h_max)


@njit(nogil=True, error_model="numpy", inline="always")
def accepted_step(
    h, h_try, err, expo, facmax, last, rejected_last, predictive, h_acc, err_acc
):  # pragma: no cover - numba
    """Next step size after an accepted step ``h_try`` with error norm ``err``.

    ``h * clip(SAFETY * err**expo, FACMIN, facmax)`` (Hairer, Norsett & Wanner 1993, II.4),
    with no growth right after a rejection and, if ``predictive``, Gustafsson's predictive
    controller as in Hairer & Wanner's RODAS (1996, IV.8, eq. 8.21; ``h_acc``, ``err_acc``:
    the previous accepted step and its error, ``h_acc = 0`` for none), which damps
    accept/reject oscillations. A step shortened to reach a stop (``last``) does not shrink
    the next one (``h``: the step before shortening).
    """
    fac = facmax if err == 0.0 else SAFETY * err**expo
    if predictive and h_acc > 0.0:
        fac = min(fac, SAFETY * (h_try / h_acc) * (err_acc / max(err * err, 1e-300)) ** (-expo))
    fac = min(1.0 if rejected_last else facmax, max(FACMIN, fac))
    return max(h, h_try * fac) if last else h_try * fac


@njit(nogil=True, error_model="numpy", inline="always")
def rejected_step(h_try, err, expo, finite):  # pragma: no cover - numba
    """Next step size after rejecting ``h_try``: shrink by the error estimate, or by 4 when
    the attempt was not finite."""
    if finite:
        return h_try * max(FACMIN, SAFETY * err**expo)
    return h_try * 0.25
