"""The compiled batch kernel: ``prange`` over patients, one signature, cached on disk.

Design (why not one kernel per RHS): numba cannot cache a function that receives another
jitted function as a *dispatcher* argument (dispatcher types compare by identity, so a new
process never hits the cache) nor closures. Instead the RHS and Jacobian enter as numba
*first-class function* values (``types.FunctionType``): the kernel is compiled once for
the single signature :data:`KERNEL_SIGNATURE`, whatever the model, and cached on disk with
``cache=True`` like any numba function; each RHS is compiled (and cached) by numba on its
own, through its C-callable wrapper, when it is first passed in. The cost is an indirect
call per RHS evaluation, negligible next to a Rosenbrock step. A side benefit: editing the
model never requires recompiling the integrator, and numba's own cache invalidation for the
RHS's source file applies.

Cache invalidation: numba stamps a cached function with its own file's mtime and size only,
so an edit to ``_driver.py`` or ``_rosenbrock.py`` would not invalidate the cached kernel.
Only the kernel is cached (the helpers are compiled into it), and its stamp is replaced by
a digest of every engine source file (:func:`_bind_cache_to_engine_sources`).
"""

from __future__ import annotations

import hashlib
import threading
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from numba import njit, prange, types
from numba.core.errors import NumbaExperimentalFeatureWarning

from immunoreset.engine._driver import METHOD_RODAS, integrate_patient
from immunoreset.engine._lanes import (
    LANE_CHUNK,
    group_patterns,
    integrate_lanes,
    lane_chunks,
)
from immunoreset.engine._linalg import block_order, order_size
from immunoreset.engine._rosenbrock import N_PROBES, start_pattern

__all__ = ["JAC_SIGNATURE", "KERNEL_SIGNATURE", "RHS_SIGNATURE", "get_kernel"]

_f8 = types.float64
_vec = types.float64[::1]
_mat = types.float64[:, ::1]

#: ``rhs(t, y, p, dydt) -> None``: t in days, y (n_states,), p (n_params,), dydt (n_states,).
RHS_SIGNATURE = types.void(_f8, _vec, _vec, _vec)
#: ``jac(t, y, p, J) -> None``: J (n_states, n_states), J[i, j] = ∂f_i/∂y_j.
JAC_SIGNATURE = types.void(_f8, _vec, _vec, _mat)

KERNEL_SIGNATURE = types.void(
    types.int64,  # method code
    types.FunctionType(RHS_SIGNATURE),
    types.FunctionType(JAC_SIGNATURE),
    types.boolean,  # use_jac
    _mat,  # y0 (n_patients, n_states)
    _mat,  # params (n_patients, n_params)
    _vec,  # t_save (n_times,)
    _f8,  # t0
    _mat,  # event times (n_patients, max_events)
    types.int64[:, ::1],  # event state indices
    _mat,  # event amounts
    _f8,  # rtol
    _vec,  # atol (n_states,)
    types.int64,  # max_steps
    _f8,  # first_step (0: automatic)
    _f8,  # fixed_step (0: adaptive)
    types.boolean,  # dense output
    types.boolean,  # lanes: Rodas5P patients sharing a pattern stepped together (_lanes)
    types.int64[::1],  # block order of the linear solves (_linalg; empty: per patient)
    types.float64[:, :, ::1],  # out y (n_patients, n_times, n_states)
    types.int8[::1],  # out status (n_patients,)
    types.int64[:, ::1],  # out stats (n_patients, 3)
)


