"""``immunoreset simulate CONFIG.toml --out DIR``."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("simulate", help="simulate the patients and arms of a config file")
    p.add_argument("config", help="study configuration (TOML); see examples/simulate/")
    p.add_argument("--out", required=True, help="output folder (must not exist or be empty)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from immunoreset.simulation import load_study_config, run_study

    spec, config = load_study_config(args.config)
    out = run_study(args.out, spec, command=f"immunoreset simulate {args.config} --out {args.out}",
                    config=config)
    print(f"wrote {out}/report.html")
    return 0
