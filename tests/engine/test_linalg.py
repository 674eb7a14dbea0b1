"""The zero-skipping LU: same result as dense elimination, correct solves, singular input."""

from __future__ import annotations

import numpy as np
import pytest

from immunoreset.engine._linalg import lu_factor, lu_solve, lu_workspace


def _sparse_matrix(rng: np.random.Generator, n: int, density: float) -> np.ndarray:
    a = rng.normal(size=(n, n)) * (rng.random((n, n)) < density)
    a[np.diag_indices(n)] += rng.normal(size=n)  # diagonal may be small: pivoting needed
    return a


@pytest.mark.parametrize("density", [0.1, 0.3, 1.0])
def test_lu_solves_sparse_and_dense_systems(density: float) -> None:
    rng = np.random.default_rng(3)
    for _ in range(50):
        n = int(rng.integers(1, 30))
        a = _sparse_matrix(rng, n, density)
        if abs(np.linalg.det(a)) < 1e-8:
            continue
        lu = a.copy()
        piv = np.empty(n, dtype=np.int64)
        index = lu_workspace(n)
        assert lu_factor(lu, piv, index)
        for _ in range(3):
            b = rng.normal(size=n)
            x = b.copy()
            lu_solve(lu, piv, index, x)
            np.testing.assert_allclose(a @ x, b, rtol=1e-8, atol=1e-8 * np.abs(a).sum())


def test_lu_is_bit_identical_to_dense_partial_pivoting() -> None:
    # Reference: textbook dense elimination without any zero skipping, same pivot rule.
    rng = np.random.default_rng(5)
    n = 25
    a = _sparse_matrix(rng, n, 0.15)
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
    b = rng.normal(size=n)
    z = b[perm].copy()
    for i in range(n):
        for j in range(i):
            z[i] -= ref[i, j] * z[j]
    for i in range(n - 1, -1, -1):
        for j in range(i + 1, n):
            z[i] -= ref[i, j] * z[j]
        z[i] /= ref[i, i]
    lu = a.copy()
    piv = np.empty(n, dtype=np.int64)
    index = lu_workspace(n)
    assert lu_factor(lu, piv, index)
    np.testing.assert_array_equal(lu, ref)
    x = b.copy()
    lu_solve(lu, piv, index, x)
    np.testing.assert_array_equal(x, z)


def test_lu_reports_singular_and_nonfinite_matrices() -> None:
    index = lu_workspace(3)
    piv = np.empty(3, dtype=np.int64)
    singular = np.array([[1.0, 2.0, 0.0], [2.0, 4.0, 0.0], [0.0, 0.0, 1.0]])
    assert not lu_factor(singular, piv, index)
    bad = np.eye(3)
    bad[1, 1] = np.nan
    assert not lu_factor(bad, piv, index)
