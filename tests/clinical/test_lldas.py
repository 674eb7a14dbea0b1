"""LLDAS (Franklyn 2016, Table 1): SLEDAI-2K ≤ 4 without major-organ activity, no new activity
since the previous visit, PGA ≤ 1, prednisolone ≤ 7.5 mg/day."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from immunoreset.clinical import LLDAS_MAJOR_ORGAN_DESCRIPTORS, score_visits

from .helpers import quiet_row, table


def lldas_of(*rows: dict[str, Any]) -> list[int]:
    return score_visits(table(*rows), instruments=["lldas"])["lldas"].tolist()


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, 1),
        ({"present": ["rash", "alopecia"]}, 1),  # SLEDAI-2K 4, no major organ
        ({"present": ["low_complement", "increased_dna_binding"]}, 1),  # serology 4 allowed
        ({"present": ["low_complement", "increased_dna_binding", "leukopenia"]}, 0),  # 5 > 4
        ({"present": ["arthritis"]}, 1),  # 4, musculoskeletal is not a major organ here
        ({"present": ["pleurisy"]}, 0),  # 2, but cardiopulmonary
        ({"present": ["pericarditis"]}, 0),  # cardiopulmonary
        ({"present": ["fever"]}, 0),  # 1, but fever is listed
        ({"present": ["proteinuria"]}, 0),  # 4, but renal
        ({"pga": 1.0}, 1),  # ≤ 1
        ({"pga": 1.1}, 0),
        ({"prednisone_mg_per_day": 7.5}, 1),  # ≤ 7.5 mg/day
        ({"prednisone_mg_per_day": 7.6}, 0),
        ({"immunosuppressant": 1, "biologic": 1, "antimalarial": 1}, 1),  # allowed
    ],
)
def test_single_visit_lldas_follows_each_clause(changes: dict[str, Any], expected: int) -> None:
    assert lldas_of(quiet_row(**changes)) == [expected]


def test_major_organ_list_is_cns_vasculitis_renal_cardiopulmonary_and_fever() -> None:
    assert set(LLDAS_MAJOR_ORGAN_DESCRIPTORS) == {
        "seizure", "psychosis", "organic_brain_syndrome", "visual_disturbance",
        "cranial_nerve_disorder", "lupus_headache", "cva", "vasculitis", "urinary_casts",
        "hematuria", "proteinuria", "pyuria", "pleurisy", "pericarditis", "fever",
    }  # fmt: skip


def test_a_descriptor_absent_at_the_previous_visit_is_new_activity() -> None:
    # Day 0: nothing. Day 30: rash appears (SLEDAI-2K 2 ≤ 4, but new) -> not LLDAS.
    # Day 60: rash persists, nothing new -> LLDAS.
    rows = [quiet_row(day=0), quiet_row(day=30, present=["rash"]),
            quiet_row(day=60, present=["rash"])]  # fmt: skip
    assert lldas_of(*rows) == [1, 0, 1]


def test_new_serological_activity_counts_as_new() -> None:
    rows = [quiet_row(day=0, present=["low_complement"]),
            quiet_row(day=30, present=["low_complement", "increased_dna_binding"])]  # fmt: skip
    assert lldas_of(*rows) == [1, 0]


def test_the_first_visit_has_no_previous_assessment_so_nothing_is_new() -> None:
    assert lldas_of(quiet_row(day=5, present=["rash"])) == [1]


def test_previous_visit_is_by_day_within_patient_whatever_the_row_order() -> None:
    # Rows shuffled and interleaved across two patients; P1 gains alopecia on day 60,
    # P2 has alopecia throughout.
    rows = [quiet_row("P1", 60, present=["alopecia"]), quiet_row("P2", 0, present=["alopecia"]),
            quiet_row("P1", 0), quiet_row("P2", 60, present=["alopecia"]),
            quiet_row("P1", 30)]  # fmt: skip
    assert lldas_of(*rows) == [0, 1, 1, 1, 1]


def test_lldas_keeps_the_index_of_the_input() -> None:
    frame = table(quiet_row(day=0), quiet_row(day=7))
    frame.index = pd.Index(["a", "b"])
    assert score_visits(frame, instruments=["lldas"])["lldas"].to_dict() == {"a": 1, "b": 1}
