"""``immunoreset parameters [--file F] [--status S] [--therapies] [--format md|csv]``: the
parameter table (the core model's, and with ``--therapies`` every therapy module's and the
therapy catalogue's)."""

from __future__ import annotations

import argparse
import sys


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("parameters", help="list model parameters with unit, status, source and "
                       "variability (--therapies: also therapy modules and the catalogue)")
    p.add_argument("--file", default=None, help="a parameter file (default: the packaged calibrated set)")
    p.add_argument("--status", choices=("literature", "derived", "calibrated", "assumed"),
                   default=None, help="only parameters with this provenance")
    p.add_argument("--therapies", action="store_true",
                   help="also the parameters of every therapy module (model/therapies/*.toml), "
                        "then the therapy catalogue (drugs, regimens, products, lymphodepletion)")
    p.add_argument("--format", choices=("md", "csv"), default="md", help="output format (default md)")
    p.set_defaults(run=run)


def _print(df: object, fmt: str) -> None:
    import pandas as pd

    assert isinstance(df, pd.DataFrame)
    if fmt == "csv":
        df.to_csv(sys.stdout, index=False)
        return
    print("| " + " | ".join(df.columns) + " |")
    print("|" + "---|" * len(df.columns))
    for r in df.itertuples(index=False):
        print("| " + " | ".join(f"{x:.6g}" if isinstance(x, float) else str(x).replace("|", "/")
                                for x in r) + " |")


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from immunoreset.model import load_parameters, module_parameter_file
    from immunoreset.spec import read_toml

    if args.file is not None:
        read_toml(args.file, "--file")  # missing, not UTF-8 or malformed: one line
    sets = [("core", load_parameters(args.file))]
    if args.therapies:
        from immunoreset.model.therapies import THERAPY_FOLDER

        sets += [(f.stem, module_parameter_file(f)) for f in sorted(THERAPY_FOLDER.glob("*.toml"))]
    rows = [{**({"module": module} if args.therapies else {}),
             "name": p.name, "value": p.value, "unit": p.unit, "status": p.status,
             "iiv_cv": p.iiv_cv, "meaning": p.meaning, "source": p.source, "reason": p.reason}
            for module, ps in sets for p in ps.parameters
            if args.status is None or p.status == args.status]
    _print(pd.DataFrame(rows), args.format)
    if args.therapies and args.status is None:
        from immunoreset.therapy import catalogue

        c = catalogue()
        entries = ([{"kind": "drug", "name": d.name, "what": f"{d.label} ({d.kind}); modules "
                     f"{', '.join(d.modules)}", "source": d.source} for d in c.drugs.values()]
                   + [{"kind": "drug regimen", "name": r.name, "what": r.label or r.drug,
                       "source": r.source} for r in c.regimens.values()]
                   + [{"kind": "product", "name": p.name, "what": f"{p.label}; target {p.target}; "
                       f"{p.kind}", "source": p.source} for p in c.products.values()]
                   + [{"kind": "lymphodepletion", "name": n, "what": "; ".join(
                       f"{d.drug} {d.amount_mg_per_m2:g} mg/m² d{d.day:+g}" for d in ld.doses) or "none",
                       "source": c.lymphodepletion_sources[n]} for n, ld in c.lymphodepletion.items()])
        print()
        _print(pd.DataFrame(entries), args.format)
    return 0
