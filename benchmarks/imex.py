"""Experiment: would an additive (IMEX) Runge-Kutta method beat Rodas5P on the full model?

    python benchmarks/imex.py [--n 200] [--seed 7]

Rodas5P pays, per step, a Jacobian, an LU factorisation and eight linear solves. An
additive Runge-Kutta method treats a *linear* part ``L y`` implicitly and the rest,
``f(y) - L y``, explicitly. If ``L`` is the Jacobian's diagonal plus its couplings below the
diagonal in a block-triangular order of the states (the strongly connected components of
the Jacobian's pattern in topological order), each stage's implicit solve is a forward
substitution: no factorisation and no pivots. Because ``f = L y + (f - L y)`` holds for any
``L``, ``L`` can be frozen at the start of a step without costing order; only stability
depends on it, and that is what this script measures.

Method: ARK4(3)6L[2]SA, Kennedy & Carpenter (2003), Appl. Numer. Math. 44:139-181, the
explicit and ESDIRK tables of the 6-stage order-4 pair with its order-3 embedding. The
script checks the additive order conditions of the tables it uses before anything else.
Values at the daily save times come from cubic Hermite interpolation between steps.
``L`` keeps only non-positive diagonal entries (a growing state stays explicit).

For each arm it prints, for Rodas5P at the default settings and for the ARK method at a
few tolerances: accepted steps, RHS evaluations per patient, wall time per patient on the
numba threads, and the error against a tight Rodas5P reference (rtol 1e-10) in the
benchmark's measure (largest relative error over patients, days and states, absolute floor
1e-3 state units). Prints figures; asserts nothing. The method is not part of the engine.
"""

from __future__ import annotations

import argparse
import math
import time

import numba
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from immunoreset.engine import EventSchedule, SolverSettings, solve_batch
from immunoreset.model import N_STATES, jac, load_parameters, rhs
from immunoreset.population import sample_cohort
from immunoreset.simulation import DEFAULT_DAYS, DEFAULT_SOLVER, patient_events
from immunoreset.therapy import Regimen

FLOOR = 1e-3
REFERENCE = SolverSettings(rtol=1e-10, atol=1e-14)
RTOLS = (3e-6, 1e-5)
# Step-size controller: safety factor, growth and shrink limits, exponent 1/(3 + 1) for the
# order-3 embedded error estimate (Hairer, Norsett & Wanner 1993, II.4).
SAFETY, GROW, SHRINK = 0.9, 5.0, 0.2

# ARK4(3)6L[2]SA (Kennedy & Carpenter 2003, tables for the explicit and ESDIRK parts).
S = 6
GAMMA = 0.25
A_IMPLICIT = np.zeros((S, S))
A_EXPLICIT = np.zeros((S, S))
A_IMPLICIT[1, :2] = [1 / 4, 1 / 4]
A_IMPLICIT[2, :3] = [8611 / 62500, -1743 / 31250, 1 / 4]
A_IMPLICIT[3, :4] = [5012029 / 34652500, -654441 / 2922500, 174375 / 388108, 1 / 4]
A_IMPLICIT[4, :5] = [15267082809 / 155376265600, -71443401 / 120774400,
                     730878875 / 902184768, 2285395 / 8070912, 1 / 4]
A_IMPLICIT[5, :6] = [82889 / 524892, 0, 15625 / 83664, 69875 / 102672, -2260 / 8211, 1 / 4]
A_EXPLICIT[1, 0] = 1 / 2
A_EXPLICIT[2, :2] = [13861 / 62500, 6889 / 62500]
A_EXPLICIT[3, :3] = [-116923316275 / 2393684061468, -2731218467317 / 15368042101831,
                     9408046702089 / 11113171139209]
A_EXPLICIT[4, :4] = [-451086348788 / 2902428689909, -2682348792572 / 7519795681897,
                     12662868775082 / 11960479115383, 3355817975965 / 11060851509271]
