"""Score a visit table with every instrument: DataFrame, file and single-visit entry points.

Three layers, each a thin wrapper around the next:

* :func:`score_file` reads a CSV or Parquet visit table, scores it and writes the scored
  table atomically (the ``immunoreset score`` command calls it);
* :func:`score_visits` scores a :class:`pandas.DataFrame` (vectorised: no loop over rows);
* :func:`score_visit` scores one typed :class:`~immunoreset.clinical.Visit`, given the
  patient's earlier visits.

Score columns (see :data:`~immunoreset.clinical.INSTRUMENTS`): ``sledai_2k`` and
``clinical_sledai`` (points), ``doris``, ``drug_free_doris``, ``lldas`` (0/1), ``sri4`` (0/1,
empty on a patient's first visit), ``crs_grade`` and ``icans_grade`` (0-4).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from immunoreset.clinical.crs import crs_grade
from immunoreset.clinical.doris import doris_remission, drug_free_doris_remission
from immunoreset.clinical.icans import icans_grade
from immunoreset.clinical.lldas import lldas
from immunoreset.clinical.renal_response import (
    DEFAULT_RENAL_DEFINITION,
    RenalResponse,
    RenalResponseDefinition,
    renal_response,
)
from immunoreset.clinical.renal_response import renal_definition as _definition
from immunoreset.clinical.sledai2k import (
    CLINICAL_DESCRIPTORS,
    DESCRIPTORS,
    clinical_sledai,
    sledai_2k,
)
from immunoreset.clinical.sri4 import BILAG_COLUMNS, sri4
from immunoreset.clinical.visits import (
    INSTRUMENT_COLUMNS,
    INSTRUMENTS,
    RENAL_INSTRUMENTS,
    PreparedVisits,
    Visit,
    check_instruments,
    prepare_visits,
)
from immunoreset.errors import InputError

__all__ = ["VisitScores", "score_file", "score_visit", "score_visits"]

_READERS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def score_visits(
    table: pd.DataFrame,
    *,
    instruments: Iterable[str] | None = None,
    renal_definition: str | RenalResponseDefinition = DEFAULT_RENAL_DEFINITION,
) -> pd.DataFrame:
    """Return a copy of ``table`` with one score column per instrument added.

    Parameters
    ----------
    table
        Visit table, one row per patient visit (columns in ``docs/clinical.md`` and
        :data:`~immunoreset.clinical.VISIT_COLUMNS`); rows may be in any order.

    Other parameters
    ----------------
    instruments
        Names from :data:`~immunoreset.clinical.INSTRUMENTS`; default all. Only the columns
        these instruments need must be present (the renal columns are optional).
    renal_definition
        The renal-response definition: a name in
        :data:`~immunoreset.clinical.RENAL_DEFINITIONS` (default ``"lunar"``) or a
        :class:`~immunoreset.clinical.RenalResponseDefinition`.

    Returns
    -------
    A new DataFrame with the same rows, index and columns, plus the score columns in the order
    of :data:`~immunoreset.clinical.INSTRUMENTS` (an existing score column is overwritten):
    SLEDAI scores as int16, DORIS/LLDAS as int8 0/1, SRI-4 as nullable ``Int8`` (missing on
    a patient's first visit), grades as int8, renal responses as nullable ``Int8`` (missing
    on a patient's first visit and where not evaluable, e.g. without ``upcr_g_per_g`` and
    ``egfr_ml_per_min_per_1_73m2``).

    Raises
    ------
    InputError
        On any invalid input (one-line message naming row, column and value); nothing is
        scored then.
    """
    asked = check_instruments(instruments)
    definition = _definition(renal_definition)
    visits = prepare_visits(table, instruments=asked)
    values, descriptors = visits.values, visits.descriptors
    have = set(descriptors.columns)
    total = sledai_2k(descriptors).to_numpy() if have >= set(DESCRIPTORS) else np.zeros(0)
    clinical = (
        clinical_sledai(descriptors).to_numpy()
        if have >= set(CLINICAL_DESCRIPTORS)
        else np.zeros(0)
    )
    order = {"patient_id": visits.patient_id, "day": visits.day}
    scores: dict[str, object] = {}
    renal = _renal(visits, definition) if set(asked) & set(RENAL_INSTRUMENTS) else None
    for name in asked:
        columns = [values[c] for c in INSTRUMENT_COLUMNS[name]]
        if name == "sledai_2k":
            scores[name] = total
        elif name == "clinical_sledai":
            scores[name] = clinical
        elif name == "doris":
            scores[name] = doris_remission(clinical, *columns).astype(np.int8)
        elif name == "drug_free_doris":
            scores[name] = drug_free_doris_remission(clinical, *columns).astype(np.int8)
        elif name == "lldas":
            scores[name] = lldas(descriptors, total, *columns, **order).astype(np.int8)
        elif name == "sri4":
            bilag = pd.DataFrame({c: values[c] for c in BILAG_COLUMNS})
            scores[name] = sri4(total, values["pga"], bilag, **order).astype("Int8")
        elif name == "crs_grade":
            scores[name] = crs_grade(*columns)
        elif name == "icans_grade":
            scores[name] = icans_grade(*columns)
        elif renal is not None:
            part = {"complete_renal_response": renal.complete,
                    "partial_renal_response": renal.partial, "renal_response": renal.overall}
            scores[name] = pd.array(part[name], dtype="boolean").astype("Int8")
    added = pd.DataFrame(scores, index=table.index)
    kept = table.drop(columns=[c for c in asked if c in table.columns])
    return pd.concat([kept, added], axis=1)


def _renal(visits: PreparedVisits, definition: RenalResponseDefinition) -> RenalResponse:
    """The renal response of every visit; not evaluable where the optional columns lack."""
    values, n = visits.values, visits.n_visits
    nan = np.full(n, np.nan)

    def column(name: str) -> np.ndarray:
        found = values.get(name)
        return nan if found is None else np.asarray(found, dtype=float)

    return renal_response(
        column("upcr_g_per_g"),
        column("egfr_ml_per_min_per_1_73m2"),
        patient_id=visits.patient_id,
        day=visits.day,
        definition=definition,
        prednisone_mg_per_day=column("prednisone_mg_per_day"),
        rescue=column("renal_rescue"),
    )


def read_visits(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a visit table from ``.csv`` or ``.parquet``/``.pq`` (raises InputError)."""
    path = Path(path)
    kind = _READERS.get(path.suffix.lower())
    if kind is None:
        raise InputError(f"VISITS: got {str(path)!r}, expected a .csv or .parquet file")
    if not path.is_file():
        raise InputError(f"VISITS: got {str(path)!r}, expected an existing file")
    try:
        if kind == "csv":
            # Cells are read as text, so that the scored file repeats them unchanged; only
            # empty cells are missing ('NA' or 'None' in a cell is reported, not guessed).
            return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        return pd.read_parquet(path)
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"VISITS: could not read {str(path)!r}: {message}") from exc


