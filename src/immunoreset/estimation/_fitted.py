"""Fitted patients as virtual patients: the ``fitted.parquet`` table and its reader.

One row per patient and draw: ``patient_id``, ``draw`` (0 is the MAP estimate, 1 … n the
posterior draws, Laplace or MCMC), ``virtual_patient_id`` (``P1`` for the MAP, ``P1~3``
for draw 3), the covariates (``sex``, ``age``, ``height_cm``, ``weight_kg``) and one
column per estimated parameter, in the parameter's canonical unit. The file's metadata
records the model, the estimated parameters and their units, how the draws were made and
the seed. A study simulates them with ``immunoreset simulate CONFIG --patients
fitted.parquet``: each row is a patient whose other parameters are the study's typical
values (those the fit used, unless the study changes them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from immunoreset.errors import InputError
from immunoreset.estimation._problem import FitResult

__all__ = ["FittedPatients", "fitted_table", "read_fitted", "write_fitted"]

_META_KEY = b"immunoreset.fitted"
_COVARIATES = ("sex", "age", "height_cm", "weight_kg")


def fitted_table(result: FitResult) -> pd.DataFrame:
    """The fitted patients of ``result`` (MAP and draws) as a table."""
    rows = []
    subjects = result.problem.subjects
    for fit in result.fits:
        s = subjects[fit.patient_id]
        cov = {"sex": s.sex, "age": s.age, "height_cm": s.height_cm, "weight_kg": s.weight_kg}
        sets = [fit.log_estimate, *list(fit.draws)] if fit.draws.size else [fit.log_estimate]
        for d, log_theta in enumerate(sets):
            vid = fit.patient_id if d == 0 else f"{fit.patient_id}~{d}"
            rows.append({"patient_id": fit.patient_id, "draw": d, "virtual_patient_id": vid, **cov,
                         **{n: float(np.exp(v)) for n, v in zip(fit.names, log_theta, strict=True)}})
    return pd.DataFrame(rows)


def write_fitted(result: FitResult, path: str | Path) -> Path:
    """Write ``fitted.parquet`` (see the module docstring)."""
    table = fitted_table(result)
    problem = result.problem
    meta = {"model": problem.model.name, "model_key": problem.model.key,
            "parameters": list(result.prior.names),
            "units": {n: problem.parameters[n].unit for n in result.prior.names},
            "draws": result.draws_method, "seed": result.seed,
            "parameter_set": problem.parameters.name}
    t = pa.Table.from_pandas(table, preserve_index=False)
    t = t.replace_schema_metadata({**(t.schema.metadata or {}), _META_KEY: json.dumps(meta).encode()})
    out = Path(path)
    pq.write_table(t, out)
    return out


@dataclass(frozen=True)
class FittedPatients:
    """Fitted patients read back: the table and its metadata."""

    table: pd.DataFrame
    parameters: tuple[str, ...]
    units: dict[str, str]
    source: str
    meta: dict[str, object]

    def __len__(self) -> int:
        return len(self.table)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self.table["virtual_patient_id"].astype(str))


def read_fitted(path: str | Path, *, parameter_units: dict[str, str] | None = None) -> FittedPatients:
    """Read a ``fitted.parquet``; with ``parameter_units`` (the study's parameters and
    units) refuse a file whose parameters are not the study's or in another unit."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"--patients: {str(p)!r} does not exist")
    try:
        t = pq.read_table(p)
    except Exception as exc:
        raise InputError(f"--patients {p.name}: not a Parquet file ({type(exc).__name__})") from None
    raw = (t.schema.metadata or {}).get(_META_KEY)
    if raw is None:
        raise InputError(f"--patients {p.name}: not a fitted-patients file (written by "
                         "`immunoreset fit`: no immunoreset.fitted metadata)")
    meta = json.loads(raw)
    table = t.to_pandas()
    names = tuple(meta["parameters"])
    units = dict(meta["units"])
    missing = [c for c in ("virtual_patient_id", *_COVARIATES, *names) if c not in table.columns]
    if missing:
        raise InputError(f"--patients {p.name}: missing column {missing[0]!r}")
    if table.empty:
        raise InputError(f"--patients {p.name}: no patients")
    if parameter_units is not None:
        for n in names:
            if n not in parameter_units:
                raise InputError(f"--patients {p.name}: parameter {n!r} is not a parameter of the "
                                 "study's model")
            if parameter_units[n] != units[n]:
                raise InputError(f"--patients {p.name}: parameter {n} is in {units[n]!r}, the "
                                 f"study's model expects {parameter_units[n]!r}")
    values = table[list(names)].to_numpy(np.float64)
    if not np.all(np.isfinite(values) & (values > 0)):
        raise InputError(f"--patients {p.name}: parameter values must be finite and > 0")
    return FittedPatients(table, names, units, p.name, meta)
