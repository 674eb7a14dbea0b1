"""Parameter registry: every model parameter with its value, unit, meaning and source.

Parameter *values* live in package data files (TOML), never in code. The model declares
which parameters it needs and in which canonical unit (:class:`ParameterSpec`); loading a
file converts every value to that unit with :mod:`pint` and rejects, with a one-line
:class:`~immunoreset.errors.InputError` naming the parameter, a missing parameter, an
unknown parameter, a missing or unparsable unit and a unit of the wrong dimension.

File format (one ``[[parameter]]`` table per parameter)::

    [[parameter]]
    name = "car_t_effector_death_rate"
    value = 0.16
    unit = "1/day"
    meaning = "death/contraction rate of effector CAR-T cells"
    source = "Stein et al. 2019 CPT:PSP 8:285, Table 1 (alpha)"
    status = "literature"        # literature | derived | calibrated | assumed
    iiv_cv = 0.0                 # log-normal inter-individual coefficient of variation
    reason = ""                  # required when status = "assumed"
    prior = 0.139                # optional literature value (same unit) a calibration
    prior_log_sd = 0.5           #   pulls towards: log-normal prior with this SD of log
    prior_source = "liso-cel popCK 2021: initial-decline half-life 5.0 d"
"""

from __future__ import annotations

import hashlib
import math
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pint
import tomli_w

from immunoreset.errors import InputError
from immunoreset.model._cache import user_cache_dir

__all__ = [
    "STATUSES",
    "Parameter",
    "ParameterSet",
    "ParameterSpec",
    "combine_parameter_sets",
    "load_parameter_file",
    "module_parameter_file",
    "unit_registry",
    "write_parameter_file",
]

#: Allowed provenance tags of a parameter value.
#: Provenance tags: read in a source; derived from sourced values by stated arithmetic;
#: calibrated by a script in the repository; assumed (with a reason).
STATUSES: tuple[str, ...] = ("literature", "derived", "calibrated", "assumed")


@lru_cache(maxsize=1)
def unit_registry() -> pint.UnitRegistry:
    """The package's pint unit registry, with the cell counts and clinical units we use."""
    # pint keeps its parsed definition files in a cache folder, so a new process builds the
    # registry in ~40 ms instead of ~400 ms. One folder per pint installation: pint's shared
    # ":auto:" folder keys its entries by content, and an entry written by another
    # environment names that environment's definition files, so deleting that environment
    # broke every other one with the same pint version (FileNotFoundError on import).
    install = hashlib.sha256(str(Path(pint.__file__).resolve().parent).encode()).hexdigest()
    folder = user_cache_dir() / "pint" / f"{pint.__version__}-{install[:16]}"
    ureg: pint.UnitRegistry = pint.UnitRegistry(cache_folder=folder)
    ureg.define("cell = [cell_count] = cells")
    ureg.define("IU = [international_unit]")
    ureg.define("fraction = [] = dimensionless_fraction")
    return ureg


@dataclass(frozen=True)
class ParameterSpec:
    """A parameter the model needs: its name and the canonical unit the RHS expects."""

    name: str
    unit: str
    meaning: str

    def __post_init__(self) -> None:
        _parse_unit(self.unit, self.name)


@dataclass(frozen=True)
class Parameter:
    """One parameter value with its provenance (value already in the canonical unit)."""

    name: str
    value: float
    unit: str
    meaning: str
    source: str
    status: str
    iiv_cv: float = 0.0
    reason: str = ""
    #: Literature value the calibration's log-normal prior is centred on (canonical unit).
    prior: float | None = None
    #: SD of log(value) of that prior.
    prior_log_sd: float = 0.0
    prior_source: str = ""

    def __post_init__(self) -> None:
        if self.prior is not None:
            if not (math.isfinite(self.prior) and self.prior > 0):
                raise InputError(f"parameter {self.name}: prior {self.prior!r}, expected > 0")
            if not (math.isfinite(self.prior_log_sd) and self.prior_log_sd > 0):
                raise InputError(f"parameter {self.name}: prior_log_sd {self.prior_log_sd!r}, "
                                 "expected > 0 with a prior")
            if not self.prior_source.strip():
                raise InputError(f"parameter {self.name}: a prior needs a prior_source")
        if self.status not in STATUSES:
            raise InputError(
                f"parameter {self.name}: status {self.status!r} is not one of {', '.join(STATUSES)}"
            )
        if not math.isfinite(self.value):
            raise InputError(f"parameter {self.name}: value {self.value!r} is not finite")
        if not (self.iiv_cv >= 0.0 and math.isfinite(self.iiv_cv)):
            raise InputError(f"parameter {self.name}: iiv_cv {self.iiv_cv!r}, expected >= 0")
        if not self.source.strip():
            raise InputError(f"parameter {self.name}: empty source")
        if self.status == "assumed" and not self.reason.strip():
            raise InputError(f"parameter {self.name}: status 'assumed' needs a reason")

    @property
    def iiv_omega(self) -> float:
        """Standard deviation of log(value) for the log-normal variability: sqrt(log(1+CV²))."""
        return math.sqrt(math.log1p(self.iiv_cv**2))


