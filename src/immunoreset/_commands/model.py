"""``immunoreset model show|export``: the model's equations, and one patient as SBML.

* ``model show [--format markdown|latex] [--parameters FILE]``: every state (unit,
  meaning), its full equation, the named expressions, and every parameter (value, unit,
  status, source), printed from the module declarations.
* ``model export --format sbml --patient ID --arm ARM --out FILE (CONFIG | --scenario
  mackensen2022) [--n N] [--seed S]``: one virtual patient of a study config or scenario
  as SBML Level 3: its parameter values, initial state, dose and flare events.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("model", help="print the model's equations, or export a patient as SBML")
    verbs = p.add_subparsers(dest="verb", required=True, parser_class=type(p))
    show = verbs.add_parser("show", help="states, equations, expressions and parameters")
    show.add_argument("--format", choices=("markdown", "latex"), default="markdown")
    show.add_argument("--parameters", default=None,
                      help="a parameter file (default: the packaged calibrated set)")
    show.set_defaults(run=run_show)
    export = verbs.add_parser("export", help="one virtual patient as SBML Level 3")
    export.add_argument("config", nargs="?", default=None, help="a study config (TOML)")
    export.add_argument("--scenario", choices=("mackensen2022",), default=None,
                        help="a published scenario instead of a config")
    export.add_argument("--format", choices=("sbml",), required=True)
    export.add_argument("--patient", required=True, help="vpNNNNNNN or a named patient (erlangen_P1)")
    export.add_argument("--arm", required=True, help="an arm of the config or scenario")
    export.add_argument("--out", required=True, help="the SBML file to write")
    export.add_argument("--n", type=int, default=None, help="virtual patients (overrides the config)")
    export.add_argument("--seed", type=int, default=None, help="the study seed (overrides the config)")
    export.set_defaults(run=run_export)


def run_show(args: argparse.Namespace) -> int:
    from immunoreset.model import default_model, load_parameters
    from immunoreset.model._show import model_document

    params = load_parameters(args.parameters)
    print(model_document(default_model().symbolic(), params, fmt=args.format), end="")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from immunoreset.errors import InputError
    from immunoreset.simulation._export import export_patient

    if (args.config is None) == (args.scenario is None):
        raise InputError("give a study CONFIG or --scenario, not both or neither")
    out = Path(args.out)
    if out.is_dir():
        raise InputError(f"--out: {str(out)!r} is a folder, expected a file name")
    if not out.parent.is_dir():
        raise InputError(f"--out: folder {str(out.parent)!r} does not exist")
    if args.scenario is not None:
        from immunoreset.scenarios import mackensen2022_spec

        spec = mackensen2022_spec(n=args.n if args.n is not None else 200,
                                  seed=args.seed if args.seed is not None else 1)
    else:
        from immunoreset.simulation import load_study_config

        spec, _, _ = load_study_config(args.config, n=args.n)
        if args.seed is not None:
            spec = replace(spec, seed=args.seed)
    text = export_patient(spec, args.patient, args.arm, fmt=args.format)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, out)
    print(f"wrote {out}", file=sys.stderr)
    return 0
