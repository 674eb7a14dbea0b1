"""A run's output folder, written through a hidden working folder and committed at the end.

Every result file of a run is first written into ``OUT/.work/``. Only when the run has
finished are the files moved into ``OUT`` with :func:`os.replace` (atomic per file on one
file system), ``manifest.json`` last so that its presence marks a complete run. A run that
dies therefore never leaves a half-written result file in ``OUT``: either the working folder
is removed (and ``OUT`` too, if this run created it), or it is kept for a later resume.

Work is never destroyed by another run: while a run has ``OUT`` open it holds an exclusive
lock on ``OUT/.work/.lock`` (``fcntl.flock``, released by the kernel when the process dies, even
by ``kill -9``), and a second run on the same folder is refused, naming the running one. A
run that finds the ``.work`` folder of an earlier, unfinished run is refused too unless it
is told to ``resume`` it or to ``overwrite`` it.
"""

from __future__ import annotations

import datetime as _dt
import fcntl
import json
import os
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import IO

from immunoreset.errors import InputError

__all__ = ["LOCK_NAME", "WORK_DIR_NAME", "RunDirectory"]

#: Name of the working folder inside the output folder.
WORK_DIR_NAME = ".work"
#: Name of the lock file inside the working folder (held while a run has it open; a run
#: killed with ``kill -9`` leaves it, unheld, inside ``.work``).
LOCK_NAME = ".lock"
_HIDDEN = {WORK_DIR_NAME}

#: Files moved last on commit: their presence in ``OUT`` marks a finished run.
_COMMIT_LAST: tuple[str, ...] = ("manifest.json",)