A_EXPLICIT[5, :5] = [647845179188 / 3216320057751, 73281519250 / 8382639484533,
                     552539513391 / 3454668386233, 3354512671639 / 8306763924573, 4040 / 17871]
WEIGHTS = np.array([82889 / 524892, 0, 15625 / 83664, 69875 / 102672, -2260 / 8211, 1 / 4])
EMBEDDED = np.array([4586570599 / 29645900160, 0, 178811875 / 945068544,
                     814220225 / 1159782912, -3700637 / 11593932, 61727 / 225920])
NODES = np.array([0, 1 / 2, 83 / 250, 31 / 50, 17 / 20, 1])


def order_condition_residual(weights: np.ndarray, order: int) -> float:
    """Largest residual of the additive Runge-Kutta order conditions up to ``order`` (4 at
    most) for ``weights`` on the stages of both tables (Kennedy & Carpenter 2003, sec. 3)."""
    c = NODES
    tables = (A_EXPLICIT, A_IMPLICIT)
    r = [weights.sum() - 1, weights @ c - 1 / 2]
    if order >= 3:
        r += [weights @ c**2 - 1 / 3] + [weights @ (a @ c) - 1 / 6 for a in tables]
    if order >= 4:
        r.append(weights @ c**3 - 1 / 4)
        for a in tables:
            r += [weights @ (c * (a @ c)) - 1 / 8, weights @ (a @ c**2) - 1 / 12]
        r += [weights @ (a @ (b @ c)) - 1 / 24 for a in tables for b in tables]
    rows = max(abs(a.sum(axis=1) - c).max() for a in tables)
    return float(max(np.abs(r).max(), rows))


def triangular_order(pattern: np.ndarray) -> np.ndarray:
    """States in block lower triangular order: strongly connected components of the
    Jacobian pattern (``pattern[i, j]``: state j drives state i) in topological order,
    each component's states in depth-first preorder."""
    n = pattern.shape[0]
    drives = pattern.T & ~np.eye(n, dtype=bool)  # drives[j, i]: edge j -> i
    n_comp, label = connected_components(csr_matrix(drives), directed=True, connection="strong")
    indegree = np.zeros(n_comp, dtype=int)
    edges = {(label[j], label[i]) for j, i in zip(*np.nonzero(drives), strict=True)
             if label[j] != label[i]}
    for _, b in edges:
        indegree[b] += 1
    ready = [c for c in range(n_comp) if indegree[c] == 0]
    order: list[int] = []
    while ready:
        comp = min(ready)
        ready.remove(comp)
        members = [int(k) for k in np.flatnonzero(label == comp)]
        seen: list[int] = []
        stack = [members[0]]
        while stack:
            k = stack.pop()
            if k in seen:
                continue
            seen.append(k)
            stack += [i for i in reversed(np.flatnonzero(drives[k])) if label[i] == comp]
        order += seen
        for a, b in edges:
            if a == comp:
                indegree[b] -= 1
                if indegree[b] == 0:
                    ready.append(b)
    return np.array(order, dtype=np.int64)


@numba.njit
def _stage_solve(y, h, k, order, jmat, diag, n_part, l_part, stage):  # pragma: no cover
    """Stage ``k``: solve (I - h γ L) Y = y + h Σ_j (aE_kj N_j + aI_kj L Y_j) by forward
    substitution in ``order``; store Y and L Y."""
    n = y.size
    for a in range(n):
        i = order[a]
        acc = y[i]
        for j in range(k):
            acc += h * (A_EXPLICIT[k, j] * n_part[j, i] + A_IMPLICIT[k, j] * l_part[j, i])
        lower = 0.0
        for b in range(a):
            lower += jmat[i, order[b]] * stage[k, order[b]]
        stage[k, i] = (acc + h * GAMMA * lower) / (1.0 - h * GAMMA * diag[i])
        l_part[k, i] = lower + diag[i] * stage[k, i]


