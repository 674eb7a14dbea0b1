"""Benchmark: the batched engine and the study pipeline on the full SLE / CD19 CAR-T model.

    python benchmarks/engine.py [--n 1000 10000 100000] [--scipy-sample 20] [--workers 2]

Prints figures; asserts nothing. In order:

1. Start-up, in a fresh process: seconds to import the simulation API and seconds to load
   the compiled kernel, right-hand side and Jacobian from numba's disk cache (the first
   solve minus a repeat of it).
2. For each N: the study pipeline as ``immunoreset simulate --save visits`` runs it
   (N Erlangen-like virtual patients, two arms — CAR-T and untreated — each solved from
   day −7 to 730 with daily dense output, CRS graded daily, the other clinical scores on
   the visit days, per-patient summaries and visit-day values written to Parquet) with
   ``--workers`` local processes; patients/s counts arm-patients (one patient through one
   arm), and the peak resident memory is summed over the process tree; then the same
   pipeline with one arm at a time (N patients through the CAR-T arm alone, then the
   untreated arm alone: the arm pipeline's patients/s per arm). Then the solver
   alone (CAR-T arm, daily output, in chunks of 1000 so memory stays flat), a per-patient
   ``scipy.integrate.solve_ivp`` loop (LSODA, the same numba right-hand side and
   tolerances) on a subsample in this process, the ratio of the two, and both results'
   largest relative error against a tight Radau reference (rtol 1e-10) on a few patients,
   and the solver with its lockstep lanes (the default) against one patient at a time
   (``SolverSettings(lanes=False)``), alternating, on up to 2,000 patients.
3. The floor set by the model's own functions: the mean number of right-hand-side and
   Jacobian evaluations per CAR-T patient (Rodas5P at the default settings, and DOPRI5 at
   the same tolerances for comparison), times the measured cost of one call on states
   taken from solved trajectories. That CPU time per patient is spent whatever the linear
   algebra and bookkeeping cost, so the cores' count divided by it bounds patients/s for
   the method; the line also gives the share of the solver's measured time it accounts for.
4. Scaling from 1 to 2 cores on ``--scaling-n`` patients (default 10⁴, at most the
   largest N): the study pipeline in one process with one numba thread vs two worker
   processes (processes share the work), and the solver alone with 1 vs 2 numba threads
   in one process.

It ends with one line for the largest N:
``patients_per_s=<study pipeline, arm-patients/s> ratio_vs_scipy_loop=<solver/scipy>
peak_rss_mb=<peak of the study pipeline> car_t_patients_per_s=<the arm pipeline, CAR-T arm
alone> untreated_patients_per_s=<the arm pipeline, untreated arm alone>``: the last two are
the same study pipeline run with one arm (N patients through it), so each arm's cost is
measured apart.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numba
import numpy as np

from immunoreset.engine import BatchSolution, EventSchedule, SolverSettings, solve_batch
from immunoreset.model import STATE_INDEX, jac, load_parameters, rhs
from immunoreset.population import sample_cohort
from immunoreset.simulation import (
    DEFAULT_DAYS,
    DEFAULT_SOLVER,
    RunOptions,
    StudySpec,
    patient_events,
    run_study,
    solve_patient_scipy,
)
from immunoreset.therapy import Regimen

KEY_STATES = ("car_t_effector", "naive_b_blood", "anti_dsdna", "c3", "proteinuria")
FLOOR = 1e-3  # absolute floor (state units) below which differences are not counted
SOLVE_CHUNK = 1000
LANES_SAMPLE = 2000  # patients of the lanes / one-at-a-time comparison

_STARTUP = """
import time
t0 = time.perf_counter()
import numpy as np
from immunoreset.engine import solve_batch
from immunoreset.engine._kernel import JAC_SIGNATURE, no_jac
from immunoreset.model import jac, load_parameters, rhs
from immunoreset.population import sample_cohort
t1 = time.perf_counter()
c = sample_cohort(1, load_parameters(), seed=1)
days = np.array([0.0, 1.0])
t2 = time.perf_counter()
no_jac.compile(JAC_SIGNATURE)  # numba's own first-use initialisation
t3 = time.perf_counter()
solve_batch(rhs, c.y0, c.params, days, jac=jac)
t4 = time.perf_counter()
solve_batch(rhs, c.y0, c.params, days, jac=jac)
t5 = time.perf_counter()
print(t1 - t0, t3 - t2, (t4 - t3) - (t5 - t4))
"""


def _error(y: np.ndarray, ref: np.ndarray) -> float:
    idx = [STATE_INDEX[s] for s in KEY_STATES]
    a, b = y[..., idx], ref[..., idx]
    return float(np.nanmax(np.abs(a - b) / np.maximum(np.abs(b), FLOOR)))


class _PeakRss:
    """Peak of the summed resident memory of this process and its children (MB)."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        try:
            import psutil
        except ImportError:  # fall back to this process's own high-water mark
            return
        me = psutil.Process()
        while not self._stop.is_set():
            try:
                total = sum(p.memory_info().rss for p in [me, *me.children(recursive=True)])
            except psutil.Error:
                continue
            self.peak = max(self.peak, total / 2**20)
            self._stop.wait(0.1)

    def __enter__(self) -> _PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


