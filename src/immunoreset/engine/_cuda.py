"""The batch solve on an NVIDIA GPU: one patient per CUDA thread (``SolverSettings(device="cuda")``).

The GPU runs the CPU engine's own code. :func:`~immunoreset.engine._driver.integrate` (the
driver: events, save times, step-size control), the Rodas5P and DOPRI5 steps and the block
LU of ``_linalg`` allocate nothing, so numba-cuda compiles them, and the model's ``@njit``
RHS and Jacobian, into device code unchanged. Only the two kernels below are GPU-specific:
they give each thread its work arrays in local memory and call that code.

Per chunk of patients:

1. with Rodas5P and no fixed block order, a probe kernel writes each patient's Jacobian
   pattern (:func:`~immunoreset.engine._rosenbrock.probe_start`, as the CPU does);
2. the host groups identical patterns and builds one block order per group
   (:func:`~immunoreset.engine._linalg.block_order`), so a patient's order depends on its
   own data only, as on the CPU;
3. the solve kernel integrates every patient, and the chunk's results are copied back.

Results. Each patient is computed by one thread from its own data, so its result is the
same, bit for bit, whatever the batch, the chunking and the launch shape. It is not bit for
bit the CPU's: the GPU's ``log``/``exp``/``pow`` round differently in the last place and
its compiler fuses multiply-adds, so the two agree to the solver tolerance, not to the last
bit (``tests/engine/test_cuda.py`` bounds the difference; the benchmark reports both errors
against a tight reference). Floating-point errors raise nothing on a GPU: a division by
zero gives inf or NaN, and the patient ends ``NONFINITE``. An explicit ``raise`` in the RHS
ends that patient's thread without a status; ``solve_batch`` records it as ``RHS_ERROR``,
with the rows it reached, as the CPU path does.

Needs the ``gpu`` extra (``numba-cuda``) and an NVIDIA driver; :func:`cuda_available` says
whether both are there. The kernels are compiled once per process, per RHS and Jacobian.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

import numpy as np

from immunoreset.engine import _rosenbrock
from immunoreset.engine._driver import METHOD_RODAS
from immunoreset.engine._lanes import group_patterns
from immunoreset.engine._linalg import block_order, order_size, order_workspace

__all__ = ["THREADS_PER_BLOCK", "chunk_patients", "cuda_available", "order_groups", "solve_on_gpu"]

#: Threads (patients) per CUDA block. Measured on an H100 with 32,768 SLE patients, day −7
#: to 730 with daily output: 4,239, 4,359, 3,769 and 3,419 patients/s with 32, 64, 128 and
#: 256 (the README's GPU section). Small blocks spread the patients over more
#: multiprocessors; the solve kernel uses 255 registers per thread, so few threads fit on
#: each anyway.
THREADS_PER_BLOCK = 64
#: Share of the GPU's free memory that one chunk's output (states at the save times) may
#: take; the rest is left to the local memory of the threads and to the other inputs.
OUTPUT_MEMORY_SHARE = 0.25


def cuda_available() -> bool:
    """Whether numba-cuda is installed and sees a usable NVIDIA GPU."""
    try:
        from numba import cuda
    except ImportError:  # pragma: no cover - numba without its CUDA target
        return False
    try:
        return bool(cuda.is_available())
    except Exception:  # pragma: no cover - broken driver installs raise instead of False
        return False


def chunk_patients(n_patients: int, n_times: int, n_states: int, free_bytes: int) -> int:
    """Patients per GPU launch: as many as fit :data:`OUTPUT_MEMORY_SHARE` of ``free_bytes``
    with their float64 outputs (``n_times × n_states`` each), at least one."""
    per_patient = max(1, n_times * n_states * 8)
    return int(max(1, min(n_patients, (OUTPUT_MEMORY_SHARE * free_bytes) // per_patient)))


def order_groups(patterns: np.ndarray, has_pattern: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Block orders for probed patterns: ``(orders, group)``.

    ``patterns`` (m, n, n) Boolean, ``has_pattern`` (m,). Identical patterns share a row of
    ``orders`` (its :func:`~immunoreset.engine._linalg.block_order`); the last row is the
    one-block order of :func:`~immunoreset.engine._linalg.order_workspace`, for patients
    without a pattern. ``group[i]`` is patient ``i``'s row. Each row depends only on the
    pattern it was built from, so a patient's order does not depend on its batch.
    """
    n = patterns.shape[1]
    # The CPU kernel's grouping: the first patient of each group represents it.
    group, reps = group_patterns(np.ascontiguousarray(patterns), np.asarray(has_pattern, dtype=np.bool_))
    orders = np.zeros((reps.size + 1, order_size.py_func(n)), dtype=np.int64)
    for g in range(reps.size):
        block_order(patterns[reps[g]], orders[g])
    orders[-1] = order_workspace(n)
    group[group < 0] = reps.size
    return orders, group