@numba.njit
def solve_patient(y0, p, t0, ev_t, ev_i, ev_a, save_t, rtol, atol, order, out):  # pragma: no cover
    """Integrate one patient with events; fill ``out`` (save times × states); returns
    (accepted steps, rejected steps, RHS evaluations)."""
    n = y0.size
    y = y0.copy()
    t = t0
    f = np.empty((S, n))
    stage = np.empty((S, n))
    l_part = np.empty((S, n))
    n_part = np.empty((S, n))
    diag = np.zeros(n)
    jmat = np.empty((n, n))
    y1 = np.empty(n)
    f0 = np.empty(n)
    f1 = np.empty(n)
    ke = ks = n_acc = n_rej = n_rhs = 0
    t_end = save_t[-1]
    while True:
        while ke < ev_t.size and ev_t[ke] <= t:
            y[ev_i[ke]] += ev_a[ke]
            ke += 1
        while ks < save_t.size and save_t[ks] <= t:
            out[ks] = y
            ks += 1
        if t >= t_end:
            break
        stop = min(ev_t[ke], t_end) if ke < ev_t.size else t_end
        rhs(t, y, p, f0)
        n_rhs += 1
        d0 = d1 = 0.0
        for i in range(n):
            sc = atol + rtol * abs(y[i])
            d0 += (y[i] / sc) ** 2
            d1 += (f0[i] / sc) ** 2
        h = 1e-6 if min(d0, d1) < 1e-10 * n else 0.01 * math.sqrt(d0 / d1)
        while t < stop:
            h = min(h, stop - t)
            jac(t, y, p, jmat)
            for i in range(n):
                diag[i] = min(jmat[i, i], 0.0)
            for a in range(n):
                i = order[a]
                lower = diag[i] * y[i]
                for b in range(a):
                    lower += jmat[i, order[b]] * y[order[b]]
                stage[0, i] = y[i]
                f[0, i] = f0[i]
                l_part[0, i] = lower
                n_part[0, i] = f0[i] - lower
            for k in range(1, S):
                _stage_solve(y, h, k, order, jmat, diag, n_part, l_part, stage)
                rhs(t + NODES[k] * h, stage[k], p, f[k])
                n_rhs += 1
                for i in range(n):
                    n_part[k, i] = f[k, i] - l_part[k, i]
            err = 0.0
            for i in range(n):
                acc = est = 0.0
                for j in range(S):
                    acc += WEIGHTS[j] * f[j, i]
                    est += (WEIGHTS[j] - EMBEDDED[j]) * f[j, i]
                y1[i] = y[i] + h * acc
                err += (h * est / (atol + rtol * max(abs(y[i]), abs(y1[i])))) ** 2
            err = math.sqrt(err / n)
            if not err <= 1.0:
                n_rej += 1
                h *= SHRINK if not math.isfinite(err) else max(SHRINK, SAFETY * err**-0.25)
                continue
            t_new = stop if stop - t <= h else t + h
            rhs(t_new, y1, p, f1)
            n_rhs += 1
            while ks < save_t.size and save_t[ks] < t_new:
                th = (save_t[ks] - t) / h
                for i in range(n):
                    out[ks, i] = ((2 * th**3 - 3 * th**2 + 1) * y[i] + (th**3 - 2 * th**2 + th) * h * f0[i]
                                  + (3 * th**2 - 2 * th**3) * y1[i] + (th**3 - th**2) * h * f1[i])
                ks += 1
            t = t_new
            y[:] = y1
            f0[:] = f1
            n_acc += 1
            h *= min(GROW, max(SHRINK, SAFETY * max(err, 1e-10) ** -0.25))
    return n_acc, n_rej, n_rhs