ARMS = {"car_t": Regimen.erlangen_car_t(), "untreated": Regimen.refractory_background()}


def _study(n: int, workers: int, chunk_size: int, arms: tuple[str, ...] = tuple(ARMS)
           ) -> tuple[float, float]:
    """Arm-patients/s and peak memory (MB) of the study pipeline on ``n`` patients through
    ``arms`` (of :data:`ARMS`)."""
    params = load_parameters()
    spec = StudySpec(title="benchmark", parameters=params, arms={a: ARMS[a] for a in arms}, n=n,
                     seed=1)
    with tempfile.TemporaryDirectory() as tmp, _PeakRss() as mem:
        t = time.perf_counter()
        run_study(Path(tmp) / "run", spec, command="benchmark", config={},
                  options=RunOptions(chunk_size=chunk_size, workers=workers, save="visits",
                                     progress=False))
        elapsed = time.perf_counter() - t
    return len(arms) * n / elapsed, mem.peak


def _solve_rate(n: int, settings: SolverSettings = DEFAULT_SOLVER
                ) -> tuple[float, BatchSolution]:
    """Solver-alone patients/s (CAR-T arm, daily output); the first chunk's solution."""
    params = load_parameters()
    regimen = Regimen.erlangen_car_t()
    elapsed = 0.0
    first: BatchSolution | None = None
    for start in range(0, n, SOLVE_CHUNK):
        cohort = sample_cohort(min(SOLVE_CHUNK, n - start), params, seed=1, first_index=start)
        events = EventSchedule.from_lists(patient_events(cohort, regimen))
        t = time.perf_counter()
        sol = solve_batch(rhs, cohort.y0, cohort.params, DEFAULT_DAYS, t0=float(DEFAULT_DAYS[0]),
                          events=events, settings=settings, jac=jac)
        elapsed += time.perf_counter() - t
        if start == 0:
            first = sol
    assert first is not None
    return n / elapsed, first


@numba.njit
def _call_model(states: np.ndarray, params: np.ndarray, repeats: int, jacobian: bool) -> float:
    """Call the model's RHS (or Jacobian) on every state ``repeats`` times; returns a sum
    of outputs so that the calls cannot be optimised away."""
    n = states.shape[1]
    f = np.empty(n)
    jmat = np.empty((n, n))
    total = 0.0
    for _ in range(repeats):
        for k in range(states.shape[0]):
            if jacobian:
                jac(0.0, states[k], params[k], jmat)
                total += jmat[0, 0]
            else:
                rhs(0.0, states[k], params[k], f)
                total += f[0]
    return total


