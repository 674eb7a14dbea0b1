"""``immunoreset schema [--kind study|trial]``: the JSON Schema of a spec file.

Editors that read JSON Schema (e.g. Taplo, the Even Better TOML extension) validate and
complete study configs and trial specs with it::

    immunoreset schema --kind study > study.schema.json
"""

from __future__ import annotations

import argparse
import json
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Register the ``schema`` sub-command on ``sub`` and return its parser."""
    p: argparse.ArgumentParser = sub.add_parser(
        "schema", help="print the JSON Schema of study configs or trial specs",
        description="Print the JSON Schema of a study config (immunoreset simulate) or a trial "
                    "spec (immunoreset trial): every table, key, type, default and bound.")
    p.add_argument("--kind", choices=("study", "trial"), default="study",
                   help="which file format (default: study)")
    p.set_defaults(run=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Print the schema; returns 0."""
    from immunoreset.spec import SCHEMAS

    schema = SCHEMAS[args.kind].model_json_schema()
    schema["title"] = f"immunoreset {args.kind} {'config' if args.kind == 'study' else 'spec'}"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    print(json.dumps(schema, indent=2, ensure_ascii=False))
    return 0
