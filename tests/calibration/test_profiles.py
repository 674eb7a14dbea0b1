"""The one-parameter scans of the calibration report, on a criteria table with known edges."""

from __future__ import annotations

import pandas as pd
import pytest

from immunoreset.calibration import _profiles, at_prior, pass_ranges
from immunoreset.model import load_parameters

NAME = "car_t_kill_rate"


@pytest.fixture
def banded(monkeypatch: pytest.MonkeyPatch) -> float:
    """simulate_targets replaced by one criterion that passes while the kill rate is within
    [value / 1.5, value * 2.5]; returns the fitted value."""
    value = load_parameters().value(NAME)

    def table(parameters, *, n: int, seed: int) -> pd.DataFrame:
        v = parameters.value(NAME)
        return pd.DataFrame({"target_id": ["t"], "criterion": [f"band of {NAME}"],
                             "passed": [value / 1.5 <= v <= value * 2.5]})

    monkeypatch.setattr(_profiles, "simulate_targets", table)
    return value


def test_pass_range_stops_at_the_first_failing_step(banded: float) -> None:
    row = pass_ranges(load_parameters(), [NAME], n=1, seed=1).iloc[0]
    # Steps 1.15, 1.4, 2.0, 3.0: below, /1.4 passes and /2 fails; above, x2 passes, x3 fails.
    assert row["low"] == pytest.approx(banded / 1.4)
    assert row["high"] == pytest.approx(banded * 2.0)
    assert (row["low_factor"], row["high_factor"]) == pytest.approx((1.4, 2.0))
    assert not row["open_low"] and not row["open_high"]
    assert row["fails_below"] == row["fails_above"] == f"t: band of {NAME}"


def test_a_range_that_never_fails_is_open(banded: float) -> None:
    row = pass_ranges(load_parameters(), [NAME], n=1, seed=1, factors=(1.1, 1.2)).iloc[0]
    assert row["open_low"] and row["open_high"]
    assert row["high_factor"] == pytest.approx(1.2)


def test_scan_factors_are_checked() -> None:
    with pytest.raises(ValueError, match="factors"):
        pass_ranges(load_parameters(), [NAME], n=1, seed=1, factors=(2.0, 1.5))


def test_at_prior_names_the_criteria_that_fail_there(banded: float) -> None:
    params = load_parameters()
    prior = params[NAME].prior
    row = at_prior(params, [NAME], n=1, seed=1).iloc[0]
    assert row["ratio"] == pytest.approx(banded / prior)
    inside = banded / 1.5 <= prior <= banded * 2.5
    assert row["fails_at_prior"] == ("" if inside else f"t: band of {NAME}")
