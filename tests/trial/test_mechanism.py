"""Mechanism read-outs: depth, duration and end of depletion relative to baseline."""

from __future__ import annotations

import numpy as np
import pytest

from immunoreset.trial._mechanism import DEPLETED_FRACTION, mechanism_curves, mechanism_readouts


def test_depth_duration_and_end_are_read_relative_to_the_first_day() -> None:
    days = np.arange(-7.0, 101.0)
    # patient 0: 200 cells/µL falling to 2 (1%) on days 5-34 then back to 200 by day 100;
    # patient 1: never depleted (1000 → 600)
    b = np.empty((2, days.size))
    b[0] = 200.0
    b[0, (days >= 5) & (days < 35)] = 2.0
    b[1] = np.where(days >= 0, 600.0, 1000.0)
    values = {"b_cells_blood": b, "anti_dsdna": np.vstack([np.linspace(300, 30, days.size),
                                                             np.full(days.size, 50.0)])}
    r = mechanism_readouts(values, days)
    assert r["b_cells_blood_nadir"].tolist() == pytest.approx([0.01, 0.6])
    assert r["b_cells_blood_days_depleted"].tolist() == pytest.approx([30.0, 0.0])
    assert r["b_cells_blood_at_end"].tolist() == pytest.approx([1.0, 0.6])
    assert r["anti_dsdna_at_end"].tolist() == pytest.approx([0.1, 1.0])
    assert "anti_dsdna_days_depleted" not in r  # a titre: no depletion duration
    assert DEPLETED_FRACTION == 0.1


def test_curves_are_medians_of_the_patients_that_solved() -> None:
    days = np.array([0.0, 1.0, 2.0])
    v = {"b_cells_blood": np.array([[10.0, 5.0, 1.0], [10.0, 10.0, 10.0], [10.0, np.nan, np.nan]])}
    c = mechanism_curves(v, days, "a", ok=np.array([True, True, False]))
    assert c["median"].tolist() == pytest.approx([1.0, 0.75, 0.55])
    assert set(c["arm"]) == {"a"} and c["variable"].iloc[0] == "b_cells_blood"