@functools.lru_cache(maxsize=8)
def _kernels(rhs: Any, jac: Any, n: int) -> tuple[Any, Any]:
    """The probe and solve kernels for this RHS, Jacobian and state count, built once per
    process (numba-cuda compiles them at their first launch)."""
    from immunoreset.engine import _cuda_kernels

    return _cuda_kernels.build(rhs, jac, n)


def solve_on_gpu(common: tuple[Any, ...], per_patient: tuple[np.ndarray, ...],
                 outputs: tuple[np.ndarray, ...]) -> None:  # fmt: skip
    """Fill ``outputs`` (y, status, stats) as the CPU kernel would, on the GPU.

    ``common`` and ``per_patient`` are :func:`~immunoreset.engine.solve_batch`'s kernel
    arguments (``lanes`` is ignored). Patients go in chunks sized by
    :func:`chunk_patients`.
    """
    with warnings.catch_warnings():
        # numba-cuda warns that small batches leave most of the GPU idle: true, and harmless.
        warnings.filterwarnings("ignore", message=r".*Grid size \d+ will likely result in GPU under")
        _solve_chunks(common, per_patient, outputs)


def _solve_chunks(common: tuple[Any, ...], per_patient: tuple[np.ndarray, ...],
                  outputs: tuple[np.ndarray, ...]) -> None:  # fmt: skip
    from numba import cuda

    from immunoreset.engine import _cuda_kernels

    (method, rhs, jac, use_jac, t_save, t0, rtol, atol, max_steps, first, fixed, dense, _lanes,
     block) = common  # fmt: skip
    y0, params, ev_t, ev_i, ev_a = per_patient
    if ev_t.shape[1] == 0:  # one slot of +inf padding: never reached, and no empty arrays
        ev_t = np.full((y0.shape[0], 1), np.inf)
        ev_i = np.zeros((y0.shape[0], 1), dtype=np.int64)
        ev_a = np.zeros((y0.shape[0], 1))
    y_out, status, stats = outputs
    n_pat, n = y0.shape
    probe, solve = _kernels(rhs, jac, n)
    free, _total = cuda.current_context().get_memory_info()
    chunk = chunk_patients(n_pat, t_save.size, n, free)
    d_t_save = cuda.to_device(t_save)
    d_atol = cuda.to_device(atol)
    for a in range(0, n_pat, chunk):
        b = min(n_pat, a + chunk)
        m = b - a
        blocks = (m + THREADS_PER_BLOCK - 1) // THREADS_PER_BLOCK
        d_y0 = cuda.to_device(y0[a:b])
        d_p = cuda.to_device(params[a:b])
        d_et, d_ei, d_ea = (cuda.to_device(x[a:b]) for x in (ev_t, ev_i, ev_a))
        nrhs0 = np.zeros(m, dtype=np.int64)
        if block.size > 0:
            orders, group = block.reshape(1, -1), np.zeros(m, dtype=np.int64)
        elif method == METHOD_RODAS:
            d_pat = cuda.device_array((m, n, n), dtype=np.bool_)
            d_has = cuda.to_device(np.zeros(m, dtype=np.int8))  # stays 0 if the RHS raises
            probe[blocks, THREADS_PER_BLOCK](use_jac, d_y0, d_p, t0, d_et, d_ei, d_ea, d_pat, d_has)
            has = d_has.copy_to_host().astype(bool)
            orders, group = order_groups(d_pat.copy_to_host(), has)
            if not use_jac:
                nrhs0[has] = _rosenbrock.N_PROBES * (n + 1)
        else:
            orders, group = order_workspace(n).reshape(1, -1), np.zeros(m, dtype=np.int64)
        d_y = cuda.device_array((m, t_save.size, n), dtype=np.float64)
        flat = d_y.reshape(d_y.size)
        _cuda_kernels.fill_nan[(flat.size + THREADS_PER_BLOCK - 1) // THREADS_PER_BLOCK, THREADS_PER_BLOCK](flat)
        # Unwritten if the patient's RHS raises: the caller's sentinel status and zero counts.
        d_status = cuda.to_device(status[a:b])
        d_stats = cuda.to_device(np.zeros((m, 3), dtype=np.int64))
        solve[blocks, THREADS_PER_BLOCK](
            method, use_jac, d_y0, d_p, d_t_save, t0, d_et, d_ei, d_ea, rtol, d_atol, max_steps,
            first, fixed, dense, cuda.to_device(np.ascontiguousarray(orders)),
            cuda.to_device(group), cuda.to_device(nrhs0), d_y, d_status, d_stats,
        )  # fmt: skip
        d_y.copy_to_host(y_out[a:b])
        d_status.copy_to_host(status[a:b])
        d_stats.copy_to_host(stats[a:b])
