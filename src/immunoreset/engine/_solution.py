"""Results of a batched solve: :class:`SolveStatus` and :class:`BatchSolution`."""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

__all__ = ["BatchSolution", "SolveStatus"]


class SolveStatus(enum.IntEnum):
    """Outcome of one patient's solve; stored as ``int8`` in :attr:`BatchSolution.status`.

    Each failure mode has a remedy:

    - ``OK``: every save time was reached.
    - ``MAX_STEPS``: more than ``SolverSettings.max_steps`` step attempts. Raise
      ``max_steps``, or use ``method="rodas"`` if the problem is stiff.
    - ``STEP_TOO_SMALL``: the step size fell below 16 machine epsilons of ``|t|``; the
      solution is probably singular (finite-time blow-up) or the RHS is discontinuous.
    - ``NONFINITE``: the state became NaN or infinite (or an event made it so) and
      shrinking the step did not help. Check the parameters for overflow.
    - ``RHS_ERROR``: the RHS or Jacobian raised inside numba (e.g. ``ZeroDivisionError``
      under numba's default ``error_model="python"``), which aborts that patient's solve.
      Guard the division, or compile the RHS with ``error_model="numpy"`` so that it
      returns inf/NaN (then reported as ``NONFINITE``).
    """

    OK = 0
    MAX_STEPS = 1
    STEP_TOO_SMALL = 2
    NONFINITE = 3
    RHS_ERROR = 4


@dataclass(frozen=True)
class BatchSolution:
    """Trajectories of a batch of independent patients, on a common time grid.

    Attributes
    ----------
    t:
        Save times in days, shape ``(n_times,)``.
    y:
        States, shape ``(n_patients, n_times, n_states)``. At an event time the value is
        the post-jump state. After a failure the remaining rows of that patient are NaN.
    status:
        :class:`SolveStatus` codes, shape ``(n_patients,)``, dtype ``int8``.
    n_steps, n_rejected, n_rhs:
        Per-patient accepted steps, rejected steps and RHS evaluations (finite-difference
        Jacobian columns included), shape ``(n_patients,)``, dtype ``int64``.
    """

    t: np.ndarray
    y: np.ndarray
    status: np.ndarray
    n_steps: np.ndarray
    n_rejected: np.ndarray
    n_rhs: np.ndarray

    @property
    def ok(self) -> np.ndarray:
        """Boolean mask of patients whose solve succeeded, shape ``(n_patients,)``."""
        return np.asarray(self.status == SolveStatus.OK)

    @property
    def n_failed(self) -> int:
        """Number of patients whose solve failed."""
        return int(np.count_nonzero(self.status != SolveStatus.OK))

    def status_counts(self) -> dict[str, int]:
        """Patients per status name, e.g. ``{"OK": 998, "MAX_STEPS": 2}`` (zeros omitted)."""
        codes, counts = np.unique(self.status, return_counts=True)
        return {SolveStatus(int(c)).name: int(k) for c, k in zip(codes, counts, strict=True)}

    def __repr__(self) -> str:
        n_patients, n_times, n_states = self.y.shape
        return (
            f"BatchSolution(n_patients={n_patients}, n_times={n_times}, n_states={n_states}, "
            f"status={self.status_counts()}, mean_steps={float(np.mean(self.n_steps)) if n_patients else 0.0:.1f})"
        )
