"""The sensitivity spec (``immunoreset sensitivity SPEC``), a TOML file checked on load.

.. code-block:: toml

    [sensitivity]
    study = "../simulate/erlangen_like.toml"   # model, parameters and arms (relative path)
    arm = "car_t"
    method = "sobol"              # sobol | morris
    n = 64                        # Sobol: base samples (a power of 2); Morris: trajectories
    seed = 1
    endpoints = ["b_cells_blood@90", "anti_dsdna@180", "b_cell_return_day"]

    [[sensitivity.parameter]]
    name = "b_precursor_production"
    range = "variability"         # its population variability: median × exp(±1.96 ω)
    [[sensitivity.parameter]]
    name = "igg_elimination_rate"
    low = 0.02                    # or given bounds, in the parameter's unit
    high = 0.05
    scale = "log"                 # log (default) or linear

An endpoint is ``OBSERVABLE@DAY`` (a read-out of the simulation on a simulated day) or a
per-patient read-out column of a simulation (``b_cell_return_day``, ``car_t_peak_cells_per_ul``,
``sledai_2k_day90`` ...).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from immunoreset.errors import InputError
from immunoreset.sensitivity._indices import METHODS, SampledParameter

__all__ = ["MAX_EVALUATIONS", "SensitivitySpec", "load_sensitivity_spec"]

#: Model evaluations a spec may ask for (each is one virtual patient solved).
MAX_EVALUATIONS = 2_000_000
#: Two-sided 95% normal quantile (the "variability" range).
Z95 = 1.959963984540054
_KEYS = {"study", "arm", "method", "n", "seed", "endpoints", "parameter", "title"}
_PARAM_KEYS = {"name", "range", "low", "high", "scale"}


@dataclass(frozen=True)
class SensitivitySpec:
    """A checked sensitivity spec; parameter ranges resolved to bounds."""

    title: str
    study: Path
    arm: str
    method: str
    n: int
    seed: int
    endpoints: tuple[str, ...]
    parameters: tuple[SampledParameter, ...]
    ranges: tuple[str, ...]

    @property
    def n_evaluations(self) -> int:
        d = len(self.parameters)
        return self.n * (d + 2) if self.method == "sobol" else self.n * (d + 1)


def _get(table: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in table:
        raise InputError(f"{where}.{key}: missing field")
    v = table[key]
    if isinstance(v, bool) or not isinstance(v, kind):
        raise InputError(f"{where}.{key}: got {v!r}, expected {getattr(kind, '__name__', kind)}")
    return v


def load_sensitivity_spec(path: str | Path) -> SensitivitySpec:
    """Read ``path`` (see the module docstring); ranges from the study's parameter set."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"SPEC: {str(p)!r} does not exist")
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{p.name}: malformed TOML ({exc})") from None
    s = doc.get("sensitivity")
    if not isinstance(s, dict):
        raise InputError(f"{p.name}: missing the [sensitivity] table")
    unknown = sorted(set(s) - _KEYS)
    if unknown:
        raise InputError(f"sensitivity.{unknown[0]}: unknown key (expected {', '.join(sorted(_KEYS))})")
    study = (p.parent / _get(s, "study", str, "sensitivity")).resolve()
    if not study.is_file():
        raise InputError(f"sensitivity.study: {str(study)!r} does not exist")
    arm = _get(s, "arm", str, "sensitivity")
    method = s.get("method", "sobol")
    if method not in METHODS:
        raise InputError(f"sensitivity.method: got {method!r}, expected one of {', '.join(METHODS)}")
    n = _get(s, "n", int, "sensitivity")
    seed = s.get("seed", 1)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(f"sensitivity.seed: got {seed!r}, expected an integer >= 0")
    endpoints = _get(s, "endpoints", list, "sensitivity")
    if not endpoints or not all(isinstance(e, str) and e for e in endpoints):
        raise InputError(f"sensitivity.endpoints: got {endpoints!r}, expected a list of names")
    from immunoreset.simulation import load_study_config

    spec, _, _ = load_study_config(study, n=1)
    if arm not in spec.arms:
        raise InputError(f"sensitivity.arm: got {arm!r}, expected an arm of {study.name} "
                         f"({', '.join(spec.arms)})")
    params = spec.parameters
    raw = s.get("parameter", [])
    if not isinstance(raw, list) or not raw:
        raise InputError("sensitivity.parameter: expected at least one [[sensitivity.parameter]]")
    sampled, ranges = [], []
    for i, entry in enumerate(raw):
        where = f"sensitivity.parameter[{i}]"
        if not isinstance(entry, dict):
            raise InputError(f"{where}: expected a table")
        extra = sorted(set(entry) - _PARAM_KEYS)
        if extra:
            raise InputError(f"{where}.{extra[0]}: unknown key")
        name = _get(entry, "name", str, where)
        if name not in params:
            raise InputError(f"{where}.name: got {name!r}, expected a parameter of the study's model")
        value = params.value(name)
        scale = entry.get("scale", "log")
        if "range" in entry:
            if entry["range"] != "variability" or "low" in entry or "high" in entry:
                raise InputError(f"{where}.range: got {entry['range']!r}, expected 'variability' "
                                 "(without low/high)")
            omega = params[name].iiv_omega
            if omega <= 0:
                raise InputError(f"{where}: {name} has no variability (iiv_cv = 0); give low and high")
            sampled.append(SampledParameter(name, value * math.exp(-Z95 * omega),
                                            value * math.exp(Z95 * omega), "log"))
            ranges.append(f"variability (CV {params[name].iiv_cv:g})")
        else:
            low = _get(entry, "low", (int, float), where)
            high = _get(entry, "high", (int, float), where)
            sampled.append(SampledParameter(name, float(low), float(high), scale))
            ranges.append(f"given bounds ({scale})")
    result = SensitivitySpec(str(s.get("title", p.stem)), study, arm, method, n, seed,
                             tuple(endpoints), tuple(sampled), tuple(ranges))
    if result.n_evaluations > MAX_EVALUATIONS:
        raise InputError(f"sensitivity.n: {result.n_evaluations:,} model evaluations, expected at "
                         f"most {MAX_EVALUATIONS:,}")
    return result
