"""The web app's runs: a bounded queue, one run per browser client at a time, and one
background worker process that solves them.

The worker is a separate process (``spawn``: numba's threads and the server's threads never
share a process), started with the server and kept warm between runs: the model is loaded
and the solver compiled once. A run's progress comes back over a pipe. Cancelling a run
ends the worker process (a solve cannot be interrupted from outside), removes the run's
folder and starts a fresh worker. A run's folder is ``ROOT/<run id>``, named by the server
(a random id) and written by the worker through :class:`~immunoreset.io.RunDirectory`, so
a folder holds either nothing or a finished run.
"""

from __future__ import annotations

import collections
import multiprocessing
import multiprocessing.connection
import secrets
import shutil
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from immunoreset.errors import InputError

__all__ = ["ACTIVE", "FINISHED", "Busy", "Job", "JobQueue", "Progress", "Runner"]

#: ``progress(done, total, stage)``: work done out of ``total`` units, and what runs now.
Progress = Callable[[int, int, str], None]
#: ``runner(kind, document, folder, progress)``: runs one job in the worker process.
Runner = Callable[[str, dict[str, Any], Path, Progress], None]

#: States of a job that is not finished, and of one that is.
ACTIVE = ("queued", "running")
FINISHED = ("done", "refused", "failed", "cancelled")
#: Seconds given to a worker to end after SIGTERM before it is killed.
_TERMINATE_S = 5.0


class Busy(Exception):
    """A run was refused: the client has one in progress, or the queue is full."""


@dataclass
class Job:
    """One run: what the client asked (``kind``, ``document``), where it is written
    (``folder``) and how far it is."""

    id: str
    client: str
    kind: str
    title: str
    document: dict[str, Any]
    folder: Path
    state: str = "queued"
    done: int = 0
    total: int = 0
    stage: str = "waiting for the worker"
    message: str = ""
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    cancel_requested: bool = False

    @property
    def active(self) -> bool:
        """Whether the job is queued or running."""
        return self.state in ACTIVE

    @property
    def percent(self) -> float:
        """Progress, 0-100."""
        if self.state == "done":
            return 100.0
        return 100.0 * self.done / self.total if self.total > 0 else 0.0

    def elapsed(self) -> float:
        """Seconds since the job started (0 while queued)."""
        if self.started is None:
            return 0.0
        return (self.finished or time.time()) - self.started


def _warm_up() -> None:
    """Load the model and compile (or load from numba's cache) the solver: one patient,
    two days."""
    import numpy as np

    from immunoreset.model import load_parameters
    from immunoreset.population import sample_cohort
    from immunoreset.simulation import simulate_arm
    from immunoreset.therapy import Regimen

    cohort = sample_cohort(1, load_parameters(), seed=0)
    simulate_arm(cohort, Regimen.erlangen_car_t(), days=np.arange(-7.0, -5.0))


