"""``immunoreset reproduce SCENARIO --out DIR [--n N] [--seed S]``."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from immunoreset.scenarios import SCENARIOS

    p = sub.add_parser("reproduce", help="reproduce a published study in silico")
    p.add_argument("scenario", choices=SCENARIOS, help="study to reproduce")
    p.add_argument("--out", required=True, help="output folder (must not exist or be empty)")
    p.add_argument("--n", type=int, default=200, help="virtual patients per arm (default 200)")
    p.add_argument("--seed", type=int, default=1, help="random seed of the run (default 1)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from immunoreset.scenarios import reproduce

    out = reproduce(args.out, n=args.n, seed=args.seed,
                    command=f"immunoreset reproduce {args.scenario} --out {args.out} "
                            f"--n {args.n} --seed {args.seed}")
    print(f"wrote {out}/report.html")
    return 0
