"""DORIS 2021 remission (van Vollenhoven 2021: clinical SLEDAI = 0, PGA < 0.5, prednisolone
≤ 5 mg/day; antimalarials, immunosuppressants, biologics allowed) and drug-free DORIS."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from immunoreset.clinical import doris_remission, drug_free_doris_remission, score_visits

from .helpers import DESCRIPTOR_NAMES, quiet_row, table


def remission(**changes: Any) -> tuple[int, int]:
    scored = score_visits(table(quiet_row(**changes)), instruments=["doris", "drug_free_doris"])
    return int(scored["doris"].iloc[0]), int(scored["drug_free_doris"].iloc[0])


def test_a_quiet_visit_off_all_drugs_is_in_both_remissions() -> None:
    assert remission() == (1, 1)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"pga": 0.49}, (1, 1)),  # PGA < 0.5
        ({"pga": 0.5}, (0, 0)),  # 0.5 is not < 0.5
        ({"prednisone_mg_per_day": 5.0}, (1, 0)),  # ≤ 5 mg/day; drug-free needs 0
        ({"prednisone_mg_per_day": 5.01}, (0, 0)),
        ({"present": ["fever"]}, (0, 0)),  # clinical SLEDAI 1
        ({"present": ["rash"]}, (0, 0)),  # clinical SLEDAI 2
        ({"present": ["low_complement", "increased_dna_binding"]}, (1, 1)),  # serology ignored
        ({"antimalarial": 1}, (1, 0)),  # allowed by DORIS; drug-free means off all drugs
        ({"immunosuppressant": 1}, (1, 0)),
        ({"biologic": 1}, (1, 0)),
    ],
)
def test_remission_follows_each_published_clause(
    changes: dict[str, Any], expected: tuple[int, int]
) -> None:
    assert remission(**changes) == expected


def test_array_functions_match_the_rule_directly() -> None:
    # Rows: remission; PGA too high; prednisone too high; clinical SLEDAI 1.
    clinical = np.array([0, 0, 0, 1])
    pga = np.array([0.0, 0.6, 0.2, 0.0])
    prednisone = np.array([0.0, 0.0, 7.5, 0.0])
    assert doris_remission(clinical, pga, prednisone).tolist() == [True, False, False, False]
    off = np.zeros(4)
    assert drug_free_doris_remission(clinical, pga, prednisone, off, off, off).tolist() == [
        True, False, False, False,
    ]  # fmt: skip


visit_settings = st.fixed_dictionaries(
    {
        "present": st.sets(st.sampled_from(DESCRIPTOR_NAMES), max_size=4),
        "pga": st.sampled_from([0.0, 0.2, 0.49, 0.5, 1.0, 3.0]),
        "prednisone_mg_per_day": st.sampled_from([0.0, 2.5, 5.0, 5.5, 20.0]),
        "antimalarial": st.integers(0, 1),
        "immunosuppressant": st.integers(0, 1),
        "biologic": st.integers(0, 1),
    }
)


@settings(deadline=None, max_examples=60)
@given(st.lists(visit_settings, min_size=1, max_size=30))
def test_doris_implies_clinical_sledai_zero_and_drug_free_implies_doris(
    visits: list[dict[str, Any]],
) -> None:
    rows = [quiet_row(day=day, **visit) for day, visit in enumerate(visits)]
    scored = score_visits(table(*rows))
    assert (scored.loc[scored["doris"] == 1, "clinical_sledai"] == 0).all()
    assert (scored.loc[scored["drug_free_doris"] == 1, "doris"] == 1).all()
