"""Run a study at scale: chunks in parallel, streamed to disk, resumable, atomic outputs.

The patients of a study are split into chunks (the named patients, then virtual patients
``0 … n−1`` in chunks of ``chunk_size``). Each chunk is a pure function of the spec and its
id (:func:`~immunoreset.simulation._chunk.solve_chunk`), so the same seed gives the same
per-patient results whatever the chunk size, the worker count or the engine (this process,
local worker processes started with *spawn*, or a Dask cluster). Finished chunks are written
to ``DIR/.work/chunks`` as they arrive; a chunk counts as done only once its marker file
exists (written last, by rename), so a killed run — even ``kill -9`` — leaves complete
chunks that ``resume=True`` keeps, solving only the missing ones. When every chunk is done
the final files are merged (arm by arm, chunk by chunk: memory stays flat) and moved into
``DIR`` together.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from immunoreset.diseases import UNITS
from immunoreset.errors import InputError
from immunoreset.io import (
    PatientColumns,
    RunDirectory,
    TrajectoryWriter,
    build_manifest,
    read_trajectories,
    write_csv,
    write_manifest,
)
from immunoreset.model import build_model
from immunoreset.population import NAMED_PROFILES, check_inclusion_satisfiable
from immunoreset.report import write_report
from immunoreset.report._targets import calibration_markers, merge_markers
from immunoreset.simulation._chunk import NAMED_CHUNK, ChunkOutput, solve_chunk
from immunoreset.simulation._resources import check_study_resources
from immunoreset.simulation._spec import SAVE_MODES, TRAJECTORY_VARIABLES, StudySpec

__all__ = ["FAULT_ENV", "RunOptions", "run_study"]

#: Test hook: when set to k, the run kills itself (SIGKILL) after writing k chunks.
FAULT_ENV = "IMMUNORESET_KILL_AFTER_CHUNKS"
#: Patients per arm whose time courses the report plots (the rest stays on disk).
REPORT_PATIENTS = 500
#: Least rows per row group of the merged Parquet files: about 20 MB of patient rows
#: (35 columns), large enough that reading a 10⁶-patient file is not dominated by per-group
#: overhead. Chosen by measurement, 2026-11-27: 2×10⁶ patient rows in 31 row groups read
#: in 1.7 s with a 1.4 GB peak, against 7.8 s and 1.9 GB in 4,000 groups of 500.
MERGE_ROW_GROUP_ROWS = 65_536
#: Virtual patients whose daily values calibration.csv is computed from when the run does
#: not keep daily values (--save visits or summary): 500 per arm cost about 3 s on 2 cores.
CALIBRATION_PATIENTS = 500


@dataclass(frozen=True)
class RunOptions:
    """How to run a study (does not change any result)."""

    chunk_size: int = 250
    workers: int = 1
    scheduler: str | None = None
    resume: bool = False
    save: str = "visits"
    progress: bool = True
    overwrite: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.chunk_size, bool) or not isinstance(self.chunk_size, int) or self.chunk_size < 1:
            raise InputError(f"--chunk-size: got {self.chunk_size!r}, expected an integer >= 1")
        if isinstance(self.workers, bool) or not isinstance(self.workers, int) or self.workers < 1:
            raise InputError(f"--workers: got {self.workers!r}, expected an integer >= 1")
        if self.resume and self.overwrite:
            raise InputError("--resume and --overwrite: got both, expected at most one")
        if self.save not in SAVE_MODES:
            raise InputError(f"--save: got {self.save!r}, expected one of {', '.join(SAVE_MODES)}")
        if self.scheduler is not None and not self.scheduler.startswith(("tcp://", "tls://", "inproc://")):
            raise InputError(f"--scheduler: got {self.scheduler!r}, expected an address like tcp://host:8786")


def _chunk_ids(spec: StudySpec, chunk_size: int) -> Iterator[str]:
    """The run's chunk ids, generated lazily (10⁹ patients are 4·10⁶ chunks)."""
    if spec.include_erlangen:
        yield NAMED_CHUNK
    for k in range((spec.n + chunk_size - 1) // chunk_size):
        yield f"{k:06d}"


def _chunk_count(spec: StudySpec, chunk_size: int) -> int:
    return (1 if spec.include_erlangen else 0) + (spec.n + chunk_size - 1) // chunk_size


def _chunk_patients(spec: StudySpec, chunk: str, chunk_size: int) -> int:
    if chunk == NAMED_CHUNK:
        return len(NAMED_PROFILES)
    return min(chunk_size, spec.n - int(chunk) * chunk_size)


def _fingerprint(spec: StudySpec, options: RunOptions) -> str:
    """What must match for ``resume``: everything that changes a result or a file."""
    doc = {"n": spec.n, "seed": spec.seed, "include_erlangen": spec.include_erlangen,
           "parameters": [(p.name, p.value, p.iiv_cv) for p in spec.parameters.parameters],
           "arms": {a: repr(r) for a, r in spec.arms.items()}, "cohort": repr(spec.cohort),
           "days": [float(spec.days[0]), float(spec.days[-1]), int(spec.days.size)],
           "visit_days": list(spec.visit_days), "solver": repr(spec.solver),
           "chunk_size": options.chunk_size, "save": options.save,
           "patients": None if spec.patients is None else [
               list(spec.patients.ids), list(spec.patients.names), spec.patients.values.tolist()]}
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


# --- executing chunks ---------------------------------------------------------------

def _worker_init(threads: int) -> None:  # pragma: no cover - runs in worker processes
    import numba

    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))  # type: ignore[attr-defined]


