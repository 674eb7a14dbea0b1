"""Test problems for the engine, as numba RHS functions ``f(t, y, p, dydt)``.

The stiff problems are those of Hairer & Wanner (1996), *Solving Ordinary Differential
Equations II*, 2nd ed., Springer, section IV.10 "Numerical Experiments" (problems ROBER,
HIRES, VDPOL, OREGO), with their initial values and time spans; ``scipy_rhs`` wraps each
for ``scipy.integrate.solve_ivp``.
"""

from __future__ import annotations

import itertools
from typing import Any, NamedTuple

import numpy as np
from numba import njit


@njit(cache=True)
def robertson(t, y, p, dydt):
    """ROBER (Robertson 1966): chemical kinetics; y0 = (1, 0, 0); HW II IV.10 eq. (10.3)."""
    dydt[0] = -0.04 * y[0] + 1e4 * y[1] * y[2]
    dydt[2] = 3e7 * y[1] * y[1]
    dydt[1] = -dydt[0] - dydt[2]


@njit(cache=True)
def hires(t, y, p, dydt):
    """HIRES (Schäfer 1975): plant physiology, 8 states, t in [0, 321.8122]; HW II IV.10."""
    dydt[0] = -1.71 * y[0] + 0.43 * y[1] + 8.32 * y[2] + 0.0007
    dydt[1] = 1.71 * y[0] - 8.75 * y[1]
    dydt[2] = -10.03 * y[2] + 0.43 * y[3] + 0.035 * y[4]
    dydt[3] = 8.32 * y[1] + 1.71 * y[2] - 1.12 * y[3]
    dydt[4] = -1.745 * y[4] + 0.43 * y[5] + 0.43 * y[6]
    dydt[5] = -280.0 * y[5] * y[7] + 0.69 * y[3] + 1.71 * y[4] - 0.43 * y[5] + 0.69 * y[6]
    dydt[6] = 280.0 * y[5] * y[7] - 1.81 * y[6]
    dydt[7] = -dydt[6]


@njit(cache=True)
def vdpol(t, y, p, dydt):
    """VDPOL, scaled van der Pol: y1' = y2, y2' = ((1 - y1^2) y2 - y1) / eps; HW II IV.10.

    ``p[0] = eps``; eps = 1e-6 is van der Pol with mu = 1000 after the rescaling
    t -> t / mu, y2 -> mu y2 (HW II, eq. (1.5')). y0 = (2, 0), t in [0, 2] (as in the Bari IVP test set).
    """
    dydt[0] = y[1]
    dydt[1] = ((1.0 - y[0] * y[0]) * y[1] - y[0]) / p[0]


@njit(cache=True)
def orego(t, y, p, dydt):
    """OREGO (Field & Noyes 1974), the Oregonator; y0 = (1, 2, 3), t in [0, 360]; HW II IV.10."""
    dydt[0] = 77.27 * (y[1] + y[0] * (1.0 - 8.375e-6 * y[0] - y[1]))
    dydt[1] = (y[2] - (1.0 + y[0]) * y[1]) / 77.27
    dydt[2] = 0.161 * (y[0] - y[2])


@njit(cache=True)
def linear(t, y, p, dydt):
    """y' = A y with A = p reshaped (n × n), row-major."""
    n = y.size
    for i in range(n):
        acc = 0.0
        for j in range(n):
            acc += p[i * n + j] * y[j]
        dydt[i] = acc


@njit(cache=True)
def linear_jac(t, y, p, jac):
    """Analytic Jacobian of :func:`linear`: A."""
    n = y.size
    for i in range(n):
        for j in range(n):
            jac[i, j] = p[i * n + j]


@njit(cache=True)
def riccati(t, y, p, dydt):
    """y' = p0 y^2: y(t) = y0 / (1 - p0 y0 t); blows up at t = 1 / (p0 y0) if p0 y0 > 0."""
    dydt[0] = p[0] * y[0] * y[0]


@njit(cache=True)
def riccati_jac(t, y, p, jac):
    jac[0, 0] = 2.0 * p[0] * y[0]


@njit(cache=True)
def decay(t, y, p, dydt):
    """Two-compartment decay: y0' = -k0 y0, y1' = k0 y0 - k1 y1 (p = (k0, k1), per day)."""
    dydt[0] = -p[0] * y[0]
    dydt[1] = p[0] * y[0] - p[1] * y[1]


@njit(cache=True)
def sqrt_growth(t, y, p, dydt):
    """y' = sqrt(p0 - y): NaN once y > p0 (used to provoke NONFINITE)."""
    dydt[0] = np.sqrt(p[0] - y[0]) + 1.0


def scipy_rhs(func, p):
    """Wrap a numba RHS for ``scipy.integrate.solve_ivp``."""
    params = np.asarray(p, dtype=np.float64)

    def f(t, y):
        out = np.empty_like(y)
        func(float(t), np.ascontiguousarray(y, dtype=np.float64), params, out)
        return out

    return f


