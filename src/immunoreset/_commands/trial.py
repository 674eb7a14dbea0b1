"""``immunoreset trial SPEC.toml --out DIR [--n N] [--replicates R] [--seed S] [--overwrite]``.

A thin layer over :func:`immunoreset.trial.run_trial`: the spec is validated and the output
folder checked before anything is simulated (bad input: one line, exit status 2, no output).
"""

from __future__ import annotations

import argparse
import dataclasses
import shlex
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Register the ``trial`` sub-command on ``sub`` and return its parser."""
    p: argparse.ArgumentParser = sub.add_parser(
        "trial", help="run a virtual trial from a spec file",
        description="Run a virtual trial (arms, endpoints, intervals, Kaplan-Meier, dose-response, "
                    "replicates) and write endpoints.csv, differences.csv, patients.parquet, "
                    "report.html and manifest.json. Format: `immunoreset schema --kind trial`; docs/trials.md "
                    "and examples/trials/ in the source repository.")
    p.add_argument("spec", metavar="SPEC.toml", help="trial spec (TOML)")
    p.add_argument("--out", required=True, help="output folder (must not exist or be empty)")
    p.add_argument("--n", type=int, default=None, help="override population.n_per_arm")
    p.add_argument("--replicates", type=int, default=None, help="override replicates.n")
    p.add_argument("--seed", type=int, default=None, help="override trial.seed")
    p.add_argument("--overwrite", action="store_true",
                   help="discard the unfinished work of an earlier run in DIR/.work")
    p.set_defaults(run=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run the trial of ``args.spec`` into ``args.out``; returns the exit status (0)."""
    from immunoreset.errors import InputError
    from immunoreset.io import RunDirectory
    from immunoreset.simulation import check_trial_resources
    from immunoreset.spec import MAX_PATIENTS, MAX_SEED
    from immunoreset.trial import load_trial_spec, run_trial

    spec = load_trial_spec(args.spec)
    if args.n is not None:
        if not 1 <= args.n <= MAX_PATIENTS:
            raise InputError(f"--n: got {args.n}, expected an integer 1-{MAX_PATIENTS:,}")
        spec = dataclasses.replace(spec, population=dataclasses.replace(spec.population,
                                                                         n_per_arm=args.n))
    if args.replicates is not None:
        if not 0 <= args.replicates <= 10_000:
            raise InputError(f"--replicates: got {args.replicates}, expected an integer 0-10000")
        spec = dataclasses.replace(spec, replicates=dataclasses.replace(
            spec.replicates, n=args.replicates))
    if args.seed is not None:
        if not 0 <= args.seed <= MAX_SEED:
            raise InputError(f"--seed: got {args.seed}, expected an integer 0-{MAX_SEED:,}")
        spec = dataclasses.replace(spec, seed=args.seed)
    argv = ["immunoreset", "trial", args.spec, "--out", args.out]
    for flag in ("n", "replicates", "seed"):
        if getattr(args, flag) is not None:
            argv += [f"--{flag}", str(getattr(args, flag))]
    argv += ["--overwrite"] if args.overwrite else []
    run_dir = RunDirectory(args.out, overwrite=args.overwrite, command=shlex.join(argv))
    run_dir.check()
    check_trial_resources(spec.population.n_per_arm, len(spec.arms),
                          spec.schedule.follow_up_days - spec.schedule.first_day + 1, args.out)
    with run_dir:  # the lock is held from here: a second run on DIR is refused
        result = run_trial(spec)
        out = result.write(run_dir, command=shlex.join(argv))
    print(result.to_markdown())
    print(f"wrote {out}/report.html")
    return 0
