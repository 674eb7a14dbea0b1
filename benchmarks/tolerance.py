"""Tolerance sweep: the read-out fidelity contract per rtol, on every example study and trial.

    python benchmarks/tolerance.py [--n 500] [--rtols 1e-5 3e-5 1e-4 3e-4 1e-3 3e-3]
                                   [--examples FILE ...] [--chunk 250]

For each example (default: every study config under ``examples/simulate``,
``examples/populations`` and ``examples/modules`` and every trial spec under
``examples/trials``) it draws ``--n`` patients per arm as that example does (the study's
or the trial's population, inclusion criteria, model modules, days and, for unpaired
trials, one cohort per arm), solves every arm at :data:`REFERENCE_SOLVER` (Rodas5P, rtol
1e-8) and at each rtol of the sweep (atol = rtol x the default's atol/rtol), and checks each
run against the reference with the fidelity contract
(:func:`~immunoreset.simulation.arm_readouts` and
:func:`~immunoreset.simulation.compare_readouts`, as ``check_fidelity`` does: no category
change at any visit, event days within ±1 day, continuous read-outs within 1 % with the
unit floors; changes on the edge of a category, where the reference is within 0.1 % of a
limit, counted apart) on the visit days of the example and ``DEFAULT_VISIT_DAYS``. Per example and rtol it prints the mean accepted steps per
patient, whether the contract is met, the checks that fail, the largest event shift and
the largest continuous difference as a share of the allowed one (with its read-out).

It also prints the one quantity the contract does not cover and that needs tight
tolerances: CAR-T in blood at day 180 relative to its peak (the long-tail persistence,
``car_t_day180_over_peak`` of ``patients.parquet``; values far below any assay's
detection limit), as the largest relative difference from the reference.

The last lines give, per rtol, the contract over all examples, and
``loosest_rtol_meeting_contract=R margin_rtol=M``: R is the loosest rtol such that it and
every tighter rtol of the sweep meet the contract on every example, M the same with a
margin: continuous read-outs within half the allowed difference (``MARGIN_SHARE``). The
default tolerance is chosen from these (see ``DEFAULT_SOLVER``). Prints figures; asserts
nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from immunoreset.engine import SolverSettings
from immunoreset.model import build_model
from immunoreset.population import Cohort, sample_cohort
from immunoreset.simulation import (
    DEFAULT_SOLVER,
    DEFAULT_VISIT_DAYS,
    REFERENCE_SOLVER,
    ArmResult,
    FidelityContract,
    FidelityReport,
    arm_readouts,
    compare_readouts,
    load_study_config,
    simulate_arm,
)
from immunoreset.therapy import Regimen

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = (sorted((ROOT / "examples" / "simulate").glob("*.toml"))
            + sorted((ROOT / "examples" / "populations").glob("*.toml"))
            + [ROOT / "examples" / "modules" / "naive_b_drug_study.toml"]
            + sorted((ROOT / "examples" / "trials").glob("*.toml")))
RTOLS = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3)
ATOL_PER_RTOL = DEFAULT_SOLVER.atol / DEFAULT_SOLVER.rtol
#: Share of the allowed continuous difference, and the event shift, that leave a margin.
MARGIN_SHARE = 0.5

#: One chunk of an example: per arm, its cohort and regimen.
Chunk = dict[str, tuple[Cohort, Regimen]]


@dataclasses.dataclass
class Example:
    name: str
    days: np.ndarray
    visits: tuple[float, ...]
    chunks: Iterator[Chunk]


def _study(path: Path, n: int, chunk: int) -> Example:
    spec, _, _ = load_study_config(path, n=n)
    model = build_model(spec.model)

    def chunks() -> Iterator[Chunk]:
        for start in range(0, n, chunk):
            c = sample_cohort(min(chunk, n - start), spec.parameters, seed=spec.seed,
                              spec=spec.cohort, first_index=start, model=model)
            yield {a: (c, r) for a, r in spec.arms.items()}

    return Example(path.stem + " (study)", spec.days, tuple(map(float, spec.visit_days)), chunks())


def _trial(path: Path, n: int) -> Example:
    from immunoreset.trial import load_trial_spec
    from immunoreset.trial._run import _cohorts, _days, _parameters

    spec = load_trial_spec(path)
    regimens = {a.name: a.regimen for a in spec.arms}

    def chunks() -> Iterator[Chunk]:  # the trial's own chunks (trial._run.CHUNK_SIZE)
        for cohorts in _cohorts(spec, _parameters(spec), spec.seed, n):
            yield {a: (cohorts[a], regimens[a]) for a in regimens}

    return Example(path.stem + " (trial)", _days(spec), tuple(map(float, spec.schedule.visits)),
                   chunks())


def _day180_over_peak(res: ArmResult) -> np.ndarray:
    d = res.days
    car = res.values["car_t_blood"]
    j = int(np.searchsorted(d, 180.0))
    if j >= d.size or d[j] != 180.0 or res.regimen.car_t is None:
        return np.full(car.shape[0], np.nan)
    peak = np.nanmax(np.where(d[None, :] >= 0, car, -np.inf), axis=1)
    return car[:, j] / peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=500, help="patients per arm of each example")
    ap.add_argument("--rtols", type=float, nargs="+", default=list(RTOLS))
    ap.add_argument("--examples", type=Path, nargs="+", default=list(EXAMPLES))
    ap.add_argument("--chunk", type=int, default=250, help="patients per chunk of a study")
    args = ap.parse_args()
    rtols = sorted(args.rtols)
    print(f"reference: {REFERENCE_SOLVER}; candidates rtol {', '.join(f'{r:g}' for r in rtols)}, "
          f"atol = {ATOL_PER_RTOL:g} x rtol; {args.n} patients per arm")
    overall: dict[float, list[FidelityReport]] = {r: [] for r in rtols}
    tail: dict[float, float] = dict.fromkeys(rtols, 0.0)
    t_start = time.perf_counter()
    for path in args.examples:
        ex = _trial(path, args.n) if "trials" in path.parts else _study(path, args.n, args.chunk)
        contract = FidelityContract(visit_days=tuple(sorted(
            set(ex.visits) | {float(d) for d in DEFAULT_VISIT_DAYS})))
        reports: dict[float, list[FidelityReport]] = {r: [] for r in rtols}
        steps: dict[float, list[np.ndarray]] = {r: [] for r in [0.0, *rtols]}
        ex_tail: dict[float, float] = dict.fromkeys(rtols, 0.0)
        arms: set[str] = set()
        for chunk in ex.chunks:
            for arm, (cohort, regimen) in chunk.items():
                arms.add(arm)
                ref = simulate_arm(cohort, regimen, arm=arm, days=ex.days, settings=REFERENCE_SOLVER)
                steps[0.0].append(ref.n_steps)
                ref_tail = _day180_over_peak(ref)
                ref_readouts = arm_readouts(ref, cohort, visit_days=contract.visit_days,
                                            borderline=contract.borderline)
                for rtol in rtols:
                    s = SolverSettings(method=DEFAULT_SOLVER.method, rtol=rtol,
                                       atol=rtol * ATOL_PER_RTOL)
                    run = simulate_arm(cohort, regimen, arm=arm, days=ex.days, settings=s)
                    steps[rtol].append(run.n_steps)
                    got = arm_readouts(run, cohort, visit_days=contract.visit_days)
                    reports[rtol].append(compare_readouts(ref_readouts, got, contract=contract))
                    with np.errstate(invalid="ignore", divide="ignore"):
                        rel = np.abs(_day180_over_peak(run) / ref_tail - 1.0)
                    ex_tail[rtol] = max(ex_tail[rtol], float(np.nanmax(rel, initial=0.0)))
        n_arm = sum(len(s) for s in steps[0.0])
        print(f"{ex.name}: {len(arms)} arms x {args.n} patients, days {ex.days[0]:g}..{ex.days[-1]:g}; "
              f"reference {np.concatenate(steps[0.0]).mean():.0f} steps/patient "
              f"({n_arm} arm-patients, {time.perf_counter() - t_start:.0f} s so far)", flush=True)
        for rtol in rtols:
            rep = FidelityReport.concat(reports[rtol])
            overall[rtol].append(rep)
            tail[rtol] = max(tail[rtol], ex_tail[rtol])
            print(f"  rtol {rtol:<7g} {np.concatenate(steps[rtol]).mean():5.0f} steps/patient  "
                  + _line(rep) + f"; CAR-T d180/peak max rel. diff {ex_tail[rtol]:.1e}", flush=True)
            for r in rep.failures().itertuples(index=False):
                print(f"      FAILS {r.arm} {r.readout} ({r.kind}, {r.bound}): {r.violations} of "
                      f"{r.patients} patients, worst {r.worst:g}, e.g. {r.example}")
    print(f"all examples ({time.perf_counter() - t_start:.0f} s):")
    loosest = margin = None
    for rtol in rtols:
        rep = FidelityReport.concat(overall[rtol])
        print(f"  rtol {rtol:<7g} " + _line(rep) + f"; CAR-T d180/peak max rel. diff {tail[rtol]:.1e}")
        if rep.passed and (loosest is None or loosest == rtols[rtols.index(rtol) - 1]):
            loosest = rtol
        if rep.passed and _margin(rep) and (margin is None or margin == rtols[rtols.index(rtol) - 1]):
            margin = rtol
    print(f"loosest_rtol_meeting_contract={loosest} margin_rtol={margin}")


def _worst(rep: FidelityReport, kind: str) -> tuple[float, str]:
    t = rep.table[rep.table["kind"] == kind]
    if t.empty:
        return 0.0, "-"
    r = t.loc[t["worst"].idxmax()]
    return float(r["worst"]), f"{r['readout']} ({r['arm']})"


def _line(rep: FidelityReport) -> str:
    cats = rep.table[rep.table["kind"].str.endswith("category")]
    ev, ev_name = _worst(rep, "event_day")
    co, co_name = _worst(rep, "continuous")
    moved = rep.table[rep.table["kind"] == "event_day"].groupby("readout")["moved"].sum()
    moved = moved[moved > 0]
    edge = int(rep.table["borderline"].sum())
    return (f"contract {'MET    ' if rep.passed else 'NOT MET'} ({int((~rep.table['passed']).sum())} "
            f"of {len(rep.table)} checks fail); patients changing category "
            f"{int(cats['violations'].sum())} (+ {edge} on the edge); event shift max {ev:g} d ({ev_name}; patients "
            f"moved: {', '.join(f'{k} {v}' for k, v in moved.items()) or 'none'}); continuous "
            f"max {co:.2f} of allowed ({co_name})")


def _margin(rep: FidelityReport) -> bool:
    co, _ = _worst(rep, "continuous")
    return co <= MARGIN_SHARE


if __name__ == "__main__":
    main()