class StiffProblem(NamedTuple):
    """A test problem: RHS, parameters, initial state and save times (HW II IV.10)."""

    rhs: Any
    params: tuple[float, ...]
    y0: tuple[float, ...]
    t_save: np.ndarray


#: Problem set of Hairer & Wanner II, IV.10, with their time spans.
STIFF_PROBLEMS: dict[str, StiffProblem] = {
    "ROBER": StiffProblem(
        robertson, (), (1.0, 0.0, 0.0),
        np.array([0.0, 0.4, 4.0, 40.0, 400.0, 4e3, 4e4, 4e5, 4e6, 4e7, 4e8, 4e9, 4e10, 1e11]),
    ),
    "HIRES": StiffProblem(
        hires, (), (1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0057),
        np.array([0.0, 1.0, 5.0, 10.0, 50.0, 100.0, 200.0, 321.8122]),
    ),
    "VDPOL": StiffProblem(
        vdpol, (1e-6,), (2.0, 0.0), np.array([0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0]),
    ),
    "OREGO": StiffProblem(
        orego, (), (1.0, 2.0, 3.0), np.linspace(0.0, 360.0, 13),
    ),
}  # fmt: skip


@njit(cache=True)
def logistic(t, y, p, dydt):
    """y' = r y (1 - y), r = p0: y(t) = 1 / (1 + (1/y0 - 1) exp(-r t))."""
    dydt[0] = p[0] * y[0] * (1.0 - y[0])


@njit(cache=True)
def logistic_jac(t, y, p, jac):
    jac[0, 0] = p[0] * (1.0 - 2.0 * y[0])


@njit(cache=True)
def inverse_time(t, y, p, dydt):
    """y' = 1 / (p0 - t): raises ZeroDivisionError (numba's default error model) at t = p0."""
    dydt[0] = 1.0 / (p[0] - t)



@njit(cache=True)
def hidden_coupling(t, y, p, dydt):
    """A stiff coupling that switches on at t = 4 (y0 = 1 + t reaches 5); y(0) = (1, 2, 1).

    y1' = 1000 c (y2 - y1), y2' = 1000 (y1 - y2) - y2 with c = max(0, y0 - 5): y1 depends
    on y2 only once c > 0, so a Jacobian pattern probed near y(0) misses it; then the pair
    relaxes at rate ~1000 (1 + c), which a Rosenbrock step survives only with the full
    Jacobian in its linear solves.
    """
    c = max(0.0, y[0] - 5.0)
    dydt[0] = 1.0
    dydt[1] = 1000.0 * c * (y[2] - y[1])
    dydt[2] = 1000.0 * (y[1] - y[2]) - y[2]


@njit(cache=True)
def hidden_coupling_jac(t, y, p, jac):
    c = max(0.0, y[0] - 5.0)
    for i in range(3):
        for j in range(3):
            jac[i, j] = 0.0
    if y[0] > 5.0:
        jac[1, 0] = 1000.0 * (y[2] - y[1])
    jac[1, 1] = -1000.0 * c
    jac[1, 2] = 1000.0 * c
    jac[2, 1] = 1000.0
    jac[2, 2] = -1001.0


def reducible_matrix(rng: np.random.Generator, sizes: list[int]) -> np.ndarray:
    """Stiff, stable A (rates 1..1000/day) for :func:`linear` that is block lower triangular
    after a random symmetric permutation, with dense (strongly connected) diagonal blocks."""
    n = sum(sizes)
    bounds = np.cumsum([0, *sizes])
    m = rng.normal(size=(n, n)) * (rng.random((n, n)) < 0.5)
    for s, e in itertools.pairwise(bounds):
        m[s:e, s:e] = rng.normal(size=(e - s, e - s))
        m[s:e, s:e][np.diag_indices(e - s)] -= 10.0 ** rng.uniform(0, 3, size=e - s)
        m[s:e, e:] = 0.0
    perm = rng.permutation(n)
    a = np.empty_like(m)
    a[np.ix_(perm, perm)] = m
    return a


def linear_batch(seed: int, n_patients: int) -> tuple[np.ndarray, np.ndarray]:
    """Patients of :func:`linear` with different structures (1 to 4 blocks, some fully
    coupled): ``(y0, params)``, ``params[k]`` the flattened 7 × 7 matrix."""
    rng = np.random.default_rng(seed)
    mats = []
    for _ in range(n_patients):
        cuts = np.sort(rng.choice(np.arange(1, 7), size=int(rng.integers(0, 4)), replace=False))
        mats.append(reducible_matrix(rng, np.diff([0, *cuts, 7]).tolist()))
    y0 = rng.uniform(0.5, 2.0, size=(n_patients, 7))
    return y0, np.array([a.ravel() for a in mats])
