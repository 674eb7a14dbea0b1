"""The visit table: one row per patient visit, its columns, and their validation.

A visit table is a :class:`pandas.DataFrame` (read from CSV or Parquet) with the columns
described by :data:`VISIT_COLUMNS` (name, kind, unit, allowed values or range). Only the
columns needed by the instruments asked for must be present (:data:`INSTRUMENT_COLUMNS`);
``patient_id`` and ``day`` are always needed.

Each of the 24 SLEDAI-2K descriptors is a 0/1 column. The laboratory descriptors may instead
be derived from measurements (:data:`LAB_DESCRIPTOR_SOURCES`): proteinuria from
``proteinuria_g_per_day``, haematuria from ``rbc_per_hpf``, pyuria from ``wbc_per_hpf``,
thrombocytopenia from ``platelets_10e9_per_l``, leukopenia from ``leukocytes_10e9_per_l``, low
complement from C3/C4 and their lower limits of normal, increased DNA binding from anti-dsDNA
and its upper limit of normal. A descriptor can be given either way, row by row (an empty cell
in the 0/1 column falls back on the measurement); given neither way it is an error, and given
both ways it must agree.

Errors are :class:`~immunoreset.errors.InputError` with a one-line message naming the row
(data rows counted from 1, header excluded, in the order of the table), the patient and day,
the column and the value, e.g.::

    row 3 (patient 'P1', day 28), column 'proteinuria_g_per_day': got 3500, expected g/day
    between 0 and 30 (did you pass mg/day?)

The renal-response instruments (:mod:`~immunoreset.clinical.renal_response`) read optional
columns (:data:`INSTRUMENT_OPTIONAL_COLUMNS`): ``upcr_g_per_g``, ``egfr_ml_per_min_per_1_73m2``,
``prednisone_mg_per_day`` and ``renal_rescue``. Absent columns or empty cells make the renal
response of a visit not evaluable (missing), never an error; a value that is present is
validated like any other.

Out-of-range bounds that guard against unit mistakes (proteinuria > 30 g/day, platelets >
2000 × 10^9/L, C3 > 10 g/L, temperature > 45 °C, ...) are plausibility limits chosen for this
package, not published cut-offs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from immunoreset.clinical.crs import OXYGEN_SUPPORT
from immunoreset.clinical.icans import CEREBRAL_EDEMA, CONSCIOUSNESS, ICE_SCORE_MAX, SEIZURE_ICANS
from immunoreset.clinical.renal_response import (
    EGFR_MAX_ML_PER_MIN_PER_1_73M2,
    UPCR_MAX_G_PER_G,
)
from immunoreset.clinical.sledai2k import (
    CLINICAL_DESCRIPTORS,
    DESCRIPTORS,
    HEMATURIA_RBC_PER_HPF_ABOVE,
    LEUKOPENIA_10E9_PER_L_BELOW,
    PROTEINURIA_G_PER_DAY_ABOVE,
    PYURIA_WBC_PER_HPF_ABOVE,
    THROMBOCYTOPENIA_10E9_PER_L_BELOW,
)
from immunoreset.clinical.sri4 import BILAG_COLUMNS, BILAG_DOMAINS, BILAG_GRADES
from immunoreset.errors import InputError

__all__ = [
    "CRS_COLUMNS",
    "ICANS_COLUMNS",
    "INSTRUMENTS",
    "INSTRUMENT_COLUMNS",
    "INSTRUMENT_DESCRIPTORS",
    "INSTRUMENT_OPTIONAL_COLUMNS",
    "LAB_DESCRIPTOR_SOURCES",
    "RENAL_COLUMNS",
    "RENAL_INSTRUMENTS",
    "VISIT_COLUMNS",
    "ColumnSpec",
    "PreparedVisits",
    "Visit",
    "check_instruments",
    "prepare_visits",
]

Kind = Literal["id", "number", "count", "binary", "category"]


@dataclass(frozen=True)
class ColumnSpec:
    """One column of the visit table.

    ``minimum``/``maximum`` bound the accepted values (inclusive); ``hint`` is appended to
    the error when a value is above ``maximum`` (typically a unit mix-up); ``positive`` asks
    for values strictly above 0 (laboratory limits).
    """

    name: str
    kind: Kind
    unit: str
    description: str
    minimum: float | None = None
    maximum: float | None = None
    hint: str = ""
    allowed: tuple[str, ...] = ()
    positive: bool = False


def _binary(name: str, description: str) -> ColumnSpec:
    return ColumnSpec(name, "binary", "0/1", description)


_MG_HINT = "did you pass mg/dL? divide by 100"
_PER_UL_HINT = "did you pass cells/µL? divide by 1000"

_SPECS: tuple[ColumnSpec, ...] = (
    ColumnSpec("patient_id", "id", "-", "patient identifier (text)"),
    ColumnSpec("day", "number", "day", "day of the visit (e.g. relative to CAR-T infusion)"),
    *(_binary(d, f"SLEDAI-2K descriptor '{d}' present at this visit") for d in DESCRIPTORS),
    ColumnSpec(
        "proteinuria_g_per_day",
        "number",
        "g/day",
        "24-hour urine protein",
        0,
        30,
        "did you pass mg/day?",
    ),
    ColumnSpec(
        "rbc_per_hpf",
        "number",
        "RBC/hpf",
        "urine red cells per high-power field",
        0,
        1000,
        "expected cells per high-power field",
    ),
    ColumnSpec(
        "wbc_per_hpf",
        "number",
        "WBC/hpf",
        "urine white cells per high-power field",
        0,
        1000,
        "expected cells per high-power field",
    ),
    ColumnSpec(
        "platelets_10e9_per_l",
        "number",
        "10^9/L",
        "blood platelet count",
        0,
        2000,
        _PER_UL_HINT,
    ),
    ColumnSpec(
        "leukocytes_10e9_per_l",
        "number",
        "10^9/L",
        "blood leukocyte count",
        0,
        500,
        _PER_UL_HINT,
    ),
    ColumnSpec("c3_g_per_l", "number", "g/L", "serum C3", 0, 10, _MG_HINT),
    ColumnSpec("c4_g_per_l", "number", "g/L", "serum C4", 0, 5, _MG_HINT),
    ColumnSpec("anti_dsdna_iu_per_ml", "number", "IU/mL", "anti-dsDNA antibody level", 0, 1e6),
    ColumnSpec(
        "c3_lln_g_per_l",
        "number",
        "g/L",
        "laboratory lower limit of normal of C3",
        0,
        10,
        _MG_HINT,
        positive=True,
    ),
    ColumnSpec(
        "c4_lln_g_per_l",
        "number",
        "g/L",
        "laboratory lower limit of normal of C4",
        0,
        5,
        _MG_HINT,
        positive=True,
    ),
    ColumnSpec(
        "anti_dsdna_uln_iu_per_ml",
        "number",
        "IU/mL",
        "laboratory upper limit of normal of anti-dsDNA",
        0,
        1e6,
        positive=True,
    ),
    ColumnSpec("pga", "number", "points", "physician's global assessment", 0, 3),
    ColumnSpec(
        "prednisone_mg_per_day",
        "number",
        "mg/day",
        "prednisone-equivalent glucocorticoid dose",
        0,
        2000,
        "expected mg/day of prednisone equivalent",
    ),
    ColumnSpec(
        "upcr_g_per_g",
        "number",
        "g/g",
        "urine protein-to-creatinine ratio (g/g = mg/mg; renal response only)",
        0,
        UPCR_MAX_G_PER_G,
        "did you pass mg/g (divide by 1000) or mg/mmol (divide by 113)?",
    ),
    ColumnSpec(
        "egfr_ml_per_min_per_1_73m2",
        "number",
        "mL/min/1.73 m²",
        "estimated glomerular filtration rate (renal response only)",
        0,
        EGFR_MAX_ML_PER_MIN_PER_1_73M2,
        "expected mL/min/1.73 m²",
        positive=True,
    ),
    _binary("renal_rescue", "rescue therapy or treatment failure for lupus nephritis at this visit"),
    _binary("antimalarial", "taking an antimalarial (e.g. hydroxychloroquine)"),
    _binary("immunosuppressant", "taking an immunosuppressant (e.g. mycophenolate)"),
    _binary("biologic", "taking a biologic (e.g. belimumab)"),
    *(
        ColumnSpec(c, "category", "grade", f"BILAG-2004 {d} domain grade", allowed=BILAG_GRADES)
        for c, d in zip(BILAG_COLUMNS, BILAG_DOMAINS, strict=True)
    ),
    ColumnSpec(
        "temperature_c",
        "number",
        "°C",
        "highest body temperature (CRS grading only)",
        30,
        45,
        "did you pass °F?",
    ),
    _binary("hypotension", "hypotension attributed to CRS"),
    ColumnSpec(
        "vasopressors", "count", "count", "vasopressors needed, vasopressin excluded", 0, 10
    ),
    ColumnSpec("oxygen", "category", "-", "oxygen support for CRS", allowed=OXYGEN_SUPPORT),
    _binary("fever_masked", "antipyretic or anti-cytokine therapy given (fever not required)"),
    ColumnSpec("ice_score", "count", "points", "ICE score (0 if unarousable)", 0, ICE_SCORE_MAX),
    ColumnSpec("consciousness", "category", "-", "level of consciousness", allowed=CONSCIOUSNESS),
    ColumnSpec("seizure_icans", "category", "-", "seizures for ICANS", allowed=SEIZURE_ICANS),
    _binary("motor_weakness", "deep focal motor weakness (hemiparesis, paraparesis)"),
    ColumnSpec(
        "cerebral_edema", "category", "-", "raised ICP / cerebral oedema", allowed=CEREBRAL_EDEMA
    ),
)

#: Every column of the visit table, by name, in documentation order.
VISIT_COLUMNS: Mapping[str, ColumnSpec] = MappingProxyType({s.name: s for s in _SPECS})

#: Measurement columns from which each laboratory descriptor may be derived.
LAB_DESCRIPTOR_SOURCES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "proteinuria": ("proteinuria_g_per_day",),
        "hematuria": ("rbc_per_hpf",),
        "pyuria": ("wbc_per_hpf",),
        "thrombocytopenia": ("platelets_10e9_per_l",),
        "leukopenia": ("leukocytes_10e9_per_l",),
        "low_complement": ("c3_g_per_l", "c3_lln_g_per_l", "c4_g_per_l", "c4_lln_g_per_l"),
        "increased_dna_binding": ("anti_dsdna_iu_per_ml", "anti_dsdna_uln_iu_per_ml"),
    }
)

#: Score columns, in output order; each is also the name of an instrument.
INSTRUMENTS: tuple[str, ...] = (
    "sledai_2k",
    "clinical_sledai",
    "doris",
    "drug_free_doris",
    "lldas",
    "sri4",
    "crs_grade",
    "icans_grade",
    "complete_renal_response",
    "partial_renal_response",
    "renal_response",
)
#: The renal-response instruments: CRR, PRR and overall response (CRR or PRR).
RENAL_INSTRUMENTS: tuple[str, ...] = (
    "complete_renal_response",
    "partial_renal_response",
    "renal_response",
)
#: Renal-response inputs, all optional (absent = not evaluable).
RENAL_COLUMNS: tuple[str, ...] = (
    "upcr_g_per_g",
    "egfr_ml_per_min_per_1_73m2",
    "prednisone_mg_per_day",
    "renal_rescue",
)

#: CRS inputs (Lee 2019).
CRS_COLUMNS: tuple[str, ...] = (
    "temperature_c",
    "fever_masked",
    "hypotension",
    "vasopressors",
    "oxygen",
)
#: ICANS inputs (Lee 2019).
ICANS_COLUMNS: tuple[str, ...] = (
    "ice_score",
    "consciousness",
    "seizure_icans",
    "motor_weakness",
    "cerebral_edema",
)

#: SLEDAI-2K descriptors each instrument needs (given as 0/1 or derived).
INSTRUMENT_DESCRIPTORS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "sledai_2k": DESCRIPTORS,
        "clinical_sledai": CLINICAL_DESCRIPTORS,
        "doris": CLINICAL_DESCRIPTORS,
        "drug_free_doris": CLINICAL_DESCRIPTORS,
        "lldas": DESCRIPTORS,
        "sri4": DESCRIPTORS,
        "crs_grade": (),
        "icans_grade": (),
        **dict.fromkeys(RENAL_INSTRUMENTS, ()),
    }
)
#: Other columns each instrument needs (besides ``patient_id`` and ``day``).
INSTRUMENT_COLUMNS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "sledai_2k": (),
        "clinical_sledai": (),
        "doris": ("pga", "prednisone_mg_per_day"),
        "drug_free_doris": (
            "pga",
            "prednisone_mg_per_day",
            "antimalarial",
            "immunosuppressant",
            "biologic",
        ),
        "lldas": ("pga", "prednisone_mg_per_day"),
        "sri4": ("pga", *BILAG_COLUMNS),
        "crs_grade": CRS_COLUMNS,
        "icans_grade": ICANS_COLUMNS,
        **dict.fromkeys(RENAL_INSTRUMENTS, ()),
    }
)
#: Columns each instrument reads when present; absent or empty they make its result missing
#: (not evaluable) instead of raising.
INSTRUMENT_OPTIONAL_COLUMNS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {name: RENAL_COLUMNS if name in RENAL_INSTRUMENTS else () for name in INSTRUMENTS}
)


@dataclass(frozen=True)
class PreparedVisits:
    """A validated visit table, ready for the instruments.

    ``descriptors`` is an ``(n_visits, k)`` table of 0/1 (int8) for the descriptors needed,
    each given or derived; ``values`` maps every other needed column to an array of length
    ``n_visits`` (float NumPy array for numbers, :class:`pandas.Categorical` for categories);
    ``patient_id`` is a series with a fresh ``RangeIndex``.
    """

    n_visits: int
    patient_id: pd.Series
    day: npt.NDArray[np.float64]
    descriptors: pd.DataFrame
    values: Mapping[str, np.ndarray | pd.Categorical] = field(default_factory=dict)


def check_instruments(instruments: Iterable[str] | None) -> tuple[str, ...]:
    """Return the instruments asked for in output order; ``None`` means all of them."""
    if instruments is None:
        return INSTRUMENTS
    if isinstance(instruments, str):
        instruments = [instruments]
    asked = list(instruments)
    for name in asked:
        if name not in INSTRUMENTS:
            raise InputError(
                f"instruments: got {name!r}, expected some of {', '.join(INSTRUMENTS)}"
            )
    if not asked:
        raise InputError(f"instruments: got none, expected some of {', '.join(INSTRUMENTS)}")
    return tuple(name for name in INSTRUMENTS if name in asked)


def prepare_visits(
    table: pd.DataFrame, *, instruments: Iterable[str] | None = None
) -> PreparedVisits:
    """Validate ``table`` for ``instruments`` and resolve the SLEDAI-2K descriptors.

    Raises :class:`~immunoreset.errors.InputError` (one line naming row, column and value) on
    a missing column, a missing or unknown value, a value out of range or in a wrong-looking
    unit, a descriptor given neither way or two ways that disagree, or a patient with two
    rows on the same day.
    """
    asked = check_instruments(instruments)
    checker = _Checker(table)
    for name in ("patient_id", "day"):
        checker.require(name, "every instrument")
    patient_id = checker.ids("patient_id")
    day = checker.numbers(VISIT_COLUMNS["day"])
    checker.set_locator(patient_id, day)
    checker.no_duplicate_visits(patient_id, day)

    needed_descriptors = [
        d for d in DESCRIPTORS if any(d in INSTRUMENT_DESCRIPTORS[i] for i in asked)
    ]
    needed_columns = [c for c in VISIT_COLUMNS if any(c in INSTRUMENT_COLUMNS[i] for i in asked)]
    first_user = {
        c: next(i for i in asked if c in INSTRUMENT_COLUMNS[i] or c in INSTRUMENT_DESCRIPTORS[i])
        for c in (*needed_descriptors, *needed_columns)
    }
    resolved = [checker.descriptor(d, first_user[d]) for d in needed_descriptors]
    matrix = np.column_stack(resolved) if resolved else np.zeros((len(table), 0), dtype=np.int8)
    descriptors = pd.DataFrame(matrix, columns=needed_descriptors)
    values: dict[str, np.ndarray | pd.Categorical] = {}
    for name in needed_columns:
        checker.require(name, first_user[name])
        spec = VISIT_COLUMNS[name]
        if spec.kind == "category":
            values[name] = checker.categories(spec)
        else:
            values[name] = checker.numbers(spec)
    optional = [
        c
        for c in VISIT_COLUMNS
        if c not in values and any(c in INSTRUMENT_OPTIONAL_COLUMNS[i] for i in asked)
    ]
    for name in optional:
        found = checker.optional_numbers(name)
        if found is not None:
            values[name] = found
    if "vasopressors" in values and "hypotension" in values:
        pressors = np.asarray(values["vasopressors"])
        bad = (pressors > 0) & (np.asarray(values["hypotension"]) == 0)
        checker.fail_first(
            bad, "vasopressors", pressors, "0 when hypotension = 0 (or set hypotension = 1)"
        )
    return PreparedVisits(len(table), patient_id, day, descriptors, MappingProxyType(values))


class _Checker:
    """Column checks over a whole table; each raises on the first bad row."""

    def __init__(self, table: pd.DataFrame) -> None:
        self.table = table
        self.n = len(table)
        self._patient: pd.Series | None = None
        self._day: np.ndarray | None = None

    # -- messages -------------------------------------------------------------------------
    def set_locator(self, patient_id: pd.Series, day: np.ndarray) -> None:
        self._patient, self._day = patient_id, day

    def where(self, pos: int) -> str:
        if self._patient is None or self._day is None:
            return f"row {pos + 1}"
        patient = self._patient.iloc[pos]
        return f"row {pos + 1} (patient {str(patient)!r}, day {_fmt(self._day[pos])})"

    def fail_first(
        self, bad: np.ndarray, column: str, values: pd.Series | np.ndarray, expected: str
    ) -> None:
        if bad.any():
            pos = int(np.argmax(bad))
            value = values.iloc[pos] if isinstance(values, pd.Series) else values[pos]
            raise InputError(
                f"{self.where(pos)}, column {column!r}: got {_fmt(value)}, expected {expected}"
            )

    def require(self, name: str, user: str) -> None:
        if name not in self.table.columns:
            raise InputError(f"missing column {name!r}, needed by {user}")

    # -- column kinds ---------------------------------------------------------------------
    def ids(self, name: str) -> pd.Series:
        raw = self.table[name].reset_index(drop=True)
        self.fail_first(raw.isna().to_numpy(), name, raw, "a patient identifier")
        return raw

    def _parse(self, name: str) -> np.ndarray:
        """Float values of a column (NaN where empty); raises on text that is not a number."""
        raw = self.table[name].reset_index(drop=True)
        if pd.api.types.is_numeric_dtype(raw.dtype):
            values = raw.to_numpy(dtype=float, na_value=np.nan)
        else:
            parsed = pd.to_numeric(raw, errors="coerce")
            values = parsed.to_numpy(dtype=float, na_value=np.nan)
            not_number = np.isnan(values) & raw.notna().to_numpy()
            self.fail_first(not_number, name, raw, "a number")
        self.fail_first(np.isinf(values), name, values, "a finite number")
        return values

    def numbers(self, spec: ColumnSpec, *, allow_missing: bool = False) -> np.ndarray:
        values = self._parse(spec.name)
        missing = np.isnan(values)
        if not allow_missing:
            self.fail_first(missing, spec.name, values, f"a value ({_describe(spec)})")
        present = ~missing
        if spec.kind == "binary":
            self.fail_first(present & (values != 0) & (values != 1), spec.name, values, "0 or 1")
            return values
        if spec.kind == "count":
            whole = values == np.round(values)
            self.fail_first(present & ~whole, spec.name, values, "a whole number")
        expected = _describe(spec)
        if spec.minimum is not None:
            too_low = values <= spec.minimum if spec.positive else values < spec.minimum
            self.fail_first(present & too_low, spec.name, values, expected)
        if spec.maximum is not None:
            hint = f" ({spec.hint})" if spec.hint else ""
            self.fail_first(present & (values > spec.maximum), spec.name, values, expected + hint)
        return values

    def categories(self, spec: ColumnSpec) -> pd.Categorical:
        raw = self.table[spec.name].reset_index(drop=True)
        missing = raw.isna().to_numpy()
        self.fail_first(missing, spec.name, raw, f"a value ({_describe(spec)})")
        self.fail_first(~raw.isin(spec.allowed).to_numpy(), spec.name, raw, _describe(spec))
        return pd.Categorical(raw, categories=list(spec.allowed))

    # -- SLEDAI-2K descriptors --------------------------------------------------------------
    def optional_numbers(self, name: str) -> np.ndarray | None:
        if name not in self.table.columns:
            return None
        return self.numbers(VISIT_COLUMNS[name], allow_missing=True)

    def descriptor(self, name: str, user: str) -> npt.NDArray[np.int8]:
        sources = LAB_DESCRIPTOR_SOURCES.get(name, ())
        given = (
            self.numbers(VISIT_COLUMNS[name], allow_missing=True)
            if name in self.table.columns
            else None
        )
        derived = self._derive(name, strict=given is None) if sources else None
        if given is None and derived is None:
            alternative = f" (or {' + '.join(repr(s) for s in sources)})" if sources else ""
            raise InputError(f"missing column {name!r}{alternative}, needed by {user}")
        if given is None:
            assert derived is not None
            value, source = derived
            self.fail_first(
                np.isnan(value),
                source[0],
                value,
                f"a value to derive SLEDAI-2K descriptor {name!r} (or give column {name!r})",
            )
            return value.astype(np.int8)
        if derived is None:
            self.fail_first(np.isnan(given), name, given, "0 or 1")
            return given.astype(np.int8)
        value, source = derived
        clash = ~np.isnan(given) & ~np.isnan(value) & (given != value)
        if clash.any():
            pos = int(np.argmax(clash))
            measured = ", ".join(
                f"{s} = {_fmt(self.table[s].iloc[pos])}" for s in source if s in self.table
            )
            raise InputError(
                f"{self.where(pos)}, column {name!r}: got {_fmt(given[pos])}, but {measured} "
                f"gives {int(value[pos])}; give one of them or make them agree"
            )
        combined = np.where(np.isnan(given), value, given)
        missing = np.isnan(combined)
        if missing.any():
            pos = int(np.argmax(missing))
            raise InputError(
                f"{self.where(pos)}, column {name!r}: got an empty value and no "
                f"{' / '.join(repr(s) for s in source)} to derive it from, expected 0 or 1"
            )
        return combined.astype(np.int8)

    def _derive(self, name: str, *, strict: bool) -> tuple[np.ndarray, tuple[str, ...]] | None:
        """Descriptor from measurements (1.0/0.0, NaN where not measured), or None.

        A measurement without its laboratory limit (or the reverse) is an error when
        ``strict`` (the descriptor column is absent), and is ignored otherwise.
        """
        if name == "low_complement":
            return self._derive_low_complement(strict=strict)
        if name == "increased_dna_binding":
            return self._derive_pair(
                "anti_dsdna_iu_per_ml", "anti_dsdna_uln_iu_per_ml", above=True, strict=strict
            )
        single = {
            "proteinuria": (PROTEINURIA_G_PER_DAY_ABOVE, True),
            "hematuria": (HEMATURIA_RBC_PER_HPF_ABOVE, True),
            "pyuria": (PYURIA_WBC_PER_HPF_ABOVE, True),
            "thrombocytopenia": (THROMBOCYTOPENIA_10E9_PER_L_BELOW, False),
            "leukopenia": (LEUKOPENIA_10E9_PER_L_BELOW, False),
        }
        (source,) = LAB_DESCRIPTOR_SOURCES[name]
        measured = self.optional_numbers(source)
        if measured is None:
            return None
        threshold, above = single[name]
        hit = measured > threshold if above else measured < threshold
        return _with_nan(hit, np.isnan(measured)), (source,)

    def _derive_pair(
        self, value_name: str, limit_name: str, *, above: bool, strict: bool
    ) -> tuple[np.ndarray, tuple[str, ...]] | None:
        columns = self.table.columns
        if value_name not in columns and limit_name not in columns:
            return None
        if value_name not in columns or limit_name not in columns:
            if not strict:
                return None
            have, lack = (
                (value_name, limit_name) if value_name in columns else (limit_name, value_name)
            )
            raise InputError(f"column {have!r} needs column {lack!r}")
        value = self.optional_numbers(value_name)
        limit = self.optional_numbers(limit_name)
        assert value is not None and limit is not None  # both columns exist
        hit = value > limit if above else value < limit
        return _with_nan(hit, np.isnan(value) | np.isnan(limit)), (value_name, limit_name)

    def _derive_low_complement(self, *, strict: bool) -> tuple[np.ndarray, tuple[str, ...]] | None:
        c3 = self._derive_pair("c3_g_per_l", "c3_lln_g_per_l", above=False, strict=strict)
        c4 = self._derive_pair("c4_g_per_l", "c4_lln_g_per_l", above=False, strict=strict)
        if c3 is None and c4 is None:
            return None
        if c3 is None or c4 is None:
            return c3 if c3 is not None else c4
        low3, low4 = c3[0], c4[0]
        # Low if either is low; normal if at least one is measured and neither is low.
        low = (low3 == 1) | (low4 == 1)
        unknown = np.isnan(low3) & np.isnan(low4)
        return _with_nan(low, unknown), (*c3[1], *c4[1])

    def no_duplicate_visits(self, patient_id: pd.Series, day: np.ndarray) -> None:
        duplicated = pd.DataFrame({"p": patient_id, "d": day}).duplicated().to_numpy()
        if duplicated.any():
            pos = int(np.argmax(duplicated))
            raise InputError(
                f"{self.where(pos)}, columns 'patient_id', 'day': got a second visit of "
                f"patient {str(patient_id.iloc[pos])!r} on day {_fmt(day[pos])}, expected one "
                "row per patient visit"
            )


def _with_nan(hit: np.ndarray, unknown: np.ndarray) -> np.ndarray:
    out = hit.astype(float)
    out[unknown] = np.nan
    return out


def _describe(spec: ColumnSpec) -> str:
    if spec.kind == "category":
        return "one of " + ", ".join(spec.allowed)
    if spec.kind == "binary":
        return "0 or 1"
    if spec.minimum is None or spec.maximum is None:
        return f"a number ({spec.unit})"
    low = f"above {_fmt(spec.minimum)}" if spec.positive else f"between {_fmt(spec.minimum)}"
    if spec.positive:
        return f"{spec.unit} {low} and at most {_fmt(spec.maximum)}"
    return f"{spec.unit} {low} and {_fmt(spec.maximum)}"


def _fmt(value: Any) -> str:
    """Short rendering of a cell value for error messages."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "an empty value"
    if isinstance(value, bool | np.bool_):
        return str(value)
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return f"{float(value):g}"
    return repr(value)


