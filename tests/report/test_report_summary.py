"""The numbers behind the report: time-course summaries and per-patient read-outs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from immunoreset.errors import InputError
from immunoreset.report import (
    b_cell_reappearance,
    car_t_peak,
    key_results_table,
    summarise_time_courses,
)


def _long(values: np.ndarray, days: np.ndarray, variable: str, arm: str = "car_t") -> pd.DataFrame:
    n = values.shape[0]
    return pd.DataFrame(
        {
            "patient_id": np.repeat([f"P{i}" for i in range(n)], days.size),
            "arm": arm,
            "day": np.tile(days, n),
            "variable": variable,
            "value": values.reshape(-1),
            "unit": "cells/µL",
        }
    )


def test_median_and_bands_equal_numpy_quantiles_per_day() -> None:
    rng = np.random.default_rng(3)
    days = np.arange(0, 5)
    values = rng.lognormal(3, 1, (11, days.size))
    summary = summarise_time_courses(_long(values, days, "b_cells_blood"))
    assert len(summary) == days.size
    np.testing.assert_allclose(summary["median"], np.median(values, axis=0), rtol=1e-12)
    for column, q in (("q05", 0.05), ("q25", 0.25), ("q75", 0.75), ("q95", 0.95)):
        np.testing.assert_allclose(summary[column], np.quantile(values, q, axis=0), rtol=1e-12)
    np.testing.assert_allclose(summary["mean"], values.mean(axis=0), rtol=1e-12)
    assert (summary["n"] == 11).all()


def test_missing_values_are_left_out_of_the_summary() -> None:
    days = np.arange(2)
    values = np.array([[1.0, 1.0], [3.0, np.nan], [5.0, 7.0]])
    summary = summarise_time_courses(_long(values, days, "c3")).set_index("day")
    assert summary.loc[0, "median"] == 3.0
    assert summary.loc[1, "median"] == 4.0  # median of 1 and 7
    assert summary.loc[1, "n"] == 2


def test_proportion_of_a_binary_variable_is_its_mean() -> None:
    days = np.arange(3)
    values = np.array([[0, 1, 1], [0, 0, 1], [0, 0, 1], [1, 0, 1]], dtype=float)
    summary = summarise_time_courses(_long(values, days, "doris"))
    np.testing.assert_allclose(summary["mean"], [0.25, 0.25, 1.0])


def test_summary_rejects_a_table_without_the_long_format_columns() -> None:
    with pytest.raises(InputError, match=r"missing column.*variable"):
        summarise_time_courses(pd.DataFrame({"patient_id": [], "arm": [], "day": [], "value": []}))


def test_car_t_peak_and_its_day() -> None:
    days = np.arange(-2, 6)
    values = np.array(
        [
            [0, 0, 0, 5, 20, 80, 40, 10],  # peak 80 on day 3
            [0, 0, 0, 0, 0, 0, 0, 0],  # never expands
        ],
        dtype=float,
    )
    peaks = car_t_peak(_long(values, days, "car_t_blood")).set_index("patient_id")
    assert peaks.loc["P0", "peak"] == 80.0
    assert peaks.loc["P0", "peak_day"] == 3.0
    assert np.isnan(peaks.loc["P1", "peak"]) and np.isnan(peaks.loc["P1", "peak_day"])


def test_b_cell_reappearance_is_the_first_day_back_above_detection() -> None:
    days = np.arange(-1, 7)
    values = np.array(
        [
            [100, 100, 50, 5, 0, 0, 12, 30],  # depleted day 2, back on day 5
            [100, 100, 0, 0, 0, 0, 0, 0],  # depleted day 1, never back
            [100, 100, 90, 80, 70, 60, 50, 40],  # never depleted
        ],
        dtype=float,
    )
    back = b_cell_reappearance(_long(values, days, "b_cells_blood")).set_index("patient_id")
    assert back.loc["P0", "depletion_day"] == 2.0
    assert back.loc["P0", "reappearance_day"] == 5.0
    assert bool(back.loc["P1", "depleted"]) and np.isnan(back.loc["P1", "reappearance_day"])
    assert not bool(back.loc["P2", "depleted"])


def test_key_results_report_remission_as_percent_of_patients(synthetic_run) -> None:
    trajectories, patients, _ = synthetic_run
    summary = summarise_time_courses(trajectories)
    table = key_results_table(summary, trajectories, patients).set_index("Measure")
    assert table.loc["Virtual patients", "CAR-T"] == "8"
    assert table.loc["Solver failures", "Untreated"] == "1 (12.5%)"
    doris = trajectories[
        (trajectories["variable"] == "doris")
        & (trajectories["day"] == 365)
        & (trajectories["arm"] == "car_t")
    ]["value"]
    k = int(doris.sum())
    assert table.loc["DORIS remission, Month 12", "CAR-T"] == f"{100 * k / 8:.0f}% ({k}/8)"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1234.4, "1,234"),
        (45.61, "45.6"),
        (0.9123, "0.912"),
        (0.00345, "0.0034"),
        (8.6e-5, "<0.001"),
        (0.0, "0"),
        (float("nan"), "–"),
    ],
)
def test_table_numbers_have_about_three_significant_digits(value, text) -> None:
    from immunoreset.report._style import format_number

    assert format_number(value) == text