def _model_call_seconds(sol: BatchSolution, params: np.ndarray, jacobian: bool) -> float:
    """Seconds per call of the RHS (or Jacobian) on states from ``sol`` (best of 5)."""
    states = sol.y[:, ::7].reshape(-1, sol.y.shape[-1])
    per_state = np.repeat(params, sol.y[:, ::7].shape[1], axis=0)
    keep = np.isfinite(states).all(axis=1)
    states, per_state = np.ascontiguousarray(states[keep]), np.ascontiguousarray(per_state[keep])
    _call_model(states[:2], per_state[:2], 1, jacobian)
    repeats = max(1, 2_000_000 // len(states))
    best = math.inf
    for _ in range(5):
        t = time.perf_counter()
        _call_model(states, per_state, repeats, jacobian)
        best = min(best, time.perf_counter() - t)
    return best / (repeats * len(states))


def _model_floor(sol: BatchSolution, solve_rate: float) -> None:
    """Print the CPU time per patient spent in the model's functions alone, per method.

    Rodas5P evaluates the Jacobian once per accepted step (a rejected step reuses it), so
    the accepted steps count its calls; DOPRI5 never calls it."""
    params = load_parameters()
    cohort = sample_cohort(sol.y.shape[0], params, seed=1)
    t_rhs = _model_call_seconds(sol, cohort.params, jacobian=False)
    t_jac = _model_call_seconds(sol, cohort.params, jacobian=True)
    threads = numba.get_num_threads()
    events = EventSchedule.from_lists(patient_events(cohort, Regimen.erlangen_car_t()))
    dopri = solve_batch(rhs, cohort.y0, cohort.params, DEFAULT_DAYS, t0=float(DEFAULT_DAYS[0]),
                        events=events, jac=jac,
                        settings=dataclasses.replace(DEFAULT_SOLVER, method="dopri5"))
    print(f"  model functions (one call on one thread, states from the solved trajectories): RHS "
          f"{t_rhs * 1e9:.0f} ns, Jacobian {t_jac * 1e9:.0f} ns")
    for name, s, n_jac in (("rodas", sol, sol.n_steps), ("dopri5", dopri, 0)):
        cpu = float(np.mean(s.n_rhs)) * t_rhs + float(np.mean(n_jac)) * t_jac
        print(f"  floor for {name}: {np.mean(s.n_rhs):,.0f} RHS + {np.mean(n_jac):,.0f} Jacobian "
              f"calls per patient = {cpu * 1e3:.3f} ms CPU, so at most {threads / cpu:,.0f} "
              f"patients/s on {threads} cores with free linear algebra and bookkeeping")
    share = float(np.mean(sol.n_rhs)) * t_rhs + float(np.mean(sol.n_steps)) * t_jac
    print(f"  the model's functions are {share * solve_rate / threads:.0%} of the solver's CPU "
          f"time (rodas, {solve_rate:,.0f} patients/s measured above)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--chunk-size", type=int, default=500)
    ap.add_argument("--scipy-sample", type=int, default=20)
    ap.add_argument("--reference-sample", type=int, default=5)
    ap.add_argument("--scaling-n", type=int, default=10000,
                    help="patients of the 1 -> 2 core comparison (at most the largest --n)")
    args = ap.parse_args()

    out = subprocess.run([sys.executable, "-c", _STARTUP], capture_output=True, text=True, check=True)
    t_import, t_numba, t_load = (float(x) for x in out.stdout.split())
    print(f"start-up in a fresh process: import {t_import:.2f} s; numba's first-use "
          f"initialisation {t_numba:.2f} s; load of the cached kernel, RHS and Jacobian {t_load:.2f} s")
    print(f"solver: {DEFAULT_SOLVER}")

    params = load_parameters()
    regimen = ARMS["car_t"]
    last = None
    for n in args.n:
        rate, peak = _study(n, args.workers, args.chunk_size)
        print(f"N={n}: study pipeline ({args.workers} worker processes, 2 arms, visit days + "
              f"summaries to Parquet): {rate:,.0f} arm-patients/s, peak RSS {peak:,.0f} MB")
        per_arm = {a: _study(n, args.workers, args.chunk_size, (a,))[0] for a in ARMS}
        print("  one arm per run (the arm pipeline): " + ", ".join(
            f"{a} {r:,.0f} patients/s" for a, r in per_arm.items()))
        solve_rate, first = _solve_rate(n)
        y = first.y
        m = min(args.scipy_sample, n)
        cohort = sample_cohort(m, params, seed=1)
        ev_lists = patient_events(cohort, regimen)
        t = time.perf_counter()
        lsoda = [solve_patient_scipy(cohort.y0[i], cohort.params[i], DEFAULT_DAYS, ev_lists[i],
                                     method="LSODA", rtol=DEFAULT_SOLVER.rtol, atol=DEFAULT_SOLVER.atol)
                 for i in range(m)]
        scipy_rate = m / (time.perf_counter() - t)
        r = min(args.reference_sample, m)
        ref = np.array([solve_patient_scipy(cohort.y0[i], cohort.params[i], DEFAULT_DAYS, ev_lists[i])
                        for i in range(r)])
        ratio = solve_rate / scipy_rate
        print(f"  solver alone (CAR-T arm, daily output, {numba.get_num_threads()} numba threads): "
              f"{solve_rate:,.0f} patients/s; scipy solve_ivp LSODA loop {scipy_rate:,.1f} patients/s "
              f"on {m}; engine/scipy = {ratio:,.0f}x")
        print(f"  max relative error vs Radau rtol 1e-10 on {r} patients (floor {FLOOR:g}): "
              f"engine {_error(y[:r], ref):.2e}, scipy LSODA {_error(np.array(lsoda[:r]), ref):.2e}")
        last = (rate, ratio, peak, per_arm["car_t"], per_arm["untreated"])
        if n == max(args.n):
            _model_floor(first, solve_rate)
        k = min(n, LANES_SAMPLE)
        one_at_a_time = dataclasses.replace(DEFAULT_SOLVER, lanes=False)
        rates = [(_solve_rate(k)[0], _solve_rate(k, one_at_a_time)[0]) for _ in range(3)]
        lanes_rate, one_rate = max(r[0] for r in rates), max(r[1] for r in rates)
        print(f"  lockstep lanes vs one patient at a time (solver alone, {k} patients, best of 3 "
              f"alternating runs): {lanes_rate:,.0f} vs {one_rate:,.0f} patients/s = "
              f"{lanes_rate / one_rate:.2f}x")

    n = min(max(args.n), args.scaling_n)
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    one, _ = _study(n, 1, args.chunk_size)
    solve_one, _ = _solve_rate(min(n, 2000))
    numba.set_num_threads(threads)
    two, _ = _study(n, 2, args.chunk_size)
    solve_two, _ = _solve_rate(min(n, 2000))
    print(f"scaling 1 -> 2 cores: study pipeline on N={n}, 1 process x 1 thread {one:,.0f}/s vs "
          f"2 worker processes (and the driver) {two:,.0f}/s = {two / one:.2f}x; solver alone on "
          f"{min(n, 2000)} patients, 1 vs {threads} numba threads in one process = "
          f"{solve_two / solve_one:.2f}x")
    assert last is not None
    print(f"patients_per_s={last[0]:.1f} ratio_vs_scipy_loop={last[1]:.1f} peak_rss_mb={last[2]:.1f} "
          f"car_t_patients_per_s={last[3]:.1f} untreated_patients_per_s={last[4]:.1f}")


if __name__ == "__main__":
    main()
