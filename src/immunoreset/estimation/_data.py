"""Clinical data for fits, in the field's long formats, checked row by row on load.

Observations (CSV or Parquet), one row per measurement — the layout of NONMEM/Monolix
data sets and of the PEtab measurement table:

=============  ==========================================================================
column         meaning
=============  ==========================================================================
patient_id     the patient (text)
day            days relative to the CAR-T infusion (t = 0), may be negative (baseline)
observable     an observable of the composed model (``immunoreset fit --list-observables``)
value          the measured value; empty for a value below the limit of quantification
unit           its unit (converted with pint to the observable's unit: ``cells/uL``,
               ``10^3 cells/mL``, ``g/dL``, ``mg/day`` ...)
lloq           optional: lower limit of quantification, in ``unit``
blq            optional: 1 where the value is below the LLOQ (then ``value`` is ignored)
=============  ==========================================================================

A value is *below the LLOQ* when ``blq`` is 1, or when it is empty or smaller than a
given ``lloq``; such rows enter the likelihood by Beal's M3 method (the probability of
being below the limit). Covariates (one row per patient: ``patient_id``, ``height_cm``,
``weight_kg``, optional ``sex`` and ``age``) dose the arm by body size. Dosing tables
(``patient_id, day, state, amount, unit``) add amounts to any model state.

A bad row is an :class:`~immunoreset.errors.InputError` naming the file, the line, the
column and the value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from immunoreset.errors import InputError
from immunoreset.estimation._observables import CLINICAL_SCORES, ObservableCatalogue
from immunoreset.model import CompiledModel, unit_registry

__all__ = ["Covariates", "Dosing", "Observations", "PatientObservations", "convert_unit",
           "read_covariates", "read_dosing", "read_observations"]

#: Columns an observation table must have, and those it may have.
OBSERVATION_COLUMNS: tuple[str, ...] = ("patient_id", "day", "observable", "value", "unit")
OPTIONAL_OBSERVATION_COLUMNS: tuple[str, ...] = ("lloq", "blq")
#: Days a data set may cover: ten years either side of the infusion.
MAX_ABS_DAY = 3650.0


def _read(path: str | Path, what: str) -> pd.DataFrame:
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{what}: {str(p)!r} does not exist")
    try:
        if p.suffix.lower() == ".parquet":
            df = pd.read_parquet(p)
        else:
            df = pd.read_csv(p, dtype=str, keep_default_na=False, comment="#")
    except Exception as exc:
        raise InputError(f"{what} {p.name}: cannot read ({type(exc).__name__}: "
                         f"{str(exc).splitlines()[0] if str(exc) else ''})") from None
    df.columns = [str(c).strip() for c in df.columns]
    return df


def _where(name: str, i: int) -> str:
    """Line ``i + 2`` of the file: the header is line 1."""
    return f"{name} line {i + 2}"


def _number(raw: object, name: str, i: int, column: str, *, allow_empty: bool = False) -> float:
    text = "" if raw is None else str(raw).strip()
    if text == "" or text.lower() == "nan":
        if allow_empty:
            return math.nan
        raise InputError(f"{_where(name, i)}, column {column!r}: empty, expected a number")
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{_where(name, i)}, column {column!r}: got {text!r}, expected a "
                         "number") from None
    if not math.isfinite(value):
        raise InputError(f"{_where(name, i)}, column {column!r}: got {text!r}, expected a "
                         "finite number")
    return value


def _text(raw: object, name: str, i: int, column: str) -> str:
    text = "" if raw is None else str(raw).strip()
    if not text or text.lower() == "nan":
        raise InputError(f"{_where(name, i)}, column {column!r}: empty, expected a value")
    return text


def _require(df: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(f"{name}: missing column {missing[0]!r} (expected columns "
                         f"{', '.join(columns)}; got {', '.join(map(str, df.columns)) or 'none'})")


def convert_unit(value: float, unit: str, target: str) -> float | None:
    """``value`` in ``unit`` expressed in ``target`` (pint); ``None`` when the two cannot be
    converted. Units that pint cannot parse (``fraction of baseline``) convert only to
    the same text."""
    if unit.strip() == target.strip():
        return value
    ureg = unit_registry()
    try:
        # parse_expression takes scaled units ("10^3 cells/mL"), parse_units does not.
        ratio = ureg.parse_expression(_pint_text(unit)) / ureg.parse_expression(_pint_text(target))
        return float(value * ratio.to("dimensionless").magnitude)
    except Exception:  # pint raises several error types (parse, dimensionality)
        return None


def _pint_text(unit: str) -> str:
    text = unit.strip()
    if text in ("", "1", "fraction", "dimensionless"):
        return "dimensionless"
    return text.replace("µ", "u").replace("μ", "u").replace("^", "**")


def _canonical(v: float, unit: str, target: str, obs: str, label: str, i: int) -> float:
    if math.isnan(v):
        return v
    c = convert_unit(v, unit, target)
    if c is None:
        raise InputError(f"{_where(label, i)}, column 'unit': got {unit!r} for {obs}, "
                         f"expected a unit convertible to {target!r}")
    return c


@dataclass(frozen=True)
class PatientObservations:
    """One patient's measurements as arrays ``(n_rows,)``, values in canonical units.

    ``observable`` indexes :attr:`names`; ``blq`` marks rows below the LLOQ (``value``
    NaN there, ``lloq`` the limit)."""

    patient_id: str
    names: tuple[str, ...]
    day: np.ndarray
    observable: np.ndarray
    value: np.ndarray
    lloq: np.ndarray
    blq: np.ndarray

    def __len__(self) -> int:
        return int(self.day.size)


@dataclass(frozen=True)
class Observations:
    """A checked observation table (see the module docstring); values in the canonical
    unit of each observable."""

    table: pd.DataFrame
    source: str
    units: Mapping[str, str]

    @property
    def patients(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.table["patient_id"]))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.table["observable"])))

    def patient(self, patient_id: str) -> PatientObservations:
        rows = self.table[self.table["patient_id"] == patient_id]
        if rows.empty:
            raise InputError(f"patient {patient_id!r}: no observations in {self.source}")
        names = self.names
        index = {n: i for i, n in enumerate(names)}
        return PatientObservations(
            patient_id, names, rows["day"].to_numpy(np.float64),
            np.array([index[o] for o in rows["observable"]], dtype=np.int64),
            rows["value"].to_numpy(np.float64), rows["lloq"].to_numpy(np.float64),
            rows["blq"].to_numpy(bool))

    def summary(self) -> pd.DataFrame:
        """Counts per observable: rows, patients, rows below the LLOQ."""
        g = self.table.groupby("observable")
        return pd.DataFrame({"rows": g.size(), "patients": g["patient_id"].nunique(),
                             "below_lloq": g["blq"].sum().astype(int),
                             "unit": [self.units[n] for n in g.size().index]}).reset_index()


def read_observations(path: str | Path | pd.DataFrame, catalogue: ObservableCatalogue, *,
                      name: str | None = None) -> Observations:
    """Load and check an observation table for the model of ``catalogue``."""
    if isinstance(path, pd.DataFrame):
        df, label = path.astype(str).reset_index(drop=True), name or "observations"
    else:
        label = name or Path(path).name
        df = _read(path, "observations").astype(str)
    _require(df, OBSERVATION_COLUMNS, label)
    if df.empty:
        raise InputError(f"{label}: no rows")
    rows = []
    has_lloq, has_blq = "lloq" in df.columns, "blq" in df.columns
    for i, r in enumerate(df.to_dict("records")):
        pid = _text(r["patient_id"], label, i, "patient_id")
        day = _number(r["day"], label, i, "day")
        if abs(day) > MAX_ABS_DAY:
            raise InputError(f"{_where(label, i)}, column 'day': got {day:g}, expected days "
                             f"within ±{MAX_ABS_DAY:g} of the infusion")
        obs = _text(r["observable"], label, i, "observable")
        if obs in CLINICAL_SCORES:
            raise InputError(f"{_where(label, i)}, column 'observable': got {obs!r}, a clinical "
                             "score (an integer of thresholds, without a derivative); fit its "
                             "continuous drivers (anti_dsdna, c3, proteinuria_g_per_day) instead")
        if obs not in catalogue:
            known = ", ".join(sorted(n for n, o in catalogue.observables.items()
                                     if o.kind == "read-out")) or "the model's states"
            raise InputError(f"{_where(label, i)}, column 'observable': got {obs!r}, expected an "
                             f"observable of the model ({known}, or a state name)")
        unit = str(r["unit"]).strip()
        target = catalogue.unit(obs)
        blq_flag = False
        if has_blq:
            text = str(r["blq"]).strip()
            if text not in ("", "0", "1", "nan"):
                raise InputError(f"{_where(label, i)}, column 'blq': got {text!r}, expected 0 or 1")
            blq_flag = text == "1"
        lloq = _number(r["lloq"], label, i, "lloq", allow_empty=True) if has_lloq else math.nan
        value = _number(r["value"], label, i, "value", allow_empty=True)
        if math.isnan(value) and math.isnan(lloq):
            raise InputError(f"{_where(label, i)}, column 'value': empty and no lloq, expected a "
                             "number (or an lloq for a value below the limit)")
        if blq_flag and math.isnan(lloq):
            raise InputError(f"{_where(label, i)}, column 'lloq': empty with blq = 1, expected "
                             "the limit of quantification")

        value_c, lloq_c = (_canonical(v, unit, target, obs, label, i) for v in (value, lloq))
        if not math.isnan(lloq_c) and lloq_c <= 0:
            raise InputError(f"{_where(label, i)}, column 'lloq': got {lloq:g}, expected > 0")
        blq = blq_flag or (not math.isnan(lloq_c) and (math.isnan(value_c) or value_c < lloq_c))
        if not blq and value_c < 0:
            raise InputError(f"{_where(label, i)}, column 'value': got {value:g}, expected a "
                             "value >= 0 (a concentration or count)")
        rows.append((pid, day, obs, math.nan if blq else value_c, lloq_c, blq))
    table = pd.DataFrame(rows, columns=["patient_id", "day", "observable", "value", "lloq", "blq"])
    table = table.sort_values(["patient_id", "day", "observable"], kind="stable").reset_index(drop=True)
    units = {n: catalogue.unit(n) for n in set(table["observable"])}
    return Observations(table, label, units)


@dataclass(frozen=True)
class Covariates:
    """Per-patient covariates: body size (doses by body-surface area or weight), sex, age."""

    table: pd.DataFrame

    def row(self, patient_id: str) -> dict[str, object]:
        rows = self.table[self.table["patient_id"] == patient_id]
        if rows.empty:
            raise InputError(f"covariates: no row for patient {patient_id!r}")
        return dict(rows.iloc[0])


def read_covariates(path: str | Path | pd.DataFrame) -> Covariates:
    """Load a covariate table: ``patient_id, height_cm, weight_kg`` (+ ``sex``, ``age``)."""
    df = path.astype(str) if isinstance(path, pd.DataFrame) else _read(path, "covariates")
    label = "covariates" if isinstance(path, pd.DataFrame) else Path(path).name
    _require(df, ("patient_id", "height_cm", "weight_kg"), label)
    rows = []
    seen: set[str] = set()
    for i, r in enumerate(df.to_dict("records")):
        pid = _text(r["patient_id"], label, i, "patient_id")
        if pid in seen:
            raise InputError(f"{_where(label, i)}, column 'patient_id': {pid!r} appears twice")
        seen.add(pid)
        height = _number(r["height_cm"], label, i, "height_cm")
        weight = _number(r["weight_kg"], label, i, "weight_kg")
        if not 40.0 <= height <= 250.0:
            raise InputError(f"{_where(label, i)}, column 'height_cm': got {height:g}, expected "
                             "40-250 cm")
        if not 2.0 <= weight <= 400.0:
            raise InputError(f"{_where(label, i)}, column 'weight_kg': got {weight:g}, expected "
                             "2-400 kg")
        sex = str(r.get("sex", "")).strip().upper() or "NA"
        if sex not in ("F", "M", "NA"):
            raise InputError(f"{_where(label, i)}, column 'sex': got {r.get('sex')!r}, expected F or M")
        age = _number(r.get("age", ""), label, i, "age", allow_empty=True)
        rows.append((pid, height, weight, sex, age))
    return Covariates(pd.DataFrame(rows, columns=["patient_id", "height_cm", "weight_kg", "sex",
                                                  "age"]))


@dataclass(frozen=True)
class Dosing:
    """Per-patient state jumps ``(day, state_index, amount)`` in the state's unit."""

    events: Mapping[str, tuple[tuple[float, int, float], ...]]

    def of(self, patient_id: str) -> tuple[tuple[float, int, float], ...]:
        return self.events.get(patient_id, ())


