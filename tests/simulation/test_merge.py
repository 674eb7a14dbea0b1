"""The run's final Parquet files: chunks merged into large row groups."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from immunoreset.simulation import _study


def _chunk_table(chunk: int, arm: str, rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(100 * chunk + len(arm))
    return pd.DataFrame({
        "patient_id": [f"vp{chunk * rows + i:07d}" for i in range(rows)],
        "sex": rng.choice(["F", "M"], rows),
        "age": rng.normal(30.0, 8.0, rows),
        "arm": arm,
        "solver_status": "ok",
        "solver_steps": rng.integers(200, 500, rows),
    })


def _write_chunks(folder: Path, chunks: list[str], arms: list[str], rows: int) -> pd.DataFrame:
    frames = []
    for arm in arms:
        for c in chunks:
            df = _chunk_table(int(c), arm, rows)
            pq.write_table(pa.Table.from_pandas(df, preserve_index=False),
                           folder / f"{c}.{arm}.patients.parquet")
            frames.append(df)
    return pd.concat(frames, ignore_index=True)


def test_merge_gathers_chunks_into_row_groups_of_at_least_the_threshold(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_study, "MERGE_ROW_GROUP_ROWS", 7)
    chunks, arms = ["0", "1", "2", "3", "4"], ["car_t", "untreated"]
    expected = _write_chunks(tmp_path, chunks, arms, rows=3)
    target = tmp_path / "patients.parquet"
    _study._merge(tmp_path, lambda: chunks, arms, "patients", target)
    meta = pq.ParquetFile(target).metadata
    sizes = [meta.row_group(g).num_rows for g in range(meta.num_row_groups)]
    # 30 rows in chunks of 3, flushed once 7 are gathered: 9, 9, 9 and the 3 left over.
    assert sizes == [9, 9, 9, 3]
    pd.testing.assert_frame_equal(pd.read_parquet(target), expected)
