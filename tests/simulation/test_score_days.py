"""Scoring on selected days gives the same scores as daily scoring on those days."""

from __future__ import annotations

import numpy as np
import pytest

from immunoreset.clinical import score_visits
from immunoreset.diseases import MODEL_INSTRUMENTS, crs_grades, observables, visit_table
from immunoreset.model import STATE_INDEX, load_parameters
from immunoreset.population import sample_cohort
from immunoreset.simulation import simulate_arm
from immunoreset.therapy import Regimen

DAYS = np.arange(-7.0, 121.0)


@pytest.fixture(scope="module")
def cohort():  # type: ignore[no-untyped-def]
    return sample_cohort(6, load_parameters(), seed=5)


def test_score_days_equal_daily_scores_on_those_days_and_nan_elsewhere(cohort) -> None:  # type: ignore[no-untyped-def]
    regimen = Regimen.erlangen_car_t()
    daily = simulate_arm(cohort, regimen, days=DAYS)
    some = np.array([-7.0, 0.0, 28.0, 90.0])
    sparse = simulate_arm(cohort, regimen, days=DAYS, score_days=some)
    cols = np.isin(DAYS, some)
    for k in MODEL_INSTRUMENTS:
        if k == "crs_grade":  # always daily
            np.testing.assert_array_equal(sparse.values[k], daily.values[k])
            continue
        np.testing.assert_array_equal(sparse.values[k][:, cols], daily.values[k][:, cols])
        assert np.isnan(sparse.values[k][:, ~cols]).all()
    assert np.nanmax(daily.values["crs_grade"]) >= 1  # the CRS path is exercised


def test_score_days_outside_the_simulated_days_are_rejected(cohort) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=r"score_days: \[500.0\]"):
        simulate_arm(cohort, Regimen.erlangen_car_t(), days=DAYS, score_days=np.array([90.0, 500.0]))


def test_crs_grades_equal_the_visit_record_path() -> None:
    params = load_parameters()
    cohort = sample_cohort(4, params, seed=3)
    il6_index = STATE_INDEX["il6"]
    # IL-6 from baseline to 1000-fold above it, for every patient.
    y = np.repeat(cohort.y0[:, None, :], 40, axis=1)
    y[:, :, il6_index] *= np.geomspace(1.0, 1e3, 40)[None, :]
    obs = observables(y, cohort.params)
    table = visit_table(obs, cohort.params, cohort.thresholds, cohort.y0[:, STATE_INDEX["inflammation"]],
                        Regimen("x"), list(cohort.patient_id), np.arange(40.0))
    want = score_visits(table, instruments=["crs_grade"])["crs_grade"].to_numpy().reshape(4, 40)
    got = crs_grades(obs["il6"], cohort.params)
    np.testing.assert_array_equal(got, want)
    assert set(np.unique(got)) >= {0, 1, 2, 3}  # every grade band is crossed
