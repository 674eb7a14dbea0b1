"""The run manifest (``manifest.json``): what was run, with which versions, and how long.

A manifest records everything needed to reproduce or audit a run: the command line, the
seed, the full configuration, the solver settings, wall-clock timings, the versions of
Python and of every scientific dependency, the platform and a UTC timestamp.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
import json
import math
import os
import platform
import sys
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePath
from typing import Any

import numpy as np

__all__ = [
    "MANIFEST_PACKAGES",
    "build_manifest",
    "package_versions",
    "source_revision",
    "to_jsonable",
    "write_manifest",
]

#: Distributions whose installed versions every manifest records (``None`` if missing):
#: every package that computes, validates or writes a result (numba-cuda for GPU solves,
#: dask/distributed for runs on a cluster, lifelines for the Kaplan–Meier checks).
MANIFEST_PACKAGES: tuple[str, ...] = (
    "immunoreset",
    "numpy",
    "scipy",
    "pandas",
    "pyarrow",
    "numba",
    "llvmlite",
    "numba-cuda",
    "pint",
    "pydantic",
    "pydantic-core",
    "matplotlib",
    "lifelines",
    "tqdm",
    "tomli-w",
    "dask",
    "distributed",
)

#: Version of the manifest layout; bump when keys change meaning.
MANIFEST_FORMAT = 1


def package_versions(packages: tuple[str, ...] = MANIFEST_PACKAGES) -> dict[str, str | None]:
    """Installed version of each distribution, ``None`` where it is not installed."""
    found: dict[str, str | None] = {}
    for name in packages:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


def source_revision() -> str:
    """The git commit of the package source (``+dirty`` with uncommitted changes), or
    ``"not a git checkout"`` (an installed wheel, or git missing)."""
    import subprocess

    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=10)
        if head.returncode != 0:
            return "not a git checkout"
        dirty = subprocess.run(["git", "-C", str(here), "status", "--porcelain", "--", "."],
                               capture_output=True, text=True, timeout=10)
        return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "not a git checkout"


def build_manifest(
    *,
    command: str,
    seed: int | None,
    config: Mapping[str, Any],
    solver_settings: Mapping[str, Any],
    timings: Mapping[str, float],
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Assemble the manifest of a run as a JSON-ready dict.

    Arguments:
        command: the command line or API call that produced the run.
        seed: the trial seed (``None`` if the run was not stochastic).
        config: the full validated configuration.
        solver_settings: solver name, tolerances, step limits, ...
        timings: phase name → wall-clock seconds, e.g. ``{"simulate": 812.3}``.
        extra: further top-level entries (e.g. ``{"n_patients": {...}}``); may not
            overwrite the standard keys.

    Returns:
        A dict with keys ``manifest_format, command, seed, config, solver_settings,
        timings_s, python, versions, source_revision, platform, created_utc`` plus those of
        ``extra``;
        values converted by :func:`to_jsonable`.
    """
    manifest: dict[str, Any] = {
        "manifest_format": MANIFEST_FORMAT,
        "command": command,
        "seed": seed,
        "config": config,
        "solver_settings": solver_settings,
        "timings_s": {str(k): float(v) for k, v in timings.items()},
        "python": platform.python_version(),
        "versions": package_versions(),
        "source_revision": source_revision(),
        "platform": {
            "system": platform.system(),
            "release": platform.release(),
            "machine": platform.machine(),
            "python_implementation": platform.python_implementation(),
            "executable": sys.executable,
            "cpu_count": os.cpu_count(),
        },
        "created_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }
    if extra:
        clash = sorted(set(extra) & set(manifest))
        if clash:
            raise ValueError(f"build_manifest: extra may not overwrite {', '.join(clash)}")
        manifest.update(extra)
    converted: dict[str, Any] = to_jsonable(manifest)
    return converted


def to_jsonable(obj: Any) -> Any:
    """Convert ``obj`` recursively into plain JSON types.

    numpy scalars and arrays become Python numbers and lists; paths, dates, enums and
    dataclasses become strings, ISO timestamps, values and dicts; non-finite floats become
    ``None`` (strict JSON has no NaN); sets and tuples become lists; mapping keys become
    strings. Anything else is stored as ``str(obj)`` rather than failing at the end of a run.
    """
    if obj is None or isinstance(obj, bool | str):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, np.generic):
        return to_jsonable(obj.item())
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        items = sorted(obj, key=repr) if isinstance(obj, set | frozenset) else obj
        return [to_jsonable(v) for v in items]
    if isinstance(obj, PurePath):
        return str(obj)
    if isinstance(obj, _dt.datetime | _dt.date | _dt.time):
        return obj.isoformat()
    if isinstance(obj, _dt.timedelta):
        return obj.total_seconds()
    if isinstance(obj, enum.Enum):
        return to_jsonable(obj.value)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return to_jsonable(dataclasses.asdict(obj))
    return str(obj)


def write_manifest(manifest: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write ``manifest`` as indented JSON with sorted keys (UTF-8); returns the path."""
    text = json.dumps(
        to_jsonable(manifest), indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False
    )
    target = Path(path)
    target.write_text(text + "\n", encoding="utf-8")
    return target
