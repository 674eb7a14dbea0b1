"""SLE Responder Index 4 (SRI-4), each visit against the patient's first visit.

Reference: Furie RA, Petri MA, Wallace DJ, et al. *Novel evidence-based systemic lupus
erythematosus responder index.* Arthritis Rheum 2009;61(9):1143-1151, doi:10.1002/art.24698.

A visit is an SRI-4 response when, compared with the patient's first visit (baseline):

1. SLEDAI-2K has fallen by ≥ 4 points;
2. no BILAG-2004 domain has a new grade A;
3. at most one BILAG-2004 domain has a new grade B;
4. the physician's global assessment (0-3) has risen by < 0.3 points.

Interpretations made here (also listed in ``docs/clinical.md``):

* Furie 2009 used SELENA-SLEDAI; this package uses SLEDAI-2K, as the issue asks (the two
  differ only in descriptor wording, not weights).
* The PGA criterion "< 10 % worsening" is read on the 0-3 scale as an increase < 0.3 points;
  differences are rounded to 1e-9 before comparison so that 0.7 − 0.4 counts as 0.3.
* "New A": grade A now, not A at baseline. "New B": grade B now, C, D or E at baseline (a
  domain improving from A to B is not new).
* The first visit of a patient is the baseline: its SRI-4 is missing (empty), not 0.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from immunoreset.clinical._codes import category_codes
from immunoreset.clinical._history import first_and_previous

__all__ = [
    "BILAG_COLUMNS",
    "BILAG_DOMAINS",
    "BILAG_GRADES",
    "SRI4_MAX_NEW_BILAG_A",
    "SRI4_MAX_NEW_BILAG_B",
    "SRI4_PGA_INCREASE_BELOW",
    "SRI4_SLEDAI_REDUCTION_MIN",
    "sri4",
]

#: Least SLEDAI-2K fall from baseline (points, inclusive). Furie 2009: "≥ 4-point reduction".
SRI4_SLEDAI_REDUCTION_MIN: int = 4
#: Most domains with a new BILAG A (count). Furie 2009: "no new BILAG A organ domain score".
SRI4_MAX_NEW_BILAG_A: int = 0
#: Most domains with a new BILAG B (count). Furie 2009: "no more than 1 new BILAG B".
SRI4_MAX_NEW_BILAG_B: int = 1
#: PGA rise from baseline must be strictly below this (points on 0-3). Furie 2009: "no
#: deterioration from baseline in PGA by ≥ 0.3 points".
SRI4_PGA_INCREASE_BELOW: float = 0.3
_PGA_DECIMALS = 9  # rounding of PGA differences before comparison (floating-point noise)

#: BILAG-2004 domains (Isenberg DA et al., Rheumatology 2005;44:902).
BILAG_DOMAINS: tuple[str, ...] = (
    "constitutional",
    "mucocutaneous",
    "neuropsychiatric",
    "musculoskeletal",
    "cardiorespiratory",
    "gastrointestinal",
    "ophthalmic",
    "renal",
    "haematological",
)
#: Visit-table columns holding the BILAG-2004 grade of each domain.
BILAG_COLUMNS: tuple[str, ...] = tuple(f"bilag_{d}" for d in BILAG_DOMAINS)
#: BILAG-2004 grades, most to least active (A severe, B moderate, C mild, D inactive now but
#: previously affected, E never affected).
BILAG_GRADES: tuple[str, ...] = ("A", "B", "C", "D", "E")


def sri4(
    sledai_2k: npt.ArrayLike,
    pga: npt.ArrayLike,
    bilag: pd.DataFrame,
    *,
    patient_id: npt.ArrayLike,
    day: npt.ArrayLike,
) -> pd.arrays.BooleanArray:
    """SRI-4 response of each visit against the patient's first visit.

    Parameters
    ----------
    sledai_2k
        SLEDAI-2K of each visit (points), length ``n_visits``.
    pga
        Physician's global assessment (0-3).
    bilag
        ``(n_visits, 9)`` table of grades ``"A"``-``"E"``, columns :data:`BILAG_COLUMNS`.
    patient_id, day
        Identify each patient's first visit (rows may be in any order).

    Returns
    -------
    Nullable boolean array of length ``n_visits``; missing on each patient's first visit.
    """
    first, previous = first_and_previous(patient_id, day)
    score = np.asarray(sledai_2k, dtype=np.int64)
    global_assessment = np.asarray(pga, dtype=float)
    grades = np.column_stack([category_codes(bilag[c], BILAG_GRADES, c) for c in BILAG_COLUMNS])
    grade_a = grades == BILAG_GRADES.index("A")
    grade_b = grades == BILAG_GRADES.index("B")
    new_a = (grade_a & ~grade_a[first]).sum(axis=1)
    new_b = (grade_b & ~(grade_a[first] | grade_b[first])).sum(axis=1)
    pga_rise = np.round(global_assessment - global_assessment[first], _PGA_DECIMALS)
    response = (
        (score[first] - score >= SRI4_SLEDAI_REDUCTION_MIN)
        & (new_a <= SRI4_MAX_NEW_BILAG_A)
        & (new_b <= SRI4_MAX_NEW_BILAG_B)
        & (pga_rise < SRI4_PGA_INCREASE_BELOW)
    )
    return pd.arrays.BooleanArray(response, mask=previous < 0)
