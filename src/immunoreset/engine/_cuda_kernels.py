"""The CUDA kernels of the GPU path (``engine._cuda``), imported only when a GPU solve runs.

Each kernel gives one thread one patient: it declares the patient's work arrays in the
thread's local memory and calls the CPU engine's own allocation-free code, which numba-cuda
compiles for the GPU together with the model's ``@njit`` RHS and Jacobian.
"""

from __future__ import annotations

import math
from typing import Any

from numba import cuda, float64, int64

from immunoreset.engine._control import FLAG_NRHS, N_FLAGS
from immunoreset.engine._driver import _N_WORK, integrate
from immunoreset.engine._linalg import lu_workspace
from immunoreset.engine._rosenbrock import probe_start

__all__ = ["build", "fill_nan"]


def build(rhs: Any, jac: Any, n: int) -> tuple[Any, Any]:
    """``(probe, solve)`` kernels for ``rhs``, ``jac`` and ``n`` states (compiled by
    numba-cuda at their first launch; the array sizes must be compile-time constants).

    ``probe[blocks, threads](use_jac, y0, params, t0, ev_t, ev_i, ev_a, patterns,
    has_pattern)`` writes each patient's Jacobian pattern (:func:`probe_start`);
    ``solve[blocks, threads](method, use_jac, y0, params, t_save, t0, ev_t, ev_i, ev_a, rtol,
    atol, max_steps, first_step, fixed_step, dense, orders, group, nrhs0, out_y, out_status,
    out_stats)`` integrates patient ``i`` with block order ``orders[group[i]]``, its RHS
    count starting at ``nrhs0[i]`` (the probes').
    """
    n_work = _N_WORK
    n_index = lu_workspace.py_func(n).size
    n_flags = N_FLAGS

    @cuda.jit
    def probe(use_jac, y0, params, t0, ev_t, ev_i, ev_a, patterns, has_pattern):  # pragma: no cover
        i = cuda.grid(1)
        if i < y0.shape[0]:
            y = cuda.local.array(n, float64)
            jmat = cuda.local.array((n, n), float64)
            work = cuda.local.array((3, n), float64)
            flags = cuda.local.array(n_flags, int64)
            for k in range(n_flags):
                flags[k] = 0
            found = probe_start(rhs, jac, use_jac, y0[i], params[i], t0, ev_t[i], ev_i[i], ev_a[i],
                                patterns[i], y, jmat, work, flags)  # fmt: skip
            has_pattern[i] = 1 if found else 0

    @cuda.jit
    def solve(method, use_jac, y0, params, t_save, t0, ev_t, ev_i, ev_a, rtol, atol, max_steps,
              first_step, fixed_step, dense, orders, group, nrhs0, out_y, out_status,
              out_stats):  # fmt: skip  # pragma: no cover - numba
        i = cuda.grid(1)
        if i < y0.shape[0]:
            y = cuda.local.array(n, float64)
            ynew = cuda.local.array(n, float64)
            f0 = cuda.local.array(n, float64)
            f1 = cuda.local.array(n, float64)
            work = cuda.local.array((n_work, n), float64)
            jmat = cuda.local.array((n, n), float64)
            lu = cuda.local.array((n, n), float64)
            lu_index = cuda.local.array(n_index, int64)
            flags = cuda.local.array(n_flags, int64)
            for k in range(n_flags):
                flags[k] = 0
            flags[FLAG_NRHS] = nrhs0[i]
            out_status[i] = integrate(
                method, rhs, jac, use_jac, y0[i], params[i], t0, t_save, ev_t[i], ev_i[i],
                ev_a[i], rtol, atol, max_steps, first_step, fixed_step, dense, orders[group[i]],
                out_y[i], out_stats[i], y, ynew, f0, f1, work, jmat, lu, lu_index, flags,
            )  # fmt: skip

    return probe, solve


@cuda.jit
def fill_nan(x):  # pragma: no cover - numba
    """Set every entry of the 1-D float64 array ``x`` to NaN (the unreached save rows)."""
    i = cuda.grid(1)
    if i < x.size:
        x[i] = math.nan
