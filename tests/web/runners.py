"""Stand-in runners for the job-queue tests (they run in the spawned worker process)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from immunoreset.errors import InputError


def fake(kind: str, document: dict[str, Any], folder: Path, progress: Any) -> None:
    """What ``document["mode"]`` (else the trial's name, else ``write``) says: ``write`` a
    finished run (view.json with the worker's pid and a CSV), ``sleep`` with progress,
    ``refuse``, ``fail`` or ``crash``."""
    mode = document.get("mode") or document.get("trial", {}).get("name", "write")
    steps = int(document.get("steps", 3))
    for i in range(steps):
        progress(i + 1, steps, f"step {i + 1}")
        if mode == "sleep":
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "partial.txt").write_text(str(i))
            time.sleep(float(document.get("seconds", 0.2)))
    if mode == "refuse":
        raise InputError("population.n_per_arm: got 0, expected an integer >= 1")
    if mode == "refuse_inclusion":
        raise InputError("population.inclusion: no candidate met the inclusion criteria")
    if mode == "fail":
        raise RuntimeError("boom")
    if mode == "crash":
        os._exit(3)
    from immunoreset.io import RunDirectory

    with RunDirectory(folder) as run_dir:
        run_dir.path("a.csv").write_text("x\n1\n")
        view = {"kind": kind, "pid": os.getpid(), "figures": [], "title": "fake", "meta": "",
                "notes": [], "endpoints": {"columns": ["endpoint"], "rows": [["doris"]]},
                "downloads": [{"file": "a.csv", "what": "a table"}]}
        run_dir.path("view.json").write_text(json.dumps(view))
