"""The block LU: dense path bit-identical to partial pivoting, block solves, the fallback."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from immunoreset.engine._linalg import (
    block_order,
    factor_iteration_matrix,
    load_iteration_matrix,
    lu_factor,
    lu_solve,
    lu_workspace,
    order_workspace,
)


def _sparse_matrix(rng: np.random.Generator, n: int, density: float) -> np.ndarray:
    a = rng.normal(size=(n, n)) * (rng.random((n, n)) < density)
    a[np.diag_indices(n)] += rng.normal(size=n)  # diagonal may be small: pivoting needed
    return a


def _factor(a: np.ndarray, order: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """``a`` in ``order``'s permutation, factored (through the solver's own loading)."""
    n = a.shape[0]
    lu = np.empty((n, n))
    index = lu_workspace(n)
    ok = factor_iteration_matrix(-a, 0.0, order, lu, index, np.empty(n))  # 0 I - (-a) = a
    return lu, index, ok


def _solve(lu: np.ndarray, order: np.ndarray, index: np.ndarray, b: np.ndarray) -> np.ndarray:
    x = b.copy()
    lu_solve(lu, order, index, x, np.empty(b.size))
    return x


def _blocks_used(index: np.ndarray, n: int) -> int:
    return int(index[3 * n + 2])


def _order_of(a: np.ndarray) -> np.ndarray:
    order = order_workspace(a.shape[0])
    block_order(a != 0.0, order)
    return order


@pytest.mark.parametrize("density", [0.1, 0.3, 1.0])
def test_lu_solves_sparse_and_dense_systems(density: float) -> None:
    rng = np.random.default_rng(3)
    for _ in range(50):
        n = int(rng.integers(1, 30))
        a = _sparse_matrix(rng, n, density)
        if abs(np.linalg.det(a)) < 1e-8:
            continue
        for order in (order_workspace(n), _order_of(a)):
            lu, index, ok = _factor(a, order)
            assert ok
            for _ in range(3):
                b = rng.normal(size=n)
                x = _solve(lu, order, index, b)
                np.testing.assert_allclose(a @ x, b, rtol=1e-8, atol=1e-8 * np.abs(a).sum())


def _textbook_solve(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dense elimination without any zero skipping, same pivot rule; (factors, solution)."""
    n = a.shape[0]
    ref = a.copy()
    perm = np.arange(n)
    for k in range(n):
        p = k + int(np.argmax(np.abs(ref[k:, k])))
        ref[[k, p]] = ref[[p, k]]
        perm[[k, p]] = perm[[p, k]]
        for i in range(k + 1, n):
            ref[i, k] = ref[i, k] * (1.0 / ref[k, k])
            for j in range(k + 1, n):
                ref[i, j] -= ref[i, k] * ref[k, j]
    z = b[perm].copy()
    for i in range(n):
        for j in range(i):
            z[i] -= ref[i, j] * z[j]
    for i in range(n - 1, -1, -1):
        for j in range(i + 1, n):
            z[i] -= ref[i, j] * z[j]
        z[i] /= ref[i, i]
    return ref, z


def test_one_block_is_bit_identical_to_dense_partial_pivoting() -> None:
    # The previous (dense, zero-skipping) implementation was checked bit for bit against
    # this same textbook reference, so one block also reproduces it exactly.
    rng = np.random.default_rng(5)
    for density in (0.15, 0.4, 1.0):
        n = 25
        a = _sparse_matrix(rng, n, density)
        ref, z = _textbook_solve(a, b := rng.normal(size=n))
        order = order_workspace(n)
        lu, index, ok = _factor(a, order)
        assert ok and _blocks_used(index, n) == 1
        np.testing.assert_array_equal(lu, ref)
        np.testing.assert_array_equal(_solve(lu, order, index, b), z)


