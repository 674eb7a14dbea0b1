"""Benchmark: the batched engine on the full SLE / CD19 CAR-T model vs a SciPy loop.

    python benchmarks/engine.py [--n 1000 10000 100000] [--scipy-sample 20] [--threads N]

For each N: draws N Erlangen-like virtual patients, solves the CAR-T arm from day -7 to 730
(daily output) with the default solver (Rodas5P, rtol 1e-6, atol 1e-9) and prints
patients/s for the solve alone and for the whole arm (solve + observables + clinical
scores). On a subsample it times a per-patient ``scipy.integrate.solve_ivp`` loop (LSODA,
same RHS, same tolerances) and reports both results' error against a tight-tolerance
Radau reference (rtol 1e-10). It then runs the whole study pipeline (two arms, visit-day
values and per-patient summaries written to Parquet, as ``immunoreset simulate --save
visits``), reports the speed-up from 1 to 2 numba threads, and ends with one line
``patients_per_s=… ratio_vs_scipy_loop=… peak_rss_mb=…`` for the largest N (patients/s of
the study pipeline, per arm-patient). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from immunoreset.engine import EventSchedule, solve_batch
from immunoreset.model import STATE_INDEX, jac, load_parameters, rhs
from immunoreset.population import sample_cohort
from immunoreset.simulation import (
    DEFAULT_DAYS,
    DEFAULT_SOLVER,
    RunOptions,
    StudySpec,
    patient_events,
    run_study,
    simulate_arm,
    solve_patient_scipy,
)
from immunoreset.therapy import Regimen

KEY_STATES = ("car_t_effector", "naive_b_blood", "anti_dsdna", "c3", "proteinuria")
FLOOR = 1e-3  # absolute floor (state units) below which differences are not counted


def _error(y: np.ndarray, ref: np.ndarray) -> float:
    idx = [STATE_INDEX[s] for s in KEY_STATES]
    a, b = y[..., idx], ref[..., idx]
    return float(np.nanmax(np.abs(a - b) / np.maximum(np.abs(b), FLOOR)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--scipy-sample", type=int, default=20)
    ap.add_argument("--reference-sample", type=int, default=5)
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()
    params = load_parameters()
    regimen = Regimen.erlangen_car_t()
    days = DEFAULT_DAYS
    warm = sample_cohort(4, params, seed=99)
    t = time.perf_counter()
    simulate_arm(warm, regimen)
    print(f"warm-up (kernel load/compile + first solve): {time.perf_counter() - t:.2f} s")
    last = None
    for n in args.n:
        cohort = sample_cohort(n, params, seed=1)
        events = EventSchedule.from_lists(patient_events(cohort, regimen))
        t = time.perf_counter()
        sol = solve_batch(rhs, cohort.y0, cohort.params, days, t0=float(days[0]), events=events,
                          settings=DEFAULT_SOLVER, jac=jac, n_threads=args.threads)
        t_solve = time.perf_counter() - t
        t = time.perf_counter()
        simulate_arm(cohort, regimen, n_threads=args.threads)
        t_arm = time.perf_counter() - t
        print(f"N={n}: solve {n / t_solve:,.0f} patients/s ({t_solve:.2f} s); "
              f"full arm with scores {n / t_arm:,.0f} patients/s; failed {int((sol.status != 0).sum())}")
        m = min(args.scipy_sample, n)
        ev_lists = patient_events(cohort, regimen)
        t = time.perf_counter()
        lsoda = [solve_patient_scipy(cohort.y0[i], cohort.params[i], days, ev_lists[i], method="LSODA",
                                     rtol=DEFAULT_SOLVER.rtol, atol=DEFAULT_SOLVER.atol) for i in range(m)]
        t_scipy = time.perf_counter() - t
        r = min(args.reference_sample, m)
        ref = np.array([solve_patient_scipy(cohort.y0[i], cohort.params[i], days, ev_lists[i])
                        for i in range(r)])
        err_engine = _error(sol.y[:r], ref)
        err_scipy = _error(np.array(lsoda[:r]), ref)
        ratio = (n / t_solve) / (m / t_scipy)
        print(f"  scipy solve_ivp LSODA loop: {m / t_scipy:,.1f} patients/s on {m} patients; "
              f"engine/scipy = {ratio:,.0f}x")
        print(f"  max relative error vs Radau rtol 1e-10 on {r} patients (floor {FLOOR:g}): "
              f"engine {err_engine:.2e}, scipy LSODA {err_scipy:.2e}")
        arms = {"car_t": regimen, "untreated": Regimen.refractory_background()}
        spec = StudySpec(title="benchmark", parameters=params, arms=arms, n=n, seed=1)
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            run_study(Path(tmp) / "run", spec, command="benchmark", config={},
                      options=RunOptions(chunk_size=500, save="visits", progress=False))
            t_study = time.perf_counter() - t
        study_rate = 2 * n / t_study
        print(f"  study pipeline (2 arms, visit days + summaries to Parquet): "
              f"{study_rate:,.0f} arm-patients/s ({t_study:.1f} s)")
        last = (study_rate, ratio)
    cohort = sample_cohort(1000, params, seed=2)
    events = EventSchedule.from_lists(patient_events(cohort, regimen))
    rates = {}
    for threads in (1, 2):
        t = time.perf_counter()
        solve_batch(rhs, cohort.y0, cohort.params, days, t0=float(days[0]), events=events,
                    settings=DEFAULT_SOLVER, jac=jac, n_threads=threads)
        rates[threads] = 1000 / (time.perf_counter() - t)
    print(f"scaling (numba threads in one process, 1000 patients): 1 thread {rates[1]:,.0f}/s, "
          f"2 threads {rates[2]:,.0f}/s, speed-up {rates[2] / rates[1]:.2f}x")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert last is not None
    print(f"patients_per_s={last[0]:.1f} ratio_vs_scipy_loop={last[1]:.1f} peak_rss_mb={peak_mb:.1f}")


if __name__ == "__main__":
    main()
