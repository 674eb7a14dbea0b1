"""Clinical instruments for lupus and CAR-T toxicity, over typed visits and visit tables.

One module per instrument, each with its published rule, constants and sources:

* :mod:`~immunoreset.clinical.sledai2k` — SLEDAI-2K and clinical SLEDAI (Gladman 2002);
* :mod:`~immunoreset.clinical.doris` — DORIS 2021 remission and drug-free DORIS
  (van Vollenhoven 2021);
* :mod:`~immunoreset.clinical.lldas` — Lupus Low Disease Activity State (Franklyn 2016);
* :mod:`~immunoreset.clinical.sri4` — SLE Responder Index 4 (Furie 2009);
* :mod:`~immunoreset.clinical.crs` and :mod:`~immunoreset.clinical.icans` — ASTCT CRS and
  adult ICANS grades (Lee 2019).

The visit-table format lives in :mod:`~immunoreset.clinical.visits`; the entry points are
:func:`score_visits` (DataFrame, vectorised), :func:`score_file` (CSV/Parquet, used by
``immunoreset score``) and :func:`score_visit` (one typed :class:`Visit`). See
``docs/clinical.md``.
"""

from __future__ import annotations

from immunoreset.clinical.crs import OXYGEN_SUPPORT, crs_grade
from immunoreset.clinical.doris import doris_remission, drug_free_doris_remission
from immunoreset.clinical.icans import (
    CEREBRAL_EDEMA,
    CONSCIOUSNESS,
    SEIZURE_ICANS,
    icans_grade,
)
from immunoreset.clinical.lldas import LLDAS_MAJOR_ORGAN_DESCRIPTORS, lldas
from immunoreset.clinical.score import (
    VisitScores,
    read_visits,
    score_file,
    score_visit,
    score_visits,
)
from immunoreset.clinical.sledai2k import (
    CLINICAL_DESCRIPTORS,
    DESCRIPTORS,
    SEROLOGICAL_DESCRIPTORS,
    SLEDAI_2K_MAX,
    SLEDAI_2K_WEIGHTS,
    clinical_sledai,
    sledai_2k,
)
from immunoreset.clinical.sri4 import BILAG_COLUMNS, BILAG_DOMAINS, BILAG_GRADES, sri4
from immunoreset.clinical.visits import (
    INSTRUMENT_COLUMNS,
    INSTRUMENT_DESCRIPTORS,
    INSTRUMENTS,
    LAB_DESCRIPTOR_SOURCES,
    VISIT_COLUMNS,
    ColumnSpec,
    PreparedVisits,
    Visit,
    prepare_visits,
)

__all__ = [
    "BILAG_COLUMNS",
    "BILAG_DOMAINS",
    "BILAG_GRADES",
    "CEREBRAL_EDEMA",
    "CLINICAL_DESCRIPTORS",
    "CONSCIOUSNESS",
    "DESCRIPTORS",
    "INSTRUMENTS",
    "INSTRUMENT_COLUMNS",
    "INSTRUMENT_DESCRIPTORS",
    "LAB_DESCRIPTOR_SOURCES",
    "LLDAS_MAJOR_ORGAN_DESCRIPTORS",
    "OXYGEN_SUPPORT",
    "SEIZURE_ICANS",
    "SEROLOGICAL_DESCRIPTORS",
    "SLEDAI_2K_MAX",
    "SLEDAI_2K_WEIGHTS",
    "VISIT_COLUMNS",
    "ColumnSpec",
    "PreparedVisits",
    "Visit",
    "VisitScores",
    "clinical_sledai",
    "crs_grade",
    "doris_remission",
    "drug_free_doris_remission",
    "icans_grade",
    "lldas",
    "prepare_visits",
    "read_visits",
    "score_file",
    "score_visit",
    "score_visits",
    "sledai_2k",
    "sri4",
]
