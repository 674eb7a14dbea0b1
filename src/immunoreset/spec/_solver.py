"""The solver table, the same in study configs and trial specs.

.. code-block:: toml

    [solver]
    method = "rodas"      # rodas | dopri5
    rtol = 1e-6           # 1e-12 .. 1e-2 (default 3e-5: see docs/accuracy.md)
    atol = 1e-9           # (0, 1], in state units (default 3e-8)
    max_steps = 100000    # 100 .. 10,000,000 step attempts per patient
    device = "cpu"        # cpu | cuda
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, Literal

from pydantic import Field

from immunoreset.engine import SolverSettings
from immunoreset.errors import InputError
from immunoreset.spec._base import SpecModel

__all__ = ["SolverTable"]


class SolverTable(SpecModel):
    """Solver settings; keys left out keep the command's default settings."""

    method: Literal["rodas", "dopri5"] | None = None
    # Below 1e-12 the local error test fails on round-off; above 1e-2 results are noise.
    rtol: Annotated[float, Field(ge=1e-12, le=1e-2)] | None = None
    atol: Annotated[float, Field(gt=0, le=1)] | None = None
    max_steps: Annotated[int, Field(ge=100, le=10_000_000)] | None = None
    device: Literal["cpu", "cuda"] | None = None

    def build(self, base: SolverSettings) -> SolverSettings:
        """``base`` with the keys given here replaced; ``device = "cuda"`` needs a GPU."""
        given: dict[str, Any] = {k: v for k, v in self.model_dump().items() if v is not None}
        settings = dataclasses.replace(base, **given)
        if settings.device == "cuda":
            from immunoreset.engine._cuda import cuda_available

            if not cuda_available():
                raise InputError("solver.device: got 'cuda', but numba-cuda sees no usable NVIDIA "
                                 "GPU here (pip install 'immunoreset[gpu]' on a machine with an "
                                 "NVIDIA driver), expected 'cpu'")
        return settings
