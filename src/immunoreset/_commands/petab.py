"""``immunoreset petab DATA --params NAMES --error SPEC --out DIR [--study CONFIG --arm ARM]
[--covariates FILE] [--dosing FILE]``: the fit problem as a PEtab problem (linted)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("petab", help="export data + model as a PEtab problem (for pyPESTO, AMICI)")
    p.add_argument("data", help="observations (CSV or Parquet), as for `immunoreset fit`")
    p.add_argument("--params", required=True, help="parameters to estimate (NAME or NAME:CV, comma-separated)")
    p.add_argument("--error", action="append", required=True,
                   help="error model, NAME=KIND:VALUES or KIND:VALUES (repeatable)")
    p.add_argument("--out", required=True, help="output folder (must not exist or be empty)")
    p.add_argument("--study", default=None, help="study config giving model, parameters, arms")
    p.add_argument("--arm", default=None, help="the study arm the patients received")
    p.add_argument("--covariates", default=None, help="covariates (CSV)")
    p.add_argument("--dosing", default=None, help="extra doses (CSV)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from immunoreset.errors import InputError
    from immunoreset.estimation import load_fit_problem
    from immunoreset.estimation._petab import export_petab, lint_petab
    from immunoreset.io import RunDirectory

    problem = load_fit_problem(args.data, params=args.params, errors=args.error, study=args.study,
                               arm=args.arm, covariates=args.covariates, dosing=args.dosing)
    try:
        import petab  # noqa: F401
    except ImportError:
        raise InputError("immunoreset petab needs the petab library: pip install "
                         "'immunoreset[petab]'") from None
    run_dir = RunDirectory(args.out, command="immunoreset petab")
    run_dir.check()
    with run_dir:
        yaml = export_petab(problem, run_dir.work)
        if not lint_petab(yaml):
            raise RuntimeError("PEtab export: the petab linter reports errors (a bug; please "
                               "report it)")
    print(f"wrote {args.out} (PEtab linter: no errors)")
    return 0
