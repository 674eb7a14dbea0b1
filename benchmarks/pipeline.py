"""Where a study run's time goes: the solver against everything around it.

    python benchmarks/pipeline.py [--n 2000] [--save visits] [--chunk-size 500] [--repeats 2]

Runs ``immunoreset simulate``'s pipeline (:func:`~immunoreset.simulation.run_study`) on
``--n`` Erlangen-like patients through the two arms of ``benchmarks/engine.py`` (CAR-T and
untreated, day -7 to 730, daily solution, ``DEFAULT_SOLVER``) in this process (one worker,
numba's threads over the cores), with the package's functions wrapped by wall-clock timers:

- ``solver``: :func:`~immunoreset.engine.solve_batch` (the compiled integrator, its input
  checks and output array);
- ``cohort``: drawing the virtual patients (:func:`~immunoreset.population.sample_cohort`,
  steady states and inclusion included) and their dose and flare events;
- ``observables``, ``crs`` (the daily CRS grade), ``visit records + scores``
  (:func:`~immunoreset.diseases.visit_table` and :func:`~immunoreset.clinical.score_visits`),
  ``per-patient read-outs`` (:func:`~immunoreset.simulation.patient_readouts`);
- ``chunk files``: writing each chunk's Parquet files; ``merge + report``: the end of the
  run (merged files, manifest, HTML report);
- ``other``: the rest of the wall time (the remaining lines of ``simulate_arm`` and
  ``solve_chunk``: clipping the states, copying the saved days, tables).

A first small run compiles or loads the kernel and is not counted; of ``--repeats`` runs
the fastest is printed. Prints the seconds and share of each part, the solver's share of
the chunk work (everything before the merge) and of the whole run, and ends with
``solver_share=S solver_share_of_chunks=C arm_patients_per_s=R``. Prints figures; asserts
nothing.
"""

from __future__ import annotations

import argparse
import collections
import functools
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from immunoreset.model import load_parameters
from immunoreset.simulation import DEFAULT_SOLVER, RunOptions, StudySpec, run_study
from immunoreset.therapy import Regimen

#: (module, attribute, part): the functions timed, as the modules that call them see them.
TIMED = (
    ("immunoreset.simulation._arm", "solve_batch", "solver"),
    ("immunoreset.simulation._chunk", "sample_cohort", "cohort"),
    ("immunoreset.simulation._arm", "patient_events", "cohort"),
    ("immunoreset.simulation._arm", "observables", "observables"),
    ("immunoreset.simulation._arm", "crs_grades", "crs"),
    ("immunoreset.simulation._arm", "visit_table", "visit records + scores"),
    ("immunoreset.simulation._arm", "score_visits", "visit records + scores"),
    ("immunoreset.simulation._chunk", "patient_readouts", "per-patient read-outs"),
    ("immunoreset.simulation._study", "_write_chunk", "chunk files"),
    ("immunoreset.simulation._study", "_merge", "merge + report"),
    ("immunoreset.simulation._study", "write_report", "merge + report"),
    ("immunoreset.simulation._study", "write_manifest", "merge + report"),
)
#: Parts that happen after the chunks are solved (not part of the chunk work).
END_PARTS = ("merge + report",)


def _timed(fn: Callable[..., Any], part: str, spent: collections.Counter[str],
           depth: list[int]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if depth[0]:  # a timed function inside another: counted once, by the outer one
            return fn(*args, **kwargs)
        depth[0] += 1
        t = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[part] += time.perf_counter() - t
            depth[0] -= 1

    return wrapper


def _run(n: int, save: str, chunk_size: int) -> tuple[float, collections.Counter[str]]:
    import importlib

    spent: collections.Counter[str] = collections.Counter()
    depth = [0]
    originals = []
    for module, name, part in TIMED:
        mod = importlib.import_module(module)
        originals.append((mod, name, getattr(mod, name)))
        setattr(mod, name, _timed(getattr(mod, name), part, spent, depth))
    arms = {"car_t": Regimen.erlangen_car_t(), "untreated": Regimen.refractory_background()}
    spec = StudySpec(title="pipeline benchmark", parameters=load_parameters(), arms=arms, n=n,
                     seed=1)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            run_study(Path(tmp) / "run", spec, command="benchmark", config={},
                      options=RunOptions(chunk_size=chunk_size, workers=1, save=save,
                                         progress=False))
            total = time.perf_counter() - t
    finally:
        for mod, name, fn in originals:
            setattr(mod, name, fn)
    return total, spent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="patients per arm")
    ap.add_argument("--save", default="visits", choices=("summary", "visits", "full"))
    ap.add_argument("--chunk-size", type=int, default=500)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    _run(min(args.n, 50), args.save, args.chunk_size)  # kernel load, imports: not counted
    total, spent = min((_run(args.n, args.save, args.chunk_size) for _ in range(args.repeats)),
                       key=lambda r: r[0])
    parts = dict(spent)
    parts["other"] = total - sum(spent.values())
    chunks = total - sum(spent[p] for p in END_PARTS)
    print(f"run_study, --save {args.save}: {args.n} patients x 2 arms (CAR-T, untreated), "
          f"chunks of {args.chunk_size}, 1 process, {DEFAULT_SOLVER.method} rtol "
          f"{DEFAULT_SOLVER.rtol:g}; best of {args.repeats}: {total:.2f} s = "
          f"{2 * args.n / total:,.0f} arm-patients/s")
    for part, seconds in sorted(parts.items(), key=lambda kv: -kv[1]):
        print(f"  {part:<24} {seconds:7.2f} s  {seconds / total:6.1%}")
    share, share_chunks = spent["solver"] / total, spent["solver"] / chunks
    print(f"solver: {share:.1%} of the run, {share_chunks:.1%} of the chunk work (before the "
          "merge and report)")
    print(f"solver_share={share:.3f} solver_share_of_chunks={share_chunks:.3f} "
          f"arm_patients_per_s={2 * args.n / total:.1f}")


if __name__ == "__main__":
    main()