@dataclass(frozen=True)
class Visit:
    """One patient visit, typed: the single-visit counterpart of a visit-table row.

    Fields left as ``None`` are not known; the instruments needing them are not scored by
    :func:`~immunoreset.clinical.score_visit`. SLEDAI-2K descriptors are given as the set of
    names present (every other descriptor is absent).

    Example::

        Visit("P1", 90, descriptors={"rash"}, pga=0.2, prednisone_mg_per_day=0)
    """

    patient_id: str
    day: float
    descriptors: frozenset[str] = frozenset()
    pga: float | None = None
    prednisone_mg_per_day: float | None = None
    antimalarial: bool | None = None
    immunosuppressant: bool | None = None
    biologic: bool | None = None
    bilag: Mapping[str, str] | None = None  # domain (e.g. "renal") -> grade "A"-"E"
    temperature_c: float | None = None
    fever_masked: bool | None = None
    hypotension: bool | None = None
    vasopressors: int | None = None
    oxygen: str | None = None
    ice_score: int | None = None
    consciousness: str | None = None
    seizure_icans: str | None = None
    motor_weakness: bool | None = None
    cerebral_edema: str | None = None
    upcr_g_per_g: float | None = None
    egfr_ml_per_min_per_1_73m2: float | None = None
    renal_rescue: bool | None = None

    def __post_init__(self) -> None:
        descriptors = frozenset(self.descriptors)
        unknown = sorted(descriptors - set(DESCRIPTORS))
        if unknown:
            raise InputError(
                f"Visit.descriptors: got {unknown[0]!r}, expected SLEDAI-2K descriptors such "
                f"as {', '.join(DESCRIPTORS[:3])}, ..."
            )
        object.__setattr__(self, "descriptors", descriptors)
        if self.bilag is not None:
            bilag = dict(self.bilag)
            if set(bilag) != set(BILAG_DOMAINS):
                raise InputError(
                    f"Visit.bilag: got domains {', '.join(sorted(bilag))}, expected all of "
                    f"{', '.join(BILAG_DOMAINS)}"
                )
            object.__setattr__(self, "bilag", MappingProxyType(bilag))

    def to_record(self) -> dict[str, object]:
        """The visit as a visit-table row (column -> value), known fields only."""
        record: dict[str, object] = {"patient_id": self.patient_id, "day": self.day}
        record.update({d: int(d in self.descriptors) for d in DESCRIPTORS})
        if self.bilag is not None:
            record.update({f"bilag_{d}": g for d, g in self.bilag.items()})
        for name in (
            "pga",
            "prednisone_mg_per_day",
            "antimalarial",
            "immunosuppressant",
            "biologic",
            *CRS_COLUMNS,
            *ICANS_COLUMNS,
            "upcr_g_per_g",
            "egfr_ml_per_min_per_1_73m2",
            "renal_rescue",
        ):
            value = getattr(self, name)
            if value is not None:
                record[name] = int(value) if isinstance(value, bool) else value
        return record
