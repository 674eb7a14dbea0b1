"""Small result tables: ``patients.parquet`` (one row per patient) and CSV tables."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["CALIBRATION_COLUMNS", "read_table", "write_csv", "write_table"]

#: Columns of ``calibration.csv``: the target, the published value, the acceptance rule
#: (text, e.g. ``"±20%"``), the simulated value and whether it passed.
CALIBRATION_COLUMNS: tuple[str, ...] = (
    "target_id",
    "observed",
    "acceptance",
    "model_value",
    "passed",
)


def write_table(
    df: pd.DataFrame, path: str | os.PathLike[str], *, compression: str = "zstd"
) -> Path:
    """Write ``df`` to a Parquet file, without its index; returns the path.

    Categorical columns are stored as Arrow dictionaries and read back as ``category``;
    all other dtypes round-trip through pandas metadata.
    """
    table = pa.Table.from_pandas(df, preserve_index=False)
    pq.write_table(table, path, compression=compression)
    return Path(path)


def read_table(path: str | os.PathLike[str], *, columns: list[str] | None = None) -> pd.DataFrame:
    """Read a Parquet table written by :func:`write_table` (optionally some columns)."""
    return pq.read_table(path, columns=columns).to_pandas()


def write_csv(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``df`` to a UTF-8 CSV file with a header and no index; returns the path.

    Floats keep full precision (shortest repr that round-trips); missing values are empty.
    """
    df.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return Path(path)
