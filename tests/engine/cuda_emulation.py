"""The GPU path's host side on a machine without a GPU: run by ``test_cuda.py`` in a child
process with ``NUMBA_ENABLE_CUDASIM=1`` (numba's CUDA simulator provides the device arrays
and runs the NaN-fill kernel).

The probe and solve kernels are replaced by CPU stand-ins that do what one CUDA thread
does: fresh work arrays (filled with garbage, as uninitialised local memory would be),
flags zeroed but for the probes' RHS count, then ``probe_start`` or ``integrate``. An
exception in the RHS ends the stand-in's "thread" without a status, as on a GPU. What is
tested is everything else: chunking (forced to 3 patients), event padding, grouping of
patterns into block orders, the probes' RHS counts, the NaN fill, the copies into the
results and the status of a patient whose RHS raised. The results must equal the CPU's
one-patient path bit for bit, counts included.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

assert os.environ.get("NUMBA_ENABLE_CUDASIM") == "1", "run with NUMBA_ENABLE_CUDASIM=1"
# As pytest imports it (tests/ on the path), so that numba finds its cached test problems.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.problems import inverse_time, linear, linear_batch  # noqa: E402
from immunoreset.engine import EventSchedule, SolverSettings, SolveStatus, _cuda, solve_batch  # noqa: E402
from immunoreset.engine._control import FLAG_NRHS, N_FLAGS  # noqa: E402
from immunoreset.engine._driver import _N_WORK, integrate  # noqa: E402
from immunoreset.engine._linalg import lu_workspace  # noqa: E402
from immunoreset.engine._rosenbrock import probe_start  # noqa: E402

GARBAGE = 1e300


class _Thread:
    """``kernel[blocks, threads](*args)``: ``body(i, *args)`` for every patient ``i``
    (``args[y0_arg]`` has one row per patient)."""

    def __init__(self, body: Any, y0_arg: int) -> None:
        self.body = body
        self.y0_arg = y0_arg

    def __getitem__(self, launch: tuple[int, int]) -> Any:
        def run(*args: Any) -> None:
            arrays = [np.asarray(a) if hasattr(a, "copy_to_host") else a for a in args]
            for i in range(arrays[self.y0_arg].shape[0]):
                try:
                    self.body(i, *arrays)
                except Exception:  # a raising RHS ends the thread, as on a GPU
                    pass

        return run


def _kernels(rhs: Any, jac: Any, n: int) -> tuple[_Thread, _Thread]:
    global _RHS, _JAC
    _RHS, _JAC = rhs, jac
    return _Thread(_probe, 1), _Thread(_solve, 2)


def _probe(i: int, use_jac: bool, y0: Any, params: Any, t0: float, ev_t: Any, ev_i: Any, ev_a: Any,
           patterns: Any, has_pattern: Any) -> None:  # fmt: skip
    n = y0.shape[1]
    flags = np.zeros(N_FLAGS, dtype=np.int64)
    found = probe_start(_RHS, _JAC, use_jac, y0[i], params[i], t0, ev_t[i], ev_i[i], ev_a[i],
                        patterns[i], np.full(n, GARBAGE), np.full((n, n), GARBAGE),
                        np.full((3, n), GARBAGE), flags)  # fmt: skip
    has_pattern[i] = 1 if found else 0


def _solve(i: int, method: int, use_jac: bool, y0: Any, params: Any, t_save: Any, t0: float,
           ev_t: Any, ev_i: Any, ev_a: Any, rtol: float, atol: Any, max_steps: int, first: float,
           fixed: float, dense: bool, orders: Any, group: Any, nrhs0: Any, out_y: Any,
           out_status: Any, out_stats: Any) -> None:  # fmt: skip
    n = y0.shape[1]
    flags = np.zeros(N_FLAGS, dtype=np.int64)
    flags[FLAG_NRHS] = nrhs0[i]
    index = lu_workspace(n)
    index[:] = 123456789
    out_status[i] = integrate(
        method, _RHS, _JAC, use_jac, y0[i], params[i], t0, t_save, ev_t[i], ev_i[i], ev_a[i],
        rtol, atol, max_steps, first, fixed, dense, orders[group[i]], out_y[i], out_stats[i],
        np.full(n, GARBAGE), np.full(n, GARBAGE), np.full(n, GARBAGE), np.full(n, GARBAGE),
        np.full((_N_WORK, n), GARBAGE), np.full((n, n), GARBAGE), np.full((n, n), GARBAGE),
        index, flags,
    )  # fmt: skip


def _same(gpu: Any, cpu: Any) -> None:
    np.testing.assert_array_equal(gpu.y, cpu.y)
    for name in ("status", "n_steps", "n_rejected", "n_rhs"):
        np.testing.assert_array_equal(getattr(gpu, name), getattr(cpu, name), err_msg=name)


def main() -> None:
    _cuda._kernels = _kernels  # type: ignore[assignment]
    _cuda.chunk_patients = lambda *args: 3  # type: ignore[assignment]
    y0, params = linear_batch(11, 8)
    t = np.linspace(0.0, 2.0, 9)
    rng = np.random.default_rng(4)
    events = EventSchedule.from_lists(
        [[(float(rng.uniform(0.1, 1.9)), int(rng.integers(0, 7)), 0.5)] if k % 2 else []
         for k in range(8)]
    )  # fmt: skip
    params[5, :] = np.nan  # a NONFINITE patient among them
    cases = [
        ("rodas, finite-difference Jacobian, events", SolverSettings(rtol=1e-7, atol=1e-10), events),
        ("rodas, no events", SolverSettings(rtol=1e-7, atol=1e-10), None),
        ("dopri5, events", SolverSettings(method="dopri5", rtol=1e-7, atol=1e-10), events),
    ]
    for label, settings, ev in cases:
        cpu = solve_batch(linear, y0, params, t, events=ev,
                          settings=dataclasses.replace(settings, lanes=False))  # fmt: skip
        gpu = solve_batch(linear, y0, params, t, events=ev,
                          settings=dataclasses.replace(settings, device="cuda"))  # fmt: skip
        _same(gpu, cpu)
        assert (cpu.status[[0, 1, 2, 3, 4, 6, 7]] == 0).all() and cpu.status[5] != 0, label
        print(f"ok: {label}")
    # p0 = 0 raises in the first RHS call, p0 = 1 at t = 1; the others are smooth.
    p = np.array([10.0, 0.0, 12.0, 15.0, 1.0, 20.0, 30.0])[:, None]
    cpu = solve_batch(inverse_time, np.zeros((7, 1)), p, np.linspace(0.0, 2.0, 5),
                      settings=SolverSettings(lanes=False))  # fmt: skip
    gpu = solve_batch(inverse_time, np.zeros((7, 1)), p, np.linspace(0.0, 2.0, 5),
                      settings=SolverSettings(device="cuda"))  # fmt: skip
    _same(gpu, cpu)
    assert cpu.status[1] == SolveStatus.RHS_ERROR, cpu.status
    print("ok: RHS exceptions")


if __name__ == "__main__":
    main()
