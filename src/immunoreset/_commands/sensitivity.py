"""``immunoreset sensitivity SPEC --out DIR``: Sobol indices or Morris screening of
simulated endpoints (format of SPEC: :mod:`immunoreset.sensitivity._spec`)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("sensitivity", help="global sensitivity analysis (Sobol, Morris) of "
                       "simulated endpoints over chosen parameters")
    p.add_argument("spec", help="sensitivity spec (TOML); example in the source repository's "
                   "examples/sensitivity/")
    p.add_argument("--out", required=True, help="output folder (must not exist or be empty)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from immunoreset.sensitivity import load_sensitivity_spec, run_sensitivity

    spec = load_sensitivity_spec(args.spec)
    out = run_sensitivity(args.out, spec, command=f"immunoreset sensitivity {args.spec} --out {args.out}")
    print(f"wrote {out}")
    return 0
