"""Interval estimates: coverage on simulated Bernoulli data and published reference values."""

from __future__ import annotations

import numpy as np
import pytest

from immunoreset.trial import (
    clopper_pearson,
    mean_interval,
    newcombe_paired,
    newcombe_unpaired,
    wilson,
)

N_SIM = 4000  # Monte-Carlo SE of a coverage near 0.95: sqrt(.95*.05/4000) ≈ 0.0034


@pytest.mark.parametrize("p", [0.05, 0.2, 0.5, 0.9])
def test_clopper_pearson_covers_at_least_nominal_on_simulated_bernoulli_data(p: float) -> None:
    rng = np.random.default_rng(20240601)
    n = 30
    x = rng.binomial(n, p, size=N_SIM)
    lo, hi = clopper_pearson(x, np.full(N_SIM, n))
    coverage = np.mean((lo <= p) & (p <= hi))
    assert coverage >= 0.95 - 3 * 0.0034  # exact interval: never below nominal


@pytest.mark.parametrize("p", [0.2, 0.5, 0.7])
def test_wilson_covers_close_to_nominal_on_simulated_bernoulli_data(p: float) -> None:
    rng = np.random.default_rng(7)
    n = 40
    x = rng.binomial(n, p, size=N_SIM)
    lo, hi = wilson(x, np.full(N_SIM, n))
    coverage = np.mean((lo <= p) & (p <= hi))
    assert 0.92 <= coverage <= 0.98  # Wilson oscillates around nominal (Brown, Cai & DasGupta 2001)


def test_wilson_is_inside_clopper_pearson_and_both_contain_the_estimate() -> None:
    x, n = np.arange(0, 21), np.full(21, 20)
    wl, wh = wilson(x, n)
    cl, ch = clopper_pearson(x, n)
    assert np.all(cl <= wl + 1e-12) and np.all(wh <= ch + 1e-12)
    assert np.all((cl <= x / n) & (x / n <= ch))
    assert cl[0] == 0.0 and ch[-1] == 1.0


def test_clopper_pearson_matches_the_beta_quantiles() -> None:
    # 3/10: exact 95% interval 0.0667-0.6525 (e.g. R binom.test(3, 10)$conf.int).
    lo, hi = clopper_pearson(3, 10)
    assert float(lo) == pytest.approx(0.06673951, abs=1e-7)
    assert float(hi) == pytest.approx(0.65245285, abs=1e-7)


def test_zero_denominator_gives_nan() -> None:
    assert np.isnan(clopper_pearson(0, 0)[0]) and np.isnan(wilson(0, 0)[1])


def test_newcombe_unpaired_matches_newcombe_1998_example() -> None:
    # Newcombe, Stat Med 1998;17:873, Table II, 56/70 vs 48/80, method 10: 0.0524 to 0.3339.
    d, lo, hi = newcombe_unpaired(56, 70, 48, 80)
    assert d == pytest.approx(0.2)
    assert (lo, hi) == pytest.approx((0.0524, 0.3339), abs=1e-4)


def test_newcombe_paired_matches_newcombe_1998_example() -> None:
    # Newcombe, Stat Med 1998;17:2635, example a = 36, b = 12, c = 2, d = 0 (n = 50),
    # method 10: 0.0569 to 0.3404.
    y1 = [1] * 36 + [1] * 12 + [0] * 2
    y2 = [1] * 36 + [0] * 12 + [1] * 2
    d, lo, hi = newcombe_paired(y1, y2)
    assert d == pytest.approx(0.2)
    assert (lo, hi) == pytest.approx((0.0569, 0.3404), abs=1e-4)


def test_newcombe_paired_covers_on_simulated_correlated_pairs() -> None:
    rng = np.random.default_rng(3)
    n, sims, hits = 40, 1500, 0
    p1, p2 = 0.7, 0.5
    for _ in range(sims):
        u = rng.uniform(size=n)  # shared latent: strongly positively correlated pairs
        y1, y2 = u < p1, u < p2
        flip = rng.uniform(size=n) < 0.1
        y2 = np.where(flip, rng.uniform(size=n) < p2, y2)
        _, lo, hi = newcombe_paired(y1, y2)
        true = p1 - (0.9 * p2 + 0.1 * p2)
        hits += lo <= true <= hi
    assert hits / sims >= 0.93


def test_paired_interval_is_shorter_than_unpaired_for_correlated_arms() -> None:
    y1 = np.array([1] * 30 + [0] * 10)
    y2 = np.array([1] * 25 + [0] * 15)
    _, plo, phi = newcombe_paired(y1, y2)
    _, ulo, uhi = newcombe_unpaired(30, 40, 25, 40)
    assert phi - plo < uhi - ulo


def test_mean_interval_is_student_t() -> None:
    m, lo, hi = mean_interval([1.0, 2.0, 3.0, np.nan])
    assert m == 2.0
    assert (lo, hi) == pytest.approx((2 - 4.302653 / np.sqrt(3), 2 + 4.302653 / np.sqrt(3)), abs=1e-5)
