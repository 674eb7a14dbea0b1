"""Small result tables: ``patients.parquet`` (one row per patient) and CSV tables."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["CALIBRATION_COLUMNS", "PatientColumns", "read_table", "write_csv", "write_table"]

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


class PatientColumns:
    """A ``patients.parquet`` read one column at a time, for summaries of large runs.

    It offers the part of a DataFrame that a summary of the patients needs: ``columns``,
    ``len()``, ``empty``, ``table[name]`` (one column, a Series on a RangeIndex) and
    ``head(n)``. Only the text columns are kept in memory once read: they come as
    categoricals, about one byte per row. Numeric columns are read from the file on each
    access and released after use. A report of 10⁶ patients (two arms) then needs tens of
    MB, where the whole table takes over 1 GB to read.

    Text columns are categoricals. ``categories`` sets the order of named ones, e.g.
    ``{"arm": ["car_t", "untreated"]}``. Patient ids are Arrow strings
    (``pd.ArrowDtype``), not Python objects. :meth:`frame` reads the whole table the same
    way.
    """

    def __init__(self, path: str | os.PathLike[str], *,
                 categories: Mapping[str, Sequence[str]] | None = None) -> None:
        self.path = Path(path)
        self._file = pq.ParquetFile(self.path)
        schema = self._file.schema_arrow
        self.columns: list[str] = list(schema.names)
        self._text = [f.name for f in schema if pa.types.is_string(f.type) and f.name != "patient_id"]
        self._categories = {k: list(v) for k, v in (categories or {}).items()}
        self._cached: dict[str, pd.Series] = {}

    def __len__(self) -> int:
        return int(self._file.metadata.num_rows)

    @property
    def empty(self) -> bool:
        """True when the table has no rows or no columns (as ``DataFrame.empty``)."""
        return len(self) == 0 or not self.columns

    def _to_pandas(self, table: pa.Table) -> pd.DataFrame:
        df = table.to_pandas(self_destruct=True, split_blocks=True,
                             types_mapper=lambda t: pd.ArrowDtype(t) if pa.types.is_string(t) else None)
        for name, levels in self._categories.items():
            if name not in df.columns:
                continue
            if isinstance(df[name].dtype, pd.CategoricalDtype):
                df[name] = df[name].cat.set_categories(levels)
            else:  # an empty table has no dictionary
                df[name] = pd.Categorical(df[name].astype(object), categories=levels)
        return df

    def __getitem__(self, name: str) -> pd.Series:
        if name not in self.columns:
            raise KeyError(name)
        if name in self._cached:
            return self._cached[name]
        text = [name] if name in self._text else []
        column = self._to_pandas(pq.read_table(self.path, columns=[name], read_dictionary=text))[name]
        if text:
            self._cached[name] = column
        return column

    def head(self, n: int = 5) -> pd.DataFrame:
        """The first ``n`` rows, with the dtypes of :meth:`frame`."""
        if n <= 0 or len(self) == 0:
            return self._to_pandas(self._file.schema_arrow.empty_table()).head(0)
        reader = pq.ParquetFile(self.path, read_dictionary=self._text)
        batches, rows = [], 0
        for batch in reader.iter_batches(batch_size=n):  # a batch ends at a row group's end
            batches.append(batch)
            rows += batch.num_rows
            if rows >= n:
                break
        return self._to_pandas(pa.Table.from_batches(batches).slice(0, n))

    def frame(self) -> pd.DataFrame:
        """The whole table as one DataFrame (text as categoricals, ids as Arrow strings)."""
        return self._to_pandas(pq.read_table(self.path, read_dictionary=self._text))