@dataclass(frozen=True)
class ParameterSet(Mapping[str, Parameter]):
    """An immutable, ordered set of parameters matching a model's specs.

    Iterates in the model's order, so :meth:`vector` gives the RHS parameter vector.
    Change values with :meth:`with_values` (returns a new set).
    """

    specs: tuple[ParameterSpec, ...]
    parameters: tuple[Parameter, ...]
    name: str = "unnamed"
    provenance: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = [s.name for s in self.specs]
        if names != [p.name for p in self.parameters]:
            raise InputError("parameter set does not match the model's parameter list")

    def __getitem__(self, key: str) -> Parameter:
        for p in self.parameters:
            if p.name == key:
                return p
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (p.name for p in self.parameters)

    def __len__(self) -> int:
        return len(self.parameters)

    def value(self, name: str) -> float:
        """Value of parameter ``name`` in its canonical unit."""
        return self[name].value

    def vector(self) -> np.ndarray:
        """Values as a float64 vector in model order, shape ``(n_parameters,)``."""
        return np.array([p.value for p in self.parameters], dtype=np.float64)

    def iiv_omegas(self) -> np.ndarray:
        """Log-scale standard deviations of inter-individual variability, ``(n_parameters,)``."""
        return np.array([p.iiv_omega for p in self.parameters], dtype=np.float64)

    def with_values(self, values: Mapping[str, float], *, status: str | None = None,
                    source: str | None = None) -> ParameterSet:
        """A copy with some values replaced (e.g. by a calibration)."""
        unknown = sorted(set(values) - set(self))
        if unknown:
            raise InputError(f"unknown parameter {unknown[0]!r}")
        new = []
        for p in self.parameters:
            if p.name in values:
                p = replace(p, value=float(values[p.name]), status=status or p.status,
                            source=source or p.source)
            new.append(p)
        return replace(self, parameters=tuple(new))

    def by_status(self, status: str) -> list[Parameter]:
        """Parameters whose provenance tag is ``status``."""
        return [p for p in self.parameters if p.status == status]


def _parse_unit(text: str, name: str) -> pint.Unit:
    ureg = unit_registry()
    try:
        return ureg.parse_units(text)
    except Exception as exc:  # pint raises several error types
        raise InputError(f"parameter {name}: cannot parse unit {text!r} ({exc})") from None


def _convert(name: str, value: float, unit: str, target: str) -> float:
    ureg = unit_registry()
    source_unit = _parse_unit(unit, name)
    target_unit = _parse_unit(target, name)
    try:
        return float(ureg.Quantity(value, source_unit).to(target_unit).magnitude)
    except pint.DimensionalityError:
        raise InputError(
            f"parameter {name}: unit {unit!r} cannot be converted to the expected {target!r}"
        ) from None


_FIELDS = {"name", "value", "unit", "meaning", "source", "status", "iiv_cv", "reason",
           "prior", "prior_log_sd", "prior_source"}