def score_file(
    path_in: str | os.PathLike[str],
    path_out: str | os.PathLike[str],
    *,
    instruments: Iterable[str] | None = None,
    renal_definition: str | RenalResponseDefinition = DEFAULT_RENAL_DEFINITION,
) -> pd.DataFrame:
    """Score the visit table in ``path_in`` and write it, with scores, to ``path_out``.

    The formats follow the extensions (``.csv``, ``.parquet`` or ``.pq``). Everything is
    validated before anything is written; the output is written to a temporary file in the
    destination folder and moved into place with :func:`os.replace`, so on error no output
    file is created or changed. Returns the scored table.
    """
    out_path = Path(path_out)
    try:
        out_path.stat()
    except FileNotFoundError:
        pass
    except OSError as exc:  # a name too long, a loop of links, ...
        raise InputError(f"--out: cannot use {str(out_path)[:80]!r} ({exc.strerror})") from None
    if out_path.is_dir():
        raise InputError(f"--out: {str(out_path)!r} is a folder, expected a .csv or .parquet "
                         "file name")
    out_kind = _READERS.get(out_path.suffix.lower())
    if out_kind is None:
        raise InputError(f"--out: got {str(out_path)!r}, expected a .csv or .parquet file")
    folder = out_path.parent
    if not folder.is_dir():
        raise InputError(f"--out: got {str(out_path)!r}, expected an existing folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"--out: folder {str(folder)!r} is not writable, expected a folder "
                         "this user can write")
    definition = _definition(renal_definition)
    in_path = Path(path_in)
    if out_path.exists() and in_path.exists() and os.path.samefile(out_path, in_path):
        raise InputError(f"--out: {str(out_path)!r} is the input VISITS file, expected another "
                         "file name (score never overwrites its input)")
    scored = score_visits(read_visits(path_in), instruments=instruments,
                          renal_definition=definition)
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{out_path.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"--out: cannot write into {str(folder)!r} ({exc.strerror})") from None
    os.close(handle)
    try:
        if out_kind == "csv":
            scored.to_csv(temporary, index=False)
        else:
            scored.to_parquet(temporary, index=False)
        os.replace(temporary, out_path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise InputError(f"--out: cannot write {str(out_path)!r} ({exc.strerror})") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise
    return scored


@dataclass(frozen=True)
class VisitScores:
    """Scores of one visit; ``None`` where the instrument was not scored (or SRI-4 at the
    first visit)."""

    sledai_2k: int | None = None
    clinical_sledai: int | None = None
    doris: bool | None = None
    drug_free_doris: bool | None = None
    lldas: bool | None = None
    sri4: bool | None = None
    crs_grade: int | None = None
    icans_grade: int | None = None
    complete_renal_response: bool | None = None
    partial_renal_response: bool | None = None
    renal_response: bool | None = None


def score_visit(
    visit: Visit,
    *,
    history: Sequence[Visit] = (),
    instruments: Iterable[str] | None = None,
    renal_definition: str | RenalResponseDefinition = DEFAULT_RENAL_DEFINITION,
) -> VisitScores:
    """Score one visit, given the same patient's earlier visits (needed by SRI-4 and LLDAS).

    Parameters
    ----------
    visit
        The visit to score.

    Other parameters
    ----------------
    history
        Earlier visits of the same patient, in any order; the earliest is the SRI-4 and
        renal-response baseline and the latest the LLDAS "previous assessment".
    instruments
        Default: every instrument whose inputs are known in ``visit`` and ``history``.

    This wraps :func:`score_visits` on a small table, so both give the same results.
    """
    for earlier in history:
        if earlier.patient_id != visit.patient_id or not earlier.day < visit.day:
            raise InputError(
                f"history: got a visit of patient {earlier.patient_id!r} on day {earlier.day}, "
                f"expected earlier visits of patient {visit.patient_id!r} (before day {visit.day})"
            )
    # need earlier visits; the others use this visit only
    longitudinal = {"lldas", "sri4", *RENAL_INSTRUMENTS}
    table = pd.DataFrame([v.to_record() for v in (*history, visit)])
    if instruments is None:
        known_now = set(table.columns[table.iloc[[-1]].notna().all()])
        known_always = set(table.columns[table.notna().all()])
        instruments = [
            i
            for i in INSTRUMENTS
            if set(INSTRUMENT_COLUMNS[i]) <= (known_always if i in longitudinal else known_now)
        ]
    asked = check_instruments(instruments)
    now = [i for i in asked if i not in longitudinal]
    over_time = [i for i in asked if i in longitudinal]
    scored = pd.concat(
        [
            score_visits(table.iloc[[-1]], instruments=now).iloc[-1] if now else pd.Series(),
            score_visits(table, instruments=over_time, renal_definition=renal_definition)
            .iloc[-1][over_time]
            if over_time
            else pd.Series(),
        ]
    )
    result: dict[str, int | bool | None] = {}
    for name in asked:
        value = scored[name]
        if pd.isna(value):
            result[name] = None
        elif name in {"doris", "drug_free_doris", "lldas", "sri4", *RENAL_INSTRUMENTS}:
            result[name] = bool(value)
        else:
            result[name] = int(value)
    return VisitScores(**result)  # type: ignore[arg-type]