def _execute(spec: StudySpec, todo: Iterator[str], options: RunOptions,
             client: Any) -> Iterator[ChunkOutput]:
    """Yield finished chunks (in completion order) from the chosen engine."""
    kwargs: dict[str, Any] = {"chunk_size": options.chunk_size, "save": options.save}
    if client is not None:
        from distributed import as_completed

        # A bounded window of submitted chunks (chunk ids stay lazy): twice the cluster's
        # worker threads, at least 4.
        threads = sum(w.get("nthreads", 1) for w in client.scheduler_info().get("workers", {}).values())
        window = max(4, 2 * threads)
        running = as_completed([client.submit(solve_chunk, spec, c, pure=False, **kwargs)
                                for c in itertools.islice(todo, window)], loop=client.loop)
        for fut in running:
            for c in itertools.islice(todo, 1):
                running.add(client.submit(solve_chunk, spec, c, pure=False, **kwargs))
            yield fut.result()
            fut.release()
    elif options.workers == 1:
        for c in todo:
            yield solve_chunk(spec, c, **kwargs)
    else:
        import multiprocessing as mp
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

        threads = max(1, (os.cpu_count() or 1) // options.workers)
        with ProcessPoolExecutor(options.workers, mp_context=mp.get_context("spawn"),
                                 initializer=_worker_init, initargs=(threads,)) as pool:
            pending = {pool.submit(solve_chunk, spec, c, **kwargs)
                       for c in itertools.islice(todo, 2 * options.workers)}
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    for c in itertools.islice(todo, 1):
                        pending.add(pool.submit(solve_chunk, spec, c, **kwargs))
                    yield fut.result()


def _connect(scheduler: str | None) -> Any:
    if scheduler is None:
        return None
    try:
        from distributed import Client
    except ImportError:
        raise InputError("--scheduler needs Dask: pip install 'immunoreset[scale]'") from None
    try:
        return Client(scheduler, timeout="5s", set_as_default=False)
    except Exception as exc:
        raise InputError(f"--scheduler: cannot connect to {scheduler} ({type(exc).__name__})") from None


# --- chunk files ----------------------------------------------------------------------

def _write_chunk(folder: Path, out: ChunkOutput, save: str) -> None:
    for arm, df in out.patients.items():
        tmp = folder / f"{out.chunk}.{arm}.patients.parquet.tmp"
        pq.write_table(pa.Table.from_pandas(df, preserve_index=False), tmp)
        tmp.replace(folder / f"{out.chunk}.{arm}.patients.parquet")
        if save != "summary":
            tmp = folder / f"{out.chunk}.{arm}.trajectories.parquet.tmp"
            with TrajectoryWriter(tmp) as writer:
                writer.write_wide(list(out.patient_ids), arm, out.days, out.trajectories[arm],
                                  {v: UNITS[v] for v in TRAJECTORY_VARIABLES})
            tmp.replace(folder / f"{out.chunk}.{arm}.trajectories.parquet")
    marker = folder / f"{out.chunk}.done"
    marker.with_suffix(".tmp").write_text("ok\n")
    marker.with_suffix(".tmp").replace(marker)


def _merge(folder: Path, chunks: Callable[[], Iterable[str]], arms: list[str], kind: str,
           target: Path) -> None:
    """Concatenate chunk files arm by arm, chunk by chunk, into one Parquet file.

    Chunks are gathered into row groups of at least :data:`MERGE_ROW_GROUP_ROWS` rows, so
    the memory held is one row group, while the file does not carry a row group per chunk
    (10⁶ patients in chunks of 500 would make 4,000, whose metadata alone costs a reader
    140 MB and whose reading takes several times as long)."""
    writer: pq.ParquetWriter | None = None
    schema: pa.Schema | None = None
    pending: list[pa.Table] = []
    rows = 0
    try:
        for arm in arms:
            for c in chunks():
                table = pq.read_table(folder / f"{c}.{arm}.{kind}.parquet")
                if writer is None:
                    schema = table.schema.remove_metadata()
                    writer = pq.ParquetWriter(target, schema, compression="zstd")
                assert schema is not None
                pending.append(table.replace_schema_metadata(None).cast(schema))
                rows += table.num_rows
                if rows >= MERGE_ROW_GROUP_ROWS:
                    writer.write_table(pa.concat_tables(pending), row_group_size=rows)
                    pending, rows = [], 0
        if pending:
            assert writer is not None
            writer.write_table(pa.concat_tables(pending), row_group_size=rows)
    finally:
        if writer is not None:
            writer.close()


# --- the run ------------------------------------------------------------------------

def run_study(out: str | Path, spec: StudySpec, *, command: str, config: Mapping[str, Any],
              options: RunOptions = RunOptions(),
              on_chunk: Callable[[str], None] | None = None) -> Path:
    """Simulate ``spec`` into ``out``: patients.parquet, trajectories.parquet (unless
    ``save="summary"``), report.html, manifest.json, and calibration.csv when
    ``spec.evaluate_targets`` (arms ``car_t`` and ``untreated``): from every patient's
    daily values with ``save="full"``, else from the first :data:`CALIBRATION_PATIENTS`
    virtual patients solved again with daily output (the manifest's
    ``calibration_patients`` says how many). Returns ``out``."""
    run_dir = RunDirectory(out, resume=options.resume, overwrite=options.overwrite,
                           keep_work_on_error=True, command=command)
    run_dir.check()
    workers = check_study_resources(spec, out, chunk_size=options.chunk_size, save=options.save,
                                    workers=options.workers, local=options.scheduler is None)
    options = replace(options, workers=workers)
    if spec.n and spec.patients is None:
        check_inclusion_satisfiable(spec.parameters, spec.cohort, seed=spec.seed,
                                    model=build_model(spec.model))
    client = _connect(options.scheduler)
    t_start = time.perf_counter()

    def chunks() -> Iterator[str]:
        return _chunk_ids(spec, options.chunk_size)

    n_chunks = _chunk_count(spec, options.chunk_size)
    arms = list(spec.arms)
    fingerprint = _fingerprint(spec, options)
    try:
        run_dir.open()
        folder = run_dir.path("chunks")
        folder.mkdir(exist_ok=True)
        stamp = run_dir.path("run.json")
        if stamp.exists():
            if json.loads(stamp.read_text()).get("fingerprint") != fingerprint:
                raise InputError(f"--resume: {run_dir.work} was made by a run with a different "
                                 "config, seed, chunk size or --save; use a new --out")
        else:
            stamp.write_text(json.dumps({"fingerprint": fingerprint, "command": command}))
        finished = {p.name.removesuffix(".done") for p in folder.glob("*.done")}
        todo = (c for c in chunks() if c not in finished)
        fault = int(os.environ.get(FAULT_ENV, "0") or 0)
        remaining = (spec.n + (len(NAMED_PROFILES) if spec.include_erlangen else 0)
                     - sum(_chunk_patients(spec, c, options.chunk_size) for c in finished))
        bar = tqdm(total=remaining * len(arms), unit="arm-patient", desc="simulating",
                   disable=not (options.progress and sys.stderr.isatty()))
        solved = 0
        for result in _execute(spec, todo, options, client):
            _write_chunk(folder, result, options.save)
            solved += 1
            bar.update(_chunk_patients(spec, result.chunk, options.chunk_size) * len(arms))
            if on_chunk is not None:
                on_chunk(result.chunk)
            if fault and solved >= fault:
                os.kill(os.getpid(), signal.SIGKILL)
        bar.close()
        timings = {"simulate_s": time.perf_counter() - t_start}
        _merge(folder, chunks, arms, "patients", run_dir.path("patients.parquet"))
        if options.save != "summary":
            _merge(folder, chunks, arms, "trajectories", run_dir.path("trajectories.parquet"))
        # Read one column at a time: the report of 10⁶ patients then holds tens of MB.
        patients = PatientColumns(run_dir.path("patients.parquet"), categories={"arm": arms})
        extra: dict[str, Any] = {
            "n_patients": len(patients),
            "n_failed": int((~patients["solver_status"].isin(["ok", "not_eligible"])).sum()),
            "n_not_eligible": int((patients["solver_status"] == "not_eligible").sum()),
            "failed_by_status": patients["solver_status"].value_counts().to_dict(),
            "chunks_total": n_chunks, "chunks_solved_this_run": solved,
            "chunk_size": options.chunk_size, "workers": options.workers,
            "scheduler": options.scheduler, "save": options.save,
            "parameter_set": spec.parameters.name,
            "parameter_provenance": dict(spec.parameters.provenance),
            "parameters": {p.name: p.value for p in spec.parameters.parameters}}
        calibration = None
        if spec.evaluate_targets and options.save == "full":
            from immunoreset.calibration import evaluate_trajectories

            calibration = evaluate_trajectories(str(run_dir.path("trajectories.parquet")),
                                                spec.parameters)
            extra["calibration_patients"] = spec.n
        elif spec.evaluate_targets:  # daily values were not kept: re-solve the first patients
            calibration = _calibration_sample(spec)
            extra["calibration_patients"] = min(spec.n, CALIBRATION_PATIENTS)
        if calibration is not None:
            write_csv(calibration.drop(columns=["low", "high"]), run_dir.path("calibration.csv"))
            extra["calibration_passed"] = f"{int(calibration['passed'].sum())}/{len(calibration)}"
        timings["total_s"] = time.perf_counter() - t_start
        manifest = build_manifest(command=command, seed=spec.seed, config=config,
                                  solver_settings=asdict(spec.solver), timings=timings, extra=extra)
        write_manifest(manifest, run_dir.path("manifest.json"))
        write_report(run_dir.path("report.html"), title=spec.title,
                     trajectories=_report_trajectories(run_dir, spec, options), patients=patients,
                     calibration=calibration, manifest=manifest,
                     markers=(merge_markers(spec.markers, calibration_markers())
                              if spec.evaluate_targets else spec.markers),
                     arm_order=arms, arm_labels={a: lb for a, lb in spec.labels.items() if lb != a})
        names = ["patients.parquet", "report.html", "manifest.json"]
        names += [] if options.save == "summary" else ["trajectories.parquet"]
        names += [] if calibration is None else ["calibration.csv"]
        run_dir.commit(names)
    except BaseException:
        run_dir.abort(keep_work=True)  # finished chunks stay for --resume; the lock is released
        raise
    finally:
        if client is not None:
            client.close()
    return Path(out)


def _calibration_sample(spec: StudySpec) -> pd.DataFrame:
    """The calibration criteria on the run's first virtual patients, solved again daily."""
    from immunoreset.calibration import CONSTRAINT_ARMS, evaluate_all
    from immunoreset.population import sample_cohort
    from immunoreset.simulation._arm import simulate_arm

    cohort = sample_cohort(min(spec.n, CALIBRATION_PATIENTS), spec.parameters, seed=spec.seed,
                           spec=spec.cohort, model=build_model(spec.model))
    names = ["car_t", "untreated", *(a for a in CONSTRAINT_ARMS if a in spec.arms)]
    return evaluate_all({a: simulate_arm(cohort, spec.arms[a], arm=a, days=spec.days,
                                         settings=spec.solver) for a in names}, spec.parameters)


def _report_trajectories(run_dir: RunDirectory, spec: StudySpec, options: RunOptions) -> pd.DataFrame:
    """Time courses of the named patients and the first virtual patients, for the plots."""
    if options.save == "summary":
        return pd.DataFrame({"patient_id": pd.Series(dtype=str), "arm": pd.Series(dtype=str),
                             "day": pd.Series(dtype=int), "variable": pd.Series(dtype=str),
                             "value": pd.Series(dtype=float), "unit": pd.Series(dtype=str)})
    ids = [f"erlangen_{pid}" for pid in NAMED_PROFILES] if spec.include_erlangen else []
    if spec.patients is not None:
        ids += list(spec.patients.ids[:REPORT_PATIENTS])
    else:
        ids += [f"vp{i:07d}" for i in range(min(spec.n, REPORT_PATIENTS))]
    traj = read_trajectories(run_dir.path("trajectories.parquet"), patients=ids)
    return traj.assign(**{c: traj[c].astype(str) for c in ("patient_id", "arm", "variable", "unit")})

