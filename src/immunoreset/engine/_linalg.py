"""LU factorisation with partial pivoting for the small Rosenbrock systems, skipping zeros.

Written out in numba rather than calling LAPACK so that it allocates nothing, runs inside
``prange`` without a BLAS thread pool, and gives bit-identical results on every thread.

The model Jacobians are sparse (the 25-state SLE model has ~115 non-zeros of 625) and much
of the iteration matrix ``I / (h γ) - J`` is feed-forward, so the factors are sparse too.
The elimination is the ordinary dense one with partial pivoting (same pivots, same
arithmetic in the same order) except that products with an exact zero are skipped: for
finite data ``x - l * 0 == x``, so the results are those of the dense algorithm, bit for
bit. After factoring, the column indices of the non-zeros of each row of ``L`` and ``U``
are recorded in ``index`` (see :func:`lu_workspace`) so that each of the eight solves per
step touches only the non-zeros.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["lu_factor", "lu_solve", "lu_workspace"]


@njit(nogil=True, error_model="numpy")
def lu_workspace(n: int) -> np.ndarray:  # pragma: no cover - numba
    """Integer workspace of :func:`lu_factor` / :func:`lu_solve` for an ``n × n`` system.

    Layout: ``[0, n]`` row starts of ``L``'s strictly lower non-zeros, ``[n + 1, 2n + 1]``
    row starts of ``U``'s strictly upper non-zeros, then ``n²`` column indices (``L``'s
    rows, then ``U``'s).
    """
    return np.zeros(2 * (n + 1) + n * n, dtype=np.int64)


@njit(nogil=True, error_model="numpy")
def lu_factor(a: np.ndarray, piv: np.ndarray, index: np.ndarray) -> bool:  # pragma: no cover
    """Factor ``a`` (n × n) in place as ``P a = L U``; return ``False`` if singular/non-finite.

    ``index`` is a :func:`lu_workspace` array, filled with the sparsity of the factors.
    """
    n = a.shape[0]
    cols = index[2 * (n + 1):]
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
    # Record the sparsity of L (strictly lower) and U (strictly upper), row by row.
    m = 0
    for i in range(n):
        index[i] = m
        ri = a[i]
        for j in range(i):
            if ri[j] != 0.0:
                cols[m] = j
                m += 1
    index[n] = m
    for i in range(n):
        index[n + 1 + i] = m
        ri = a[i]
        for j in range(i + 1, n):
            if ri[j] != 0.0:
                cols[m] = j
                m += 1
    index[2 * n + 1] = m
    return True


@njit(nogil=True, error_model="numpy")
def lu_solve(a: np.ndarray, piv: np.ndarray, index: np.ndarray, b: np.ndarray) -> None:  # pragma: no cover
    """Overwrite ``b`` (n,) with the solution of ``A x = b``, given ``lu_factor``'s output."""
    n = a.shape[0]
    cols = index[2 * (n + 1):]
    for k in range(n):
        p = piv[k]
        if p != k:
            tmp = b[k]
            b[k] = b[p]
            b[p] = tmp
    for i in range(n):
        ri = a[i]
        s = b[i]
        for jj in range(index[i], index[i + 1]):
            j = cols[jj]
            s -= ri[j] * b[j]
        b[i] = s
    u = n + 1
    for i in range(n - 1, -1, -1):
        ri = a[i]
        s = b[i]
        for jj in range(index[u + i], index[u + i + 1]):
            j = cols[jj]
            s -= ri[j] * b[j]
        b[i] = s / ri[i]
