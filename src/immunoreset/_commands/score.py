"""``immunoreset score VISITS --out SCORED``: add clinical scores to a visit table.

A thin layer over :func:`immunoreset.clinical.score_file`; the visit format is described in
``docs/clinical.md``.
"""

from __future__ import annotations

import argparse
from typing import Any

from immunoreset.clinical import (
    DEFAULT_RENAL_DEFINITION,
    INSTRUMENTS,
    RENAL_DEFINITIONS,
    score_file,
)

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``score`` sub-command on ``subparsers`` and return its parser."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "score",
        help="add SLEDAI-2K, DORIS, LLDAS, SRI-4, CRS, ICANS and renal-response scores to a "
        "visit table",
        description=(
            "Score a visit table (CSV or Parquet, one row per patient visit) and write it with "
            "the score columns added. See docs/clinical.md for the columns."
        ),
    )
    parser.add_argument("visits", metavar="VISITS", help="visit table (.csv or .parquet)")
    parser.add_argument(
        "--out",
        required=True,
        metavar="SCORED",
        help="scored table to write (.csv or .parquet); not created on error",
    )
    parser.add_argument(
        "--instruments",
        nargs="+",
        choices=INSTRUMENTS,
        default=None,
        metavar="NAME",
        help=f"instruments to score (default: all): {', '.join(INSTRUMENTS)}",
    )
    parser.add_argument(
        "--renal-definition",
        choices=tuple(RENAL_DEFINITIONS),
        default=DEFAULT_RENAL_DEFINITION,
        metavar="NAME",
        help="definition of complete/partial renal response (default: "
        f"{DEFAULT_RENAL_DEFINITION}): {', '.join(RENAL_DEFINITIONS)}",
    )
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Score ``args.visits`` into ``args.out``; returns the exit status (0)."""
    scored = score_file(args.visits, args.out, instruments=args.instruments,
                        renal_definition=args.renal_definition)
    print(f"wrote {args.out} ({len(scored)} visits)")
    return 0
