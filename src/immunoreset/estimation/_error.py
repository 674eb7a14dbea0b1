"""Residual error models and their likelihood, with values below the LLOQ by Beal's M3.

For a prediction ``f`` and an observation ``y`` (Beal, "Ways to fit a PK model with some
data below the quantification limit", J Pharmacokinet Pharmacodyn 2001;28:481):

* ``additive``: ``y = f + a ε``, σ = a;
* ``proportional``: ``y = f (1 + b ε)``, σ = b |f|;
* ``combined``: σ = sqrt(a² + b² f²) (NONMEM's "combined error 2");
* ``lognormal``: ``log y = log f + b ε`` (for counts and titres that span decades).

ε is standard normal. An observation below the lower limit of quantification L enters
by its probability (M3): ``P(y < L) = Φ((L − f)/σ)`` (``Φ((log L − log f)/b)`` for the
log-normal model). :func:`negative_log_likelihood` returns ``−log p`` of each row and its
derivative with respect to ``f``, from which the chain rule through the forward
sensitivities gives the gradient in the parameters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import log_ndtr

from immunoreset.errors import InputError

__all__ = ["ERROR_KINDS", "PREDICTION_FLOOR", "ErrorModel", "negative_log_likelihood",
           "parse_error_model"]

#: The residual error models.
ERROR_KINDS: tuple[str, ...] = ("additive", "proportional", "combined", "lognormal")
#: Predictions are floored here (in the observable's unit) where an error model divides by
#: them or takes their log: a depleted count predicted at 0 has a finite likelihood.
PREDICTION_FLOOR = 1e-6
_LOG_2PI = math.log(2.0 * math.pi)


@dataclass(frozen=True)
class ErrorModel:
    """A residual error model: ``kind`` and its magnitudes, ``additive`` ``a`` in the
    observable's unit, ``proportional`` ``b`` as a fraction (the SD of log y for
    ``lognormal``)."""

    kind: str
    additive: float = 0.0
    proportional: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in ERROR_KINDS:
            raise InputError(f"error model: got {self.kind!r}, expected one of {', '.join(ERROR_KINDS)}")
        for name in ("additive", "proportional"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v < 0:
                raise InputError(f"error model {self.kind}: {name} got {v!r}, expected a number >= 0")
        need = {"additive": ("additive",), "proportional": ("proportional",),
                "combined": ("additive", "proportional"), "lognormal": ("proportional",)}
        for name in need[self.kind]:
            if getattr(self, name) <= 0:
                raise InputError(f"error model {self.kind}: {name} must be > 0, got "
                                 f"{getattr(self, name)!r}")

    @property
    def magnitudes(self) -> tuple[str, ...]:
        """Names of the magnitudes this kind uses (the ones a population fit estimates)."""
        return {"additive": ("additive",), "proportional": ("proportional",),
                "combined": ("additive", "proportional"), "lognormal": ("proportional",)}[self.kind]

    def sigma(self, f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """σ and dσ/df at predictions ``f`` (on the log scale for ``lognormal``)."""
        a, b = float(self.additive), float(self.proportional)
        if self.kind == "additive":
            return np.full_like(f, a), np.zeros_like(f)
        if self.kind == "lognormal":
            return np.full_like(f, b), np.zeros_like(f)
        fa = np.maximum(np.abs(f), PREDICTION_FLOOR)
        if self.kind == "proportional":
            return b * fa, b * np.sign(f) * (np.abs(f) > PREDICTION_FLOOR)
        s = np.sqrt(a * a + b * b * fa * fa)
        return s, b * b * fa * np.sign(f) * (np.abs(f) > PREDICTION_FLOOR) / s

    def simulate(self, f: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Noisy observations of predictions ``f`` (negative draws of the normal models are
        kept: a measurement device reports them as such or as below the LLOQ)."""
        eps = rng.standard_normal(np.shape(f))
        if self.kind == "lognormal":
            return np.maximum(f, PREDICTION_FLOOR) * np.exp(self.proportional * eps)
        s, _ = self.sigma(np.asarray(f, dtype=np.float64))
        return f + s * eps

    def describe(self) -> str:
        parts = [f"{n}={getattr(self, n):g}" for n in self.magnitudes]
        return f"{self.kind}({', '.join(parts)})"


