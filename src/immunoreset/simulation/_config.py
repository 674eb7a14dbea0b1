"""Study configuration files (TOML) for ``immunoreset simulate``.

Every key is checked: an unknown key, a value of the wrong type or range, a missing field
or a parameter override in a unit of the wrong dimension is an
:class:`~immunoreset.errors.InputError` naming the field and the value, raised before any
output is created. Example (``examples/simulate/erlangen_like.toml``)::

    [run]
    title = "Erlangen-like cohort, two doses"
    seed = 1
    n = 100                      # virtual patients per arm
    include_erlangen = false     # add erlangen_P1..P5
    first_day = -7
    last_day = 730

    [parameters]
    file = "my_parameters.toml"  # optional; the packaged calibrated set by default
    [parameters.values]          # optional overrides, in the parameter's canonical unit ...
    car_t_kill_rate = 15.0
    [parameters.values.igg_elimination_rate]   # ... or with an explicit unit
    value = 0.0289
    unit = "1/day"

    [population]                 # optional, see CohortSpec
    female_fraction = 0.8

    [solver]                     # optional, see SolverSettings
    method = "rodas"
    rtol = 3e-6
    device = "cpu"               # or "cuda": one patient per GPU thread (gpu extra)

    [[arm]]
    name = "car_t"
    lymphodepletion = "flu_cy"   # flu_cy | none
    fludarabine_mg_per_m2_per_day = 25.0
    cyclophosphamide_mg_per_m2 = 1000.0
    car_t_dose_per_kg = 1e6      # or car_t_flat_dose (cells); omit both for no CAR-T
    prednisone_mg_per_day = 0.0
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from immunoreset.engine import SolverSettings
from immunoreset.engine._cuda import cuda_available
from immunoreset.errors import InputError
from immunoreset.model import SPECS, load_parameters, unit_registry
from immunoreset.population import CohortSpec, Correlation, InclusionCriteria
from immunoreset.simulation._spec import DEFAULT_VISIT_DAYS, SAVE_MODES, StudySpec
from immunoreset.simulation._study import RunOptions
from immunoreset.therapy import CarTProduct, Lymphodepletion, Regimen

__all__ = ["load_study_config"]

_SECTIONS = {"run", "parameters", "population", "solver", "arm"}
_RUN = {"title", "seed", "n", "include_erlangen", "first_day", "last_day", "visit_days", "save",
        "chunk_size"}
_ARM = {"name", "lymphodepletion", "fludarabine_mg_per_m2_per_day", "cyclophosphamide_mg_per_m2",
        "car_t_dose_per_kg", "car_t_flat_dose", "prednisone_mg_per_day", "antimalarial",
        "immunosuppressant", "biologic"}
_POP = {"female_fraction", "age_mean", "age_sd", "age_min", "age_max", "inclusion", "correlation"}
_INCL = {"min_anti_dsdna_iu_per_ml", "min_proteinuria_g_per_day", "max_proteinuria_g_per_day",
         "min_sledai_2k"}
_SOLVER = {"method", "rtol", "atol", "max_steps", "device"}


def _unknown(section: str, given: Mapping[str, Any], allowed: set[str]) -> None:
    extra = sorted(set(given) - allowed)
    if extra:
        raise InputError(f"{section}.{extra[0]}: unknown key (expected one of {', '.join(sorted(allowed))})")


def _number(field: str, value: Any, *, low: float | None = None, integer: bool = False,
            strict: bool = False) -> float:
    ok_type = isinstance(value, int) if integer else isinstance(value, int | float)
    if isinstance(value, bool) or not ok_type or not math.isfinite(float(value)):
        kind = "an integer" if integer else "a number"
        raise InputError(f"{field}: got {value!r}, expected {kind}")
    if low is not None and (value <= low if strict else value < low):
        raise InputError(f"{field}: got {value!r}, expected a value {'>' if strict else '>='} {low:g}")
    return value


def _bool(field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise InputError(f"{field}: got {value!r}, expected true or false")
    return value


def _arm(i: int, a: Mapping[str, Any]) -> Regimen:
    where = f"arm[{i}]"
    if not isinstance(a, Mapping):
        raise InputError(f"{where}: expected a table")
    _unknown(where, a, _ARM)
    if "name" not in a or not isinstance(a["name"], str) or not a["name"].strip():
        raise InputError(f"{where}.name: missing field (expected a non-empty arm name)")
    ld_name = a.get("lymphodepletion", "none")
    if ld_name == "flu_cy":
        ld = Lymphodepletion.flu_cy(
            fludarabine_mg_per_m2_per_day=_number(f"{where}.fludarabine_mg_per_m2_per_day",
                                                  a.get("fludarabine_mg_per_m2_per_day", 25.0), low=0),
            cyclophosphamide_mg_per_m2=_number(f"{where}.cyclophosphamide_mg_per_m2",
                                               a.get("cyclophosphamide_mg_per_m2", 1000.0), low=0))
    elif ld_name == "none":
        ld = Lymphodepletion.none()
    else:
        raise InputError(f"{where}.lymphodepletion: got {ld_name!r}, expected 'flu_cy' or 'none'")
    car = None
    if "car_t_dose_per_kg" in a and "car_t_flat_dose" in a:
        raise InputError(f"{where}: give car_t_dose_per_kg or car_t_flat_dose, not both")
    if "car_t_dose_per_kg" in a:
        car = CarTProduct(dose_per_kg=_number(f"{where}.car_t_dose_per_kg", a["car_t_dose_per_kg"], low=0))
    elif "car_t_flat_dose" in a:
        car = CarTProduct(dose_per_kg=None,
                          flat_dose=_number(f"{where}.car_t_flat_dose", a["car_t_flat_dose"], low=0))
    return Regimen(a["name"], ld, car,
                   prednisone_mg_per_day=_number(f"{where}.prednisone_mg_per_day",
                                                 a.get("prednisone_mg_per_day", 0.0), low=0),
                   antimalarial=_bool(f"{where}.antimalarial", a.get("antimalarial", False)),
                   immunosuppressant=_bool(f"{where}.immunosuppressant", a.get("immunosuppressant", False)),
                   biologic=_bool(f"{where}.biologic", a.get("biologic", False)))


def _overrides(values: Mapping[str, Any]) -> dict[str, float]:
    canonical = {s.name: s.unit for s in SPECS}
    ureg = unit_registry()
    out: dict[str, float] = {}
    for name, v in values.items():
        field = f"parameters.values.{name}"
        if name not in canonical:
            raise InputError(f"{field}: unknown parameter")
        if isinstance(v, Mapping):
            _unknown(field, v, {"value", "unit"})
            if "value" not in v or "unit" not in v:
                raise InputError(f"{field}: expected both 'value' and 'unit'")
            number = _number(f"{field}.value", v["value"])
            try:
                q = ureg.Quantity(number, ureg.parse_units(str(v["unit"])))
                out[name] = float(q.to(canonical[name]).magnitude)
            except Exception:
                raise InputError(f"{field}.unit: got {v['unit']!r}, expected a unit convertible "
                                 f"to {canonical[name]!r}") from None
        else:
            out[name] = _number(field, v)
    return out


def load_study_config(path: str | Path, *, n: int | None = None,
                      ) -> tuple[StudySpec, dict[str, Any], RunOptions]:
    """Parse and validate a study config; returns the spec, the raw config dict and the
    run options it sets (``save``, ``chunk_size``; the CLI may override them)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"CONFIG: file {str(p)!r} does not exist")
    try:
        doc = tomllib.loads(p.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"CONFIG: malformed TOML in {p.name} ({exc})") from None
    _unknown("config", doc, _SECTIONS)
    run = doc.get("run", {})
    _unknown("run", run, _RUN)
    if n is not None:
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise InputError(f"--n: got {n!r}, expected an integer >= 0")
    elif "n" not in run:
        raise InputError("run.n: missing field (expected the number of virtual patients per arm, or --n)")
    else:
        n = int(_number("run.n", run["n"], low=0, integer=True))
    seed = int(_number("run.seed", run.get("seed", 1), low=0, integer=True))
    include = _bool("run.include_erlangen", run.get("include_erlangen", False))
    if n == 0 and not include:
        raise InputError("run.n: got 0 virtual patients and include_erlangen is false; nothing to simulate")
    first = int(_number("run.first_day", run.get("first_day", -7), integer=True))
    last = int(_number("run.last_day", run.get("last_day", 730), integer=True))
    if last <= first:
        raise InputError(f"run.last_day: got {last}, expected a day after run.first_day ({first})")
    prm = doc.get("parameters", {})
    _unknown("parameters", prm, {"file", "values"})
    pfile = prm.get("file")
    parameters = load_parameters(None if pfile is None else str(p.parent / pfile))
    if "values" in prm:
        parameters = parameters.with_values(_overrides(prm["values"]))
    pop = doc.get("population", {})
    _unknown("population", pop, _POP)
    numbers: dict[str, Any] = {k: _number(f"population.{k}", v) for k, v in pop.items()
                               if k not in ("inclusion", "correlation")}
    incl = pop.get("inclusion", {})
    _unknown("population.inclusion", incl, _INCL)
    inclusion = InclusionCriteria(**{k: _number(f"population.inclusion.{k}", v, low=0) for k, v in incl.items()})
    correlations = []
    for i, c in enumerate(pop.get("correlation", [])):
        _unknown(f"population.correlation[{i}]", c, {"parameters", "r"})
        pair = c.get("parameters")
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)):
            raise InputError(f"population.correlation[{i}].parameters: got {pair!r}, expected two parameter names")
        correlations.append(Correlation(pair[0], pair[1], _number(f"population.correlation[{i}].r", c.get("r"))))
    cohort = CohortSpec(**numbers, inclusion=inclusion, correlations=tuple(correlations))
    sol = doc.get("solver", {})
    _unknown("solver", sol, _SOLVER)
    solver = SolverSettings(**sol)
    if solver.device == "cuda" and not cuda_available():
        raise InputError("solver.device: got 'cuda', but numba-cuda sees no usable NVIDIA GPU here "
                         "(pip install 'immunoreset[gpu]' on a machine with an NVIDIA driver), "
                         "expected 'cpu'")  # fmt: skip
    arms_raw = doc.get("arm")
    if not arms_raw:
        raise InputError("arm: missing field (expected at least one [[arm]] table)")
    arms = {}
    for i, a in enumerate(arms_raw):
        regimen = _arm(i, a)
        if regimen.name in arms:
            raise InputError(f"arm[{i}].name: {regimen.name!r} is used twice")
        arms[regimen.name] = regimen
    days = np.arange(first, last + 1, dtype=np.float64)
    first_event = min((d.day for r in arms.values() for d in r.lymphodepletion.doses), default=0.0)
    if first_event < first:
        raise InputError(f"run.first_day: got {first}, expected a day before the first dose (day {first_event:g})")
    visit_days = run.get("visit_days", [d for d in DEFAULT_VISIT_DAYS if first <= d <= last])
    if not (isinstance(visit_days, list) and visit_days):
        raise InputError(f"run.visit_days: got {visit_days!r}, expected a list of days")
    visits = tuple(int(_number(f"run.visit_days[{i}]", d, integer=True)) for i, d in enumerate(visit_days))
    for d in visits:
        if not first <= d <= last:
            raise InputError(f"run.visit_days: day {d} is outside follow-up (run.first_day {first} "
                             f"to run.last_day {last})")
    save = run.get("save", "visits")
    if save not in SAVE_MODES:
        raise InputError(f"run.save: got {save!r}, expected one of {', '.join(SAVE_MODES)}")
    chunk = int(_number("run.chunk_size", run.get("chunk_size", 250), low=1, integer=True))
    spec = StudySpec(title=str(run.get("title", p.stem)), parameters=parameters, arms=arms, n=n,
                     seed=seed, include_erlangen=include, cohort=cohort, days=days, solver=solver,
                     visit_days=visits, evaluate_targets=set(arms) >= {"car_t", "untreated"} and n > 0)
    doc.setdefault("run", {})["n"] = n
    return spec, doc, RunOptions(chunk_size=chunk, save=save)
