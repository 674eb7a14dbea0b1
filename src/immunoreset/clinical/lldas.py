"""Lupus Low Disease Activity State (LLDAS).

Reference: Franklyn K, Lau CS, Navarra SV, et al. *Definition and initial validation of a Lupus
Low Disease Activity State (LLDAS).* Ann Rheum Dis 2016;75(9):1615-1621,
doi:10.1136/annrheumdis-2015-207726 (Table 1).

LLDAS holds when all of:

1. SLEDAI-2K ≤ 4, with no activity in major organ systems (renal, CNS, cardiopulmonary,
   vasculitis, fever) and no haemolytic anaemia or gastrointestinal activity;
2. no new features of lupus disease activity compared with the previous assessment;
3. physician's global assessment (0-3) ≤ 1;
4. prednisolone (or equivalent) ≤ 7.5 mg/day;
5. standard maintenance doses of immunosuppressants and approved biologics (allowed; not
   checked).

Interpretations made here (also listed in ``docs/clinical.md``):

* "Major organ" activity is any of these SLEDAI-2K descriptors: CNS = seizure, psychosis,
  organic brain syndrome, visual disturbance, cranial nerve disorder, lupus headache, CVA;
  vasculitis; renal = urinary casts, haematuria, proteinuria, pyuria; cardiopulmonary =
  pleurisy, pericarditis; fever. Haemolytic anaemia and gastrointestinal activity are not
  SLEDAI-2K descriptors and have no column in the visit table, so they cannot be checked.
* "New features" are SLEDAI-2K descriptors (all 24, serology included) present at this visit
  and absent at the patient's previous visit (by ``day``).
* At a patient's first visit there is no previous assessment: clause 2 is taken as met, so
  LLDAS is decided by the other clauses.
* Thresholds are inclusive (≤) as published.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from immunoreset.clinical._history import first_and_previous
from immunoreset.clinical.sledai2k import DESCRIPTORS

__all__ = [
    "LLDAS_MAJOR_ORGAN_DESCRIPTORS",
    "LLDAS_PGA_MAX",
    "LLDAS_PREDNISONE_MAX_MG_PER_DAY",
    "LLDAS_SLEDAI_2K_MAX",
    "lldas",
]

#: Highest SLEDAI-2K allowed (points, inclusive). Franklyn 2016, Table 1, item 1.
LLDAS_SLEDAI_2K_MAX: int = 4
#: Highest physician's global assessment allowed (0-3 scale, inclusive). Franklyn 2016, item 3.
LLDAS_PGA_MAX: float = 1.0
#: Highest prednisolone-equivalent dose allowed (mg/day, inclusive). Franklyn 2016, item 4.
LLDAS_PREDNISONE_MAX_MG_PER_DAY: float = 7.5

#: SLEDAI-2K descriptors of the "major organ systems" of Franklyn 2016, item 1 (see above).
LLDAS_MAJOR_ORGAN_DESCRIPTORS: tuple[str, ...] = (
    # central nervous system
    "seizure",
    "psychosis",
    "organic_brain_syndrome",
    "visual_disturbance",
    "cranial_nerve_disorder",
    "lupus_headache",
    "cva",
    # vasculitis
    "vasculitis",
    # renal
    "urinary_casts",
    "hematuria",
    "proteinuria",
    "pyuria",
    # cardiopulmonary
    "pleurisy",
    "pericarditis",
    # fever
    "fever",
)


def lldas(
    descriptors: pd.DataFrame,
    sledai_2k: npt.ArrayLike,
    pga: npt.ArrayLike,
    prednisone_mg_per_day: npt.ArrayLike,
    *,
    patient_id: npt.ArrayLike,
    day: npt.ArrayLike,
) -> npt.NDArray[np.bool_]:
    """LLDAS of each visit (boolean array of length ``n_visits``).

    Parameters
    ----------
    descriptors
        ``(n_visits, 24)`` table of 0/1 SLEDAI-2K descriptors (columns
        :data:`~immunoreset.clinical.DESCRIPTORS`).
    sledai_2k
        SLEDAI-2K of each visit (points).
    pga
        Physician's global assessment (0-3).
    prednisone_mg_per_day
        Prednisone-equivalent dose (mg/day).
    patient_id, day
        Identify each patient's previous visit (rows may be in any order).
    """
    present = descriptors.loc[:, list(DESCRIPTORS)].to_numpy(dtype=bool)
    _, previous = first_and_previous(patient_id, day)
    has_previous = previous >= 0
    before = present[np.where(has_previous, previous, 0)]
    new_activity = (present & ~before).any(axis=1) & has_previous
    major = descriptors.loc[:, list(LLDAS_MAJOR_ORGAN_DESCRIPTORS)].to_numpy(dtype=bool).any(axis=1)
    return (
        (np.asarray(sledai_2k) <= LLDAS_SLEDAI_2K_MAX)
        & ~major
        & ~new_activity
        & (np.asarray(pga, dtype=float) <= LLDAS_PGA_MAX)
        & (np.asarray(prednisone_mg_per_day, dtype=float) <= LLDAS_PREDNISONE_MAX_MG_PER_DAY)
    )