def _parameter_from_entry(entry: Mapping[str, Any], spec: ParameterSpec) -> Parameter:
    name = spec.name
    extra = sorted(set(entry) - _FIELDS)
    if extra:
        raise InputError(f"parameter {name}: unknown field {extra[0]!r}")
    for required in ("value", "unit", "source", "status"):
        if required not in entry:
            raise InputError(f"parameter {name}: missing field {required!r}")
    value = entry["value"]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"parameter {name}: value {value!r} is not a number")
    unit = entry["unit"]
    if not isinstance(unit, str) or not unit.strip():
        raise InputError(f"parameter {name}: missing unit (expected a unit like {spec.unit!r})")
    iiv = entry.get("iiv_cv", 0.0)
    if isinstance(iiv, bool) or not isinstance(iiv, int | float):
        raise InputError(f"parameter {name}: iiv_cv {iiv!r} is not a number")
    prior, prior_sd = entry.get("prior"), entry.get("prior_log_sd", 0.0)
    for field_name, v in (("prior", prior), ("prior_log_sd", prior_sd)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
            raise InputError(f"parameter {name}: {field_name} {v!r} is not a number")
    return Parameter(
        name=name,
        value=_convert(name, float(value), unit, spec.unit),
        unit=spec.unit,
        meaning=str(entry.get("meaning", spec.meaning)),
        source=str(entry["source"]),
        status=str(entry["status"]),
        iiv_cv=float(iiv),
        reason=str(entry.get("reason", "")),
        prior=None if prior is None else _convert(name, float(prior), unit, spec.unit),
        prior_log_sd=float(prior_sd),
        prior_source=str(entry.get("prior_source", "")),
    )


def load_parameter_file(path: str | Path | None, specs: Sequence[ParameterSpec], *,
                        package_file: str | None = None) -> ParameterSet:
    """Load and validate a parameter file against the model's ``specs``.

    Parameters
    ----------
    path:
        A TOML parameter file; ``None`` loads ``package_file`` from the package data.
    specs:
        The model's parameter specifications (names, canonical units), in RHS order.
    """
    if path is None:
        if package_file is None:
            raise InputError("no parameter file given")
        text = resources.files("immunoreset.model").joinpath("data", package_file).read_text()
        label = package_file
    else:
        p = Path(path)
        if not p.is_file():
            raise InputError(f"parameter file {str(p)!r} does not exist")
        text = p.read_text()
        label = str(p)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"parameter file {label}: malformed TOML ({exc})") from None
    entries = doc.get("parameter", [])
    by_name: dict[str, Mapping[str, Any]] = {}
    for entry in entries:
        name = entry.get("name")
        if not isinstance(name, str):
            raise InputError(f"parameter file {label}: an entry has no name")
        if name in by_name:
            raise InputError(f"parameter {name}: defined twice in {label}")
        by_name[name] = entry
    known = {s.name for s in specs}
    unknown = sorted(set(by_name) - known)
    if unknown:
        raise InputError(f"unknown parameter {unknown[0]!r} in {label}")
    params = []
    for spec in specs:
        if spec.name not in by_name:
            raise InputError(f"parameter {spec.name}: missing from {label}")
        params.append(_parameter_from_entry(by_name[spec.name], spec))
    meta = doc.get("meta", {})
    return ParameterSet(specs=tuple(specs), parameters=tuple(params),
                        name=str(meta.get("name", label)), provenance=dict(meta))


def module_parameter_file(path: str | Path) -> ParameterSet:
    """Load the parameter file of a model module that the core specs do not declare.

    Each entry declares its parameter: ``name``, ``value``, ``unit`` (the canonical unit:
    the module's maths is checked against it), ``meaning``, ``source``, ``status`` (and
    ``reason`` when assumed); the specs are read from the file itself.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"parameter file {str(p)!r} does not exist")
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"parameter file {p.name}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"parameter file {p.name}: malformed TOML ({exc})") from None
    specs = []
    for i, entry in enumerate(doc.get("parameter", [])):
        for key in ("name", "unit", "meaning"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise InputError(f"parameter file {p.name}: parameter[{i}].{key}: missing "
                                 "(a module parameter declares its name, unit and meaning)")
        specs.append(ParameterSpec(entry["name"], entry["unit"], entry["meaning"]))
    if not specs:
        raise InputError(f"parameter file {p.name}: no [[parameter]] entries")
    return load_parameter_file(p, specs)


def combine_parameter_sets(first: ParameterSet, *more: ParameterSet) -> ParameterSet:
    """One parameter set of ``first`` followed by ``more`` (names must not repeat)."""
    specs, params = list(first.specs), list(first.parameters)
    seen = {s.name for s in specs}
    for extra in more:
        for s, p in zip(extra.specs, extra.parameters, strict=True):
            if s.name in seen:
                raise InputError(f"parameter {s.name}: defined in {first.name} and {extra.name}")
            seen.add(s.name)
            specs.append(s)
            params.append(p)
    return ParameterSet(specs=tuple(specs), parameters=tuple(params),
                        name="+".join([first.name, *(m.name for m in more)]),
                        provenance=dict(first.provenance))


def write_parameter_file(parameters: ParameterSet, path: str | Path, *,
                         meta: Mapping[str, Any] | None = None) -> Path:
    """Write ``parameters`` as a TOML parameter file (values in canonical units).

    ``meta`` replaces the file's ``[meta]`` table (e.g. how a calibration made it). The
    file is written to a temporary name and renamed, so a failure leaves the old file.
    """
    out = Path(path)
    entries = []
    for p in parameters.parameters:
        entry: dict[str, Any] = {"name": p.name, "value": p.value, "unit": p.unit,
                                 "status": p.status, "source": p.source, "iiv_cv": p.iiv_cv}
        if p.reason:
            entry["reason"] = p.reason
        if p.prior is not None:
            entry.update(prior=p.prior, prior_log_sd=p.prior_log_sd, prior_source=p.prior_source)
        entries.append(entry)
    doc = {"meta": dict(meta if meta is not None else parameters.provenance), "parameter": entries}
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(tomli_w.dumps(doc))
    tmp.replace(out)
    return out
