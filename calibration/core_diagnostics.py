"""Print the credible-core figures: kills per CAR-T cell, expansion, the CAR-T peak and
remission with and without lymphodepletion and over doses, lymphodepletion alone, and
the lymphocyte nadirs of three lymphodepletion regimens.

Usage (from the repository root)::

    python calibration/core_diagnostics.py [--n 300] [--seed 1]

Every figure is a median (or a fraction) over the same ``--n`` Erlangen-like virtual
patients, with the shipped parameters. Deterministic for a seed.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from immunoreset.calibration._constraints import (
    doubling_times,
    fastest_doubling_times,
    lag_end_days,
)
from immunoreset.model import load_parameters
from immunoreset.population import sample_cohort
from immunoreset.simulation import ArmResult, b_cell_return_days, simulate_arm
from immunoreset.spec._arm import LYMPHODEPLETION_REGIMENS
from immunoreset.therapy import CarTProduct, Lymphodepletion, Regimen


def _at(r: ArmResult, name: str, day: float) -> np.ndarray:
    return r.values[name][:, int(np.searchsorted(r.days, day))]


def _lag(r: ArmResult) -> str:
    lag = lag_end_days(r)
    if np.mean(np.isfinite(lag)) < 0.5:  # most never double their infused level
        return "lag    -"
    return f"lag {np.nanmedian(lag):3.0f} d"


def _line(label: str, r: ArmResult, *, car_t: bool) -> str:
    cells = [f"{label:34s}"]
    if car_t:
        cart = r.values["car_t_blood"]
        ipk = np.argmax(cart, axis=1)
        peak = cart[np.arange(cart.shape[0]), ipk]
        kpc = r.values["car_t_kills_per_cell"]
        at_peak = kpc[np.arange(kpc.shape[0]), ipk]
        cells += [f"peak {np.median(peak):8.3g}/uL", f"Tmax {np.median(r.days[ipk]):4.0f} d",
                  _lag(r),
                  f"doubling {np.median(doubling_times(r)):5.2f} d "
                  f"(steepest day {np.median(fastest_doubling_times(r)):4.2f})",
                  f"kills/cell/day infusion {np.median(_at(r, 'car_t_kills_per_cell', 0)):4.2f} "
                  f"peak {np.median(at_peak):5.3f} day28 {np.median(_at(r, 'car_t_kills_per_cell', 28)):5.3f} "
                  f"max {np.max(kpc[:, r.days >= 0]):4.2f}"]
    ret = b_cell_return_days(r.values["b_cells_blood"], r.days)
    cells += [f"B<1/uL d14 {np.mean(_at(r, 'b_cells_blood', 14) < 1):4.0%}",
              f"tissue B d28 {np.median(_at(r, 'b_cells_tissue', 28)):7.2g}",
              f"B return {np.nanmean(ret):5.0f} d" if np.isfinite(ret).any() else "B return    -",
              f"drug-free DORIS d90 {np.mean(_at(r, 'drug_free_doris', 90) == 1):4.0%} "
              f"d365 {np.mean(_at(r, 'drug_free_doris', 365) == 1):4.0%}"]
    return "  ".join(cells)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=300, help="virtual patients (default 300)")
    ap.add_argument("--seed", type=int, default=1, help="cohort seed (default 1)")
    args = ap.parse_args()
    params = load_parameters()
    cohort = sample_cohort(args.n, params, seed=args.seed)
    print(f"{args.n} Erlangen-like virtual patients, seed {args.seed}; medians unless stated")
    print("-- CD19 CAR-T, with and without lymphodepletion, over doses")
    for ld in ("flu_cy", "none"):
        for dose in (1e4, 1e5, 1e6, 1e7):
            regimen = Regimen(f"{ld}_{dose:g}", LYMPHODEPLETION_REGIMENS[ld](),
                              CarTProduct(dose_per_kg=dose))
            print(_line(f"{ld} + {dose:.0e}/kg", simulate_arm(cohort, regimen), car_t=True))
    print("-- lymphodepletion alone: remission and nadirs (days -3 to 14)")
    for ld in ("flu_cy", "flu30_cy300", "cyclophosphamide"):
        r = simulate_arm(cohort, Regimen(f"{ld}_alone", LYMPHODEPLETION_REGIMENS[ld](), None))
        win = (r.days >= -3) & (r.days <= 14)
        t_nadir = np.median(np.min(r.values["t_cells_blood"][:, win], axis=1))
        b_nadir = np.median(np.min(r.values["b_cells_blood"][:, win], axis=1))
        # Cumulative 2F-ara-A AUC of the one-compartment reduction: dose / clearance.
        flu_mg_per_m2 = sum(d.amount_mg_per_m2 for d in r.regimen.lymphodepletion.doses
                            if d.drug == "fludarabine")
        auc = flu_mg_per_m2 / params.value("fludarabine_clearance") * 24.0  # mg*h/L
        print(_line(f"{ld} alone", r, car_t=False)
              + f"  T nadir {t_nadir:6.1f}/uL  B nadir {b_nadir:6.2f}/uL  Flu AUC {auc:5.1f} mg*h/L")
    untreated = simulate_arm(cohort, Regimen("none", Lymphodepletion.none(), None))
    print(_line("no therapy", untreated, car_t=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
