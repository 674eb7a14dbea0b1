"""ASTCT CRS grade (Lee 2019): fever ≥ 38 °C (or masked) needed; grade = worse of the
hypotension and hypoxia grades, at least 1."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from immunoreset.clinical import crs_grade, score_visits

from .helpers import quiet_row, table

OXYGEN_GRADE = {"none": 0, "low_flow": 2, "high_flow": 3, "positive_pressure": 4}  # Lee 2019


def grade(**changes: Any) -> int:
    scored = score_visits(table(quiet_row(**changes)), instruments=["crs_grade"])
    return int(scored["crs_grade"].iloc[0])


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"temperature_c": 37.99}, 0),  # below 38 °C: no CRS
        ({"temperature_c": 38.0}, 1),  # "≥ 38 °C": fever alone is grade 1
        ({"temperature_c": 36.5, "fever_masked": 1}, 1),  # masked fever counts
        ({"temperature_c": 38.5, "hypotension": 1}, 2),  # no vasopressor
        ({"temperature_c": 38.5, "hypotension": 1, "vasopressors": 1}, 3),  # one
        ({"temperature_c": 38.5, "hypotension": 1, "vasopressors": 2}, 4),  # several
        ({"temperature_c": 38.5, "oxygen": "low_flow"}, 2),  # ≤ 6 L/min or blow-by
        ({"temperature_c": 38.5, "oxygen": "high_flow"}, 3),  # > 6 L/min, masks
        ({"temperature_c": 38.5, "oxygen": "positive_pressure"}, 4),  # CPAP, BiPAP, ventilator
        ({"temperature_c": 38.5, "hypotension": 1, "oxygen": "high_flow"}, 3),  # worse of 2, 3
        ({"temperature_c": 37.0, "hypotension": 1, "vasopressors": 2,
          "oxygen": "positive_pressure"}, 0),  # no fever and not masked: not CRS
    ],
)  # fmt: skip
def test_crs_grade_follows_the_astct_table(changes: dict[str, Any], expected: int) -> None:
    assert grade(**changes) == expected


@settings(deadline=None, max_examples=300)
@given(
    temperature=st.floats(35.0, 41.0),
    masked=st.integers(0, 1),
    hypotension=st.integers(0, 1),
    pressors=st.integers(0, 4),
    oxygen=st.sampled_from(list(OXYGEN_GRADE)),
)
def test_grade_is_zero_without_fever_else_the_worse_organ_grade_and_at_least_1(
    temperature: float, masked: int, hypotension: int, pressors: int, oxygen: str
) -> None:
    pressors = pressors if hypotension else 0
    [result] = crs_grade([temperature], [masked], [hypotension], [pressors], [oxygen]).tolist()
    if temperature < 38.0 and not masked:
        assert result == 0
    else:
        hypotension_grade = 0 if not hypotension else 2 if pressors == 0 else 3 if pressors == 1 else 4
        assert result == max(1, hypotension_grade, OXYGEN_GRADE[oxygen])
