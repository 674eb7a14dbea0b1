"""Command-line interface: ``immunoreset <command>``.

The CLI is a thin layer: each sub-command lives in ``immunoreset._commands.<name>`` and
exposes ``add_parser(subparsers)`` and ``run(args) -> int``; the work is done by the public
Python API. Bad input (an :class:`~immunoreset.errors.InputError`) is printed as one line
on standard error and the process exits with status 2, before any output is created.
Notes about old spec keys (:class:`~immunoreset.errors.SpecDeprecationWarning`) are printed,
one line each, when the command has finished.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings
from collections.abc import Sequence
from typing import Any

from immunoreset.errors import InputError, RunAdjustedWarning, SpecDeprecationWarning

#: Sub-command modules, in the order ``--help`` lists them.
COMMANDS: tuple[str, ...] = ("reproduce", "simulate", "trial", "score", "fit", "sensitivity",
                            "petab", "parameters", "model", "schema", "serve")


class _Parser(argparse.ArgumentParser):
    """Argument parser whose usage errors are one line and exit with status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with every available sub-command registered."""
    parser = _Parser(prog="immunoreset", description=__doc__.splitlines()[0])
    from immunoreset import __version__

    parser.add_argument("--version", action="version", version=f"immunoreset {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"immunoreset._commands.{name}")
        except ModuleNotFoundError as exc:  # a command still being written
            if exc.name == f"immunoreset._commands.{name}":
                continue
            raise
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``immunoreset`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    show = warnings.showwarning
    notes: list[str] = []

    def collect(message: Any, category: type[Warning], *rest: Any, **kw: Any) -> None:
        if issubclass(category, SpecDeprecationWarning):
            notes.append(f"immunoreset {args.command}: note: {message}")
        elif issubclass(category, RunAdjustedWarning):  # the run goes on: say so now
            print(f"immunoreset {args.command}: note: {message}", file=sys.stderr)
        else:
            show(message, category, *rest, **kw)

    try:
        warnings.showwarning = collect
        status = int(args.run(args))
    except InputError as exc:  # a refusal is one line: notes about old keys are dropped
        print(f"immunoreset {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into e.g. `head`, which closed early
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print(f"immunoreset {args.command}: interrupted", file=sys.stderr)
        return 130
    finally:
        warnings.showwarning = show
    for note in dict.fromkeys(notes):  # old keys still work; say once what to write instead
        print(note, file=sys.stderr)
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