def _block_lower_triangular(
    rng: np.random.Generator, sizes: list[int], density: float
) -> tuple[np.ndarray, np.ndarray]:
    """A matrix that is block lower triangular after a random symmetric permutation.

    Returns ``(a, perm)`` with ``a[perm][:, perm]`` block lower triangular; the diagonal
    blocks are dense (so strongly connected), with a small diagonal (pivoting needed).
    """
    n = sum(sizes)
    bounds = np.cumsum([0, *sizes])
    m = rng.normal(size=(n, n)) * (rng.random((n, n)) < density)
    for s, e in itertools.pairwise(bounds):
        m[s:e, s:e] = rng.normal(size=(e - s, e - s))
        m[s:e, s:e][np.diag_indices(e - s)] *= 0.1
        m[s:e, e:] = 0.0
    perm = rng.permutation(n)
    a = np.empty_like(m)
    a[np.ix_(perm, perm)] = m
    return a, perm


def test_block_lu_matches_numpy_on_permuted_block_triangular_systems() -> None:
    rng = np.random.default_rng(11)
    checked = 0
    for _ in range(200):
        sizes = [int(s) for s in rng.integers(1, 7, size=int(rng.integers(1, 8)))]
        a, _ = _block_lower_triangular(rng, sizes, float(rng.choice([0.2, 0.5, 1.0])))
        if np.linalg.cond(a) > 1e3:
            continue
        order = _order_of(a)
        n = a.shape[0]
        assert order[n] == len(sizes)  # one block per strongly connected diagonal block
        lu, index, ok = _factor(a, order)
        assert ok and _blocks_used(index, n) == len(sizes)  # no fallback
        for _ in range(3):
            b = rng.normal(size=n)
            x = _solve(lu, order, index, b)
            expected = np.linalg.solve(a, b)
            assert np.linalg.norm(x - expected) <= 1e-12 * np.linalg.norm(expected)
        checked += 1
    assert checked > 50


def test_non_zero_above_the_blocks_falls_back_to_one_block() -> None:
    rng = np.random.default_rng(13)
    a, _ = _block_lower_triangular(rng, [3, 1, 4, 2], 0.5)
    n = a.shape[0]
    order = _order_of(a)
    assert order[n] == 4
    # A coupling the pattern missed: the first block's first state depends on the last
    # block's first state, which makes the permuted matrix non-triangular.
    first, last = order[0], order[n - 2]
    a[first, last] = 0.7
    lu, index, ok = _factor(a, order)
    assert ok and _blocks_used(index, n) == 1
    b = rng.normal(size=n)
    x = _solve(lu, order, index, b)
    expected = np.linalg.solve(a, b)
    assert np.linalg.norm(x - expected) <= 1e-12 * np.linalg.norm(expected)
    # The fallback is exactly the dense factorisation of the permuted matrix.
    one = order.copy()
    one[n], one[n + 1], one[n + 2] = 1, 0, n
    lu1, index1, ok1 = _factor(a, one)
    assert ok1
    np.testing.assert_array_equal(lu, lu1)
    np.testing.assert_array_equal(x, _solve(lu1, one, index1, b))
    # NaN above the blocks is not zero either.
    a[first, last] = np.nan
    _, index, _ = _factor(a, order)
    assert _blocks_used(index, n) == 1


def test_block_order_on_a_known_pattern() -> None:
    # Row i depends on column j: 0 <-> 3, 2 <- 1, 4 <- 2, 4 <-> 5 (diagonal ignored).
    pattern = np.eye(6, dtype=bool)
    for i, j in [(0, 3), (3, 0), (2, 1), (4, 2), (4, 5), (5, 4)]:
        pattern[i, j] = True
    order = order_workspace(6)
    block_order(pattern, order)
    assert order[:6].tolist() == [0, 3, 1, 2, 4, 5]
    assert order[6] == 4 and order[7:12].tolist() == [0, 2, 3, 4, 6]
    # Strongly connected: identity, one block (no pattern used), as order_workspace. No
    # coupling: identity, singletons.
    block_order(np.ones((4, 4), dtype=bool), order := order_workspace(4))
    np.testing.assert_array_equal(order[:11], order_workspace(4)[:11])
    block_order(np.eye(3, dtype=bool), order := order_workspace(3))
    assert order[:8].tolist() == [0, 1, 2, 3, 0, 1, 2, 3]


