"""What a run needs, checked against what the machine has, before any work.

Memory and disk are estimated from figures measured on this code (2026-12-03, 2-core
machine, two arms, days −7…730): solving a chunk of 500 patients raised the peak resident
memory by 537 MB with ``--save full`` (1,530 bytes per patient-day over both arms) and by
208 MB with ``visits`` or ``summary`` (590 bytes); a process starts at about 270 MB. On
disk, ``patients.parquet`` took 116 bytes per arm-patient and ``trajectories.parquet`` 4-5
bytes per saved value. The estimates below use about twice the measured disk figures, the
chunk files and the merged files existing side by side, and the measured memory figures
with a 5% margin.
"""

from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path

from immunoreset.errors import InputError, RunAdjustedWarning
from immunoreset.simulation._spec import TRAJECTORY_VARIABLES, StudySpec

__all__ = [
    "BYTES_PER_ARM_PATIENT_DAY",
    "available_cores",
    "available_memory_bytes",
    "check_study_resources",
    "check_trial_resources",
    "study_disk_bytes",
    "study_memory_bytes",
]

#: Peak memory while solving, bytes per arm-patient-day, by save mode (measured: see above).
BYTES_PER_ARM_PATIENT_DAY = {"full": 800, "visits": 310, "summary": 310}
#: Resident memory of a process that has imported the package and loaded the solver.
PROCESS_BASE_BYTES = 300 * 2**20
#: Bytes on disk per arm-patient row of patients.parquet (measured 116; twice that).
PATIENT_ROW_BYTES = 250
#: Bytes on disk per saved trajectory value (measured 4-5; twice that).
TRAJECTORY_VALUE_BYTES = 10
#: Bytes in memory per arm-patient row of a trial's outcome table (~100 float columns).
TRIAL_ROW_BYTES = 1000
#: Patients per chunk of a trial (trial._run.CHUNK_SIZE).
TRIAL_CHUNK = 250


def available_cores() -> int:
    """CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def available_memory_bytes() -> int:
    """Memory available for new work (``MemAvailable``; free pages elsewhere)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES"))


def _gb(n: float) -> str:
    return f"{n / 2**30:.1f} GB" if n >= 2**28 else f"{n / 2**20:.0f} MB"


def study_memory_bytes(spec: StudySpec, chunk_size: int, save: str, workers: int) -> int:
    """Peak memory of a study run: every worker solving a chunk at once."""
    per_chunk = (min(chunk_size, max(spec.n, 5)) * spec.days.size * len(spec.arms)
                 * BYTES_PER_ARM_PATIENT_DAY[save])
    return workers * (per_chunk + PROCESS_BASE_BYTES)


def study_disk_bytes(spec: StudySpec, save: str) -> int:
    """Disk a study run fills: chunk files plus the merged files."""
    rows = (spec.n + (5 if spec.include_erlangen else 0)) * len(spec.arms)
    kept = {"summary": 0, "visits": len(spec.visit_days), "full": spec.days.size}[save]
    return 2 * rows * (PATIENT_ROW_BYTES + kept * len(TRAJECTORY_VARIABLES) * TRAJECTORY_VALUE_BYTES)


def _free_disk(out: Path) -> int:
    target = out.absolute()
    while not target.exists():
        target = target.parent
    return shutil.disk_usage(target).free


def check_study_resources(spec: StudySpec, out: str | Path, *, chunk_size: int, save: str,
                          workers: int, local: bool = True) -> int:
    """Refuse a study run that the machine cannot hold; return the worker count to use.

    Local workers (``local``: no Dask scheduler) are capped at the cores and the chunk
    count, with a :class:`RunAdjustedWarning` saying so. Raises a one-line InputError when
    the estimated memory or disk exceeds what is available.
    """
    n_chunks = -(-spec.n // chunk_size) + (1 if spec.include_erlangen else 0)
    if local:
        cap = max(1, min(available_cores(), n_chunks))
        if workers > cap:
            why = (f"{available_cores()} core(s) available" if cap == available_cores()
                   else f"{n_chunks} chunk(s) to solve")
            warnings.warn(f"--workers {workers} capped at {cap} ({why})", RunAdjustedWarning,
                          stacklevel=2)
            workers = cap
        need = study_memory_bytes(spec, chunk_size, save, workers)
        have = available_memory_bytes()
        if need > have:
            raise InputError(
                f"--chunk-size: {chunk_size} patients × {spec.days.size} days × {len(spec.arms)} "
                f"arms × {workers} worker(s) with --save {save} need about {_gb(need)} of memory, "
                f"expected at most the {_gb(have)} available: lower --chunk-size or --workers, "
                "or shorten schedule.follow_up_days")
    need = study_disk_bytes(spec, save)
    have = _free_disk(Path(out))
    if need > have:
        raise InputError(
            f"--n: {spec.n:,} patients × {len(spec.arms)} arms with --save {save} need about "
            f"{_gb(need)} of disk for {out}, expected at most the {_gb(have)} free: lower --n, "
            "use --save summary or choose another --out")
    return workers


def check_trial_resources(n_per_arm: int, n_arms: int, n_days: int,
                          out: str | Path | None = None) -> None:
    """Refuse a trial whose per-patient table cannot be held in memory (a trial keeps one
    row per arm-patient of the main trial, and solves chunks of 250 patients with daily
    scores) or whose files would not fit on the disk of ``out``."""
    need = (n_per_arm * n_arms * TRIAL_ROW_BYTES + min(n_per_arm, TRIAL_CHUNK) * n_days * n_arms
            * BYTES_PER_ARM_PATIENT_DAY["full"] + PROCESS_BASE_BYTES)
    have = available_memory_bytes()
    if need > have:
        raise InputError(
            f"population.n_per_arm: {n_per_arm:,} patients × {n_arms} arms need about "
            f"{_gb(need)} of memory, expected at most the {_gb(have)} available: lower "
            "n_per_arm (or --n)")
    if out is not None:
        disk = 2 * n_per_arm * n_arms * TRIAL_ROW_BYTES
        free = _free_disk(Path(out))
        if disk > free:
            raise InputError(f"--out: the trial needs about {_gb(disk)} of disk, expected at most "
                             f"the {_gb(free)} free: lower n_per_arm or choose another --out")
