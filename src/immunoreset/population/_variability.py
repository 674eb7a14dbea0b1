"""Inter-individual variability: correlated log-normal draws of model parameters.

Each parameter with a coefficient of variation CV in the parameter file varies as
``θ_i = θ_typical · exp(ω z_i)`` with ``ω = sqrt(log(1 + CV²))``; the standard-normal
vector ``z`` has a configurable correlation matrix (identity by default), applied through
its Cholesky factor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from immunoreset.errors import InputError
from immunoreset.model import DERIVED, PARAMETER_INDEX, ParameterSet

__all__ = ["Correlation", "Variability"]


@dataclass(frozen=True)
class Correlation:
    """Correlation ``r`` between the log-values of two varying parameters."""

    first: str
    second: str
    r: float

    def __post_init__(self) -> None:
        for name in (self.first, self.second):
            if name not in PARAMETER_INDEX:
                raise InputError(f"population.correlation: unknown parameter {name!r}")
        if self.first == self.second:
            raise InputError(f"population.correlation: {self.first!r} correlated with itself")
        if not (isinstance(self.r, int | float) and -1.0 < self.r < 1.0):
            raise InputError(f"population.correlation.r: got {self.r!r}, expected a number in (-1, 1)")


@dataclass(frozen=True)
class Variability:
    """Typical values, log-scale SDs and the Cholesky factor of the correlation matrix."""

    typical: np.ndarray
    omega: np.ndarray
    cholesky: np.ndarray
    #: Standard normals drawn per patient for the base model's vector (its parameters
    #: and the derived slots, as before any module was added) and for the parameters of
    #: added modules, drawn after them only where one of those varies. So composing a
    #: module without variability leaves every patient's random stream as it was.
    base_draws: int = -1
    extra: slice = field(default_factory=lambda: slice(0, 0))

    @classmethod
    def from_parameters(cls, parameters: ParameterSet,
                        correlations: Sequence[Correlation] = (), *,
                        n_derived: int = len(DERIVED), n_base: int | None = None) -> Variability:
        """Variability of ``parameters`` (RHS vector incl. ``n_derived`` derived slots) with
        correlations; the first ``n_base`` parameters are the base model's (all if None),
        the rest belong to added modules."""
        typical = np.concatenate([parameters.vector(), np.zeros(n_derived)])
        omega = np.concatenate([parameters.iiv_omegas(), np.zeros(n_derived)])
        corr = np.eye(typical.size)
        for c in correlations:
            i, j = PARAMETER_INDEX[c.first], PARAMETER_INDEX[c.second]
            for k, name in ((i, c.first), (j, c.second)):
                if omega[k] == 0.0:
                    raise InputError(f"population.correlation: {name!r} has no variability (iiv_cv = 0)")
            corr[i, j] = corr[j, i] = c.r
        try:
            chol = np.linalg.cholesky(corr)
        except np.linalg.LinAlgError:
            raise InputError("population.correlation: the correlations do not form a valid "
                             "(positive-definite) correlation matrix") from None
        n_file = len(parameters)
        base = n_file if n_base is None else n_base
        return cls(typical, omega, chol, base + n_derived, slice(base, n_file))

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        """One parameter vector, shape ``(n_parameters,)``."""
        size = self.typical.size
        if self.base_draws < 0 or self.base_draws == size:
            z = rng.standard_normal(size)
        else:
            base = rng.standard_normal(self.base_draws)
            z = np.zeros(size)
            n_extra = self.extra.stop - self.extra.start
            z[: self.extra.start] = base[: self.extra.start]
            z[self.extra.stop:] = base[self.extra.start:]
            if np.any(self.omega[self.extra] > 0.0):
                z[self.extra] = rng.standard_normal(n_extra)
        return self.typical * np.exp(self.omega * (self.cholesky @ z))
