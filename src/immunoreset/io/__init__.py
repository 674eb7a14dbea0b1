"""Reading and writing run results.

- :class:`RunDirectory`: the output folder of a run, written through ``OUT/.work`` and
  committed atomically at the end.
- :class:`TrajectoryWriter`, :func:`read_trajectories`: the long-format
  ``trajectories.parquet`` (``patient_id, arm, day, variable, value, unit``), written chunk
  by chunk.
- :func:`write_table`, :func:`read_table`, :func:`write_csv`: ``patients.parquet`` and
  ``calibration.csv``; :class:`PatientColumns` reads a large ``patients.parquet`` one
  column at a time.
- :func:`build_manifest`, :func:`write_manifest`: ``manifest.json``.
"""

from immunoreset.io._manifest import (
    MANIFEST_PACKAGES,
    build_manifest,
    package_versions,
    source_revision,
    to_jsonable,
    write_manifest,
)
from immunoreset.io._rundir import WORK_DIR_NAME, RunDirectory
from immunoreset.io._tables import (
    CALIBRATION_COLUMNS,
    PatientColumns,
    read_table,
    write_csv,
    write_table,
)
from immunoreset.io._trajectories import (
    TRAJECTORY_COLUMNS,
    TRAJECTORY_SCHEMA,
    TrajectoryWriter,
    read_trajectories,
)

__all__ = [
    "CALIBRATION_COLUMNS",
    "MANIFEST_PACKAGES",
    "TRAJECTORY_COLUMNS",
    "TRAJECTORY_SCHEMA",
    "WORK_DIR_NAME",
    "PatientColumns",
    "RunDirectory",
    "TrajectoryWriter",
    "build_manifest",
    "package_versions",
    "read_table",
    "read_trajectories",
    "source_revision",
    "to_jsonable",
    "write_csv",
    "write_manifest",
    "write_table",
]
