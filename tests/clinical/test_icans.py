"""ASTCT ICANS grade for adults (Lee 2019): the worst of the ICE-score, consciousness,
seizure, motor and raised-ICP/oedema domains."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from immunoreset.clinical import icans_grade, score_visits

from .helpers import quiet_row, table

# Domain grades, written from the Lee 2019 adult ICANS table.
CONSCIOUSNESS = {"alert": 0, "awakens_spontaneously": 1, "awakens_to_voice": 2,
                 "awakens_to_touch": 3, "unarousable": 4}  # fmt: skip
SEIZURE = {"none": 0, "quick": 3, "prolonged": 4}
EDEMA = {"none": 0, "focal": 3, "diffuse": 4}


def ice_domain(score: int) -> int:
    """ICE 10 normal; 7-9 grade 1; 3-6 grade 2; 0-2 grade 3 (grade 4 needs unarousable)."""
    return 0 if score == 10 else 1 if score >= 7 else 2 if score >= 3 else 3


def grade(**changes: Any) -> int:
    scored = score_visits(table(quiet_row(**changes)), instruments=["icans_grade"])
    return int(scored["icans_grade"].iloc[0])


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, 0),
        ({"ice_score": 9}, 1),
        ({"ice_score": 7}, 1),
        ({"ice_score": 6}, 2),
        ({"ice_score": 3}, 2),
        ({"ice_score": 2}, 3),
        ({"ice_score": 0, "consciousness": "alert"}, 3),  # awake with global aphasia
        ({"ice_score": 0, "consciousness": "unarousable"}, 4),
        ({"consciousness": "awakens_spontaneously"}, 1),
        ({"consciousness": "awakens_to_voice"}, 2),
        ({"consciousness": "awakens_to_touch"}, 3),
        ({"seizure_icans": "quick"}, 3),
        ({"seizure_icans": "prolonged"}, 4),
        ({"motor_weakness": 1}, 4),
        ({"cerebral_edema": "focal"}, 3),
        ({"cerebral_edema": "diffuse"}, 4),
        ({"ice_score": 3, "seizure_icans": "quick"}, 3),  # Lee 2019 worked example: ICE 3 + seizure
    ],
)
def test_icans_grade_follows_the_astct_adult_table(
    changes: dict[str, Any], expected: int
) -> None:
    assert grade(**changes) == expected


@settings(deadline=None, max_examples=300)
@given(
    ice=st.integers(0, 10),
    consciousness=st.sampled_from(list(CONSCIOUSNESS)),
    seizure=st.sampled_from(list(SEIZURE)),
    motor=st.integers(0, 1),
    edema=st.sampled_from(list(EDEMA)),
)
def test_icans_grade_is_the_worst_domain(
    ice: int, consciousness: str, seizure: str, motor: int, edema: str
) -> None:
    [result] = icans_grade([ice], [consciousness], [seizure], [motor], [edema]).tolist()
    assert result == max(
        ice_domain(ice), CONSCIOUSNESS[consciousness], SEIZURE[seizure], 4 * motor, EDEMA[edema]
    )
    if result == 4:
        assert consciousness == "unarousable" or seizure == "prolonged" or motor or (
            edema == "diffuse"
        )
    if ice == 0 and consciousness != "unarousable":
        assert result >= 3
