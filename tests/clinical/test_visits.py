"""The visit table: deriving laboratory descriptors, and one-line errors on bad input."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from immunoreset.clinical import (
    INSTRUMENTS,
    RENAL_INSTRUMENTS,
    VISIT_COLUMNS,
    Visit,
    prepare_visits,
    score_visits,
)
from immunoreset.errors import InputError

from .helpers import DESCRIPTOR_NAMES, quiet_row, table

LIMITS = {"c3_lln_g_per_l": 0.9, "c4_lln_g_per_l": 0.1, "anti_dsdna_uln_iu_per_ml": 100.0}


def derived(descriptor: str, **labs: Any) -> int:
    """Descriptor derived from measurements alone (its 0/1 column removed)."""
    row = quiet_row(**labs)
    del row[descriptor]
    prepared = prepare_visits(table(row), instruments=["sledai_2k"])
    return int(prepared.descriptors[descriptor].iloc[0])


# Threshold edges, each from the SLEDAI-2K wording: "> 0.5 g/24 h", "> 5 RBC/hpf",
# "> 5 WBC/hpf", "< 100 × 10^9/L platelets", "< 3 × 10^9/L leukocytes", complement "below the
# lower limit of normal", DNA binding "above the upper limit of normal".
@pytest.mark.parametrize(
    ("descriptor", "labs", "expected"),
    [
        ("proteinuria", {"proteinuria_g_per_day": 0.5}, 0),
        ("proteinuria", {"proteinuria_g_per_day": 0.51}, 1),
        ("hematuria", {"rbc_per_hpf": 5}, 0),
        ("hematuria", {"rbc_per_hpf": 6}, 1),
        ("pyuria", {"wbc_per_hpf": 5}, 0),
        ("pyuria", {"wbc_per_hpf": 5.5}, 1),
        ("thrombocytopenia", {"platelets_10e9_per_l": 100}, 0),
        ("thrombocytopenia", {"platelets_10e9_per_l": 99}, 1),
        ("leukopenia", {"leukocytes_10e9_per_l": 3.0}, 0),
        ("leukopenia", {"leukocytes_10e9_per_l": 2.9}, 1),
        ("low_complement", {"c3_g_per_l": 0.9, "c4_g_per_l": 0.1, **LIMITS}, 0),
        ("low_complement", {"c3_g_per_l": 0.89, "c4_g_per_l": 0.1, **LIMITS}, 1),
        ("low_complement", {"c3_g_per_l": 1.2, "c4_g_per_l": 0.09, **LIMITS}, 1),
        ("low_complement", {"c3_g_per_l": 0.5, "c3_lln_g_per_l": 0.9}, 1),  # C3 only
        ("low_complement", {"c4_g_per_l": 0.2, "c4_lln_g_per_l": 0.1}, 0),  # C4 only
        ("low_complement", {"c3_g_per_l": 1.0, "c4_g_per_l": np.nan, **LIMITS}, 0),
        ("increased_dna_binding", {"anti_dsdna_iu_per_ml": 100, **LIMITS}, 0),
        ("increased_dna_binding", {"anti_dsdna_iu_per_ml": 101, **LIMITS}, 1),
    ],
)
def test_laboratory_descriptor_follows_the_published_threshold(
    descriptor: str, labs: dict[str, float], expected: int
) -> None:
    assert derived(descriptor, **labs) == expected


def test_descriptor_given_both_ways_that_agree_is_accepted() -> None:
    row = quiet_row(present=["proteinuria"], proteinuria_g_per_day=0.8)
    assert score_visits(table(row), instruments=["sledai_2k"])["sledai_2k"].tolist() == [4]


def test_descriptor_given_both_ways_that_disagree_is_an_error_naming_both() -> None:
    row = quiet_row(proteinuria_g_per_day=0.8)  # proteinuria column says 0
    with pytest.raises(
        InputError,
        match=r"row 1 \(patient 'P1', day 0\), column 'proteinuria': got 0, but "
        r"proteinuria_g_per_day = 0.8 gives 1",
    ):
        score_visits(table(row), instruments=["sledai_2k"])


def test_empty_descriptor_cell_falls_back_on_the_measurement_row_by_row() -> None:
    rows = [quiet_row(day=0, proteinuria=np.nan, proteinuria_g_per_day=1.0),
            quiet_row(day=7, proteinuria=1, proteinuria_g_per_day=np.nan)]  # fmt: skip
    assert score_visits(table(*rows), instruments=["sledai_2k"])["sledai_2k"].tolist() == [4, 4]


def test_descriptor_given_neither_way_names_the_alternative_columns() -> None:
    row = quiet_row()
    del row["proteinuria"]
    with pytest.raises(
        InputError,
        match=r"missing column 'proteinuria' \(or 'proteinuria_g_per_day'\), needed by sledai_2k",
    ):
        score_visits(table(row), instruments=["sledai_2k"])


def test_empty_descriptor_with_no_measurement_in_that_row_is_an_error() -> None:
    rows = [quiet_row(day=0, proteinuria_g_per_day=1.0),
            quiet_row(day=7, proteinuria=np.nan, proteinuria_g_per_day=np.nan)]  # fmt: skip
    rows[0]["proteinuria"] = 1
    with pytest.raises(InputError, match=r"row 2 \(patient 'P1', day 7\), column 'proteinuria'"):
        score_visits(table(*rows), instruments=["sledai_2k"])


def test_a_limit_without_its_measurement_is_an_error() -> None:
    row = quiet_row(c3_g_per_l=0.5)
    del row["low_complement"]
    with pytest.raises(InputError, match="column 'c3_g_per_l' needs column 'c3_lln_g_per_l'"):
        score_visits(table(row), instruments=["sledai_2k"])


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("proteinuria_g_per_day", 3500, r"got 3500, expected g/day .*did you pass mg/day\?"),
        ("platelets_10e9_per_l", 250000, r"got 250000, .*did you pass cells/µL"),
        ("c3_g_per_l", 95, r"got 95, .*did you pass mg/dL"),
        ("temperature_c", 101.3, r"got 101.3, .*did you pass °F\?"),
        ("pga", 3.5, r"got 3.5, expected points between 0 and 3"),
        ("pga", -0.1, r"got -0.1, expected points between 0 and 3"),
        ("prednisone_mg_per_day", -5, r"got -5, expected mg/day"),
        ("ice_score", 11, r"got 11, expected points between 0 and 10"),
        ("ice_score", 7.5, r"got 7.5, expected a whole number"),
        ("vasopressors", -1, r"got -1, expected count between 0 and 10"),
        ("hypotension", 2, r"got 2, expected 0 or 1"),
        ("arthritis", 1.5, r"got 1.5, expected 0 or 1"),
        ("antimalarial", "yes", r"got 'yes', expected a number"),
        ("oxygen", "nasal_cannula", r"got 'nasal_cannula', expected one of none, low_flow"),
        ("consciousness", "drowsy", r"got 'drowsy', expected one of alert, awakens_"),
        ("seizure_icans", "yes", r"got 'yes', expected one of none, quick, prolonged"),
        ("cerebral_edema", "mild", r"got 'mild', expected one of none, focal, diffuse"),
        ("bilag_renal", "F", r"got 'F', expected one of A, B, C, D, E"),
        ("c3_lln_g_per_l", 0, r"got 0, expected g/L above 0"),
        ("pga", np.nan, r"got an empty value, expected a value"),
    ],
)
def test_bad_value_is_a_one_line_error_naming_row_column_and_value(
    column: str, value: object, message: str
) -> None:
    rows = [quiet_row(day=0, **LIMITS, c3_g_per_l=1.0, c4_g_per_l=0.2),
            quiet_row(day=28, **LIMITS, c3_g_per_l=1.0, c4_g_per_l=0.2)]  # fmt: skip
    for row in rows:
        row.pop("low_complement")
    rows[1][column] = value
    if column == "ice_score":
        rows[1]["consciousness"] = "awakens_spontaneously"
    with pytest.raises(InputError) as caught:
        score_visits(table(*rows))
    text = str(caught.value)
    assert "\n" not in text
    assert text.startswith(f"row 2 (patient 'P1', day 28), column '{column}': ")
    assert re.search(message, text), text


def test_vasopressors_without_hypotension_is_an_error() -> None:
    with pytest.raises(InputError, match="column 'vasopressors': got 1, expected 0 when"):
        score_visits(table(quiet_row(vasopressors=1)), instruments=["crs_grade"])


@pytest.mark.parametrize("instrument", [i for i in INSTRUMENTS if i not in RENAL_INSTRUMENTS])
def test_missing_column_names_the_instrument_that_needs_it(instrument: str) -> None:
    needs = {
        "sledai_2k": "seizure", "clinical_sledai": "fever", "doris": "pga",
        "drug_free_doris": "biologic", "lldas": "prednisone_mg_per_day",
        "sri4": "bilag_renal", "crs_grade": "oxygen", "icans_grade": "ice_score",
    }  # fmt: skip
    row = quiet_row()
    del row[needs[instrument]]
    with pytest.raises(InputError, match=f"missing column '{needs[instrument]}'.*{instrument}"):
        score_visits(table(row), instruments=[instrument])


def test_columns_an_instrument_does_not_need_may_be_absent() -> None:
    crs_only = pd.DataFrame(
        {"patient_id": ["P1"], "day": [0], "temperature_c": [38.2], "hypotension": [0],
         "vasopressors": [0], "oxygen": ["none"], "fever_masked": [0]}
    )  # fmt: skip
    assert score_visits(crs_only, instruments=["crs_grade"])["crs_grade"].tolist() == [1]


def test_clinical_sledai_does_not_need_the_serology_columns() -> None:
    row = quiet_row(present=["rash"])
    del row["low_complement"], row["increased_dna_binding"]
    scored = score_visits(table(row), instruments=["clinical_sledai", "doris"])
    assert scored["clinical_sledai"].tolist() == [2]


def test_two_rows_for_the_same_patient_and_day_are_an_error() -> None:
    rows = [quiet_row(day=0), quiet_row(day=14), quiet_row(day=14)]
    with pytest.raises(InputError, match=r"row 3 .*second visit of patient 'P1' on day 14"):
        score_visits(table(*rows))


def test_missing_patient_id_is_an_error() -> None:
    with pytest.raises(InputError, match=r"row 1, column 'patient_id': got an empty value"):
        score_visits(table(quiet_row(patient_id=None)))


def test_unknown_instrument_is_an_error() -> None:
    with pytest.raises(InputError, match="instruments: got 'sledai', expected some of"):
        score_visits(table(quiet_row()), instruments=["sledai"])


def test_every_issue_column_is_documented_with_a_unit() -> None:
    issue_columns = {
        "patient_id", "day", *DESCRIPTOR_NAMES, "proteinuria_g_per_day", "rbc_per_hpf",
        "wbc_per_hpf", "platelets_10e9_per_l", "leukocytes_10e9_per_l", "c3_g_per_l",
        "c4_g_per_l", "anti_dsdna_iu_per_ml", "c3_lln_g_per_l", "c4_lln_g_per_l",
        "anti_dsdna_uln_iu_per_ml", "pga", "prednisone_mg_per_day", "antimalarial",
        "immunosuppressant", "biologic", "temperature_c", "hypotension", "vasopressors",
        "oxygen", "fever_masked", "ice_score", "consciousness", "seizure_icans",
        "motor_weakness", "cerebral_edema", "upcr_g_per_g", "egfr_ml_per_min_per_1_73m2",
        "renal_rescue",
        *(f"bilag_{d}" for d in ("constitutional", "mucocutaneous", "neuropsychiatric",
          "musculoskeletal", "cardiorespiratory", "gastrointestinal", "ophthalmic", "renal",
          "haematological")),
    }  # fmt: skip
    assert set(VISIT_COLUMNS) == issue_columns
    assert all(spec.unit for spec in VISIT_COLUMNS.values())


def test_visit_record_lists_every_descriptor_as_0_or_1() -> None:
    record = Visit("P9", 3, descriptors={"rash", "fever"}, pga=0.5).to_record()
    assert record["rash"] == 1 and record["fever"] == 1 and record["seizure"] == 0
    assert record["pga"] == 0.5 and "oxygen" not in record


def test_visit_rejects_an_unknown_descriptor_and_incomplete_bilag() -> None:
    with pytest.raises(InputError, match=r"Visit\.descriptors: got 'malar_rash'"):
        Visit("P1", 0, descriptors={"malar_rash"})
    with pytest.raises(InputError, match=r"Visit\.bilag: got domains renal, expected all of"):
        Visit("P1", 0, bilag={"renal": "A"})


def test_every_column_and_instrument_is_documented_in_docs_clinical_md() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "clinical.md").read_text()
    for name in (*VISIT_COLUMNS, *INSTRUMENTS):
        assert f"`{name}`" in doc, name
