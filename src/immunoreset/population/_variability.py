"""Inter-individual variability: correlated log-normal draws of model parameters.

Each parameter with a coefficient of variation CV in the parameter file varies as
``θ_i = θ_typical · exp(ω z_i)`` with ``ω = sqrt(log(1 + CV²))``; the standard-normal
vector ``z`` has a configurable correlation matrix (identity by default), applied through
its Cholesky factor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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

    @classmethod
    def from_parameters(cls, parameters: ParameterSet,
                        correlations: Sequence[Correlation] = ()) -> Variability:
        """Variability of ``parameters`` (RHS vector incl. derived slots) with correlations."""
        typical = np.concatenate([parameters.vector(), np.zeros(len(DERIVED))])
        omega = np.concatenate([parameters.iiv_omegas(), np.zeros(len(DERIVED))])
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
        return cls(typical, omega, chol)

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        """One parameter vector, shape ``(n_parameters,)``."""
        z = self.cholesky @ rng.standard_normal(self.typical.size)
        return self.typical * np.exp(self.omega * z)
