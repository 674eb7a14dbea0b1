"""TrajectoryWriter / read_trajectories: chunked long-format Parquet round trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from immunoreset.io import (
    TRAJECTORY_COLUMNS,
    TRAJECTORY_SCHEMA,
    TrajectoryWriter,
    read_trajectories,
)

DAYS = np.arange(-7, 31)
UNITS = {"b_cells_blood": "cells/µL", "c3": "g/L", "doris": ""}


def _chunk(start: int, n: int, rng: np.random.Generator) -> tuple[list[str], dict[str, np.ndarray]]:
    ids = [f"P{start + i:05d}" for i in range(n)]
    values = {
        "b_cells_blood": rng.lognormal(5, 1, (n, DAYS.size)),
        "c3": rng.normal(0.8, 0.1, (n, DAYS.size)),
        "doris": (rng.random((n, DAYS.size)) < 0.3).astype(float),
    }
    return ids, values


@pytest.fixture
def written(tmp_path: Path) -> tuple[Path, list[tuple[list[str], str, dict[str, np.ndarray]]]]:
    """Three chunks (sizes 4, 3, 5), the last with one arm per patient."""
    rng = np.random.default_rng(0)
    path = tmp_path / "trajectories.parquet"
    chunks = []
    with TrajectoryWriter(path) as writer:
        start = 0
        for n, arm in ((4, "car_t"), (3, "untreated"), (5, None)):
            ids, values = _chunk(start, n, rng)
            arms = arm if arm is not None else ["car_t", "untreated", "car_t", "car_t", "untreated"]
            values["c3"][0, 3] = np.nan  # a failed solve stays missing
            writer.write_wide(ids, arms, DAYS, values, UNITS)
            chunks.append((ids, arms, values))
            start += n
        assert writer.n_chunks == 3
    return path, chunks


def test_row_count_is_patients_times_days_times_variables(written) -> None:
    path, chunks = written
    n_patients = sum(len(ids) for ids, _, _ in chunks)
    df = read_trajectories(path)
    assert len(df) == n_patients * DAYS.size * len(UNITS)
    assert pq.ParquetFile(path).metadata.num_row_groups == 3
    assert tuple(df.columns) == TRAJECTORY_COLUMNS


def test_dtypes_are_categorical_int32_and_float64(written) -> None:
    path, _ = written
    df = read_trajectories(path)
    for column in ("patient_id", "arm", "variable", "unit"):
        assert isinstance(df[column].dtype, pd.CategoricalDtype), column
    assert df["day"].dtype == np.int32
    assert df["value"].dtype == np.float64
    schema = pq.read_schema(path)
    assert schema.field("patient_id").type == pa.dictionary(pa.int32(), pa.string())
    assert schema.equals(TRAJECTORY_SCHEMA, check_metadata=False)


def test_values_round_trip_exactly_including_nan(written) -> None:
    path, chunks = written
    df = read_trajectories(path)
    for ids, arms, values in chunks:
        for i, pid in enumerate(ids):
            expected_arm = arms if isinstance(arms, str) else arms[i]
            for variable, array in values.items():
                rows = df[(df["patient_id"] == pid) & (df["variable"] == variable)]
                rows = rows.sort_values("day")
                np.testing.assert_array_equal(rows["day"].to_numpy(), DAYS)
                np.testing.assert_array_equal(rows["value"].to_numpy(), array[i])
                assert set(rows["arm"].astype(str)) == {expected_arm}
                assert set(rows["unit"].astype(str)) == {UNITS[variable]}
    assert df["value"].isna().sum() == 3  # one NaN written per chunk


def test_filters_select_variables_patients_arms_and_days(written) -> None:
    path, chunks = written
    df = read_trajectories(path, variables=["c3"], patients=["P00001", "P00005"])
    assert set(df["variable"].astype(str)) == {"c3"}
    assert set(df["patient_id"].astype(str)) == {"P00001", "P00005"}
    assert len(df) == 2 * DAYS.size
    assert list(df["variable"].cat.categories) == ["c3"]  # unused categories dropped
    np.testing.assert_array_equal(
        df.loc[df["patient_id"] == "P00005", "value"].to_numpy(), chunks[1][2]["c3"][1]
    )
    week = read_trajectories(path, arms=["untreated"], days=(0, 6), variables=["doris"])
    assert set(week["day"]) == set(range(7))
    assert set(week["arm"].astype(str)) == {"untreated"}
    assert len(week) == (3 + 2) * 7


def test_a_file_with_no_chunks_is_valid_and_empty(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    with TrajectoryWriter(path):
        pass
    df = read_trajectories(path)
    assert df.empty
    assert tuple(df.columns) == TRAJECTORY_COLUMNS


@pytest.mark.parametrize(
    ("values", "days", "match"),
    [
        ({"c3": np.zeros((2, 3))}, np.arange(4), r"values\['c3'\]: expected shape"),
        ({"c3": np.zeros((2, 4)), "il6": np.zeros((2, 4))}, np.arange(4), "no unit given.*il6"),
        ({"c3": np.zeros((2, 2))}, np.array([0.0, 0.5]), "whole days"),
    ],
)
def test_write_wide_rejects_inconsistent_chunks(tmp_path: Path, values, days, match) -> None:
    with TrajectoryWriter(tmp_path / "t.parquet") as writer, pytest.raises(ValueError, match=match):
        writer.write_wide(["a", "b"], "car_t", days, values, {"c3": "g/L"})


def test_write_wide_rejects_one_arm_per_patient_of_wrong_length(tmp_path: Path) -> None:
    with TrajectoryWriter(tmp_path / "t.parquet") as writer, pytest.raises(ValueError, match="arm"):
        writer.write_wide(["a", "b"], ["car_t"], np.arange(2), {"c3": np.zeros((2, 2))}, UNITS)