def read_dosing(path: str | Path | pd.DataFrame, model: CompiledModel) -> Dosing:
    """Load a dosing table ``patient_id, day, state, amount, unit`` for ``model``."""
    df = path.astype(str) if isinstance(path, pd.DataFrame) else _read(path, "dosing")
    label = "dosing" if isinstance(path, pd.DataFrame) else Path(path).name
    _require(df, ("patient_id", "day", "state", "amount", "unit"), label)
    events: dict[str, list[tuple[float, int, float]]] = {}
    for i, r in enumerate(df.to_dict("records")):
        pid = _text(r["patient_id"], label, i, "patient_id")
        day = _number(r["day"], label, i, "day")
        state = _text(r["state"], label, i, "state")
        if state not in model.state_index:
            raise InputError(f"{_where(label, i)}, column 'state': got {state!r}, expected a "
                             f"model state ({', '.join(model.state_names)})")
        amount = _number(r["amount"], label, i, "amount")
        unit = str(r["unit"]).strip()
        target = model.state_units[model.state_index[state]]
        c = convert_unit(amount, unit, target)
        if c is None:
            raise InputError(f"{_where(label, i)}, column 'unit': got {unit!r} for state {state}, "
                             f"expected a unit convertible to {target!r}")
        if c < 0:
            raise InputError(f"{_where(label, i)}, column 'amount': got {amount:g}, expected >= 0")
        events.setdefault(pid, []).append((day, model.state_index[state], c))
    return Dosing({k: tuple(sorted(v)) for k, v in events.items()})