def test_block_order_agrees_with_scipy_on_random_patterns() -> None:
    rng = np.random.default_rng(17)
    for _ in range(200):
        n = int(rng.integers(1, 30))
        pattern = rng.random((n, n)) < rng.choice([0.02, 0.05, 0.1, 0.3])
        order = order_workspace(n)
        block_order(pattern, order)
        perm, nb, bounds = order[:n], int(order[n]), order[n + 1 : n + 2 + int(order[n])]
        assert sorted(perm.tolist()) == list(range(n))
        block_of = np.empty(n, dtype=np.int64)
        for b in range(nb):
            states = perm[bounds[b] : bounds[b + 1]]
            assert (np.diff(states) > 0).all()
            block_of[states] = b
        n_scc, labels = connected_components(csr_matrix(pattern), directed=True, connection="strong")
        assert n_scc == nb
        for b in range(nb):  # same partition
            assert len(set(labels[block_of == b].tolist())) == 1
        rows, cols = np.nonzero(pattern)
        assert (block_of[cols] <= block_of[rows]).all()  # block lower triangular


def test_lu_reports_singular_and_nonfinite_matrices() -> None:
    singular = np.array([[1.0, 2.0, 0.0], [2.0, 4.0, 0.0], [0.0, 0.0, 1.0]])
    bad = np.eye(3)
    bad[1, 1] = np.nan
    for a in (singular, bad):
        for order in (order_workspace(3), _order_of(a)):
            assert not _factor(a, order)[2]
    # A singular diagonal block in a triangular system.
    tri = np.array([[1.0, 0.0, 0.0], [5.0, 0.0, 0.0], [1.0, 2.0, 3.0]])
    order = _order_of(tri)
    assert order[3] == 3
    assert not _factor(tri, order)[2]


@pytest.mark.parametrize(
    "core",
    [
        [[0.0, 1.0], [1.0, 0.0]],  # zero pivot: needs a row swap
        [[1.0, 1.0], [1.0, 1.0 + 1e-4]],  # the second pivot cancels to 1e-4 of its entry
    ],
)
def test_static_pivots_refuse_and_the_step_falls_back_to_partial_pivoting(core: list[list[float]]) -> None:
    # A 2-state core fed by a 1-state block: block lower triangular, two blocks.
    a = np.zeros((3, 3))
    a[:2, :2] = core
    a[0, 2], a[2, 2] = 0.5, 2.0
    order = _order_of(a)
    n = 3
    assert order[n] == 2
    lu = np.empty((n, n))
    index = lu_workspace(n)
    load_iteration_matrix(-a, 0.0, order, lu, index)
    assert _blocks_used(index, n) == 2
    assert not lu_factor(lu, order, index, np.empty(n))  # refused, not singular
    lu, index, ok = _factor(a, order)
    assert ok and _blocks_used(index, n) == 1
    b = np.array([1.0, -2.0, 3.0])
    x = _solve(lu, order, index, b)
    np.testing.assert_allclose(x, np.linalg.solve(a, b), rtol=1e-12)


def test_static_pivots_solve_with_fill_in() -> None:
    # An arrow-shaped strongly connected block: eliminating the first column fills the whole
    # block, which the symbolic factorisation must have planned for.
    rng = np.random.default_rng(19)
    k = 6
    core = np.diag(rng.uniform(5.0, 6.0, size=k))
    core[0, 1:] = rng.normal(size=k - 1)
    core[1:, 0] = rng.normal(size=k - 1)
    a = np.zeros((k + 2, k + 2))
    a[:k, :k] = core
    a[k, k] = 3.0
    a[k + 1, k + 1] = 4.0
    a[k + 1, 0] = a[0, k] = 1.5  # the core depends on state k; state k + 1 on the core
    order = _order_of(a)
    n = k + 2
    assert order[n] == 3
    lu, index, ok = _factor(a, order)
    assert ok and _blocks_used(index, n) == 3
    for _ in range(3):
        b = rng.normal(size=n)
        x = _solve(lu, order, index, b)
        np.testing.assert_allclose(x, np.linalg.solve(a, b), rtol=1e-12, atol=1e-14)
