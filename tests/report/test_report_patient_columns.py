"""PatientColumns: a patients.parquet read one column at a time, for large runs' reports."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from immunoreset.io import PatientColumns, build_manifest
from immunoreset.report import write_report


def _patients(synthetic_run) -> tuple[pd.DataFrame, pd.DataFrame]:  # type: ignore[no-untyped-def]
    """The synthetic run's trajectories and patients, with the simulation's read-outs."""
    trajectories, patients, _ = synthetic_run
    patients = patients.copy()
    rng = np.random.default_rng(3)
    n = len(patients)
    car_t = (patients["arm"].astype(str) == "car_t").to_numpy()
    patients["arm"] = patients["arm"].astype(str)
    patients["car_t_peak_cells_per_ul"] = np.where(car_t, rng.lognormal(3.0, 1.0, n), 0.0)
    patients["car_t_peak_day"] = np.where(car_t, rng.integers(5, 15, n), np.nan)
    patients["b_cell_return_day"] = np.where(rng.random(n) < 0.7, rng.normal(110, 30, n), np.nan)
    patients["plausible"] = rng.random(n) < 0.9
    patients["solver_steps"] = rng.integers(200, 600, n)
    return trajectories, patients


def _write(patients: pd.DataFrame, path: Path) -> Path:
    # Small row groups, as a merge of chunks would leave them.
    pq.write_table(pa.Table.from_pandas(patients, preserve_index=False), path, row_group_size=5)
    return path


def test_columns_read_one_at_a_time_equal_the_whole_table(synthetic_run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, patients = _patients(synthetic_run)
    table = PatientColumns(_write(patients, tmp_path / "p.parquet"),
                           categories={"arm": ["untreated", "car_t"]})
    assert table.columns == list(patients.columns)
    assert len(table) == len(patients) and not table.empty
    for name in patients.columns:
        got, want = table[name], patients[name]
        if pd.api.types.is_numeric_dtype(want) or pd.api.types.is_bool_dtype(want):
            np.testing.assert_array_equal(got.to_numpy(), want.to_numpy())  # NaN == NaN here
        else:
            assert got.astype(str).tolist() == want.astype(str).tolist(), name
    assert list(table["arm"].cat.categories) == ["untreated", "car_t"]
    assert isinstance(table["sex"].dtype, pd.CategoricalDtype)
    assert isinstance(table["patient_id"].dtype, pd.ArrowDtype)
    assert table["sex"] is table["sex"]  # text columns are kept once read
    # Row groups of 5 rows: the first 7 rows span two of them.
    assert table.head(7).astype(str).values.tolist() == patients.head(7).astype(str).values.tolist()
    assert table.head(0).empty and list(table.head(0).columns) == list(patients.columns)
    with pytest.raises(KeyError):
        table["no_such_column"]


def test_report_from_columns_is_the_report_from_the_whole_table(synthetic_run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    trajectories, patients = _patients(synthetic_run)
    path = _write(patients, tmp_path / "p.parquet")
    manifest = build_manifest(command="test", seed=1, config={}, solver_settings={},
                              timings={}) | {"created_utc": "2026-11-27T00:00:00+00:00"}
    pages = []
    for name, table in (("frame", pd.read_parquet(path)), ("columns", PatientColumns(path))):
        out = write_report(tmp_path / f"{name}.html", title="t", trajectories=trajectories,
                           patients=table, calibration=None, manifest=manifest)
        pages.append(out.read_text(encoding="utf-8"))
    assert "Solver failures" in pages[0] and "CAR-T peak in blood" in pages[0]
    assert pages[0] == pages[1]
