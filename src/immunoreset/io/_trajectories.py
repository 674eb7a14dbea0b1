"""Long-format trajectory files, written chunk by chunk.

The trajectory contract (one row per patient, day and variable)::

    patient_id  arm       day  variable       value   unit
    P000001     car_t     -7   b_cells_blood  212.0   cells/µL
    ...

``patient_id``, ``arm``, ``variable`` and ``unit`` are dictionary-encoded strings (read back
by pandas as ``category``), ``day`` is an ``int32`` (days since infusion, or since enrolment
in an untreated arm) and ``value`` a ``float64`` (``NaN`` where a solve failed).

A run of 10⁵ patients × 738 days × 17 variables is over 10⁹ rows, so the writer never holds
more than one chunk of patients: :meth:`TrajectoryWriter.write_wide` converts one chunk of
wide arrays ``(n_patients, n_days)`` per variable to long rows with numpy ``repeat``/``tile``
and appends it as one Parquet row group. Rows within a chunk are ordered by patient, then
variable, then day, so row-group statistics on ``patient_id`` let readers skip chunks.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["TRAJECTORY_COLUMNS", "TRAJECTORY_SCHEMA", "TrajectoryWriter", "read_trajectories"]

_DICT = pa.dictionary(pa.int32(), pa.string())

#: Arrow schema of ``trajectories.parquet``.
TRAJECTORY_SCHEMA: pa.Schema = pa.schema(
    [
        pa.field("patient_id", _DICT, nullable=False),
        pa.field("arm", _DICT, nullable=False),
        pa.field("day", pa.int32(), nullable=False),
        pa.field("variable", _DICT, nullable=False),
        pa.field("value", pa.float64()),
        pa.field("unit", _DICT, nullable=False),
    ]
)

#: Column names of the long trajectory format, in file order.
TRAJECTORY_COLUMNS: tuple[str, ...] = tuple(TRAJECTORY_SCHEMA.names)


class TrajectoryWriter:
    """Append chunks of patients to a long-format ``trajectories.parquet``.

    Use as a context manager; the file is complete (and readable) only after the ``with``
    block closes it, so write it inside a :class:`~immunoreset.io.RunDirectory` working
    folder::

        with TrajectoryWriter(run_dir.path("trajectories.parquet")) as writer:
            for chunk in chunks:
                writer.write_wide(chunk.ids, "car_t", days, chunk.values, UNITS)

    Arguments:
        path: the Parquet file to create (overwritten if it exists).

    Other arguments:
        compression: Parquet codec (default ``"zstd"``).
    """

    def __init__(self, path: str | os.PathLike[str], *, compression: str = "zstd") -> None:
        self._path = Path(path)
        self._compression = compression
        self._writer: pq.ParquetWriter | None = None
        self.n_rows = 0
        """Rows written so far."""
        self.n_chunks = 0
        """Chunks (row groups) written so far."""

    @property
    def path(self) -> Path:
        """The file being written."""
        return self._path

    def open(self) -> TrajectoryWriter:
        """Create the file and write the schema; called by ``__enter__``."""
        if self._writer is None:
            self._writer = pq.ParquetWriter(
                self._path, TRAJECTORY_SCHEMA, compression=self._compression
            )
        return self

    def close(self) -> None:
        """Write the Parquet footer and close the file."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def __enter__(self) -> TrajectoryWriter:
        return self.open()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def write_wide(
        self,
        patient_ids: Sequence[str],
        arm: str | Sequence[str],
        days: np.ndarray,
        values: Mapping[str, np.ndarray],
        units: Mapping[str, str],
    ) -> int:
        """Append one chunk of patients given as wide arrays; returns the rows written.

        Arguments:
            patient_ids: ``(n_patients,)`` identifiers of the patients in this chunk.
            arm: the arm of every patient, or ``(n_patients,)`` arms, one per patient.
            days: ``(n_days,)`` integer days (floats are accepted if integral).
            values: variable name → ``(n_patients, n_days)`` array of values in the unit
                given by ``units``; ``NaN`` marks a missing value (e.g. a failed solve).
            units: variable name → unit string, e.g. ``{"b_cells_blood": "cells/µL"}``;
                must name every variable in ``values``.

        Writes ``n_patients × n_variables × n_days`` rows as one row group, ordered by
        patient, then variable (in the order of ``values``), then day.
        """
        if self._writer is None:
            raise RuntimeError("TrajectoryWriter.write_wide() called on a closed writer")
        table = _wide_to_table(patient_ids, arm, days, values, units)
        if table.num_rows:
            self._writer.write_table(table, row_group_size=table.num_rows)
            self.n_rows += table.num_rows
            self.n_chunks += 1
        return int(table.num_rows)


