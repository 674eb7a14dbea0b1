"""Clinical instruments for lupus and CAR-T toxicity, over typed visits and visit tables.

One module per instrument, each with its published rule, constants and sources:

* :mod:`~immunoreset.clinical.sledai2k` — SLEDAI-2K and clinical SLEDAI (Gladman 2002);
* :mod:`~immunoreset.clinical.doris` — DORIS 2021 remission and drug-free DORIS
  (van Vollenhoven 2021);
* :mod:`~immunoreset.clinical.lldas` — Lupus Low Disease Activity State (Franklyn 2016);
* :mod:`~immunoreset.clinical.sri4` — SLE Responder Index 4 (Furie 2009);
* :mod:`~immunoreset.clinical.crs` and :mod:`~immunoreset.clinical.icans` — ASTCT CRS and
  adult ICANS grades (Lee 2019);
* :mod:`~immunoreset.clinical.renal_response` — complete, partial and overall renal response
  in lupus nephritis, by the definitions of LUNAR, NOBILITY, REGENCY, BLISS-LN and AURORA.

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
from immunoreset.clinical.renal_response import (
    AURORA,
    BLISS_LN,
    DEFAULT_RENAL_DEFINITION,
    LUNAR,
    NOBILITY,
    REGENCY,
    REGENCY_PREDNISONE,
    RENAL_DEFINITIONS,
    UPCR_G_PER_G_PER_G_PER_DAY,
    RenalCriteria,
    RenalResponse,
    RenalResponseDefinition,
    renal_definition,
    renal_response,
)
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
    INSTRUMENT_OPTIONAL_COLUMNS,
    INSTRUMENTS,
    LAB_DESCRIPTOR_SOURCES,
    RENAL_COLUMNS,
    RENAL_INSTRUMENTS,
    VISIT_COLUMNS,
    ColumnSpec,
    PreparedVisits,
    Visit,
    prepare_visits,
)

__all__ = [
    "AURORA",
    "BILAG_COLUMNS",
    "BILAG_DOMAINS",
    "BILAG_GRADES",
    "BLISS_LN",
    "CEREBRAL_EDEMA",
    "CLINICAL_DESCRIPTORS",
    "CONSCIOUSNESS",
    "DEFAULT_RENAL_DEFINITION",
    "DESCRIPTORS",
    "INSTRUMENTS",
    "INSTRUMENT_COLUMNS",
    "INSTRUMENT_DESCRIPTORS",
    "INSTRUMENT_OPTIONAL_COLUMNS",
    "LAB_DESCRIPTOR_SOURCES",
    "LLDAS_MAJOR_ORGAN_DESCRIPTORS",
    "LUNAR",
    "NOBILITY",
    "OXYGEN_SUPPORT",
    "REGENCY",
    "REGENCY_PREDNISONE",
    "RENAL_COLUMNS",
    "RENAL_DEFINITIONS",
    "RENAL_INSTRUMENTS",
    "SEIZURE_ICANS",
    "SEROLOGICAL_DESCRIPTORS",
    "SLEDAI_2K_MAX",
    "SLEDAI_2K_WEIGHTS",
    "UPCR_G_PER_G_PER_G_PER_DAY",
    "VISIT_COLUMNS",
    "ColumnSpec",
    "PreparedVisits",
    "RenalCriteria",
    "RenalResponse",
    "RenalResponseDefinition",
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
    "renal_definition",
    "renal_response",
    "score_file",
    "score_visit",
    "score_visits",
    "sledai_2k",
    "sri4",
]
