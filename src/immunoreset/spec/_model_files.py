"""Extra model files of a spec: Python model modules and parameter files.

.. code-block:: toml

    [model]
    modules = ["my_block.py"]              # relative to the spec file; must exist
    parameter_files = ["my_block.toml"]
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from immunoreset.errors import InputError
from immunoreset.spec._base import SpecModel

__all__ = ["ModelTable"]


class ModelTable(SpecModel):
    """Paths of extra model-module files and parameter files (relative to the spec)."""

    modules: list[str] = Field(default_factory=list)
    parameter_files: list[str] = Field(default_factory=list)

    def paths(self, base: Path) -> tuple[tuple[Path, ...], tuple[Path, ...]]:
        """``(modules, parameter_files)`` resolved against ``base``; each must exist."""
        out: list[tuple[Path, ...]] = []
        for key, suffix, names in (("modules", ".py", self.modules),
                                   ("parameter_files", ".toml", self.parameter_files)):
            paths = []
            for i, name in enumerate(names):
                p = (base / name).resolve()
                if not p.is_file():
                    raise InputError(f"model.{key}[{i}]: got {name!r}, expected an existing file "
                                     f"relative to the spec ({p} does not exist)")
                if p.suffix != suffix:
                    raise InputError(f"model.{key}[{i}]: got {name!r}, expected a {suffix} file")
                paths.append(p)
            out.append(tuple(paths))
        return out[0], out[1]
