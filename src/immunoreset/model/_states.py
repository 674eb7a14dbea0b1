"""A state variable as the rest of the package sees it: name, unit and meaning.

The states themselves are declared by the model modules (:mod:`immunoreset.model.modules`).

Cell counts are cells per µL of blood; a tissue or marrow pool is expressed
*blood-equivalent*: the number of cells in that compartment divided by the blood volume,
so that pools can be added and compared directly (e.g. a lymphoid-tissue naive B pool of
5,000 cells/µL blood-equivalent holds 50× the cells of a blood pool of 100 cells/µL).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["StateSpec"]


@dataclass(frozen=True)
class StateSpec:
    """One state variable: name, unit and meaning."""

    name: str
    unit: str
    meaning: str
