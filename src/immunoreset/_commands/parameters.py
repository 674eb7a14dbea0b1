"""``immunoreset parameters [--file F] [--status S] [--format md|csv]``: the parameter table."""

from __future__ import annotations

import argparse
import sys


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("parameters", help="list model parameters with unit, status, source and variability")
    p.add_argument("--file", default=None, help="a parameter file (default: the packaged calibrated set)")
    p.add_argument("--status", choices=("literature", "calibrated", "assumed"), default=None,
                   help="only parameters with this provenance")
    p.add_argument("--format", choices=("md", "csv"), default="md", help="output format (default md)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from immunoreset.model import load_parameters
    from immunoreset.spec import read_toml

    if args.file is not None:
        read_toml(args.file, "--file")  # missing, not UTF-8 or malformed: one line
    ps = load_parameters(args.file)
    rows = [{"name": p.name, "value": p.value, "unit": p.unit, "status": p.status, "iiv_cv": p.iiv_cv,
             "meaning": p.meaning, "source": p.source, "reason": p.reason}
            for p in ps.parameters if args.status is None or p.status == args.status]
    df = pd.DataFrame(rows)
    if args.format == "csv":
        df.to_csv(sys.stdout, index=False)
    else:
        print("| " + " | ".join(df.columns) + " |")
        print("|" + "---|" * len(df.columns))
        for r in df.itertuples(index=False):
            print("| " + " | ".join(f"{x:.6g}" if isinstance(x, float) else str(x).replace("|", "/")
                                    for x in r) + " |")
    return 0
