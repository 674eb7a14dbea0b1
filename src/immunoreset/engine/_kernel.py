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
from pathlib import Path
from typing import Any

from numba import njit, prange, types

from immunoreset.engine._driver import integrate_patient

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
    types.int64[::1],  # block order of the linear solves (_linalg; empty: per patient)
    types.float64[:, :, ::1],  # out y (n_patients, n_times, n_states)
    types.int8[::1],  # out status (n_patients,)
    types.int64[:, ::1],  # out stats (n_patients, 3)
)


@njit(cache=True, parallel=True, nogil=True, error_model="numpy")
def _batch_kernel(
    method, rhs, jac, use_jac, y0, params, t_save, t0, ev_t, ev_i, ev_a, rtol, atol,
    max_steps, first_step, fixed_step, dense, block, out_y, out_status, out_stats,
):  # fmt: skip  # pragma: no cover - numba
    for i in prange(y0.shape[0]):
        out_status[i] = integrate_patient(
            method, rhs, jac, use_jac, y0[i], params[i], t0, t_save, ev_t[i], ev_i[i], ev_a[i],
            rtol, atol, max_steps, first_step, fixed_step, dense, block, out_y[i], out_stats[i],
        )  # fmt: skip


@njit(cache=True, nogil=True, error_model="numpy")
def no_jac(t, y, p, jac):  # pragma: no cover - numba
    """Placeholder passed when there is no analytic Jacobian (never called)."""
    jac[0, 0] = 0.0


_ENGINE_SOURCES = ("_control.py", "_linalg.py", "_rosenbrock.py", "_dopri.py", "_driver.py",
                   "_kernel.py")  # fmt: skip


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
            _batch_kernel.compile(KERNEL_SIGNATURE)
            no_jac.compile(JAC_SIGNATURE)
            # Only the declared signature exists; anything else is a bug, not a new compile.
            _batch_kernel.disable_compile()
            _ready = True
    return _batch_kernel
