"""Calibrate the SLE / CD19 CAR-T parameters: a MAP fit to the Erlangen targets and the
core constraints, with a log-normal prior on every parameter that has a literature value.

Usage (from the repository root, after ``pip install -e ".[calibration]"``)::

    python calibration/calibrate.py [--n 300] [--seed 1] [--method cmaes] [--max-evals 360]
                                    [--posterior 0] [--names a,b,...] [--no-profiles]

1. Fits the ``--names`` parameters (default :data:`CORE_NAMES`) by CMA-ES or Nelder–Mead on
   log-values (:func:`immunoreset.calibration.fit`), on ``--n`` virtual Erlangen-like
   patients per arm drawn from ``--seed``, starting from the file's values.
2. Writes the fitted values back into ``src/immunoreset/model/data/sle_cd19_cart.toml``
   with a ``[meta]`` table recording this script, its arguments, the loss and the date.
3. Scans each fitted parameter alone (:func:`immunoreset.calibration.pass_ranges`) and sets
   each to its prior alone (:func:`immunoreset.calibration.at_prior`): its uncertainty and
   the data that pull it off its prior.
4. Draws ``--posterior`` ABC proposals around the fit and writes them (accepted or not) to
   ``src/immunoreset/calibration/data/posterior_samples.csv``.
5. Writes ``calibration/results/report.md``, ``criteria.csv``, ``fit_history.csv``,
   ``pass_ranges.csv`` and ``at_prior.csv``.

Deterministic for a given seed. It takes tens of minutes; it is not run by the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from importlib import resources
from pathlib import Path

from immunoreset import __version__
from immunoreset.calibration import (
    abc_posterior,
    at_prior,
    calibrated_names,
    fit,
    pass_ranges,
    prior_penalty,
    prior_ratios,
)
from immunoreset.model import load_parameters, write_parameter_file

ROOT = Path(__file__).resolve().parent

#: Parameters this round's fit moves (the credible core: lymphodepletion, CAR-T expansion,
#: persistence and killing, and the bistable loop that decides who remits); the other
#: calibrated values keep the earlier fit recorded in the file's calibration history.
CORE_NAMES = (
    "lymphodepletion_max_kill_rate", "car_t_antigen_expansion_rate",
    "car_t_cytokine_half_saturation", "car_t_cytokine_hill", "car_t_effector_death_rate",
    "car_t_memory_conversion_rate", "car_t_memory_death_rate", "car_t_kill_rate",
    "car_t_kill_half_saturation", "autoreactive_proliferation_rate", "stimulation_half_ic",
    "il6_production_per_car_t", "il6_fever_threshold", "car_t_activation_rate",
    "t_cell_reconstitution_rate", "car_t_programme_rate", "car_t_cytokine_proliferation_rate",
)

#: Population-level parameters whose uncertainty trial replicates resample (ABC). Chosen as
#: the ones each target family hinges on: CAR-T expansion, killing and persistence, marrow
#: output, autoantibody production and clearance, the bistable loop, CRS and flares.
POSTERIOR_NAMES = (
    "car_t_antigen_expansion_rate", "car_t_cytokine_half_saturation", "car_t_kill_rate",
    "car_t_memory_death_rate", "b_precursor_production", "anti_dsdna_secretion_rate",
    "immune_complex_formation_rate", "autoreactive_proliferation_rate", "il6_fever_threshold",
    "flare_rate",
)


def _fit_meta(args: argparse.Namespace, result) -> dict:  # type: ignore[no-untyped-def]
    return {
        "name": "sle_cd19_cart",
        "description": "CD19 CAR-T in SLE: literature values, values calibrated by "
                       "calibration/calibrate.py, assumed values with reasons",
        "calibration_script": "calibration/calibrate.py",
        "calibration_arguments": f"--n {args.n} --seed {args.seed} --max-evals {args.max_evals} "
                                 f"--method {args.method} --cma-sigma {args.cma_sigma} "
                                 f"--names {args.names}",
        "calibration_loss": result.loss,
        "calibration_criteria_passed": f"{int(result.table['passed'].sum())}/{len(result.table)}",
        "calibration_date": dt.date.today().isoformat(),
        "immunoreset_version": __version__,
        "posterior_samples": "immunoreset/calibration/data/posterior_samples.csv",
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200, help="virtual patients per arm (default 200)")
    ap.add_argument("--seed", type=int, default=1, help="cohort seed (default 1)")
    ap.add_argument("--max-evals", type=int, default=150,
                    help="loss evaluations (default 150; 0 only checks the current values)")
    ap.add_argument("--method", choices=("nelder-mead", "cmaes"), default="nelder-mead",
                    help="optimiser: local Nelder-Mead or global CMA-ES (needs the "
                         "[calibration] extra)")
    ap.add_argument("--cma-sigma", type=float, default=0.3,
                    help="CMA-ES initial spread in natural-log units (default 0.3)")
    ap.add_argument("--posterior", type=int, default=100, help="ABC proposals (default 100; 0 skips)")
    ap.add_argument("--proposal-sd", type=float, default=0.1, help="ABC log-scale proposal SD (default 0.1)")
    ap.add_argument("--no-profiles", action="store_true",
                    help="skip the one-parameter pass ranges and the at-prior checks "
                         "(about 9 loss evaluations per fitted parameter)")
    ap.add_argument("--no-write", action="store_true", help="report only; leave the parameter file")
    ap.add_argument("--names", default=",".join(CORE_NAMES),
                    help="comma-separated parameters to fit (default: the core of this round; "
                         "'all' = every parameter with status 'calibrated')")
    args = ap.parse_args()

    parameters = load_parameters()
    names = calibrated_names(parameters) if args.names == "all" else args.names.split(",")
    print(f"fitting {len(names)} parameters on {args.n} patients/arm, seed {args.seed}", file=sys.stderr)
    result = fit(parameters, names, n=args.n, seed=args.seed, max_evals=args.max_evals,
                 method=args.method, cma_sigma=args.cma_sigma,
                 progress=lambda i, loss: print(f"  evaluation {i}: loss {loss:.4g}", file=sys.stderr))
    if args.max_evals == 0:  # a check: keep how the values were made, add the check
        meta = dict(parameters.provenance)
        meta["last_check"] = (f"--n {args.n} --seed {args.seed}: loss {result.loss:.4g}, "
                              f"{int(result.table['passed'].sum())}/{len(result.table)} criteria passed "
                              f"({dt.date.today().isoformat()})")
        meta["posterior_samples"] = "immunoreset/calibration/data/posterior_samples.csv"
    else:
        meta = _fit_meta(args, result)
    pkg = resources.files("immunoreset")
    if not args.no_write:
        write_parameter_file(result.parameters, Path(str(pkg.joinpath("model", "data", "sle_cd19_cart.toml"))),
                             meta=meta)
    results = ROOT / "results"
    results.mkdir(exist_ok=True)
    result.table.to_csv(results / "criteria.csv", index=False)
    result.history.to_csv(results / "fit_history.csv", index=False)
    lines = [f"# Calibration report ({meta['calibration_date']})", "",
             f"Command: `python calibration/calibrate.py --n {args.n} --seed {args.seed} "
             f"--max-evals {args.max_evals} --method {args.method} --cma-sigma {args.cma_sigma} "
             f"--posterior {args.posterior}`", "",
             f"Loss {result.loss:.4g}; criteria passed "
             f"{int(result.table['passed'].sum())}/{len(result.table)}.", "",
             "| parameter | fitted value | unit |", "|---|---|---|"]
    lines += [f"| {k} | {result.parameters.value(k):.6g} | {result.parameters[k].unit} |" for k in names]
    ratios = prior_ratios(result.parameters)
    lines += ["", f"Prior penalty (negative log prior) {prior_penalty(result.parameters):.4g}.", "",
              "| parameter | value | prior | ratio | prior log-SD | status | prior source |",
              "|---|---|---|---|---|---|---|"]
    lines += [f"| {r.parameter} | {r.value:.4g} | {r.prior:.4g} | {r.ratio:.3g} | {r.prior_log_sd:g} "
              f"| {r.status} | {r.prior_source} |" for r in ratios.itertuples()]
    if not args.no_profiles:
        say = lambda name: print(f"  scanned {name}", file=sys.stderr)  # noqa: E731
        ranges = pass_ranges(result.parameters, names, n=args.n, seed=args.seed, progress=say)
        ranges.to_csv(results / "pass_ranges.csv", index=False)
        lines += ["", "Uncertainty: the conditional pass range of each fitted parameter (every "
                  "other parameter at its fitted value; every criterion passes between low and "
                  "high; steps x1.15, x1.4, x2, x3 each side; '≥' where the scan never failed) "
                  "and the criteria that fail first beyond it.", "",
                  "| parameter | value | low | high | fails below | fails above |",
                  "|---|---|---|---|---|---|"]
        for r in ranges.itertuples():
            lo = ("≤" if r.open_low else "") + f"{r.low:.4g}"
            hi = ("≥" if r.open_high else "") + f"{r.high:.4g}"
            lines.append(f"| {r.parameter} | {r.value:.4g} | {lo} | {hi} | {r.fails_below or '-'} "
                         f"| {r.fails_above or '-'} |")
        demand = at_prior(result.parameters, names, n=args.n, seed=args.seed)
        demand.to_csv(results / "at_prior.csv", index=False)
        lines += ["", "What the data demand: each fitted parameter that has a prior set to its "
                  "prior alone, and the criteria that then fail.", "",
                  "| parameter | value | prior | ratio | criteria passed at the prior | fail at the prior |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| {r.parameter} | {r.value:.4g} | {r.prior:.4g} | {r.ratio:.3g} | "
                  f"{r.passed}/{r.criteria} | {r.fails_at_prior or '-'} |" for r in demand.itertuples()]
    lines += ["", "| target | criterion | model value | band | passed |", "|---|---|---|---|---|"]
    lines += [f"| {r.target_id} | {r.criterion} | {r.model_value:.4g} | [{r.low:g}, {r.high:g}] | {r.passed} |"
              for r in result.table.itertuples()]
    if args.posterior > 0:
        post = abc_posterior(result.parameters, list(POSTERIOR_NAMES), n_proposals=args.posterior,
                             proposal_sd=args.proposal_sd, n=args.n, seed=args.seed,
                             progress=lambda i, a: print(f"  proposal {i}: {a} accepted", file=sys.stderr))
        post.to_csv(Path(str(pkg.joinpath("calibration", "data", "posterior_samples.csv"))), index=False)
        acc = post[post["accepted"]]
        lines += ["", f"ABC posterior: {len(acc)} of {len(post)} proposals pass every criterion.", "",
                  "| parameter | posterior median | 5% | 95% |", "|---|---|---|---|"]
        for k in POSTERIOR_NAMES:
            if len(acc):
                q = acc[k].quantile([0.5, 0.05, 0.95]).to_numpy()
                lines.append(f"| {k} | {q[0]:.4g} | {q[1]:.4g} | {q[2]:.4g} |")
    (results / "report.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {results / 'report.md'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
