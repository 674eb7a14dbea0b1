"""Therapy modules: drugs and cell products composed with the SLE model when an arm names them.

Each therapy module is a file ``<name>.py`` here defining ``MODULE``, with its parameters in
``<name>.toml`` beside it (value, unit, meaning, source, status). The therapy catalogue
(:func:`immunoreset.therapy.catalogue`) says which modules a drug or product needs;
:func:`therapy_files` turns module names into what :func:`~immunoreset.model.extend_model`
composes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from immunoreset.errors import InputError

__all__ = ["THERAPY_FOLDER", "therapy_files"]

#: Folder of the therapy modules and their parameter files.
THERAPY_FOLDER = Path(__file__).parent


def therapy_files(names: Sequence[str]) -> tuple[tuple[str, ...], tuple[Path, ...]]:
    """``(dotted module names, parameter files)`` of the therapy modules ``names``, in order
    (a module without parameters has no file)."""
    modules, files = [], []
    for name in names:
        if not name.isidentifier() or not (THERAPY_FOLDER / f"{name}.py").is_file():
            raise InputError(f"therapy module: got {name!r}, expected a module of "
                             f"immunoreset.model.therapies (a file {name}.py in {THERAPY_FOLDER})")
        modules.append(f"immunoreset.model.therapies.{name}")
        if (THERAPY_FOLDER / f"{name}.toml").is_file():
            files.append(THERAPY_FOLDER / f"{name}.toml")
    return tuple(modules), tuple(files)
