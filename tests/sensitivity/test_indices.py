"""Sobol indices and Morris screening against the Ishigami function's analytic values.

Ishigami & Homma 1990, f = sin x1 + a sin² x2 + b x3⁴ sin x1 on [−π, π]³, a = 7, b = 0.1:
V = a²/8 + bπ⁴/5 + b²π⁸/18 + 1/2; V1 = (1 + bπ⁴/5)²/2, V2 = a²/8,
V13 = b²π⁸ (1/18 − 1/50); S1 = (V1, V2, 0)/V, ST = (V1 + V13, V2, V13)/V
(= 0.3139, 0.4424, 0 and 0.5576, 0.4424, 0.2437).
With 2¹² base samples (2¹⁴ evaluations) the estimators' standard error is about 0.01-0.02;
each index must be within 0.05 of its value and its 95% interval must cover it.
"""

from __future__ import annotations

import math

import numpy as np

from immunoreset.sensitivity import SampledParameter, analyse

A, B = 7.0, 0.1
PARAMS = tuple(SampledParameter(f"x{i + 1}", -math.pi, math.pi, "linear") for i in range(3))


def ishigami(x: np.ndarray) -> np.ndarray:
    return np.sin(x[:, 0]) + A * np.sin(x[:, 1]) ** 2 + B * x[:, 2] ** 4 * np.sin(x[:, 0])


def analytic() -> tuple[np.ndarray, np.ndarray]:
    v = A**2 / 8 + B * math.pi**4 / 5 + B**2 * math.pi**8 / 18 + 0.5
    v1, v2 = (1 + B * math.pi**4 / 5) ** 2 / 2, A**2 / 8
    v13 = B**2 * math.pi**8 * (1 / 18 - 1 / 50)
    return np.array([v1, v2, 0.0]) / v, np.array([v1 + v13, v2, v13]) / v


def test_sobol_indices_of_the_ishigami_function_match_their_analytic_values() -> None:
    s1, st = analytic()
    np.testing.assert_allclose(s1, [0.3139, 0.4424, 0.0], atol=1e-4)
    table = analyse(ishigami, PARAMS, ["f"], method="sobol", n=2**12, seed=1)
    for key, want in (("S1", s1), ("ST", st)):
        got = table[table["index"] == key].sort_values("parameter")
        err = np.abs(got["value"].to_numpy() - want)
        assert np.all(err < 0.05), (key, err)
        assert np.all((got["ci95_low"] <= want) & (want <= got["ci95_high"])), (key, got)


def test_morris_ranks_the_ishigami_inputs_and_finds_x3_interacting() -> None:
    table = analyse(ishigami, PARAMS, ["f"], method="morris", n=200, seed=1)
    mu = table[table["index"] == "mu_star"].set_index("parameter")["value"]
    sigma = table[table["index"] == "sigma"].set_index("parameter")["value"]
    assert mu["x3"] > 0 and mu["x1"] > 0
    # x3 acts only through its interaction with x1: its effects spread more than they average.
    assert sigma["x3"] > mu["x3"]
