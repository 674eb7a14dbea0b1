"""Benchmark: the solver on an NVIDIA GPU (``SolverSettings(device="cuda")``), full SLE model.

    python benchmarks/gpu.py [--n 10000 100000 1000000] [--pool 65536] [--reference 3]
                             [--cpu-n 0] [--budget-s 240] [--threads-per-block 64] [--json FILE]

Needs the ``gpu`` extra (numba-cuda) and an NVIDIA GPU. Prints figures; asserts nothing.

1. The first solve's compile time (numba-cuda builds the probe and solve kernels from the
   engine's own driver, Rodas5P step and block LU, and the model's RHS and Jacobian).
2. For each N: the solver alone, as ``benchmarks/engine.py`` times it on the CPU:
   Erlangen-like patients through the CAR-T arm, day −7 to 730 with daily dense output
   (738 save times × 25 states per patient). Drawing a virtual patient (covariates,
   parameters, steady state) takes longer on the CPU than solving it on the GPU, so a pool
   of ``--pool`` distinct patients is drawn once (timed apart) and solved as many times as
   N needs, one ``solve_batch`` call per pass; patients/s counts the wall time of those
   calls (kernels, and the copy of every state back to the host). Mean accepted steps per
   patient and the status counts. An N whose projected time exceeds ``--budget-s`` is
   skipped.
3. The largest relative error of the key states (floor 1e-3) against a tight Radau reference
   (rtol 1e-10, ``solve_patient_scipy``) on ``--reference`` patients.
4. With ``--cpu-n M``: the CPU kernel on the first M patients, on all of this machine's
   cores (compiled first: about 100 s), and the largest relative difference to the GPU.

Ends with one line for the largest N: ``gpu_patients_per_s=<float> max_rel_error=<float>``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time

import numba
import numpy as np

from immunoreset.engine import EventSchedule, _cuda, solve_batch
from immunoreset.engine._cuda import cuda_available
from immunoreset.model import STATE_INDEX, jac, load_parameters, rhs
from immunoreset.population import sample_cohort
from immunoreset.simulation import DEFAULT_DAYS, DEFAULT_SOLVER, patient_events, solve_patient_scipy
from immunoreset.therapy import Regimen

KEY_STATES = [STATE_INDEX[s] for s in ("car_t_effector", "naive_b_blood", "anti_dsdna", "c3", "proteinuria")]
FLOOR = 1e-3


def _rel_error(y: np.ndarray, ref: np.ndarray) -> float:
    a, b = y[..., KEY_STATES], ref[..., KEY_STATES]
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), FLOOR)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--pool", type=int, default=65_536)
    ap.add_argument("--budget-s", type=float, default=240.0)
    ap.add_argument("--reference", type=int, default=3)
    ap.add_argument("--cpu-n", type=int, default=0)
    ap.add_argument("--threads-per-block", type=int, default=_cuda.THREADS_PER_BLOCK)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    if not cuda_available():
        raise SystemExit("benchmarks/gpu.py: no usable NVIDIA GPU here (needs the gpu extra, numba-cuda, "
                         "and an NVIDIA driver)")  # fmt: skip
    from numba import cuda

    _cuda.THREADS_PER_BLOCK = args.threads_per_block
    device = cuda.get_current_device()
    print(f"GPU: {device.name.decode() if isinstance(device.name, bytes) else device.name}; "
          f"numba {numba.__version__}; CPU cores {os.cpu_count()}; "
          f"{args.threads_per_block} threads per block")  # fmt: skip
    gpu = dataclasses.replace(DEFAULT_SOLVER, device="cuda")
    params = load_parameters()
    regimen = Regimen.erlangen_car_t()
    t0 = float(DEFAULT_DAYS[0])

    def draw(n: int, first: int = 0) -> tuple[object, list[list[tuple[float, int, float]]]]:
        cohort = sample_cohort(n, params, seed=1, first_index=first)
        return cohort, patient_events(cohort, regimen)

    start = time.perf_counter()
    pool, pool_lists = draw(args.pool)
    pool_events = EventSchedule.from_lists(pool_lists)
    draw_s = time.perf_counter() - start
    print(f"drawing a pool of {args.pool:,} virtual patients: {draw_s:.1f} s")
    start = time.perf_counter()
    solve_batch(rhs, pool.y0[:256], pool.params[:256], DEFAULT_DAYS, t0=t0,  # type: ignore[attr-defined]
                events=EventSchedule(pool_events.times[:256], pool_events.state_index[:256],
                                     pool_events.amount[:256]), settings=gpu, jac=jac)  # fmt: skip
    compile_s = time.perf_counter() - start
    print(f"first solve (256 patients, compiles the kernels): {compile_s:.1f} s")

    results: dict[str, object] = {"compile_s": compile_s, "pool_draw_s": draw_s, "runs": []}
    first_chunk = np.empty(0)
    rate = 0.0
    for n in args.n:
        if rate and n / rate > args.budget_s:
            print(f"N={n:>9,}: skipped (about {n / rate:.0f} s at the last rate, over --budget-s)")
            continue
        solve_s = 0.0
        steps = 0.0
        status: dict[int, int] = {}
        for a in range(0, n, args.pool):
            m = min(args.pool, n - a)
            events = pool_events if m == args.pool else EventSchedule(
                pool_events.times[:m], pool_events.state_index[:m], pool_events.amount[:m])
            t = time.perf_counter()
            sol = solve_batch(rhs, pool.y0[:m], pool.params[:m], DEFAULT_DAYS, t0=t0,  # type: ignore[attr-defined]
                              events=events, settings=gpu, jac=jac)  # fmt: skip
            solve_s += time.perf_counter() - t
            steps += float(sol.n_steps.sum())
            for code, count in zip(*np.unique(sol.status, return_counts=True), strict=True):
                status[int(code)] = status.get(int(code), 0) + int(count)
            if a == 0:
                first_chunk = sol.y[: max(args.reference, args.cpu_n)].copy()
            del sol
        rate = n / solve_s
        print(f"N={n:>9,}: GPU solver {rate:,.0f} patients/s ({solve_s:.1f} s); "
              f"{steps / n:.0f} accepted steps per patient; status {status}")  # fmt: skip
        results["runs"].append({"n": n, "patients_per_s": rate, "solve_s": solve_s,  # type: ignore[attr-defined]
                                "mean_steps": steps / n, "status": status})  # fmt: skip

    cohort, lists = pool, pool_lists
    worst = 0.0
    start = time.perf_counter()
    for i in range(args.reference):
        ref = solve_patient_scipy(cohort.y0[i], cohort.params[i], DEFAULT_DAYS, lists[i])  # type: ignore[attr-defined]
        worst = max(worst, _rel_error(first_chunk[i], ref))
    print(f"max relative error vs Radau rtol 1e-10 on {args.reference} patients (floor {FLOOR:g}): "
          f"GPU {worst:.2e} ({time.perf_counter() - start:.0f} s)")  # fmt: skip
    results["max_rel_error"] = worst
    if args.cpu_n:
        m = args.cpu_n
        cpu = dataclasses.replace(DEFAULT_SOLVER, device="cpu")
        sub = EventSchedule.from_lists(lists[:m])
        solve_batch(rhs, cohort.y0[:1], cohort.params[:1], DEFAULT_DAYS, t0=t0,  # type: ignore[attr-defined]
                    events=EventSchedule.from_lists(lists[:1]), settings=cpu, jac=jac)  # fmt: skip
        t = time.perf_counter()
        sol = solve_batch(rhs, cohort.y0[:m], cohort.params[:m], DEFAULT_DAYS, t0=t0,  # type: ignore[attr-defined]
                          events=sub, settings=cpu, jac=jac)  # fmt: skip
        cpu_rate = m / (time.perf_counter() - t)
        diff = _rel_error(first_chunk[:m], sol.y)
        print(f"CPU kernel on {m} patients, {numba.get_num_threads()} threads: {cpu_rate:,.0f} patients/s; "
              f"largest relative GPU-CPU difference {diff:.2e}")  # fmt: skip
        results.update(cpu_patients_per_s=cpu_rate, cpu_threads=numba.get_num_threads(), gpu_cpu_max_rel_diff=diff)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1)
    print(f"gpu_patients_per_s={rate:.1f} max_rel_error={worst:.3g}")


if __name__ == "__main__":
    main()
