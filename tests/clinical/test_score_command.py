"""``immunoreset score``: same results as the Python API; bad input exits 2 with one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from immunoreset.cli import main
from immunoreset.clinical import INSTRUMENTS, read_visits, score_visits

from .helpers import quiet_row, table

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "visits" / "example_visits.csv"


def test_cli_and_api_give_the_same_scores_on_the_example_file(tmp_path: Path) -> None:
    out = tmp_path / "scored.csv"
    assert main(["score", str(EXAMPLE), "--out", str(out)]) == 0
    from_cli = pd.read_csv(out)
    from_api = score_visits(pd.read_csv(EXAMPLE))
    for name in INSTRUMENTS:
        pd.testing.assert_series_equal(
            from_cli[name].astype("Float64"), from_api[name].astype("Float64"), check_names=True
        )


def test_instruments_option_limits_the_columns_added(tmp_path: Path) -> None:
    out = tmp_path / "scored.parquet"
    argv = ["score", str(EXAMPLE), "--out", str(out), "--instruments", "crs_grade", "sri4"]
    assert main(argv) == 0
    written = pd.read_parquet(out)
    assert list(written.columns[-2:]) == ["sri4", "crs_grade"]
    assert "sledai_2k" not in written.columns


def test_unknown_instrument_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["score", str(EXAMPLE), "--out", "x.csv", "--instruments", "bilag"])
    assert exited.value.code == 2
    assert "invalid choice: 'bilag'" in capsys.readouterr().err


def test_bad_input_returns_2_with_one_line_naming_row_column_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "visits.csv"
    table(quiet_row(day=0), quiet_row(day=14, oxygen="mask")).to_csv(source, index=False)
    out = tmp_path / "scored.csv"
    assert main(["score", str(source), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == (
        "immunoreset score: error: row 2 (patient 'P1', day 14), column 'oxygen': got 'mask', "
        "expected one of none, low_flow, high_flow, positive_pressure\n"
    )
    assert not out.exists()


def test_subprocess_exit_status_is_2_and_no_output_file_on_a_wrong_unit(tmp_path: Path) -> None:
    visits = read_visits(EXAMPLE)
    visits.loc[3, "proteinuria_g_per_day"] = "600"  # mg/day by mistake
    source = tmp_path / "visits.csv"
    visits.to_csv(source, index=False)
    out = tmp_path / "scored.csv"
    done = subprocess.run(
        [sys.executable, "-m", "immunoreset.cli", "score", str(source), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "row 4 (patient 'P1', day 28), column 'proteinuria_g_per_day': got 600" in done.stderr
    assert "did you pass mg/day?" in done.stderr
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["visits.csv"]


def test_the_output_shown_in_docs_clinical_md_is_what_the_command_writes(tmp_path: Path) -> None:
    doc = (ROOT / "docs" / "clinical.md").read_text()
    shown = doc.split("Score columns of `scored.csv`:")[1].split("```")[1].strip()
    out = tmp_path / "scored.csv"
    assert main(["score", str(EXAMPLE), "--out", str(out)]) == 0
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    columns = ["patient_id", "day", *INSTRUMENTS]
    assert written[columns].to_csv(index=False, lineterminator="\n").strip() == shown
