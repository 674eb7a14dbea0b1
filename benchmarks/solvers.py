"""Throughput and accuracy of the batched solvers against a SciPy per-patient loop.

Run from the repository root::

    .venv/bin/python benchmarks/solvers.py            # 1,000 and 10,000 patients
    .venv/bin/python benchmarks/solvers.py --quick    # 200 and 1,000 patients

Test model: a 20-state, moderately stiff caricature of CAR-T therapy in lupus (CAR-T
effector/memory/exhausted cells, a five-stage B-cell maturation chain, plasmablasts and
long-lived plasma cells, autoantigen, IgG and anti-dsDNA titres, immune complexes, two
cytokines, complement, regulatory T cells, inflammation and damage). Rates span 1e-4/day
(damage) to ~8/day (antigen-antibody binding), with Michaelis-Menten killing and Hill
activation; per-patient lognormal parameters. Events: CAR-T infusion at day 0, a
lymphodepletion jump at day -3, and 0-3 random antigen flares per patient. Integration from
day -7 to day 730 with daily saves (738 points), rtol 1e-6, atol 1e-9.

For each method the script prints patients/s (wall time of ``solve_batch`` on all cores
numba uses, after a warm-up call that loads or compiles the kernel), mean accepted steps,
and the error on a subsample against a tight reference (SciPy Radau, rtol 1e-10,
atol 1e-13): the largest ``|y - y_ref| / (atol + rtol |y_ref|)`` over states and days, and
the largest relative error over entries with ``|y_ref| > 1e-3``. The SciPy LSODA loop (same
RHS as a Python function, same tolerances, events by restarting at each event time) is timed
on a subsample. A last row repeats rodas with ``dense_output=False`` (stepping exactly onto
every daily save) to show what the interpolant costs in accuracy. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import time

import numba
import numpy as np
from numba import njit
from scipy.integrate import solve_ivp

from immunoreset.engine import EventSchedule, SolverSettings, solve_batch

N_STATES = 20
(E, M, X, B1, B2, B3, B4, B5, PB, LL, AG, IGG, DS, IC, IL6, IFN, C3, TR, INF, DMG) = range(20)
N_PARAMS = 8  # per-patient multipliers of: expansion, killing, B production, LL decay,
#             antigen production, cytokine gain, complement consumption, damage accrual


@njit(cache=True)
def rhs(t, y, p, dydt):
    """The 20-state test model; y in arbitrary units (O(1e-3..1e3)), t in days."""
    e, b_tot = max(y[E], 0.0), 0.0
    for k in range(B1, B5 + 1):
        b_tot += max(y[k], 0.0)
    ag = max(y[AG], 0.0)
    # CAR-T: antigen(B)-driven expansion (Hill), contraction to memory, exhaustion.
    act = b_tot**2 / (b_tot**2 + 4.0)
    dydt[E] = (1.2 * p[0] * act - 0.25) * y[E] + 0.02 * y[M] - 0.05 * act * y[E]
    dydt[M] = 0.04 * y[E] - 0.02 * y[M] - 0.001 * y[M]
    dydt[X] = 0.05 * act * y[E] - 0.1 * y[X]
    # B-cell chain with Michaelis-Menten killing by CAR-T.
    kill = 3.0 * p[1] * e / (1.0 + e + 0.5 * b_tot)
    dydt[B1] = 0.5 * p[2] - 0.8 * y[B1] - kill * y[B1]
    dydt[B2] = 0.8 * y[B1] - 0.4 * y[B2] - kill * y[B2]
    dydt[B3] = 0.4 * y[B2] * (1.0 + ag / (ag + 5.0)) - 0.2 * y[B3] - kill * y[B3]
    dydt[B4] = 0.2 * y[B3] - 0.1 * y[B4] - kill * y[B4]
    dydt[B5] = 0.1 * y[B4] - 0.05 * y[B5] - kill * y[B5]
    # Plasmablasts (short-lived) and long-lived plasma cells (CD19-negative, not killed).
    dydt[PB] = 0.3 * y[B5] * (1.0 + y[IL6]) - 1.0 * y[PB]
    dydt[LL] = 0.002 * y[PB] - 0.001 * p[3] * y[LL]
    # Autoantigen, total IgG, anti-dsDNA, immune complexes (binding ~8/day at baseline).
    bind = 0.02 * y[DS] * ag / (1.0 + ag)
    dydt[AG] = 0.2 * p[4] * (1.0 + y[INF]) - 0.5 * y[AG] - bind
    dydt[IGG] = 10.0 * (y[PB] + y[LL]) - 0.033 * y[IGG]
    dydt[DS] = 0.5 * (y[PB] + 2.0 * y[LL]) - 0.033 * y[DS] - bind
    dydt[IC] = bind - 2.0 * y[IC] - 0.5 * y[IC] * y[C3]
    # Cytokines (fast clearance), complement, Tregs.
    dydt[IL6] = 0.5 * p[5] * (0.1 * y[E] * act + y[IC]) - 5.0 * y[IL6]
    dydt[IFN] = 0.3 * p[5] * (y[IC] + 0.05 * b_tot) - 3.0 * y[IFN]
    dydt[C3] = 0.2 * (1.0 - y[C3]) - 0.3 * p[6] * y[IC] * y[C3]
    dydt[TR] = 0.05 * (1.0 + y[IL6]) - 0.05 * y[TR] - 0.02 * y[TR] * y[IFN]
    # Inflammation and slow irreversible damage.
    dydt[INF] = 1.5 * (y[IC] + y[IFN]) / (1.0 + y[TR]) - 0.7 * y[INF]
    dydt[DMG] = 1e-4 * p[7] * y[INF] - 1e-4 * y[DMG]


def make_population(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, EventSchedule]:
    """Initial states (pre-treatment quasi steady state), parameters and events."""
    rng = np.random.default_rng(seed)
    params = np.exp(rng.normal(0.0, 0.25, size=(n, N_PARAMS)))
    y0 = np.zeros((n, N_STATES))
    y0[:, [B1, B2, B3, B4, B5]] = [0.6, 1.2, 2.0, 3.5, 6.0]
    y0[:, [PB, LL, AG, IGG, DS]] = [3.0, 5.0, 0.2, 1000.0, 400.0]
    y0[:, [IC, IL6, IFN, C3, TR, INF, DMG]] = [0.2, 0.1, 0.2, 0.8, 1.0, 0.8, 0.5]
    y0 *= np.exp(rng.normal(0.0, 0.1, size=y0.shape))
    events = []
    for i in range(n):
        row = [(-3.0, k, -0.7 * y0[i, k]) for k in (B1, B2, B3, B4, B5)]  # lymphodepletion
        row.append((0.0, E, float(rng.uniform(0.5, 2.0))))  # CAR-T infusion
        for _ in range(int(rng.integers(0, 4))):  # antigen flares
            row.append((float(rng.uniform(30.0, 700.0)), AG, float(rng.uniform(2.0, 10.0))))
        events.append(row)
    return y0, params, EventSchedule.from_lists(events)


DAYS = np.arange(-7.0, 731.0)
RTOL, ATOL = 1e-6, 1e-9


def scipy_loop(y0: np.ndarray, params: np.ndarray, events: EventSchedule, method: str,
               rtol: float, atol: float) -> np.ndarray:  # fmt: skip
    """Per-patient solve_ivp loop, restarting at each event; (n, n_days, n_states)."""
    out = np.full((len(y0), DAYS.size, N_STATES), np.nan)
    for i in range(len(y0)):
        p = params[i]

        def f(t: float, y: np.ndarray, p: np.ndarray = p) -> np.ndarray:
            d = np.empty(N_STATES)
            rhs(t, y, p, d)
            return d

        y = y0[i].copy()
        t = DAYS[0]
        stops = [(s, k, a) for s, k, a in zip(events.times[i], events.state_index[i],
                                              events.amount[i], strict=True) if np.isfinite(s)]  # fmt: skip
        bounds = sorted({s for s, _, _ in stops if DAYS[0] <= s < DAYS[-1]} | {DAYS[-1]})
        for s, k, a in stops:
            if s == t:
                y[k] += a
        out[i, 0] = y
        for tb in bounds:
            mask = (DAYS > t) & (DAYS <= tb)
            t_eval = DAYS[mask] if DAYS[mask][-1:] == tb else np.append(DAYS[mask], tb)
            sol = solve_ivp(f, (t, tb), y, method=method, rtol=rtol, atol=atol, t_eval=t_eval)
            out[i, mask] = sol.y.T[: int(mask.sum())]
            y = sol.y[:, -1].copy()
            for s, k, a in stops:
                if s == tb:
                    y[k] += a
            if tb in DAYS:
                out[i, np.searchsorted(DAYS, tb)] = y
            t = tb
    return out


def errors(y: np.ndarray, ref: np.ndarray) -> tuple[float, float]:
    scaled = np.abs(y - ref) / (ATOL + RTOL * np.abs(ref))
    big = np.abs(ref) > 1e-3
    return float(np.nanmax(scaled)), float(np.nanmax(np.abs(y - ref)[big] / np.abs(ref[big])))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 and 1,000 patients")
    parser.add_argument("--n-scipy", type=int, default=10, help="patients in the SciPy loops")
    args = parser.parse_args()
    sizes = (200, 1000) if args.quick else (1000, 10_000)
    n_ref = args.n_scipy
    print(f"numba threads: {numba.get_num_threads()}; model: {N_STATES} states, days "
          f"{DAYS[0]:g}..{DAYS[-1]:g} ({DAYS.size} saves); rtol={RTOL:g} atol={ATOL:g}")  # fmt: skip

    y0, params, events = make_population(max(sizes), seed=2024)
    sub = slice(0, n_ref)
    sub_events = EventSchedule(events.times[sub], events.state_index[sub], events.amount[sub])
    t = time.perf_counter()
    ref = scipy_loop(y0[sub], params[sub], sub_events, "Radau", 1e-10, 1e-13)
    print(f"reference: SciPy Radau rtol=1e-10 atol=1e-13 on {n_ref} patients "
          f"({time.perf_counter() - t:.1f} s)")  # fmt: skip

    print(f"{'solver':<22}{'patients':>9}{'patients/s':>12}{'mean steps':>12}"
          f"{'max scaled err':>16}{'max rel err':>13}")  # fmt: skip
    for method in ("rodas", "dopri5"):
        settings = SolverSettings(method=method, rtol=RTOL, atol=ATOL, max_steps=200_000)
        solve_batch(rhs, y0[:4], params[:4], DAYS, events=EventSchedule(
            events.times[:4], events.state_index[:4], events.amount[:4]), settings=settings)
        for n in sizes:
            ev = EventSchedule(events.times[:n], events.state_index[:n], events.amount[:n])
            t = time.perf_counter()
            sol = solve_batch(rhs, y0[:n], params[:n], DAYS, events=ev, settings=settings)
            wall = time.perf_counter() - t
            scaled, rel = errors(sol.y[sub], ref)
            fails = f" ({sol.n_failed} failed)" if sol.n_failed else ""
            print(f"{method + ' (numba)':<22}{n:>9}{n / wall:>12.0f}{np.mean(sol.n_steps):>12.0f}"
                  f"{scaled:>16.2f}{rel:>13.1e}{fails}")  # fmt: skip
    # Save-time accuracy: dense output against stepping exactly onto every save time.
    n = sizes[0]
    ev = EventSchedule(events.times[:n], events.state_index[:n], events.amount[:n])
    stepped = SolverSettings(method="rodas", rtol=RTOL, atol=ATOL, dense_output=False)
    t = time.perf_counter()
    sol = solve_batch(rhs, y0[:n], params[:n], DAYS, events=ev, settings=stepped)
    wall = time.perf_counter() - t
    scaled, rel = errors(sol.y[sub], ref)
    print(f"{'rodas, onto saves':<22}{n:>9}{n / wall:>12.0f}{np.mean(sol.n_steps):>12.0f}"
          f"{scaled:>16.2f}{rel:>13.1e}")  # fmt: skip
    for method in ("LSODA",):
        t = time.perf_counter()
        y = scipy_loop(y0[sub], params[sub], sub_events, method, RTOL, ATOL)
        wall = time.perf_counter() - t
        scaled, rel = errors(y, ref)
        print(f"{'scipy ' + method + ' loop':<22}{n_ref:>9}{n_ref / wall:>12.1f}{'':>12}"
              f"{scaled:>16.2f}{rel:>13.1e}")  # fmt: skip


if __name__ == "__main__":
    main()
