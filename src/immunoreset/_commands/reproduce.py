"""``immunoreset reproduce SCENARIO --out DIR [--n N] [--seed S] [--resume | --overwrite]``."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from immunoreset.scenarios import SCENARIOS

    p = sub.add_parser("reproduce", help="reproduce a published study in silico")
    p.add_argument("scenario", choices=SCENARIOS, help="study to reproduce")
    p.add_argument("--out", required=True, help="output folder (must not exist or be empty)")
    p.add_argument("--n", type=int, default=200, help="virtual patients per arm (default 200)")
    p.add_argument("--seed", type=int, default=1, help="random seed of the run (default 1)")
    p.add_argument("--resume", action="store_true", help="keep the finished chunks of a killed run in DIR/.work")
    p.add_argument("--overwrite", action="store_true", help="discard the unfinished work of an earlier run in DIR/.work")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from immunoreset.scenarios import reproduce

    out = reproduce(args.out, n=args.n, seed=args.seed, resume=args.resume,
                    overwrite=args.overwrite,
                    command=f"immunoreset reproduce {args.scenario} --out {args.out} "
                            f"--n {args.n} --seed {args.seed}"
                            + (" --resume" if args.resume else "")
                            + (" --overwrite" if args.overwrite else ""))
    print(f"wrote {out}/report.html")
    return 0
