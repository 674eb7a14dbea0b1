"""Batched ODE integration for many independent virtual patients.

One call, :func:`solve_batch`, integrates ``n_patients`` copies of a numba-compiled ODE
system in parallel (``numba.prange`` over patients), each with its own adaptive step size,
with per-patient additive events (:class:`EventSchedule`), and returns a
:class:`BatchSolution` of shape ``n_patients × n_times × n_states`` (time in days) with a
per-patient :class:`SolveStatus`. Methods: ``"rodas"`` (Rodas5P, stiff, default) and
``"dopri5"`` (explicit), chosen with :class:`SolverSettings`, on the CPU or, with
``SolverSettings(device="cuda")``, one patient per thread on an NVIDIA GPU
(:func:`cuda_available` says whether one is usable).
"""

from immunoreset.engine._batch import solve_batch
from immunoreset.engine._cuda import cuda_available
from immunoreset.engine._events import EventSchedule
from immunoreset.engine._settings import DEVICES, METHODS, SolverSettings
from immunoreset.engine._solution import BatchSolution, SolveStatus

__all__ = [
    "DEVICES",
    "METHODS",
    "BatchSolution",
    "EventSchedule",
    "SolveStatus",
    "SolverSettings",
    "cuda_available",
    "solve_batch",
]
