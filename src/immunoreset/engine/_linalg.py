"""Block LU for the small Rosenbrock systems: block triangular order, static sparse pivots.

Written out in numba rather than calling LAPACK so that it allocates nothing per step, runs
inside ``prange`` without a BLAS thread pool, and gives bit-identical results on every
thread.

Why blocks. A step factors the iteration matrix ``A = I / (h γ) - J`` once and solves with
it eight times; for the 25-state SLE model that is most of the solve time. ``A`` has the
sparsity of ``J`` plus the diagonal, and ``J`` is reducible: drug exposures and the flare
trigger depend only on themselves, complement, IgG, IL-6, damage and proteinuria feed
nothing back, and only 14 states form a strongly connected core. Ordering the states by the
strongly connected components (SCCs) of the dependency graph ``i → j if J[i, j] ≠ 0``, in
topological order (what a state depends on comes first), makes ``P A Pᵀ`` block lower
triangular, and such a system needs only its diagonal blocks factored:

    A_bb x_b = r_b - Σ_{c<b} A_bc x_c,   block by block in order.

Why static pivots. With the block order known, :func:`block_order` also runs the
elimination *symbolically* once per patient: the diagonal blocks are eliminated in place,
on the diagonal, and the fill-in this creates is part of the pattern. The factorisation and
the eight solves of every step then walk fixed lists of (target, source) positions, with no
pivot search, no row swaps and no scan for non-zeros. Forgoing row pivoting is safe here
because ``A`` is diagonally dominant after scaling its rows and columns (its diagonal holds
``1 / (h γ)`` plus the decay rates): without any pivoting, 23,680 iteration matrices of 20
SLE patients (every fifth day of two years, h from 1e-3 to 100 days) were solved to within
8e-13 of LAPACK. Partial pivoting by magnitude would have swapped rows in 93% of them, only
because the rows have different units. The guard is scale-invariant: if elimination cancels
a diagonal entry to below :data:`PIVOT_CANCELLATION` of its loaded value (or to zero or a
non-finite value), :func:`factor_iteration_matrix` factors that step's matrix again as one
block with partial pivoting. On the SLE matrices above the guard fires on 1 in 8,000.

The ``order`` array (built once per patient by :func:`block_order` from a Boolean pattern,
e.g. :func:`immunoreset.engine._rosenbrock.jacobian_pattern`; :func:`order_workspace` is
the one-block order) holds the permutation ``perm`` (position ``k`` holds state
``perm[k]``; a block's states in increasing index), the block boundaries, the pattern (where
each of its entries goes in ``P A Pᵀ``) and the symbolic factorisation's lists.

A step (:func:`factor_iteration_matrix`, then :func:`lu_solve` per stage):

1. :func:`load_iteration_matrix` writes ``shift I - J`` in the permuted order and decides
   the blocks. Safety: the pattern is found numerically and could miss a structural
   non-zero, so the matrix is built by scattering the pattern's entries only if ``J`` has
   no other non-zero (its non-zero count equals that of the pattern's entries; NaN counts as
   a non-zero). Otherwise, for that step, the whole permuted matrix is copied and factored
   as one block. Correct for any model; only slower while the pattern is wrong.
2. :func:`lu_factor`: with several blocks, the static elimination above, storing the
   reciprocals of ``U``'s diagonal so that the solves multiply instead of divide (a division
   has several times a multiplication's latency, and the substitution is one dependency
   chain). With one block, dense Gaussian elimination with partial pivoting that skips
   products with an exact zero (for finite data ``x - l * 0 == x``, so the results are those
   of the dense algorithm, bit for bit), then records the columns of each row's non-zeros in
   ``index`` (:func:`lu_workspace`) so that the eight solves touch only those.
3. :func:`lu_solve` runs forward and back substitution block by block: a forward row of
   block ``b`` runs over its non-zeros left of the diagonal, i.e. over ``A_bc`` (against the
   finished ``x_c``) and ``L_b``.

Measured against the previous block LU with partial pivoting inside the blocks (which
scanned for non-zeros after every factorisation): see the README's benchmark section.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = [
    "PIVOT_CANCELLATION",
    "block_order",
    "factor_iteration_matrix",
    "load_iteration_matrix",
    "lu_factor",
    "lu_solve",
    "lu_workspace",
    "order_size",
    "order_workspace",
]

#: Smallest ratio of a static pivot to the loaded diagonal entry it comes from; below it the
#: elimination has cancelled too much for a solve without row pivoting, and the step's
#: matrix is factored again with partial pivoting. Numerical-method setting, not model
#: data: 1e-2 makes the fallback fire on 1 in 8,000 SLE iteration matrices (module
#: docstring) while every matrix kept solves to 8e-13 of LAPACK.
PIVOT_CANCELLATION = 1e-2

# ``order`` layout for n states, length order_size(n):
#   [0, n)                          perm
#   n                               number of blocks nb
#   [n + 1, n + nb + 2)             block boundaries (n + 1 slots)
#   2n + 2                          number of pattern entries np (0 with one block)
#   [_src(n), _src(n) + np)         their flat index in J (i n + j)
#   [_dst(n), _dst(n) + np)         their flat index in P A Pᵀ
#   symbolic factorisation (several blocks only), from _sym(n):
#   [_sym(n), + n + 1)              per column k, start of its elimination list in ops
#   [_sym(n) + n + 1, + n + 1)      per row i, start of its forward pairs in ops
#   [_sym(n) + 2n + 2, + n + 1)     per row i, start of its back pairs in ops
#   ops, from _sym(n) + 3n + 3:     elimination lists: per L entry (flat position, count,
#                                   then count (target, source) flat positions); forward
#                                   and back pairs: (flat position in P A Pᵀ, column)


@njit(nogil=True, error_model="numpy", inline="always")
def _src(n: int) -> int:  # pragma: no cover - numba
    return 2 * n + 3


@njit(nogil=True, error_model="numpy", inline="always")
def _dst(n: int) -> int:  # pragma: no cover - numba
    return 2 * n + 3 + n * n


@njit(nogil=True, error_model="numpy", inline="always")
def _sym(n: int) -> int:  # pragma: no cover - numba
    return 2 * n + 3 + 2 * n * n


@njit(nogil=True, error_model="numpy")
def order_size(n: int) -> int:  # pragma: no cover - numba
    """Length of an ``order`` array for ``n`` states (room for a dense symbolic factorisation:
    at most n³ / 3 updates of two positions each, n² entries and n² pairs). Plain
    arithmetic, so ``order_size.py_func`` serves Python callers without a compile."""
    return 2 * n + 3 + 2 * n * n + 3 * (n + 1) + n * n * (n + 4)


@njit(nogil=True, error_model="numpy")
def order_workspace(n: int) -> np.ndarray:  # pragma: no cover - numba
    """An ``order`` array for ``n`` states: the identity permutation, one block."""
    order = np.zeros(order_size(n), dtype=np.int64)
    for i in range(n):
        order[i] = i
    order[n] = 1
    order[n + 2] = n
    return order


@njit(nogil=True, error_model="numpy", inline="always")
def _enter(v, counter, sp, csp, num, low, stack, on_stack, call_node, call_edge):  # pragma: no cover
    """Tarjan's visit of ``v``: number it, push it on the component stack and the call
    stack (at its first edge); returns the advanced ``(counter, sp, csp)``."""
    num[v] = counter
    low[v] = counter
    stack[sp] = v
    on_stack[v] = True
    call_node[csp] = v
    call_edge[csp] = 0
    return counter + 1, sp + 1, csp + 1


@njit(nogil=True, error_model="numpy")
def block_order(pattern: np.ndarray, order: np.ndarray) -> None:  # pragma: no cover - numba
    """Fill ``order`` (:func:`order_workspace`) from ``pattern`` (n × n, row i depends on j).

    Tarjan's algorithm (iterative): it emits each strongly connected component after every
    component it can reach, so with edges ``i → j`` for ``pattern[i, j]`` the components
    come out dependencies first, which is the block lower triangular order. The states of
    a component are sorted, so a strongly connected pattern gives the identity and one
    block. Allocates its work arrays (called once per patient, not per step).
    """
    n = pattern.shape[0]
    num = np.full(n, -1, dtype=np.int64)
    low = np.zeros(n, dtype=np.int64)
    on_stack = np.zeros(n, dtype=np.bool_)
    stack = np.empty(n, dtype=np.int64)
    call_node = np.empty(n, dtype=np.int64)
    call_edge = np.empty(n, dtype=np.int64)
    comp = np.empty(n, dtype=np.int64)
    sp = 0
    csp = 0
    counter = 0
    pos = 0
    nb = 0
    order[n + 1] = 0
    for root in range(n):
        if num[root] >= 0:
            continue
        counter, sp, csp = _enter(root, counter, sp, csp, num, low, stack, on_stack, call_node,
                                  call_edge)  # fmt: skip
        while csp > 0:
            v = call_node[csp - 1]
            w = call_edge[csp - 1]
            if w < n:
                call_edge[csp - 1] = w + 1
                if w != v and pattern[v, w]:
                    if num[w] < 0:
                        counter, sp, csp = _enter(w, counter, sp, csp, num, low, stack, on_stack,
                                                  call_node, call_edge)  # fmt: skip
                    elif on_stack[w] and num[w] < low[v]:
                        low[v] = num[w]
                continue
            if low[v] == num[v]:
                start = pos
                while True:
                    sp -= 1
                    w = stack[sp]
                    on_stack[w] = False
                    comp[w] = nb
                    # Insertion into the sorted tail perm[start:pos].
                    k = pos
                    while k > start and order[k - 1] > w:
                        order[k] = order[k - 1]
                        k -= 1
                    order[k] = w
                    pos += 1
                    if w == v:
                        break
                nb += 1
                order[n + 1 + nb] = pos
            csp -= 1
            if csp > 0:
                u = call_node[csp - 1]
                if low[v] < low[u]:
                    low[u] = low[v]
    order[n] = nb
    # The pattern's entries (used only with several blocks).
    where = np.empty(n, dtype=np.int64)  # permuted position of each state
    for k in range(n):
        where[order[k]] = k
    src = _src(n)
    dst = _dst(n)
    m = 0
    for i in range(n):
        for j in range(n):
            if pattern[i, j]:
                order[src + m] = i * n + j
                order[dst + m] = where[i] * n + where[j]
                m += 1
    order[2 * n + 2] = m if nb > 1 else 0
    if nb > 1:
        _symbolic_factor(pattern, order, where, comp)


@njit(nogil=True, error_model="numpy")
def _symbolic_factor(pattern, order, where, comp):  # pragma: no cover - numba
    """Fill ``order``'s symbolic section: elimination on the diagonal of each block of the
    permuted pattern, with its fill-in, as lists of flat positions (layout above)."""
    n = pattern.shape[0]
    s = np.zeros((n, n), dtype=np.bool_)
    block_end = np.empty(n, dtype=np.int64)  # per position, end of its block
    for i in range(n):
        for j in range(n):
            if pattern[i, j]:
                s[where[i], where[j]] = True
        s[i, i] = True
        block_end[where[i]] = order[n + 2 + comp[i]]
    for k in range(n):
        e = block_end[k]
        for i in range(k + 1, e):
            if s[i, k]:
                for j in range(k + 1, e):
                    if s[k, j]:
                        s[i, j] = True
    sym = _sym(n)
    m = sym + 3 * n + 3
    for k in range(n):
        order[sym + k] = m
        e = block_end[k]
        for i in range(k + 1, e):
            if s[i, k]:
                order[m] = i * n + k
                count_at = m + 1
                m += 2
                for j in range(k + 1, e):
                    if s[k, j]:
                        order[m] = i * n + j
                        order[m + 1] = k * n + j
                        m += 2
                order[count_at] = (m - count_at - 1) // 2
    order[sym + n] = m
    for i in range(n):  # forward: the blocks left of i's (pattern) and L (with fill-in)
        order[sym + n + 1 + i] = m
        for j in range(i):
            if s[i, j]:
                order[m] = i * n + j
                order[m + 1] = j
                m += 2
    order[sym + 2 * n + 1] = m
    for i in range(n):  # back: U right of the diagonal, inside i's block
        order[sym + 2 * n + 2 + i] = m
        for j in range(i + 1, block_end[i]):
            if s[i, j]:
                order[m] = i * n + j
                order[m + 1] = j
                m += 2
    order[sym + 3 * n + 2] = m


@njit(nogil=True, error_model="numpy")
def lu_workspace(n: int) -> np.ndarray:  # pragma: no cover - numba
    """Integer workspace of :func:`lu_factor` / :func:`lu_solve` for an ``n × n`` system.

    Layout: ``[0, n)`` row permutation (the state of each factored row), ``[n, 2n]`` row
    starts of ``L``'s non-zeros, ``[2n + 1, 3n + 1]`` row starts of ``U``'s strictly upper
    non-zeros, ``[3n + 2, 4n + 3]`` the blocks used (count, then boundaries; set by
    :func:`load_iteration_matrix`), then ``n²`` column indices (``L``'s rows, then
    ``U``'s). The row starts and columns are used with one block only (several blocks use
    ``order``'s symbolic lists).
    """
    return np.zeros(4 * n + 4 + n * n, dtype=np.int64)


@njit(nogil=True, error_model="numpy")
def load_iteration_matrix(
    jmat: np.ndarray,
    shift: float,
    order: np.ndarray,
    a: np.ndarray,
    index: np.ndarray,
    pivoting: bool = False,
) -> None:  # pragma: no cover - numba
    """Write ``shift I - J`` into ``a`` in ``order``'s permutation; set the blocks to use.

    ``order``'s blocks if every non-zero of ``J`` is in its pattern (then only the pattern's
    entries are copied), else, or with ``pivoting``, one block for this matrix (see the
    module docstring).
    """
    n = jmat.shape[0]
    blocks = index[3 * n + 2 : 4 * n + 4]
    nb = order[n]
    if nb > 1 and not pivoting:
        npat = order[2 * n + 2]
        jflat = jmat.reshape(n * n)
        aflat = a.reshape(n * n)
        nz = 0
        for q in range(n * n):
            nz += jflat[q] != 0.0
        for q in range(n * n):
            aflat[q] = 0.0
        src = order[_src(n) : _src(n) + npat]
        dst = order[_dst(n) : _dst(n) + npat]
        nz_pattern = 0
        for q in range(npat):
            v = jflat[src[q]]
            nz_pattern += v != 0.0
            aflat[dst[q]] = -v
        if nz_pattern == nz:
            blocks[0] = nb
            for b in range(nb + 1):
                blocks[1 + b] = order[n + 1 + b]
            for i in range(n):
                a[i, i] += shift
            return
    blocks[0] = 1
    blocks[1] = 0
    blocks[2] = n
    identity = True
    for i in range(n):
        if order[i] != i:
            identity = False
    for i in range(n):
        ai = a[i]
        if identity:
            ji = jmat[i]
            for j in range(n):
                ai[j] = -ji[j]
        else:
            ji = jmat[order[i]]
            for j in range(n):
                ai[j] = -ji[order[j]]
        ai[i] += shift


@njit(nogil=True, error_model="numpy")
def _eliminate(a: np.ndarray, rowp: np.ndarray) -> bool:  # pragma: no cover - numba
    """Dense Gaussian elimination of ``a`` with partial pivoting, in place (the textbook
    factors; row swaps recorded in ``rowp``). ``False`` if a pivot is zero or non-finite."""
    n = a.shape[0]
    for k in range(n):
        p = k
        amax = abs(a[k, k])
        for i in range(k + 1, n):
            v = abs(a[i, k])
            if v > amax:
                amax = v
                p = i
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
            tmp_i = rowp[k]
            rowp[k] = rowp[p]
            rowp[p] = tmp_i
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
def _eliminate_static(
    a: np.ndarray, order: np.ndarray, scratch: np.ndarray
) -> bool:  # pragma: no cover
    """Eliminate the diagonal blocks of ``a`` on the diagonal, along ``order``'s symbolic
    lists; the pivots are replaced by their reciprocals. ``False`` if a pivot is zero,
    non-finite or cancelled below :data:`PIVOT_CANCELLATION` of its loaded value (then ``a``
    is spoilt). ``scratch`` (n,) receives the loaded diagonal."""
    n = a.shape[0]
    af = a.reshape(n * n)
    for i in range(n):
        scratch[i] = abs(af[i * (n + 1)])
    sym = _sym(n)
    m = order[sym]
    for k in range(n):
        kk = k * (n + 1)
        d = af[kk]
        if not (abs(d) >= PIVOT_CANCELLATION * scratch[k]) or d == 0.0 or not math.isfinite(d):
            return False
        inv = 1.0 / d
        end = order[sym + k + 1]
        while m < end:
            r = order[m]
            count = order[m + 1]
            m += 2
            lik = af[r] * inv
            af[r] = lik
            for _ in range(count):
                af[order[m]] -= lik * af[order[m + 1]]
                m += 2
        af[kk] = inv
    return True


@njit(nogil=True, error_model="numpy")
def lu_factor(
    a: np.ndarray, order: np.ndarray, index: np.ndarray, scratch: np.ndarray
) -> bool:  # pragma: no cover
    """Factor the diagonal blocks of ``a`` in place; ``False`` if that failed.

    ``a`` and the blocks in ``index`` come from :func:`load_iteration_matrix`; ``index`` is
    a :func:`lu_workspace` array, filled with the row permutation and, with one block, the
    sparsity of the factors; ``scratch`` is an (n,) float array. With several blocks a
    ``False`` may only mean that static pivots do not suit this matrix:
    :func:`factor_iteration_matrix` then factors it again with partial pivoting.
    """
    n = a.shape[0]
    rowp = index[:n]
    lstart = index[n : 2 * n + 1]
    ustart = index[2 * n + 1 : 3 * n + 2]
    cols = index[4 * n + 4 :]
    for i in range(n):
        rowp[i] = order[i]
    if index[3 * n + 2] > 1:
        return _eliminate_static(a, order, scratch)
    if not _eliminate(a, rowp):
        return False
    # The columns of each row's non-zeros, scanned: L's, then U's.
    m = 0
    for i in range(n):
        lstart[i] = m
        ri = a[i]
        for j in range(i):
            if ri[j] != 0.0:
                cols[m] = j
                m += 1
    lstart[n] = m
    for i in range(n):
        ustart[i] = m
        ri = a[i]
        for j in range(i + 1, n):
            if ri[j] != 0.0:
                cols[m] = j
                m += 1
    ustart[n] = m
    return True


@njit(nogil=True, error_model="numpy")
def factor_iteration_matrix(
    jmat: np.ndarray,
    shift: float,
    order: np.ndarray,
    a: np.ndarray,
    index: np.ndarray,
    scratch: np.ndarray,
) -> bool:  # pragma: no cover - numba
    """Load ``shift I - J`` (:func:`load_iteration_matrix`) and factor it (:func:`lu_factor`),
    with partial pivoting as one block where the static pivots are refused. ``False`` if the
    matrix is singular or non-finite."""
    load_iteration_matrix(jmat, shift, order, a, index, False)
    if lu_factor(a, order, index, scratch):
        return True
    if index[3 * jmat.shape[0] + 2] == 1:
        return False
    load_iteration_matrix(jmat, shift, order, a, index, True)
    return lu_factor(a, order, index, scratch)


@njit(nogil=True, error_model="numpy")
def lu_solve(
    a: np.ndarray, order: np.ndarray, index: np.ndarray, b: np.ndarray, z: np.ndarray
) -> None:  # pragma: no cover - numba
    """Overwrite ``b`` (n,) with the solution of ``A x = b`` after :func:`lu_factor`.

    ``b`` and the solution are in the original state order; ``z`` (n,) is scratch. (Reading
    ``b`` and writing it inside the substitution loops instead of in separate loops is
    slower: numba must then assume that ``b`` may alias ``z`` and ``a``.)
    """
    n = a.shape[0]
    rowp = index[:n]
    blocks = index[3 * n + 2 : 4 * n + 4]
    for i in range(n):
        z[i] = b[rowp[i]]
    nb = blocks[0]
    if nb == 1:
        lstart = index[n : 2 * n + 1]
        ustart = index[2 * n + 1 : 3 * n + 2]
        cols = index[4 * n + 4 :]
        for i in range(n):
            ri = a[i]
            s = z[i]
            for jj in range(lstart[i], lstart[i + 1]):
                j = cols[jj]
                s -= ri[j] * z[j]
            z[i] = s
        for i in range(n - 1, -1, -1):
            ri = a[i]
            s = z[i]
            for jj in range(ustart[i], ustart[i + 1]):
                j = cols[jj]
                s -= ri[j] * z[j]
            z[i] = s / ri[i]
    else:
        af = a.reshape(n * n)
        # Unsigned positions: no negative-index wraparound per access.
        pos = order.view(np.uint64)
        forward = _sym(n) + n + 1
        back = _sym(n) + 2 * n + 2
        for blk in range(nb):
            s0 = blocks[1 + blk]
            e = blocks[2 + blk]
            for i in range(s0, e):
                s = z[i]
                m = order[forward + i]
                end = order[forward + i + 1]
                while m < end:
                    s -= af[pos[m]] * z[pos[m + 1]]
                    m += 2
                z[i] = s
            for i in range(e - 1, s0 - 1, -1):
                s = z[i]
                m = order[back + i]
                end = order[back + i + 1]
                while m < end:
                    s -= af[pos[m]] * z[pos[m + 1]]
                    m += 2
                z[i] = s * af[i * (n + 1)]  # U's diagonal holds its reciprocals
    for i in range(n):
        b[order[i]] = z[i]
