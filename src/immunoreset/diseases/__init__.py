"""Disease modules: map the shared immune core to each disease's biomarkers and scores."""

from immunoreset.diseases._sle import (
    ANTI_DSDNA_ULN_IU_PER_ML,
    C3_LLN_G_PER_L,
    C4_LLN_G_PER_L,
    MODEL_INSTRUMENTS,
    UNITS,
    baseline_sledai_2k,
    crs_grades,
    observables,
    visit_table,
)

__all__ = [
    "ANTI_DSDNA_ULN_IU_PER_ML",
    "C3_LLN_G_PER_L",
    "C4_LLN_G_PER_L",
    "MODEL_INSTRUMENTS",
    "UNITS",
    "baseline_sledai_2k",
    "crs_grades",
    "observables",
    "visit_table",
]
