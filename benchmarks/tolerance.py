"""Tolerance sweep: steps per patient and error against a tight reference, per rtol.

    python benchmarks/tolerance.py [--n 300] [--seed 7]

For each arm (CAR-T, untreated) draws ``--n`` virtual patients, solves day −7 to 730 with
daily output at rtol 1e-11 / atol 1e-15 (the reference) and at each rtol of the sweep
(atol = rtol × 1e-3), and prints the mean accepted and rejected steps per patient and the
largest, 99th-percentile and median over patients of the largest relative error of the key
states (absolute floor 1e-3 state units). This is the measurement behind the default
solver tolerance (``immunoreset.simulation.DEFAULT_SOLVER``). Prints figures; asserts
nothing.
"""

from __future__ import annotations

import argparse

import numpy as np

from immunoreset.engine import EventSchedule, SolverSettings, solve_batch
from immunoreset.model import STATE_INDEX, jac, load_parameters, rhs
from immunoreset.population import sample_cohort
from immunoreset.simulation import DEFAULT_DAYS, patient_events
from immunoreset.therapy import Regimen

KEY_STATES = ("car_t_effector", "naive_b_blood", "anti_dsdna", "c3", "proteinuria")
FLOOR = 1e-3
RTOLS = (1e-6, 2e-6, 3e-6, 5e-6, 1e-5)
REFERENCE = SolverSettings(rtol=1e-11, atol=1e-15)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    params = load_parameters()
    idx = [STATE_INDEX[s] for s in KEY_STATES]
    days = DEFAULT_DAYS
    for regimen in (Regimen.erlangen_car_t(), Regimen.refractory_background()):
        cohort = sample_cohort(args.n, params, seed=args.seed)
        events = EventSchedule.from_lists(patient_events(cohort, regimen))

        def solve(settings: SolverSettings, cohort=cohort, events=events):  # type: ignore[no-untyped-def]
            return solve_batch(rhs, cohort.y0, cohort.params, days, t0=float(days[0]),
                               events=events, settings=settings, jac=jac)

        ref = solve(REFERENCE)
        print(f"{regimen.name}: {args.n} patients, reference {ref.n_steps.mean():.0f} steps/patient")
        for rtol in RTOLS:
            sol = solve(SolverSettings(rtol=rtol, atol=rtol * 1e-3))
            a, b = sol.y[..., idx], ref.y[..., idx]
            per_patient = np.nanmax(np.abs(a - b) / np.maximum(np.abs(b), FLOOR), axis=(1, 2))
            print(f"  rtol {rtol:g}: steps {sol.n_steps.mean():.0f}, rejected "
                  f"{sol.n_rejected.mean():.1f}; error max {per_patient.max():.2e}, "
                  f"p99 {np.quantile(per_patient, 0.99):.2e}, median {np.median(per_patient):.2e}")


if __name__ == "__main__":
    main()
