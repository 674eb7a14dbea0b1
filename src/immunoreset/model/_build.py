"""Build a model from its modules, cached by content: compose, check units, generate, load.

A :class:`ModelSpec` names the modules (dotted module names or ``.py`` files that define
``MODULE``) and the parameter specs. Its *key* is the SHA-256 of everything the generated
code is a function of: the bytes of each module's source file, of the model language and
of the generator (``declare.py``, ``_compose.py``, ``_units.py``, ``_codegen.py``), the
parameter specs and the sympy version. The generated source lives in the cache folder
(``$IMMUNORESET_CACHE_DIR`` or the user cache folder, ``~/.cache/immunoreset/models``) as
``<name>_<key>.py``, and numba caches its compiled functions beside it. So the first
build of a model composes, checks and differentiates it with sympy and writes the file;
every later process only hashes the sources and imports that file (sympy is not even
imported), and numba loads the machine code from its disk cache.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import importlib.util
import os
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from immunoreset.errors import InputError
from immunoreset.model._cache import user_cache_dir
from immunoreset.model._parameters import ParameterSpec

__all__ = ["CompiledModel", "ModelSpec", "build_model", "cache_folder"]

_GENERATOR_FILES = ("declare.py", "_compose.py", "_units.py", "_codegen.py", "_build.py")
_lock = threading.Lock()
_loaded: dict[str, CompiledModel] = {}


@dataclass(frozen=True)
class ModelSpec:
    """What a model is made of: ``modules`` (dotted names or ``.py`` paths, composition
    order = state order) and the parameter specs of its parameter files (vector order)."""

    name: str
    modules: tuple[str, ...]
    parameters: tuple[ParameterSpec, ...]
    #: How many of ``parameters`` belong to the base model (the rest to added modules).
    base_parameters: int = -1

    def __post_init__(self) -> None:
        if self.base_parameters < 0:
            object.__setattr__(self, "base_parameters", len(self.parameters))
        if not self.name.isidentifier():
            raise InputError(f"model name: got {self.name!r}, expected a Python identifier")
        if not self.modules:
            raise InputError("model: no modules")

    def with_modules(self, extra: Sequence[str | Path],
                     parameters: Sequence[ParameterSpec] = ()) -> ModelSpec:
        """This model with ``extra`` modules (and their parameters) composed after it."""
        names = {p.name for p in self.parameters}
        new = tuple(p for p in parameters if p.name not in names)
        return ModelSpec(self.name, self.modules + tuple(str(m) for m in extra),
                         self.parameters + new, self.base_parameters)

    def check_parameters(self, names: Sequence[str]) -> None:
        """Refuse parameter names that are not this model's file parameters, in order."""
        expected = tuple(p.name for p in self.parameters)
        if tuple(names) != expected:
            missing = [n for n in expected if n not in names]
            extra = [n for n in names if n not in expected]
            what = (f"missing {missing[0]!r}" if missing else f"unknown {extra[0]!r}" if extra
                    else "in another order")
            raise InputError(f"parameters do not match model {self.name}: {what}")

    def source_paths(self) -> tuple[Path, ...]:
        """The source file of each module."""
        return tuple(_module_path(m) for m in self.modules)

    @cached_property
    def key(self) -> str:
        """SHA-256 of everything the generated code depends on (module docstring)."""
        h = hashlib.sha256()
        here = Path(__file__).parent
        for name in _GENERATOR_FILES:
            h.update((here / name).read_bytes())
        for path in self.source_paths():
            h.update(str(path.name).encode())
            h.update(path.read_bytes())
        # Private helper files beside the modules (``_name.py``, e.g. therapies/_cell_laws.py)
        # build module maths at import: a change there must change the key too.
        for path in sorted({q for src in self.source_paths() for q in src.parent.glob("_*.py")
                            if q.name != "__init__.py"}):
            h.update(str(path.name).encode())
            h.update(path.read_bytes())
        for p in self.parameters:
            h.update(f"{p.name}|{p.unit}\n".encode())
        h.update(self.name.encode())
        h.update(importlib.metadata.version("sympy").encode())
        return h.hexdigest()


def _module_path(ref: str) -> Path:
    if ref.endswith(".py"):
        path = Path(ref)
        if not path.is_file():
            raise InputError(f"model module {ref!r}: no such file")
        return path.resolve()
    try:
        spec = importlib.util.find_spec(ref)
    except (ImportError, ValueError):
        spec = None
    if spec is None or spec.origin is None:
        raise InputError(f"model module {ref!r}: no such Python module")
    return Path(spec.origin)