@njit(cache=True, parallel=True, nogil=True, error_model="numpy")
def _batch_kernel(
    method, rhs, jac, use_jac, y0, params, t_save, t0, ev_t, ev_i, ev_a, rtol, atol,
    max_steps, first_step, fixed_step, dense, use_lanes, block, out_y, out_status, out_stats,
):  # fmt: skip  # pragma: no cover - numba
    n_pat, n = y0.shape
    lanes = use_lanes and method == METHOD_RODAS and fixed_step <= 0.0 and n_pat > 0
    # Which patients share a block order with several blocks (stepped LANES at a time by
    # _lanes) and which take the one-patient path; either way a patient's result depends on
    # its own data only (see _lanes).
    group = np.full(n_pat, -1, dtype=np.int64)
    orders = np.empty((1, block.size), dtype=np.int64)
    nrhs0 = 0
    if lanes and block.size > 0:
        if block[n] > 1:
            group[:] = 0
            orders[0] = block
    elif lanes:
        patterns = np.zeros((n_pat, n, n), dtype=np.bool_)
        has_pattern = np.zeros(n_pat, dtype=np.bool_)
        for i in prange(n_pat):
            has_pattern[i] = start_pattern(rhs, jac, use_jac, y0[i], params[i], t0, ev_t[i],
                                           ev_i[i], ev_a[i], patterns[i])  # fmt: skip
        group, reps = group_patterns(patterns, has_pattern)
        orders = np.empty((reps.size, order_size(n)), dtype=np.int64)
        for g in range(reps.size):
            block_order(patterns[reps[g]], orders[g])
        for i in range(n_pat):
            if group[i] >= 0 and orders[group[i], n] <= 1:
                group[i] = -1  # one block: the one-patient dense path
        if not use_jac:
            nrhs0 = N_PROBES * (n + 1)
    one = np.flatnonzero(group < 0)
    for q in prange(one.size):
        i = one[q]
        out_status[i] = integrate_patient(
            method, rhs, jac, use_jac, y0[i], params[i], t0, t_save, ev_t[i], ev_i[i], ev_a[i],
            rtol, atol, max_steps, first_step, fixed_step, dense, block, out_y[i], out_stats[i],
        )  # fmt: skip
    if one.size < n_pat:
        members, chunks = lane_chunks(group, orders.shape[0], LANE_CHUNK)
        for c in prange(chunks.shape[0]):
            integrate_lanes(
                rhs, jac, use_jac, y0, params, t0, t_save, ev_t, ev_i, ev_a, rtol, atol,
                max_steps, first_step, dense, orders[chunks[c, 0]],
                members[chunks[c, 1] : chunks[c, 2]], nrhs0, out_y, out_status, out_stats,
            )  # fmt: skip


@njit(cache=True, nogil=True, error_model="numpy")
def no_jac(t, y, p, jac):  # pragma: no cover - numba
    """Placeholder passed when there is no analytic Jacobian (never called)."""
    jac[0, 0] = 0.0


_ENGINE_SOURCES = ("_control.py", "_linalg.py", "_rosenbrock.py", "_dopri.py", "_driver.py",
                   "_lanes.py", "_kernel.py")  # fmt: skip


def engine_digest() -> str:
    """SHA-256 of the engine's numba source files (what the cached kernel was built from)."""
    here = Path(__file__).parent
    h = hashlib.sha256()
    for name in _ENGINE_SOURCES:
        h.update((here / name).read_bytes())
    return h.hexdigest()


def _bind_cache_to_engine_sources() -> bool:
    """Stamp the kernel's disk cache with :func:`engine_digest`; False if numba changed."""
    try:
        cache_file = _batch_kernel._cache._cache_file  # type: ignore[attr-defined]
        stamp = cache_file._source_stamp
    except AttributeError:  # pragma: no cover - other numba internals
        return False
    cache_file._source_stamp = ("immunoreset-engine", engine_digest(), stamp[1] if stamp else 0)
    return True


_bind_cache_to_engine_sources()
_lock = threading.Lock()
_ready = False


def get_kernel() -> Any:
    """Return the batch kernel, loading it from numba's disk cache (or compiling it once)."""
    global _ready
    with _lock:
        if not _ready:
            with warnings.catch_warnings():
                # First-class function types are the design (module docstring), not news.
                warnings.simplefilter("ignore", NumbaExperimentalFeatureWarning)
                _batch_kernel.compile(KERNEL_SIGNATURE)
            no_jac.compile(JAC_SIGNATURE)
            # Only the declared signature exists; anything else is a bug, not a new compile.
            _batch_kernel.disable_compile()
            _ready = True
    return _batch_kernel
