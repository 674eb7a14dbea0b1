"""Confidence intervals for proportions, differences of proportions and means.

- :func:`clopper_pearson`: exact binomial interval (Clopper & Pearson, Biometrika
  1934;26:404), from the beta distribution; coverage ≥ nominal for every ``p``.
- :func:`wilson`: score interval (Wilson, JASA 1927;22:209); coverage close to nominal on
  average, shorter than Clopper–Pearson.
- :func:`newcombe_unpaired`: difference of two independent proportions, hybrid score
  ("square-and-add" of Wilson limits; Newcombe, Stat Med 1998;17:873, method 10).
- :func:`newcombe_paired`: difference of two *paired* proportions (the same patients in
  both arms), the same construction with the correlation φ of the paired 2×2 table
  (Newcombe, Stat Med 1998;17:2635, method 10, with its continuity-adjusted φ). Paired arms share their patients and their
  flare draws, so responses are positively correlated and the paired interval is the
  shorter, correct one; the unpaired interval is used when arms draw their own patients.
- :func:`mean_interval`, :func:`paired_mean_difference`: Student-t intervals.

All functions are vectorised over ``x``/``n`` and return ``nan`` where ``n == 0``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import stats

__all__ = [
    "INTERVAL_METHODS",
    "clopper_pearson",
    "mean_interval",
    "newcombe_paired",
    "newcombe_unpaired",
    "paired_mean_difference",
    "proportion_interval",
    "wilson",
]

#: Interval methods for a single proportion, by the name used in a trial spec.
INTERVAL_METHODS: tuple[str, ...] = ("clopper_pearson", "wilson")

FloatArray = npt.NDArray[np.float64]


def _z(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence: got {confidence!r}, expected a number in (0, 1)")
    return float(stats.norm.ppf(0.5 + confidence / 2.0))


def clopper_pearson(x: npt.ArrayLike, n: npt.ArrayLike, *, confidence: float = 0.95,
                    ) -> tuple[FloatArray, FloatArray]:
    """Exact (Clopper–Pearson) interval for ``x`` successes out of ``n``; ``(low, high)``."""
    _z(confidence)
    x = np.asarray(x, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    alpha = 1.0 - confidence
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(x > 0, stats.beta.ppf(alpha / 2, x, n - x + 1), 0.0)
        high = np.where(x < n, stats.beta.ppf(1 - alpha / 2, x + 1, n - x), 1.0)
    bad = n <= 0
    return np.where(bad, np.nan, low), np.where(bad, np.nan, high)


def wilson(x: npt.ArrayLike, n: npt.ArrayLike, *, confidence: float = 0.95,
           ) -> tuple[FloatArray, FloatArray]:
    """Wilson score interval for ``x`` successes out of ``n``; ``(low, high)``."""
    z = _z(confidence)
    x = np.asarray(x, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / n
        denom = 1.0 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z * np.sqrt(np.maximum(p * (1 - p) / n + z * z / (4 * n * n), 0.0)) / denom
        low = np.clip(centre - half, 0.0, 1.0)
        high = np.clip(centre + half, 0.0, 1.0)
    # Exact limits at the boundaries (the formula gives them up to round-off).
    low = np.where(x == 0, 0.0, low)
    high = np.where(x == n, 1.0, high)
    bad = n <= 0
    return np.where(bad, np.nan, low), np.where(bad, np.nan, high)


def proportion_interval(x: npt.ArrayLike, n: npt.ArrayLike, *, method: str = "clopper_pearson",
                        confidence: float = 0.95) -> tuple[FloatArray, FloatArray]:
    """Interval by ``method`` (one of :data:`INTERVAL_METHODS`)."""
    if method == "clopper_pearson":
        return clopper_pearson(x, n, confidence=confidence)
    if method == "wilson":
        return wilson(x, n, confidence=confidence)
    raise ValueError(f"method: got {method!r}, expected one of {', '.join(INTERVAL_METHODS)}")


def newcombe_unpaired(x1: int, n1: int, x2: int, n2: int, *, confidence: float = 0.95,
                      ) -> tuple[float, float, float]:
    """Difference ``p1 - p2`` of independent proportions and its Newcombe hybrid-score
    interval (Newcombe 1998, Stat Med 17:873, method 10); ``(estimate, low, high)``."""
    if n1 <= 0 or n2 <= 0:
        return (np.nan, np.nan, np.nan)
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = (float(v) for v in wilson(x1, n1, confidence=confidence))
    l2, u2 = (float(v) for v in wilson(x2, n2, confidence=confidence))
    d = p1 - p2
    low = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return (float(d), float(max(low, -1.0)), float(min(high, 1.0)))


def newcombe_paired(y1: npt.ArrayLike, y2: npt.ArrayLike, *, confidence: float = 0.95,
                    ) -> tuple[float, float, float]:
    """Difference ``mean(y1) - mean(y2)`` of paired 0/1 outcomes and its Newcombe
    hybrid-score interval with the φ correlation of the 2×2 table (Newcombe 1998,
    Stat Med 17:2635, method 10); ``(estimate, low, high)``.

    ``y1[i]`` and ``y2[i]`` are the outcomes of patient ``i`` in the two arms.
    """
    a1 = np.asarray(y1, dtype=bool)
    a2 = np.asarray(y2, dtype=bool)
    n = a1.size
    if n == 0 or a2.size != n:
        return (np.nan, np.nan, np.nan)
    a = float(np.sum(a1 & a2))
    b = float(np.sum(a1 & ~a2))
    c = float(np.sum(~a1 & a2))
    d_ = float(np.sum(~a1 & ~a2))
    p1, p2 = (a + b) / n, (a + c) / n
    l1, u1 = (float(v) for v in wilson(a + b, n, confidence=confidence))
    l2, u2 = (float(v) for v in wilson(a + c, n, confidence=confidence))
    denom = (a + b) * (c + d_) * (a + c) * (b + d_)
    # φ with Newcombe's continuity adjustment: A = ad - bc is replaced by A - n/2 when
    # A > n/2, by 0 when 0 <= A <= n/2 (Newcombe 1998; Fagerland, Lydersen & Laake,
    # Statistical Analysis of Contingency Tables, 2017, §8.5).
    big_a = a * d_ - b * c
    if denom <= 0:
        phi = 0.0
    elif big_a > n / 2:
        phi = (big_a - n / 2) / np.sqrt(denom)
    elif big_a >= 0:
        phi = 0.0
    else:
        phi = big_a / np.sqrt(denom)
    theta = p1 - p2
    dl = (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2
    du = (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2
    low = theta - np.sqrt(max(dl, 0.0))
    high = theta + np.sqrt(max(du, 0.0))
    return (float(theta), float(max(low, -1.0)), float(min(high, 1.0)))


def mean_interval(values: npt.ArrayLike, *, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean of the finite ``values`` and its Student-t interval; ``(mean, low, high)``."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return (np.nan, np.nan, np.nan)
    m = float(v.mean())
    if v.size == 1:
        return (m, np.nan, np.nan)
    se = float(v.std(ddof=1)) / np.sqrt(v.size)
    t = float(stats.t.ppf(0.5 + confidence / 2, v.size - 1))
    return (m, m - t * se, m + t * se)


def paired_mean_difference(v1: npt.ArrayLike, v2: npt.ArrayLike, *, confidence: float = 0.95,
                           ) -> tuple[float, float, float, int]:
    """Mean of ``v1 - v2`` over pairs where both are finite, with its t interval;
    ``(estimate, low, high, n_pairs)``."""
    d = np.asarray(v1, dtype=np.float64) - np.asarray(v2, dtype=np.float64)
    m, lo, hi = mean_interval(d, confidence=confidence)
    return (m, lo, hi, int(np.isfinite(d).sum()))