def parse_error_model(text: str) -> ErrorModel:
    """``"proportional:0.2"``, ``"additive:5"``, ``"combined:5,0.2"``, ``"lognormal:0.3"``."""
    kind, _, rest = text.partition(":")
    kind = kind.strip()
    if kind not in ERROR_KINDS:
        raise InputError(f"--error: got {text!r}, expected KIND:VALUES with KIND one of "
                         f"{', '.join(ERROR_KINDS)} (e.g. proportional:0.2, combined:5,0.2)")
    try:
        values = [float(v) for v in rest.split(",")] if rest.strip() else []
    except ValueError:
        raise InputError(f"--error: got {text!r}, expected numbers after the colon") from None
    want = {"additive": 1, "proportional": 1, "combined": 2, "lognormal": 1}[kind]
    if len(values) != want:
        raise InputError(f"--error: got {text!r}, expected {want} value(s) for {kind}")
    if kind == "additive":
        return ErrorModel(kind, additive=values[0])
    if kind == "combined":
        return ErrorModel(kind, additive=values[0], proportional=values[1])
    return ErrorModel(kind, proportional=values[0])


def negative_log_likelihood(model: ErrorModel, f: np.ndarray, y: np.ndarray, lloq: np.ndarray,
                            blq: np.ndarray, *, m3: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """``−log p`` per row and its derivative with respect to the prediction ``f``.

    ``y``: observations (ignored where ``blq``); ``lloq``: limits; ``blq``: rows below the
    limit, which count by M3 when ``m3`` and are left out (0) otherwise. Constants that do
    not depend on ``f`` (the Jacobian ``log y`` of the log-normal density) are included,
    so values compare across error models.
    """
    f = np.asarray(f, dtype=np.float64)
    nll = np.zeros_like(f)
    grad = np.zeros_like(f)
    obs = ~blq
    sigma, dsigma = model.sigma(f)
    if model.kind == "lognormal":
        fl = np.maximum(f, PREDICTION_FLOOR)
        dlog = np.where(f > PREDICTION_FLOOR, 1.0 / fl, 0.0)  # d log f / d f
        if obs.any():
            yo = np.maximum(y[obs], PREDICTION_FLOOR)
            r = (np.log(yo) - np.log(fl[obs])) / sigma[obs]
            nll[obs] = 0.5 * r * r + np.log(sigma[obs]) + 0.5 * _LOG_2PI + np.log(yo)
            grad[obs] = -r / sigma[obs] * dlog[obs]
        if m3 and blq.any():
            z = (np.log(lloq[blq]) - np.log(fl[blq])) / sigma[blq]
            lc = log_ndtr(z)
            nll[blq] = -lc
            ratio = np.exp(-0.5 * z * z - 0.5 * _LOG_2PI - lc)  # φ(z)/Φ(z)
            grad[blq] = ratio / sigma[blq] * dlog[blq]
        return nll, grad
    if obs.any():
        s, ds = sigma[obs], dsigma[obs]
        r = (y[obs] - f[obs]) / s
        nll[obs] = 0.5 * r * r + np.log(s) + 0.5 * _LOG_2PI
        dr = -1.0 / s - r * ds / s
        grad[obs] = r * dr + ds / s
    if m3 and blq.any():
        s, ds = sigma[blq], dsigma[blq]
        z = (lloq[blq] - f[blq]) / s
        lc = log_ndtr(z)
        nll[blq] = -lc
        ratio = np.exp(-0.5 * z * z - 0.5 * _LOG_2PI - lc)
        dz = -1.0 / s - z * ds / s
        grad[blq] = -ratio * dz
    return nll, grad
