"""Solver configuration: :class:`SolverSettings`, a frozen, validated value object."""

from __future__ import annotations

import math
from dataclasses import dataclass

from immunoreset.errors import InputError

__all__ = ["DEVICES", "METHODS", "SolverSettings"]

#: Names accepted by :attr:`SolverSettings.method`, with what they mean.
METHODS: dict[str, str] = {
    "rodas": "Rodas5P: stiffly accurate, L-stable Rosenbrock method of order 5(4), "
    "8 stages, dense output of order 4 (Steinebach 2023)",
    "dopri5": "Dormand-Prince 5(4): explicit Runge-Kutta, FSAL, dense output of order 4 "
    "(Dormand & Prince 1980; Hairer, Norsett & Wanner 1993, II.5)",
}

#: Names accepted by :attr:`SolverSettings.device`, with what they mean.
DEVICES: dict[str, str] = {
    "cpu": "numba-compiled kernel, patients in parallel over the CPU cores (prange)",
    "cuda": "one patient per thread on an NVIDIA GPU, the same compiled integrator "
    "(engine._cuda; needs the gpu extra, numba-cuda, and an NVIDIA driver)",
}


@dataclass(frozen=True)
class SolverSettings:
    """How :func:`~immunoreset.engine.solve_batch` integrates each patient.

    Attributes
    ----------
    method:
        ``"rodas"`` (default) is Rodas5P, a stiff Rosenbrock method; use it for the
        mechanistic models, whose rates span 1e-4/day to ~5/day. ``"dopri5"`` is the explicit
        Dormand-Prince 5(4) pair, for non-stiff problems and comparisons.
    rtol:
        Relative tolerance of the local error test, in (0, 1). Must exceed 100 machine
        epsilons (2.2e-14).
    atol:
        Scalar absolute tolerance, in state units; ``solve_batch(atol=...)`` overrides it
        with a per-state array.
    max_steps:
        Step attempts (accepted plus rejected) allowed per patient per solve; a patient that
        needs more gets :attr:`SolveStatus.MAX_STEPS`.
    first_step:
        Initial step in days, used at ``t0`` and again after every event; ``None`` picks it
        automatically (Hairer, Norsett & Wanner 1993, II.4, algorithm for the starting step).
    fixed_step:
        If set, take steps of exactly this many days (shortened only to land on events and
        save times) and skip error control. For convergence-order studies, not production.
    dense_output:
        If ``True`` (default), values at save times come from the method's order-4
        interpolant and save times do not constrain the step size. If ``False``, the solver
        steps exactly onto every save time (slower when save times are dense).
    lanes:
        If ``True`` (default), Rodas5P with adaptive steps integrates patients that share a
        Jacobian pattern several at a time, in lockstep (``engine._lanes``): same results,
        bit for bit, in less time. ``False`` integrates one patient at a time (for
        comparisons and benchmarks). Ignored on the GPU.
    device:
        ``"cpu"`` (default) or ``"cuda"``: one patient per thread on an NVIDIA GPU
        (``engine._cuda``), with the same integrator, so results agree with the CPU's to the
        solver tolerance (not bit for bit: the GPU's math functions round differently).
        Solving with ``"cuda"`` where no GPU is usable is an :class:`InputError`.
    """

    method: str = "rodas"
    rtol: float = 1e-6
    atol: float = 1e-9
    max_steps: int = 100_000
    first_step: float | None = None
    fixed_step: float | None = None
    dense_output: bool = True
    lanes: bool = True
    device: str = "cpu"

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise InputError(
                f"SolverSettings.method: got {self.method!r}, expected one of {sorted(METHODS)}"
            )
        if not _is_real(self.rtol) or not (2.2e-14 <= self.rtol < 1.0):
            raise InputError(
                f"SolverSettings.rtol: got {self.rtol!r}, expected a number in [2.2e-14, 1)"
            )
        if not _is_real(self.atol) or not (self.atol > 0.0 and math.isfinite(self.atol)):
            raise InputError(f"SolverSettings.atol: got {self.atol!r}, expected a number > 0")
        if isinstance(self.max_steps, bool) or not isinstance(self.max_steps, int):
            raise InputError(
                f"SolverSettings.max_steps: got {self.max_steps!r}, expected an int >= 1"
            )
        if self.max_steps < 1:
            raise InputError(
                f"SolverSettings.max_steps: got {self.max_steps!r}, expected an int >= 1"
            )
        for name in ("first_step", "fixed_step"):
            value = getattr(self, name)
            if value is not None and (
                not _is_real(value) or not (math.isfinite(value) and value > 0.0)
            ):
                raise InputError(
                    f"SolverSettings.{name}: got {value!r}, expected None or a number > 0 (days)"
                )
        if not isinstance(self.dense_output, bool):
            raise InputError(
                f"SolverSettings.dense_output: got {self.dense_output!r}, expected True or False"
            )
        if not isinstance(self.lanes, bool):
            raise InputError(f"SolverSettings.lanes: got {self.lanes!r}, expected True or False")
        if self.device not in DEVICES:
            raise InputError(
                f"SolverSettings.device: got {self.device!r}, expected one of {sorted(DEVICES)}"
            )


def _is_real(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
