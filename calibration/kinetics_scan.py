"""One-at-a-time sensitivity of the CAR-T kinetics and B-cell return to the core's fitted
parameters: how much the Erlangen arm's Tmax, peak, expansion doubling time and B-cell
return move when one parameter is multiplied by ``--factor``.

Usage (from the repository root)::

    python calibration/kinetics_scan.py [--n 150] [--seed 5] [--factor 1.3]

Used to choose the start of a local MAP fit (``calibrate.py --method nelder-mead``) when
the fit sits on a trade-off between criteria (e.g. Tmax against B-cell return). Prints
figures; writes nothing.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from calibrate import CORE_NAMES

from immunoreset.calibration._constraints import doubling_times
from immunoreset.model import ParameterSet, load_parameters
from immunoreset.population import sample_cohort
from immunoreset.simulation import b_cell_return_days, simulate_arm
from immunoreset.therapy import Regimen

COLUMNS = ("Tmax mean", "Tmax median", "peak median", "doubling", "return mean", "return SD")


def _figures(params: ParameterSet, *, n: int, seed: int) -> np.ndarray:
    r = simulate_arm(sample_cohort(n, params, seed=seed), Regimen.erlangen_car_t())
    cart = r.values["car_t_blood"]
    ipk = np.argmax(cart, axis=1)
    tmax, peak = r.days[ipk], cart[np.arange(cart.shape[0]), ipk]
    ret = b_cell_return_days(r.values["b_cells_blood"], r.days)
    return np.array([np.mean(tmax), np.median(tmax), np.median(peak),
                     np.median(doubling_times(r)), np.nanmean(ret), np.nanstd(ret)])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=150, help="virtual patients (default 150)")
    ap.add_argument("--seed", type=int, default=5, help="cohort seed (default 5)")
    ap.add_argument("--factor", type=float, default=1.3, help="multiplier (default 1.3)")
    args = ap.parse_args()
    base = load_parameters()
    ref = _figures(base, n=args.n, seed=args.seed)
    print(f"{'':36s}" + "".join(f"{c:>13s}" for c in COLUMNS))
    print(f"{'shipped values':36s}" + "".join(f"{v:13.2f}" for v in ref))
    for name in CORE_NAMES:
        moved = base.with_values({name: base.value(name) * args.factor})
        delta = _figures(moved, n=args.n, seed=args.seed) - ref
        print(f"{name + f' x{args.factor:g}':36s}" + "".join(f"{v:+13.2f}" for v in delta))
    return 0


if __name__ == "__main__":
    sys.exit(main())