class RunDirectory:
    """The output folder ``out`` of one run, with a working folder ``out/.work``.

    Layered use:

    - as a context manager (the usual way)::

          run_dir = RunDirectory(out)
          run_dir.check()                  # validate before any work; creates nothing
          with run_dir:                    # creates out/.work
              write_table(df, run_dir.path("patients.parquet"))
          # on success: files moved into out, .work removed
          # on exception: .work removed, and out too if this run created it

    - or step by step with :meth:`check`, :meth:`open`, :meth:`path`, :meth:`commit` and
      :meth:`abort`.

    Arguments:
        out: the output folder. It may not exist yet (missing parent folders are created
            on :meth:`open`), or exist and be empty, or hold only a ``.work`` folder left by
            an earlier run.

    Other arguments:
        resume: keep the content of an existing ``out/.work`` on :meth:`open` (finished
            chunks of a resumable run).
        overwrite: discard an existing ``out/.work`` on :meth:`open`. Without ``resume`` or
            ``overwrite``, a folder holding a ``.work`` is refused by :meth:`check`.
        keep_work_on_error: when the ``with`` block raises, keep ``out/.work`` (and ``out``)
            so that the run can be resumed, instead of removing them.
        command: what runs (written into the lock file, shown to a second run).
    """

    def __init__(
        self, out: str | os.PathLike[str], *, resume: bool = False, keep_work_on_error: bool = False,
        overwrite: bool = False, command: str | None = None,
    ) -> None:
        if resume and overwrite:
            raise InputError("--resume and --overwrite: got both, expected at most one")
        self._raw = os.fspath(out)
        self._out = Path(out)
        self._resume = resume
        self._overwrite = overwrite
        self._keep_work_on_error = keep_work_on_error
        self._command = command or " ".join(sys.argv)
        self._created_root: Path | None = None  # topmost folder created by open()
        self._opened = False
        self._lock: IO[str] | None = None

    # -- properties ------------------------------------------------------------------------

    @property
    def out(self) -> Path:
        """The final output folder."""
        return self._out

    @property
    def work(self) -> Path:
        """The working folder ``out/.work`` where files are written before commit."""
        return self._out / WORK_DIR_NAME

    def __repr__(self) -> str:
        state = "open" if self._opened else "closed"
        return f"RunDirectory({str(self._out)!r}, {state})"

    # -- validation ------------------------------------------------------------------------

    def check(self) -> None:
        """Validate the output folder without creating or changing anything.

        Raises:
            InputError: (one line) if ``out`` exists and is not a folder, holds anything but
                a ``.work`` folder, is in use by a running run, holds the ``.work`` of an
                earlier run without ``resume`` or ``overwrite``, or if the folder it would be
                created in is missing write permission or is not a folder.
        """
        out = self._out
        if not str(self._raw).strip():
            raise InputError("--out: got an empty path, expected a folder name")
        if len(out.name.encode()) > 255 or len(str(out.absolute()).encode()) > 4000:
            raise InputError(f"--out: got a name of {len(out.name.encode())} bytes, expected a "
                             "folder name of at most 255 bytes")
        if "\x00" in str(out):
            raise InputError("--out: got a path with a NUL character, expected a folder name")
        if out.exists() or out.is_symlink():
            if not out.is_dir():
                raise InputError(f"--out: {out} exists and is not a folder; choose a new folder")
            running = _holder(self.work / LOCK_NAME)
            if running is not None:
                raise InputError(f"--out: {out} is in use by a running run ({running}); wait for "
                                 "it to finish or choose another folder")
            entries = sorted(p.name for p in out.iterdir() if p.name not in _HIDDEN)
            if entries:
                shown = ", ".join(entries[:5]) + (", ..." if len(entries) > 5 else "")
                raise InputError(
                    f"--out: {out} already holds {len(entries)} item(s) ({shown}); "
                    "choose a new or empty folder, or remove them"
                )
            work = self.work
            if work.exists() and not work.is_dir():
                raise InputError(f"--out: {work} exists and is not a folder; remove it")
            if work.is_dir() and not (self._resume or self._overwrite):
                done = sum(1 for _ in work.glob("chunks/*.done"))
                raise InputError(f"--out: {out} holds the unfinished work of an earlier run "
                                 f"({WORK_DIR_NAME}, {done} finished chunk(s)); add --resume to "
                                 "continue it or --overwrite to discard it")
            if not os.access(out, os.W_OK | os.X_OK):
                raise InputError(f"--out: folder {out} is not writable")
            return
        ancestor = _nearest_existing_ancestor(out)
        if not ancestor.is_dir():
            raise InputError(f"--out: cannot create {out}: {ancestor} exists and is not a folder")
        if not os.access(ancestor, os.W_OK | os.X_OK):
            raise InputError(f"--out: cannot create {out}: folder {ancestor} is not writable")

    # -- life cycle ------------------------------------------------------------------------

    def open(self) -> Path:
        """Take the lock on ``out``, create ``out/.work`` (and ``out`` and missing parents)
        and return the working folder.

        An existing working folder is kept when ``resume=True`` and emptied with
        ``overwrite=True`` (:meth:`check` refuses it otherwise).
        """
        if self._opened:
            return self.work
        self.check()
        if not self._out.exists():
            self._created_root = _topmost_missing(self._out)
            try:
                self._out.mkdir(parents=True)
            except OSError as exc:
                self._created_root = None
                raise InputError(f"--out: cannot create {self._out} ({exc.strerror})") from None
        work = self.work
        work.mkdir(exist_ok=True)
        self._acquire()
        if not self._resume:  # overwrite (check() refused an earlier .work otherwise)
            for entry in work.iterdir():
                if entry.is_dir():
                    shutil.rmtree(entry)
                elif entry.name != LOCK_NAME:
                    entry.unlink()
        self._opened = True
        return work

    def _acquire(self) -> None:
        """Hold an exclusive lock on ``out/.work/.lock`` until commit or abort."""
        path = self.work / LOCK_NAME
        handle = open(path, "a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            running = _holder(path) or "another process"
            raise InputError(f"--out: {self._out} is in use by a running run ({running}); wait "
                             "for it to finish or choose another folder") from None
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"pid": os.getpid(), "command": self._command,
                                 "started": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")}))
        handle.flush()
        self._lock = handle

    def _release(self) -> None:
        if self._lock is not None:
            (self.work / LOCK_NAME).unlink(missing_ok=True)
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None

    def path(self, name: str | os.PathLike[str]) -> Path:
        """Return the path of ``name`` inside the working folder (creating sub-folders).

        Arguments:
            name: a relative file name such as ``"trajectories.parquet"`` or
                ``"figures/b_cells_blood.png"``; it may not leave the working folder.
        """
        if not self._opened:
            raise RuntimeError("RunDirectory.path() called before open(); use 'with run_dir:'")
        rel = Path(name)
        if rel.is_absolute() or ".." in rel.parts or not rel.parts:
            raise ValueError(
                f"RunDirectory.path: expected a relative name inside the run, got {name!r}"
            )
        target = self.work / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def commit(self, names: Iterable[str] | None = None) -> list[Path]:
        """Move finished files from the working folder into ``out`` and remove ``.work``.

        Arguments:
            names: top-level names in the working folder to publish; everything else in the
                working folder (scratch chunks, temporary files) is discarded. ``None``
                publishes every entry.

        Returns:
            The final paths, in the order they were moved (``manifest.json`` last).
        """
        if not self._opened:
            raise RuntimeError("RunDirectory.commit() called before open()")
        work = self.work
        available = {p.name for p in work.iterdir() if p.name != LOCK_NAME}
        if names is None:
            selected = available
        else:
            selected = set(names)
            missing = sorted(selected - available)
            if missing:
                raise FileNotFoundError(
                    f"RunDirectory.commit: {', '.join(missing)} not found in {work}"
                )
        order = sorted(selected, key=lambda n: (n in _COMMIT_LAST, n))
        moved: list[Path] = []
        for name in order:
            target = self._out / name
            os.replace(work / name, target)
            moved.append(target)
        self._release()
        shutil.rmtree(work)
        self._opened = False
        self._created_root = None
        return moved

    def abort(self, *, keep_work: bool = False) -> None:
        """Undo an unfinished run.

        Arguments:
            keep_work: keep ``out/.work`` (and ``out``) for a later resume. Otherwise the
                working folder is removed, and ``out`` (with any parent folders) too if
                this run created it.
        """
        self._release()
        if not keep_work:
            if self._created_root is not None:
                shutil.rmtree(self._created_root, ignore_errors=True)
            else:
                shutil.rmtree(self.work, ignore_errors=True)
            self._created_root = None
        self._opened = False

    # -- context manager -------------------------------------------------------------------

    def __enter__(self) -> RunDirectory:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            if self._opened:  # the block may have committed explicitly
                self.commit()
        else:
            self.abort(keep_work=self._keep_work_on_error)


def _holder(lock: Path) -> str | None:
    """Who holds ``lock`` (pid, start, command), or ``None`` if no running process does."""
    try:
        handle = open(lock, encoding="utf-8")
    except OSError:
        return None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            try:
                info = json.loads(handle.read() or "{}")
            except ValueError:
                info = {}
            return (f"pid {info.get('pid', '?')}, started {info.get('started', '?')}: "
                    f"{info.get('command', '?')}")
        fcntl.flock(handle, fcntl.LOCK_UN)
        return None


def _nearest_existing_ancestor(path: Path) -> Path:
    """The closest ancestor of ``path`` (as given, made absolute) that exists."""
    for parent in path.absolute().parents:
        if parent.exists():
            return parent
    return Path(path.absolute().anchor)  # pragma: no cover - the root always exists


def _topmost_missing(path: Path) -> Path:
    """The highest folder among ``path`` and its ancestors that does not exist yet."""
    top = path.absolute()
    for parent in top.parents:
        if parent.exists():
            break
        top = parent
    return top
