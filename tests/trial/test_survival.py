"""Kaplan–Meier against a hand-computed example."""

from __future__ import annotations

import math

import pytest

from immunoreset.trial import kaplan_meier


def test_kaplan_meier_matches_hand_computation() -> None:
    # times 1, 2, 2+, 3, 4+, 5 (+ = censored). At risk / events:
    # t=1: 6/1 → S = 5/6; t=2: 5/1 → S = 5/6·4/5 = 2/3; t=3: 3/1 → S = 2/3·2/3 = 4/9;
    # t=4: censored; t=5: 1/1 → S = 0. Median: first t with S ≤ 0.5 → 3.
    km = kaplan_meier([1, 2, 2, 3, 4, 5], [1, 1, 0, 1, 0, 1])
    s = dict(zip(km.curve["time"], km.curve["survival"], strict=True))
    assert s[1.0] == pytest.approx(5 / 6)
    assert s[2.0] == pytest.approx(2 / 3)
    assert s[3.0] == pytest.approx(4 / 9)
    assert s[5.0] == pytest.approx(0.0)
    assert km.median == 3.0
    assert km.n == 6 and km.events == 4
    assert km.survival_at(2.5)[0] == pytest.approx(2 / 3)
    assert km.survival_at(0.5)[0] == 1.0


def test_greenwood_log_log_interval_at_first_event() -> None:
    # S(1) = 5/6, Greenwood var(log S) = 1/(6·5); exponential Greenwood (log-log) limits:
    # exp(-exp(log(-log S) ± 1.96·sqrt(V)/|log S|)).
    km = kaplan_meier([1, 2, 2, 3, 4, 5], [1, 1, 0, 1, 0, 1])
    s = 5 / 6
    se = math.sqrt(1 / 30) / abs(math.log(s))
    lo = math.exp(-math.exp(math.log(-math.log(s)) + 1.959964 * se))
    hi = math.exp(-math.exp(math.log(-math.log(s)) - 1.959964 * se))
    _, got_lo, got_hi = km.survival_at(1.0)
    assert (got_lo, got_hi) == pytest.approx((lo, hi), abs=1e-5)


def test_median_not_reached_is_infinite_and_empty_input_is_nan() -> None:
    assert math.isinf(kaplan_meier([5, 6], [0, 0]).median)
    km = kaplan_meier([], [])
    assert km.n == 0 and math.isnan(km.median) and math.isnan(km.survival_at(3)[0])