@numba.njit(parallel=True)
def solve_all(y0, params, t0, ev_t, ev_i, ev_a, ev_start, save_t, rtol, atol, order, out, stats):  # pragma: no cover
    for q in numba.prange(y0.shape[0]):
        lo, hi = ev_start[q], ev_start[q + 1]
        a, r, f = solve_patient(y0[q], params[q], t0, ev_t[lo:hi], ev_i[lo:hi], ev_a[lo:hi],
                                save_t, rtol, atol, order, out[q])
        stats[q, 0], stats[q, 1], stats[q, 2] = a, r, f


def _error(y: np.ndarray, ref: np.ndarray) -> float:
    return float(np.nanmax(np.abs(y - ref) / np.maximum(np.abs(ref), FLOOR)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    print(f"ARK4(3)6L[2]SA order conditions: order 4 residual {order_condition_residual(WEIGHTS, 4):.1e}, "
          f"embedded order 3 residual {order_condition_residual(EMBEDDED, 3):.1e}")
    params = load_parameters()
    cohort = sample_cohort(args.n, params, seed=args.seed)
    y0 = np.nan_to_num(cohort.y0, nan=0.0)
    t0 = float(DEFAULT_DAYS[0])
    for regimen in (Regimen.erlangen_car_t(), Regimen.refractory_background()):
        lists = patient_events(cohort, regimen)
        events = EventSchedule.from_lists(lists)

        def rodas(settings: SolverSettings, events: EventSchedule = events):  # type: ignore[no-untyped-def]
            return solve_batch(rhs, y0, cohort.params, DEFAULT_DAYS, t0=t0, events=events,
                               settings=settings, jac=jac)

        ref = rodas(REFERENCE)
        pattern = np.zeros((N_STATES, N_STATES), dtype=bool)
        jmat = np.empty((N_STATES, N_STATES))
        for q in range(min(args.n, 20)):
            for k in range(0, DEFAULT_DAYS.size, 5):
                jac(float(DEFAULT_DAYS[k]), ref.y[q, k], cohort.params[q], jmat)
                pattern |= jmat != 0.0
        order = triangular_order(pattern)
        position = np.argsort(order)
        explicit = int(sum(position[j] > position[i] for i, j in zip(*np.nonzero(pattern), strict=True)))
        print(f"{regimen.name}: {args.n} patients; {explicit} of "
              f"{int(pattern.sum() - np.trace(pattern))} couplings stay explicit")
        rodas(DEFAULT_SOLVER)
        t = time.perf_counter()
        sol = rodas(DEFAULT_SOLVER)
        wall = time.perf_counter() - t
        print(f"  Rodas5P rtol {DEFAULT_SOLVER.rtol:g}: {sol.n_steps.mean():,.0f} steps, "
              f"{sol.n_rhs.mean():,.0f} RHS, {wall / args.n * 1e3:.2f} ms/patient, "
              f"error {_error(sol.y, ref.y):.1e}")
        ev_t = np.array([e[0] for lst in lists for e in lst], dtype=float)
        ev_i = np.array([e[1] for lst in lists for e in lst], dtype=np.int64)
        ev_a = np.array([e[2] for lst in lists for e in lst], dtype=float)
        ev_start = np.concatenate([[0], np.cumsum([len(lst) for lst in lists])]).astype(np.int64)
        for rtol in RTOLS:
            out = np.full(ref.y.shape, np.nan)
            stats = np.zeros((args.n, 3), dtype=np.int64)
            for _ in range(2):  # the first call compiles
                t = time.perf_counter()
                solve_all(y0, cohort.params, t0, ev_t, ev_i, ev_a, ev_start, DEFAULT_DAYS,
                          rtol, rtol * 1e-3, order, out, stats)
                wall = time.perf_counter() - t
            print(f"  ARK4(3)6L rtol {rtol:g}: {stats[:, 0].mean():,.0f} steps "
                  f"({stats[:, 1].mean():.1f} rejected), {stats[:, 2].mean():,.0f} RHS, "
                  f"{wall / args.n * 1e3:.2f} ms/patient, error {_error(out, ref.y):.1e}")


if __name__ == "__main__":
    main()
