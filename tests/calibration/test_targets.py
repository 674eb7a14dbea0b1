"""Every calibration target's acceptance band on a fixed-seed cohort; the loss function."""

from __future__ import annotations

import pandas as pd
import pytest

from immunoreset.calibration import load_constraints, load_targets, simulate_targets, target_loss
from immunoreset.model import load_parameters


@pytest.fixture(scope="module")
def criteria() -> pd.DataFrame:
    # A seed other than the calibration's (1): the bands must hold for a fresh cohort.
    return simulate_targets(load_parameters(), n=300, seed=2026)


def test_every_target_has_criteria_and_the_rest_are_core_constraints(criteria: pd.DataFrame) -> None:
    ids, targets = set(criteria["target_id"]), set(load_targets()["target_id"])
    assert targets <= ids
    assert ids - targets <= set(load_constraints()["constraint_id"])


def test_every_criterion_is_inside_its_acceptance_band(criteria: pd.DataFrame) -> None:
    failed = criteria[~criteria["passed"]]
    assert failed.empty, failed[["target_id", "criterion", "model_value", "low", "high"]].to_string()


def test_loss_is_zero_in_the_band_interior_and_grows_outside() -> None:
    def table(value: float) -> pd.DataFrame:
        return pd.DataFrame({"model_value": [value], "low": [0.0], "high": [10.0]})

    assert target_loss(table(5.0)) == 0.0
    assert target_loss(table(8.0)) == 0.0  # |8 - 5| / 5 = 0.6: edge of the interior
    assert target_loss(table(9.0)) == pytest.approx((0.8 - 0.6) ** 2)
    # 2 units outside a band 10 wide: 100 * 0.2² plus the interior term (1.4 - 0.6)².
    assert target_loss(table(12.0)) == pytest.approx(100 * 0.04 + 0.8**2)
