"""Dense LU factorisation with partial pivoting, for the small Rosenbrock systems.

Written out in numba rather than calling LAPACK so that it allocates nothing, runs inside
``prange`` without a BLAS thread pool, and gives bit-identical results on every thread.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["lu_factor", "lu_solve"]


@njit(nogil=True, error_model="numpy")
def lu_factor(a: np.ndarray, piv: np.ndarray) -> bool:  # pragma: no cover - numba
    """Factor ``a`` (n × n) in place as ``P a = L U``; return ``False`` if singular/non-finite."""
    n = a.shape[0]
    for k in range(n):
        p = k
        amax = abs(a[k, k])
        for i in range(k + 1, n):
            v = abs(a[i, k])
            if v > amax:
                amax = v
                p = i
        piv[k] = p
        if not (amax > 0.0) or not math.isfinite(amax):
            return False
        # 1-D row views: numba compiles their contiguous inner loops tighter than a[i, j].
        rk = a[k]
        if p != k:
            rp = a[p]
            for j in range(n):
                tmp = rk[j]
                rk[j] = rp[j]
                rp[j] = tmp
        inv = 1.0 / rk[k]
        for i in range(k + 1, n):
            ri = a[i]
            lik = ri[k] * inv
            ri[k] = lik
            if lik != 0.0:
                for j in range(k + 1, n):
                    ri[j] -= lik * rk[j]
    return True


@njit(nogil=True, error_model="numpy")
def lu_solve(a: np.ndarray, piv: np.ndarray, b: np.ndarray) -> None:  # pragma: no cover
    """Overwrite ``b`` (n,) with the solution of ``A x = b``, given ``lu_factor``'s output."""
    n = a.shape[0]
    for k in range(n):
        p = piv[k]
        if p != k:
            tmp = b[k]
            b[k] = b[p]
            b[p] = tmp
    for i in range(n):
        ri = a[i]
        s = b[i]
        for j in range(i):
            s -= ri[j] * b[j]
        b[i] = s
    for i in range(n - 1, -1, -1):
        ri = a[i]
        s = b[i]
        for j in range(i + 1, n):
            s -= ri[j] * b[j]
        b[i] = s / ri[i]
