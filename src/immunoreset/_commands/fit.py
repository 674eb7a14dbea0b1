"""``immunoreset fit DATA --params NAMES --error SPEC --out DIR [--study CONFIG --arm ARM]
[--covariates FILE] [--dosing FILE] [--population] [--draws N] [--draws-method laplace|mcmc]
[--no-m3] [--seed S]`` and ``immunoreset fit --list-observables [--study CONFIG]``."""

from __future__ import annotations

import argparse
import sys


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("fit", help="fit parameters to your patients' time courses (individual "
                       "empirical Bayes, optionally population), with diagnostics")
    p.add_argument("data", nargs="?", default=None,
                   help="observations (CSV or Parquet): patient_id, day, observable, value, unit "
                   "[, lloq, blq]")
    p.add_argument("--params", default=None,
                   help="parameters to estimate, comma-separated, each NAME or NAME:CV (prior CV; "
                   "default the parameter file's variability)")
    p.add_argument("--error", action="append", default=[],
                   help="error model, per observable NAME=KIND:VALUES or one KIND:VALUES for all; "
                   "KIND additive:A, proportional:B, combined:A,B, lognormal:SD (repeatable)")
    p.add_argument("--out", default=None, help="output folder (must not exist or be empty)")
    p.add_argument("--study", default=None,
                   help="study config (TOML) giving the model, the parameters and the arms")
    p.add_argument("--arm", default=None, help="the study arm the patients received")
    p.add_argument("--covariates", default=None,
                   help="covariates (CSV): patient_id, height_cm, weight_kg [, sex, age]")
    p.add_argument("--dosing", default=None,
                   help="extra doses (CSV): patient_id, day, state, amount, unit")
    p.add_argument("--population", action="store_true",
                   help="estimate typical values, variability and error magnitudes first "
                   "(iterative two-stage), then the individual fits under them")
    p.add_argument("--population-iterations", type=int, default=30,
                   help="most iterations of the population fit (default 30; each refits every patient)")
    p.add_argument("--draws", type=int, default=20,
                   help="posterior draws per patient written to fitted.parquet (default 20)")
    p.add_argument("--draws-method", choices=("laplace", "mcmc"), default="laplace",
                   help="draws from the Laplace approximation (default) or by MCMC (emcee)")
    p.add_argument("--mcmc-steps", type=int, default=400, help="MCMC steps per walker")
    p.add_argument("--no-m3", action="store_true",
                   help="leave values below the LLOQ out instead of the M3 likelihood")
    p.add_argument("--seed", type=int, default=1, help="random seed of the posterior draws")
    p.add_argument("--list-observables", action="store_true",
                   help="print the model's observables and their units, and exit")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from immunoreset.errors import InputError
    from immunoreset.estimation import FitOptions, load_fit_problem, observable_catalogue, run_fit

    if args.list_observables:
        if args.study is not None:
            from immunoreset.estimation._run import study_arm

            model = study_arm(args.study, None)[0]
        else:
            from immunoreset.model import default_model

            model = default_model()
        for ob in observable_catalogue(model).observables.values():
            print(f"{ob.name}\t{ob.unit}\t{ob.kind}")
        return 0
    for flag, value in (("DATA", args.data), ("--params", args.params), ("--out", args.out)):
        if value is None:
            raise InputError(f"{flag}: missing (see immunoreset fit --help)")
    if not args.error:
        raise InputError("--error: missing, expected an error model (e.g. --error proportional:0.2)")
    options = FitOptions(population=args.population, n_draws=args.draws,
                         draws=args.draws_method, seed=args.seed, mcmc_steps=args.mcmc_steps,
                         max_iterations=args.population_iterations)
    problem = load_fit_problem(args.data, params=args.params, errors=args.error, study=args.study,
                               arm=args.arm, covariates=args.covariates, dosing=args.dosing,
                               m3=not args.no_m3)
    command = " ".join(["immunoreset", *sys.argv[1:]]) if sys.argv[1:2] == ["fit"] else "immunoreset fit"
    out = run_fit(args.out, problem, options=options, command=command,
                  config={"data": args.data, "params": args.params, "error": args.error,
                          "study": args.study, "arm": args.arm, "covariates": args.covariates,
                          "dosing": args.dosing, "m3": not args.no_m3})
    print(f"wrote {out}")
    return 0