def _import_file(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:  # pragma: no cover - a .py file always has one
        raise InputError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load_module_declaration(ref: str) -> Any:
    """The ``MODULE`` declared by ``ref`` (a dotted module name or a ``.py`` file)."""
    if ref.endswith(".py"):
        path = _module_path(ref)
        digest = hashlib.sha256(str(path).encode()).hexdigest()[:12]
        mod = _import_file(path, f"immunoreset_user_module_{path.stem}_{digest}")
    else:
        mod = importlib.import_module(ref)
    declared = getattr(mod, "MODULE", None)
    from immunoreset.model.declare import Module

    if not isinstance(declared, Module):
        raise InputError(f"model module {ref!r}: defines no MODULE = Module(...)")
    return declared


def cache_folder() -> Path:
    """Where generated models are kept (``$IMMUNORESET_CACHE_DIR`` or the user cache)."""
    env = os.environ.get("IMMUNORESET_CACHE_DIR")
    if env:
        return Path(env)
    return user_cache_dir() / "models"


@dataclass(frozen=True)
class CompiledModel:
    """A model ready to solve: its layout and its generated numba functions.

    ``rhs(t, y, p, dydt)`` and ``jac(t, y, p, J)`` have the engine's signatures; ``y`` is
    ``(n_states,)`` in :attr:`state_names` order, ``p`` is ``(n_parameters,)``: the file
    parameters in :attr:`parameter_names` order, then :attr:`derived_names`.
    """

    spec: ModelSpec
    source_file: Path
    generated: ModuleType = field(repr=False)

    def __reduce__(self) -> tuple[Any, tuple[ModelSpec]]:
        # Processes share a model by its spec: each rebuilds (loads) it from the cache.
        return build_model, (self.spec,)

    def check_parameters(self, names: Sequence[str]) -> None:
        """Refuse a parameter set whose names are not this model's file parameters."""
        self.spec.check_parameters(names)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def state_names(self) -> tuple[str, ...]:
        return tuple(self.generated.STATE_NAMES)

    @property
    def state_units(self) -> tuple[str, ...]:
        return tuple(self.generated.STATE_UNITS)

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(self.generated.PARAMETER_NAMES)

    @property
    def derived_names(self) -> tuple[str, ...]:
        return tuple(self.generated.DERIVED_NAMES)

    @property
    def observed_names(self) -> tuple[str, ...]:
        """Named expressions declared ``observe=True``, in :meth:`observe` column order."""
        return tuple(self.generated.OBSERVED_NAMES)

    def observe(self, y: np.ndarray, params: np.ndarray) -> dict[str, np.ndarray]:
        """The observed expressions on states ``y`` ``(n_patients, n_days, n_states)`` with
        parameters ``params`` ``(n_patients, n_parameters)``: name → ``(n_patients, n_days)``."""
        n, m, _ = y.shape
        names = self.observed_names
        if not names:
            return {}
        out = np.zeros((len(names), n, m))
        # Day-major output per expression: out[k] is one contiguous (n_patients, n_days)
        # array; the parameters are read once per patient, not repeated over days.
        self.generated.observed_trajectories(
            np.ascontiguousarray(y, dtype=np.float64),
            np.ascontiguousarray(params, dtype=np.float64), np.moveaxis(out, 0, -1))
        return {name: out[i] for i, name in enumerate(names)}

    @property
    def n_states(self) -> int:
        return len(self.generated.STATE_NAMES)

    @property
    def n_parameters(self) -> int:
        """Length of the parameter vector (file parameters and derived values)."""
        return len(self.generated.PARAMETER_NAMES) + len(self.generated.DERIVED_NAMES)

    @cached_property
    def state_index(self) -> dict[str, int]:
        """State name → index in the state vector."""
        return {n: i for i, n in enumerate(self.state_names)}

    @cached_property
    def parameter_index(self) -> dict[str, int]:
        """Parameter or derived-value name → index in the parameter vector."""
        return {n: i for i, n in enumerate(self.parameter_names + self.derived_names)}

    def state(self, name: str) -> int:
        """Index of state ``name``; a one-line error naming the known states otherwise."""
        try:
            return self.state_index[name]
        except KeyError:
            raise InputError(f"state {name!r} is not a state of model {self.name} "
                             f"(states: {', '.join(self.state_names)})") from None

    @property
    def rhs(self) -> Any:
        return self.generated.rhs

    @property
    def jac(self) -> Any:
        return self.generated.jac

    def start_states(self, params: np.ndarray, which: str = "start") -> np.ndarray:
        """The declared steady-state search starts ``(n_patients, n_states)``."""
        y = np.zeros((params.shape[0], self.n_states))
        fn = self.generated.start_states if which == "start" else self.generated.rest_states
        fn(np.ascontiguousarray(params, dtype=np.float64), y)
        return y

    def symbolic(self) -> Any:
        """The composed :class:`~immunoreset.model._compose.SymbolicModel` (imports sympy)."""
        return compose_spec(self.spec)


def compose_spec(spec: ModelSpec) -> Any:
    """Compose and unit-check the modules of ``spec`` (imports sympy)."""
    from immunoreset.model._compose import compose
    from immunoreset.model._units import check_units

    modules = [load_module_declaration(m) for m in spec.modules]
    model = compose(modules, spec.parameters, name=spec.name)
    check_units(model)
    return model


def build_model(spec: ModelSpec) -> CompiledModel:
    """The compiled model of ``spec``: from the cache, or composed, checked and generated
    once (see the module docstring)."""
    key = spec.key
    with _lock:
        if key in _loaded:
            return _loaded[key]
        folder = cache_folder()
        path = folder / f"{spec.name}_{key[:20]}.py"
        if not path.is_file():
            from immunoreset.model._codegen import generate_source

            source = generate_source(compose_spec(spec), key=key)
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(source)
            os.replace(tmp, path)  # atomic: a concurrent build writes the same bytes
        generated = _import_file(path, f"immunoreset_generated_{spec.name}_{key[:20]}")
        if generated.KEY != key:  # pragma: no cover - a hand-edited cache file
            raise InputError(f"generated model {path} does not match its key; delete it")
        model = CompiledModel(spec, path, generated)
        _loaded[key] = model
        return model
