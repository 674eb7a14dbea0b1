"""score_visits / score_file / score_visit: one vectorised path, three entry points."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from immunoreset.clinical import (
    INSTRUMENTS,
    Visit,
    VisitScores,
    read_visits,
    score_file,
    score_visit,
    score_visits,
)
from immunoreset.errors import InputError

from .helpers import quiet_row, table

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "visits" / "example_visits.csv"


def test_scores_are_added_in_instrument_order_to_a_copy() -> None:
    visits = table(quiet_row(day=0), quiet_row(day=7))
    before = visits.copy()
    scored = score_visits(visits, instruments=["icans_grade", "sledai_2k"])
    pd.testing.assert_frame_equal(visits, before)
    assert list(scored.columns) == [*visits.columns, "sledai_2k", "icans_grade"]
    pd.testing.assert_frame_equal(scored[visits.columns], visits)


def test_all_instruments_are_scored_by_default_with_their_dtypes() -> None:
    scored = score_visits(table(quiet_row(day=0), quiet_row(day=7)))
    assert list(scored.columns[-len(INSTRUMENTS) :]) == list(INSTRUMENTS)
    assert {c: str(scored[c].dtype) for c in INSTRUMENTS} == {
        "sledai_2k": "int16", "clinical_sledai": "int16", "doris": "int8",
        "drug_free_doris": "int8", "lldas": "int8", "sri4": "Int8", "crs_grade": "int8",
        "icans_grade": "int8", "complete_renal_response": "Int8",
        "partial_renal_response": "Int8", "renal_response": "Int8",
    }  # fmt: skip


def test_rescoring_a_scored_table_replaces_the_score_columns() -> None:
    once = score_visits(table(quiet_row(present=["rash"])))
    once["sledai_2k"] = 99
    twice = score_visits(once)
    assert twice["sledai_2k"].tolist() == [2]
    assert list(twice.columns) == list(once.columns)


def test_row_order_does_not_change_any_score() -> None:
    rng = np.random.default_rng(7)
    rows = [
        quiet_row(f"P{p}", day, present=[d for d in ("rash", "proteinuria", "fever")
                                         if rng.random() < 0.4],
                  pga=float(rng.choice([0.0, 0.4, 1.0, 2.0])),
                  bilag={"renal": str(rng.choice(list("ABCDE")))})
        for p in range(5) for day in (0, 30, 60, 90)
    ]  # fmt: skip
    ordered = score_visits(table(*rows))
    shuffled = table(*rows).sample(frac=1.0, random_state=3)
    pd.testing.assert_frame_equal(score_visits(shuffled).loc[ordered.index], ordered)


def test_score_visit_gives_the_same_result_as_score_visits() -> None:
    baseline = Visit("P1", 0, descriptors={"arthritis", "proteinuria", "rash"}, pga=1.5,
                     prednisone_mg_per_day=10, antimalarial=True, immunosuppressant=True,
                     biologic=False, bilag={d: "C" for d in ("constitutional", "mucocutaneous",
                     "neuropsychiatric", "musculoskeletal", "cardiorespiratory",
                     "gastrointestinal", "ophthalmic", "renal", "haematological")})  # fmt: skip
    later = Visit("P1", 90, descriptors={"low_complement"}, pga=0.2, prednisone_mg_per_day=0,
                  antimalarial=False, immunosuppressant=False, biologic=False,
                  bilag=dict(baseline.bilag or {}), temperature_c=36.9, fever_masked=False,
                  hypotension=False, vasopressors=0, oxygen="none")  # fmt: skip
    result = score_visit(later, history=[baseline])
    # SLEDAI-2K 2 (low complement), clinical 0; PGA 0.2 < 0.5, off all drugs; SRI-4: 10 -> 2;
    # not LLDAS: low complement is new since the previous visit. ICANS inputs not given.
    assert result == VisitScores(
        sledai_2k=2, clinical_sledai=0, doris=True, drug_free_doris=True, lldas=False,
        sri4=True, crs_grade=0, icans_grade=None,
    )  # fmt: skip
    frame = score_visits(pd.DataFrame([baseline.to_record(), later.to_record()]),
                         instruments=["sledai_2k", "lldas", "sri4"])  # fmt: skip
    assert frame.iloc[1]["sledai_2k"] == result.sledai_2k
    assert bool(frame.iloc[1]["lldas"]) is result.lldas
    assert bool(frame.iloc[1]["sri4"]) is result.sri4


def test_score_visit_without_history_leaves_sri4_empty() -> None:
    result = score_visit(Visit("P1", 0, descriptors={"rash"}), instruments=["sledai_2k"])
    assert result == VisitScores(sledai_2k=2)
    first = score_visit(Visit("P1", 0, pga=0, bilag=dict.fromkeys(
        ("constitutional", "mucocutaneous", "neuropsychiatric", "musculoskeletal",
         "cardiorespiratory", "gastrointestinal", "ophthalmic", "renal", "haematological"),
        "E")), instruments=["sri4"])  # fmt: skip
    assert first.sri4 is None


def test_score_visit_refuses_history_of_another_patient_or_a_later_day() -> None:
    with pytest.raises(InputError, match="history: got a visit of patient 'P2'"):
        score_visit(Visit("P1", 30), history=[Visit("P2", 0)])
    with pytest.raises(InputError, match="before day 30"):
        score_visit(Visit("P1", 30), history=[Visit("P1", 30)])


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_score_file_round_trips_csv_and_parquet(tmp_path: Path, suffix: str) -> None:
    source = tmp_path / f"visits{suffix}"
    visits = table(quiet_row(day=0, present=["rash"]), quiet_row(day=7))
    if suffix == ".csv":
        visits.to_csv(source, index=False)
    else:
        visits.to_parquet(source, index=False)
    out = tmp_path / f"scored{suffix}"
    score_file(source, out)
    written = read_visits(out)
    assert pd.to_numeric(written["sledai_2k"]).tolist() == [2, 0]
    assert [f.name for f in tmp_path.iterdir() if f.name.startswith(".")] == []


def test_score_file_on_bad_input_creates_no_output_and_keeps_an_existing_one(
    tmp_path: Path,
) -> None:
    source = tmp_path / "visits.csv"
    table(quiet_row(proteinuria_g_per_day=3500)).to_csv(source, index=False)
    out = tmp_path / "scored.csv"
    with pytest.raises(InputError, match="did you pass mg/day"):
        score_file(source, out)
    assert not out.exists()
    out.write_text("previous results\n")
    with pytest.raises(InputError):
        score_file(source, out)
    assert out.read_text() == "previous results\n"
    assert sorted(f.name for f in tmp_path.iterdir()) == ["scored.csv", "visits.csv"]


@pytest.mark.parametrize(
    ("source", "out", "message"),
    [
        ("visits.txt", "scored.csv", "VISITS: got .*expected a .csv or .parquet file"),
        ("missing.csv", "scored.csv", "VISITS: got .*expected an existing file"),
        ("visits.csv", "scored.xlsx", "--out: got .*expected a .csv or .parquet file"),
        ("visits.csv", "no/such/folder/scored.csv", "--out: got .*expected an existing folder"),
    ],
)
def test_bad_paths_are_input_errors(tmp_path: Path, source: str, out: str, message: str) -> None:
    table(quiet_row()).to_csv(tmp_path / "visits.csv", index=False)
    (tmp_path / "visits.txt").write_text("x")
    with pytest.raises(InputError, match=message):
        score_file(tmp_path / source, tmp_path / out)


def test_csv_cells_are_written_back_unchanged(tmp_path: Path) -> None:
    out = tmp_path / "scored.csv"
    score_file(EXAMPLE, out)
    original = pd.read_csv(EXAMPLE, dtype=str, keep_default_na=False)
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(written[original.columns], original)


def test_example_file_scores_match_hand_computation() -> None:
    scored = score_visits(read_visits(EXAMPLE)).set_index(["patient_id", "day"])
    # P1 day -7: arthritis 4 + rash 2 + proteinuria 2.1 g/day 4 + haematuria 12/hpf 4 +
    # leukopenia 2.6 1 + low C3/C4 2 + anti-dsDNA 310 > 100 2 = 19; clinical 15.
    assert scored.loc[("P1", "-7"), ["sledai_2k", "clinical_sledai"]].tolist() == [19, 15]
    # P1 day 7: fever masked, hypotension without vasopressor (2), low-flow O2 (2) -> CRS 2;
    # ICE 8 (grade 1), awakens spontaneously (1) -> ICANS 1; SLEDAI-2K 19 -> 15: SRI-4.
    assert scored.loc[("P1", "7"), ["crs_grade", "icans_grade", "sri4"]].tolist() == [2, 1, 1]
    # P1 day 90: only anti-dsDNA 150 > 100 (2): clinical SLEDAI 0, PGA 0.3, off drugs.
    assert scored.loc[("P1", "90"), ["doris", "drug_free_doris", "lldas"]].tolist() == [1, 1, 1]
    # P2 day 5: 38.0 °C with one vasopressor and high-flow O2 -> 3; quick seizure -> ICANS 3.
    assert scored.loc[("P2", "5"), ["crs_grade", "icans_grade"]].tolist() == [3, 3]
    # P2 day 60: DNA binding new since day 30 -> not LLDAS; day 120: PGA 0.5 -> not DORIS.
    assert scored.loc[("P2", "60"), "lldas"] == 0
    assert scored.loc[("P2", "120"), ["lldas", "doris"]].tolist() == [1, 0]
    # P3 day 90: DORIS on hydroxychloroquine and prednisone 2.5 mg/day, so not drug-free.
    assert scored.loc[("P3", "90"), ["doris", "drug_free_doris"]].tolist() == [1, 0]


def test_a_large_table_is_scored_without_a_loop_over_rows() -> None:
    n_patients, n_visits = 20_000, 5  # 100,000 rows
    base = table(quiet_row(present=["rash"], pga=0.2))
    big = base.loc[np.zeros(n_patients * n_visits, dtype=int)].reset_index(drop=True)
    big["patient_id"] = np.repeat(np.arange(n_patients), n_visits).astype(str)
    big["day"] = np.tile(np.arange(n_visits) * 30.0, n_patients)
    scored = score_visits(big)
    assert (scored["sledai_2k"] == 2).all() and (scored["lldas"] == 1).all()
    assert scored["sri4"].isna().sum() == n_patients