def _worker_main(conn: multiprocessing.connection.Connection, runner: Runner, warm: bool) -> None:
    """The worker process: run each job sent over ``conn``, sending its progress back."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which stops us
    if warm:
        try:
            _warm_up()
        except Exception:  # the first job reports the real error
            traceback.print_exc()
    conn.send(("ready", "", ""))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg[0] != "run":
            return
        _, job_id, kind, document, folder = msg

        def progress(done: int, total: int, stage: str, job_id: str = job_id) -> None:
            conn.send(("progress", job_id, (int(done), int(total), str(stage))))

        try:
            runner(kind, document, Path(folder), progress)
        except InputError as exc:
            conn.send(("refused", job_id, str(exc)))
        except Exception as exc:
            traceback.print_exc(file=sys.stderr)
            conn.send(("failed", job_id, f"{type(exc).__name__}: {' '.join(str(exc).split())}"))
        else:
            conn.send(("done", job_id, ""))


class _Worker:
    """The worker process and its end of the pipe."""

    def __init__(self, runner: Runner, warm: bool) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, runner, warm),
                                   name="immunoreset-serve-worker", daemon=True)
        self.process.start()
        child.close()
        self.ready = False

    def stop(self) -> None:
        """End the process: SIGTERM, then SIGKILL after :data:`_TERMINATE_S`."""
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(_TERMINATE_S)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


class JobQueue:
    """Runs submitted by browser clients, solved one at a time by one worker process.

    Arguments:
        root: the folder of the run folders (must exist; the queue writes nothing else).

    Other arguments:
        max_active: runs queued or running at once, all clients together; more are refused
            with :class:`Busy`.
        keep_per_client: finished runs kept per client; older ones are deleted with their
            folders.
        runner: the function that runs a job in the worker (a top-level function: it is
            sent to the spawned process by reference).
        warm: load the model and compile the solver when the worker starts.
    """

    def __init__(self, root: Path, *, max_active: int = 4, keep_per_client: int = 10,
                 runner: Runner | None = None, warm: bool = True) -> None:
        if runner is None:
            from immunoreset.web._runs import run_job

            runner = run_job
        if max_active < 1 or keep_per_client < 1:
            raise ValueError("max_active and keep_per_client must be >= 1")
        self.root = Path(root)
        self.max_active = max_active
        self.keep_per_client = keep_per_client
        self._runner = runner
        self._warm = warm
        self._lock = threading.Condition()
        self._jobs: dict[str, Job] = {}
        self._queue: collections.deque[str] = collections.deque()
        self._worker: _Worker | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start the worker process and the thread that feeds it."""
        with self._lock:
            if self._thread is not None:
                return
            self._worker = _Worker(self._runner, self._warm)
            self._thread = threading.Thread(target=self._supervise, name="immunoreset-serve-jobs",
                                            daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop feeding the worker, end it, and mark unfinished jobs cancelled."""
        with self._lock:
            self._stopping = True
            self._lock.notify_all()
        if self._thread is not None:
            self._thread.join(_TERMINATE_S * 2)
        with self._lock:
            worker, self._worker = self._worker, None
            for job in self._jobs.values():
                if job.active:
                    self._finish(job, "cancelled", "the server stopped")
        if worker is not None:
            worker.stop()

    # -- what clients do ----------------------------------------------------------------------

    def submit(self, client: str, kind: str, title: str, document: Mapping[str, Any]) -> Job:
        """Queue a run for ``client``; :class:`Busy` when the client already has one queued
        or running, or when :attr:`max_active` runs are."""
        with self._lock:
            if self._stopping:
                raise Busy("the server is stopping; no new runs")
            mine = [j for j in self._jobs.values() if j.client == client and j.active]
            if mine:
                raise Busy(f"you already have a run in progress ({mine[0].title}, "
                           f"{mine[0].state}); wait for it to finish or cancel it")
            active = sum(j.active for j in self._jobs.values())
            if active >= self.max_active:
                raise Busy(f"the server is busy: {active} runs are queued or running (the "
                           f"limit is {self.max_active}); try again in a minute")
            job_id = secrets.token_hex(8)
            job = Job(job_id, client, kind, title, dict(document), self.root / job_id)
            self._jobs[job_id] = job
            self._queue.append(job_id)
            self._prune(client)
            self._lock.notify_all()
            return job

    def job(self, job_id: str, client: str) -> Job | None:
        """The job ``job_id`` if it is ``client``'s (``None`` otherwise)."""
        with self._lock:
            job = self._jobs.get(job_id)
            return job if job is not None and job.client == client else None

    def jobs(self, client: str) -> list[Job]:
        """``client``'s jobs, newest first."""
        with self._lock:
            return sorted((j for j in self._jobs.values() if j.client == client),
                          key=lambda j: j.created, reverse=True)

    def cancel(self, job_id: str, client: str) -> bool:
        """Cancel ``client``'s job ``job_id`` if it is queued or running; whether it was."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.client != client or not job.active:
                return False
            if job.state == "queued":
                self._queue.remove(job_id)
                self._finish(job, "cancelled", "cancelled before it started")
            else:
                job.cancel_requested = True
                job.stage = "cancelling"
            self._lock.notify_all()
            return True

    def wait(self, job_id: str, timeout: float) -> Job | None:
        """Block until job ``job_id`` is finished or ``timeout`` seconds have passed."""
        end = time.monotonic() + timeout
        with self._lock:
            while True:
                job = self._jobs.get(job_id)
                if job is None or not job.active:
                    return job
                left = end - time.monotonic()
                if left <= 0:
                    return job
                self._lock.wait(min(left, 0.2))

    # -- inside ---------------------------------------------------------------------------------

    def _finish(self, job: Job, state: str, message: str) -> None:
        job.state, job.message, job.finished = state, message, time.time()
        if state != "done":
            shutil.rmtree(job.folder, ignore_errors=True)
        self._lock.notify_all()

    def _prune(self, client: str) -> None:
        old = sorted((j for j in self._jobs.values() if j.client == client and not j.active),
                     key=lambda j: j.created, reverse=True)[self.keep_per_client:]
        for j in old:
            shutil.rmtree(j.folder, ignore_errors=True)
            del self._jobs[j.id]

    def _next(self) -> Job | None:
        with self._lock:
            while not self._queue and not self._stopping:
                self._lock.wait(0.5)
            if self._stopping:
                return None
            job = self._jobs[self._queue.popleft()]
            job.state, job.started, job.stage = "running", time.time(), "starting"
            if self._worker is None:
                self._worker = _Worker(self._runner, self._warm)
            if not self._worker.ready:
                job.stage = ("starting the model (the first run after installing compiles the "
                             "solver, up to two minutes)")
            return job

    def _supervise(self) -> None:
        while True:
            job = self._next()
            if job is None:
                return
            worker = self._worker
            assert worker is not None
            try:
                worker.conn.send(("run", job.id, job.kind, job.document, str(job.folder)))
                self._follow(job, worker)
            except (OSError, EOFError):
                with self._lock:
                    if job.active:
                        self._finish(job, "failed", "the worker process ended unexpectedly")
                    self._replace_worker(worker)

    def _replace_worker(self, worker: _Worker) -> None:
        worker.stop()
        self._worker = None if self._stopping else _Worker(self._runner, self._warm)

    def _follow(self, job: Job, worker: _Worker) -> None:
        """Relay ``job``'s messages until it ends, is cancelled or the worker dies."""
        while True:
            with self._lock:
                if job.cancel_requested or self._stopping:
                    self._replace_worker(worker)
                    self._finish(job, "cancelled", "cancelled while running" if
                                 job.cancel_requested else "the server stopped")
                    return
            try:
                message = worker.conn.recv() if worker.conn.poll(0.1) else None
            except (EOFError, OSError):  # the worker died: its end of the pipe closed
                worker.process.join(_TERMINATE_S)
                message = None
            if message is None:
                if not worker.process.is_alive():
                    with self._lock:
                        code = worker.process.exitcode
                        self._finish(job, "failed", f"the worker process ended (exit code {code})")
                        self._replace_worker(worker)
                    return
                continue
            kind, job_id, payload = message
            with self._lock:
                if kind == "ready":
                    worker.ready = True
                    job.stage = "starting"
                    continue
                if job_id != job.id:
                    continue
                if kind == "progress":
                    job.done, job.total, job.stage = payload
                    self._lock.notify_all()
                    continue
                self._finish(job, kind, payload)
                return