def _wide_to_table(
    patient_ids: Sequence[str],
    arm: str | Sequence[str],
    days: np.ndarray,
    values: Mapping[str, np.ndarray],
    units: Mapping[str, str],
) -> pa.Table:
    """Convert one chunk of wide arrays to a long Arrow table (see ``write_wide``)."""
    ids = np.asarray(patient_ids, dtype=object)
    if ids.ndim != 1:
        raise ValueError(f"patient_ids: expected a 1-D sequence, got shape {ids.shape}")
    n_patients = ids.shape[0]
    days_arr = _as_int_days(days)
    n_days = days_arr.shape[0]
    names = list(values)
    missing_units = [name for name in names if name not in units]
    if missing_units:
        raise ValueError(f"units: no unit given for variable(s) {', '.join(missing_units)}")
    n_vars = len(names)

    block = np.empty((n_patients, n_vars, n_days), dtype=np.float64)
    for j, name in enumerate(names):
        arr = np.asarray(values[name], dtype=np.float64)
        if arr.shape != (n_patients, n_days):
            raise ValueError(
                f"values[{name!r}]: expected shape (n_patients, n_days) = "
                f"({n_patients}, {n_days}), got {arr.shape}"
            )
        block[:, j, :] = arr

    # Arm: one shared value or one per patient.
    if isinstance(arm, str):
        arm_dict = pa.array([arm], type=pa.string())
        arm_codes_per_patient = np.zeros(n_patients, dtype=np.int32)
    else:
        arms = np.asarray(arm, dtype=object)
        if arms.shape != (n_patients,):
            raise ValueError(
                f"arm: expected a string or {n_patients} arms (one per patient), "
                f"got shape {arms.shape}"
            )
        codes, uniques = pd.factorize(arms)
        arm_dict = pa.array([str(u) for u in uniques], type=pa.string())
        arm_codes_per_patient = codes.astype(np.int32)

    rows_per_patient = n_vars * n_days
    patient_codes = np.repeat(np.arange(n_patients, dtype=np.int32), rows_per_patient)
    arm_codes = np.repeat(arm_codes_per_patient, rows_per_patient)
    var_codes = np.tile(np.repeat(np.arange(n_vars, dtype=np.int32), n_days), n_patients)
    unit_names, unit_of_var = np.unique(
        np.asarray([str(units[n]) for n in names], dtype=object), return_inverse=True
    )
    unit_codes = unit_of_var.astype(np.int32)[var_codes] if n_vars else var_codes
    day_col = np.tile(days_arr, n_patients * n_vars)

    columns = [
        pa.DictionaryArray.from_arrays(patient_codes, pa.array([str(i) for i in ids], pa.string())),
        pa.DictionaryArray.from_arrays(arm_codes, arm_dict),
        pa.array(day_col, type=pa.int32()),
        pa.DictionaryArray.from_arrays(var_codes, pa.array(names, type=pa.string())),
        pa.array(block.reshape(-1), type=pa.float64()),
        pa.DictionaryArray.from_arrays(unit_codes, pa.array(list(unit_names), pa.string())),
    ]
    return pa.Table.from_arrays(columns, schema=TRAJECTORY_SCHEMA)


def _as_int_days(days: np.ndarray) -> np.ndarray:
    """Return ``days`` as a 1-D ``int32`` array, refusing non-integral values."""
    arr = np.asarray(days)
    if arr.ndim != 1:
        raise ValueError(f"days: expected a 1-D array (n_days,), got shape {arr.shape}")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or not np.array_equal(arr, np.round(arr)):
            raise ValueError("days: expected whole days, got non-integral values")
    elif arr.dtype.kind not in "iu" and arr.size:
        raise ValueError(f"days: expected integers, got dtype {arr.dtype}")
    return arr.astype(np.int32)


def read_trajectories(
    path: str | os.PathLike[str],
    *,
    variables: Sequence[str] | None = None,
    patients: Sequence[str] | None = None,
    arms: Sequence[str] | None = None,
    days: tuple[int, int] | None = None,
) -> pd.DataFrame:
    """Read (part of) a long-format trajectory file into a DataFrame.

    Filters are pushed down to Parquet, so only the matching rows are materialised.

    Arguments:
        path: a ``trajectories.parquet`` written by :class:`TrajectoryWriter`.

    Other arguments:
        variables: keep only these variables (default: all).
        patients: keep only these patient ids (default: all).
        arms: keep only these arms (default: all).
        days: keep only ``first <= day <= last`` for ``days = (first, last)``.

    Returns:
        A DataFrame with columns ``patient_id, arm, day, variable, value, unit``;
        the string columns are ``category`` dtype holding only the values present.
    """
    filters: list[tuple[str, str, Any]] = []
    if variables is not None:
        filters.append(("variable", "in", [str(v) for v in variables]))
    if patients is not None:
        filters.append(("patient_id", "in", [str(p) for p in patients]))
    if arms is not None:
        filters.append(("arm", "in", [str(a) for a in arms]))
    if days is not None:
        first, last = days
        filters.append(("day", ">=", int(first)))
        filters.append(("day", "<=", int(last)))
    table = pq.read_table(path, filters=filters or None, schema=TRAJECTORY_SCHEMA)
    frame = table.to_pandas()
    for column in ("patient_id", "arm", "variable", "unit"):
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].cat.remove_unused_categories()
    return frame
