"""SLEDAI-2K and clinical SLEDAI: weighted sums of the 24 SLEDAI-2K descriptors.

Reference: Gladman DD, Ibañez D, Urowitz MB. *Systemic lupus erythematosus disease activity
index 2000.* J Rheumatol 2002;29(2):288-291. The primary text was not retrieved; weights and
descriptor definitions were taken from three concordant reproductions (medicalcriteria.com
SLEDAI-2K page; HHE Rheumatology 2019, Table 4; pediatriconcall.com SLEDAI-2K calculator) and
the laboratory thresholds of the cytopenia items from the SLE-DAS definitions (Jesus D et al.,
Ann Rheum Dis 2019;78:365, Table 1), which restate the SLEDAI-2K cut-offs.

The score of a visit is the sum of the weights of the descriptors present (total of all weights
= 105). Each row holds the descriptors *as assessed at that visit*: the SLEDAI-2K rule "present
at the visit or in the preceding 10 days" is applied by whoever records the visit, and the
scorer never looks across rows.

Interpretations made here (also listed in ``docs/clinical.md``):

* Laboratory thresholds are strict where the published wording is ("> 0.5 g/24 h",
  "> 5 RBC/high-power field", "> 5 WBC/high-power field"; "< 100 × 10^9/L platelets",
  "< 3 × 10^9/L leukocytes"; complement "below the lower limit of normal"; DNA binding "above
  the upper limit of normal"). A value exactly at a threshold does not count.
* Low complement is present when C3 *or* C4 is below its laboratory lower limit (CH50 is not
  a column of the visit table). When only one of C3/C4 is measured, that one decides.
* The descriptors needing clinical judgement (seizure ... arthritis, myositis, casts, rash,
  ..., fever) are never derived: they are given as 0/1. In particular ``fever`` (SLEDAI-2K:
  > 38 °C, infection excluded) is *not* derived from ``temperature_c``, which serves CRS
  grading only, because a fever after CAR-T infusion is usually not attributable to lupus.
* "Clinical SLEDAI" is SLEDAI-2K without the two serological descriptors (low complement,
  increased DNA binding), as used by the 2021 DORIS definition.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
import pandas as pd

__all__ = [
    "CLINICAL_DESCRIPTORS",
    "DESCRIPTORS",
    "HEMATURIA_RBC_PER_HPF_ABOVE",
    "LEUKOPENIA_10E9_PER_L_BELOW",
    "PROTEINURIA_G_PER_DAY_ABOVE",
    "PYURIA_WBC_PER_HPF_ABOVE",
    "SEROLOGICAL_DESCRIPTORS",
    "SLEDAI_2K_MAX",
    "SLEDAI_2K_WEIGHTS",
    "THROMBOCYTOPENIA_10E9_PER_L_BELOW",
    "clinical_sledai",
    "sledai_2k",
]

#: Weight of each SLEDAI-2K descriptor (points), in the order of the published form.
#: Source: Gladman 2002 via medicalcriteria.com, HHE Rheumatology 2019 Table 4, pediatriconcall.
SLEDAI_2K_WEIGHTS: Mapping[str, int] = MappingProxyType(
    {
        "seizure": 8,  # recent onset; metabolic, infectious or drug causes excluded
        "psychosis": 8,
        "organic_brain_syndrome": 8,
        "visual_disturbance": 8,  # retinal changes of SLE, optic neuritis
        "cranial_nerve_disorder": 8,  # new onset sensory or motor cranial neuropathy
        "lupus_headache": 8,  # severe, persistent, unresponsive to narcotic analgesia
        "cva": 8,  # new cerebrovascular accident, arteriosclerosis excluded
        "vasculitis": 8,
        "arthritis": 4,  # "more than 2 joints" with pain and signs of inflammation
        "myositis": 4,
        "urinary_casts": 4,  # heme-granular or RBC casts
        "hematuria": 4,  # > 5 RBC/hpf
        "proteinuria": 4,  # > 0.5 g/24 h
        "pyuria": 4,  # > 5 WBC/hpf
        "rash": 2,  # inflammatory-type rash
        "alopecia": 2,
        "mucosal_ulcers": 2,
        "pleurisy": 2,
        "pericarditis": 2,
        "low_complement": 2,  # CH50, C3 or C4 below the laboratory lower limit
        "increased_dna_binding": 2,  # above the laboratory upper limit
        "fever": 1,  # > 38 °C, infectious cause excluded
        "thrombocytopenia": 1,  # < 100 × 10^9/L
        "leukopenia": 1,  # < 3 × 10^9/L
    }
)

#: The 24 descriptors, in the order of the published form (column names of the visit table).
DESCRIPTORS: tuple[str, ...] = tuple(SLEDAI_2K_WEIGHTS)

#: Serological descriptors, left out of the clinical SLEDAI (DORIS 2021; van Vollenhoven RF
#: et al., Lupus Sci Med 2021;8:e000538).
SEROLOGICAL_DESCRIPTORS: tuple[str, ...] = ("low_complement", "increased_dna_binding")

#: The 22 descriptors of the clinical SLEDAI.
CLINICAL_DESCRIPTORS: tuple[str, ...] = tuple(
    d for d in DESCRIPTORS if d not in SEROLOGICAL_DESCRIPTORS
)

#: Highest possible SLEDAI-2K (points): every descriptor present.
SLEDAI_2K_MAX: int = sum(SLEDAI_2K_WEIGHTS.values())

#: Proteinuria counts when strictly above this (g/24 h). Source: SLEDAI-2K "> 0.5 g/24 hours".
PROTEINURIA_G_PER_DAY_ABOVE: float = 0.5
#: Haematuria counts when strictly above this (RBC per high-power field). SLEDAI-2K "> 5 RBC/hpf".
HEMATURIA_RBC_PER_HPF_ABOVE: float = 5.0
#: Pyuria counts when strictly above this (WBC per high-power field). SLEDAI-2K "> 5 WBC/hpf".
PYURIA_WBC_PER_HPF_ABOVE: float = 5.0
#: Thrombocytopenia counts when strictly below this (10^9 platelets/L). SLEDAI-2K
#: "< 100,000 platelets/mm³" (= 100 × 10^9/L), restated by SLE-DAS (Jesus 2019, Table 1).
THROMBOCYTOPENIA_10E9_PER_L_BELOW: float = 100.0
#: Leukopenia counts when strictly below this (10^9 leukocytes/L). SLEDAI-2K
#: "< 3,000 WBC/mm³" (= 3 × 10^9/L), restated by SLE-DAS (Jesus 2019, Table 1).
LEUKOPENIA_10E9_PER_L_BELOW: float = 3.0


def _weighted_sum(descriptors: pd.DataFrame, names: tuple[str, ...]) -> pd.Series:
    missing = [d for d in names if d not in descriptors.columns]
    if missing:
        raise KeyError(f"descriptor columns missing: {', '.join(missing)}")
    present = descriptors.loc[:, list(names)].to_numpy(dtype=np.int16)
    weights = np.array([SLEDAI_2K_WEIGHTS[d] for d in names], dtype=np.int16)
    return pd.Series(present @ weights, index=descriptors.index, dtype=np.int16)


def sledai_2k(descriptors: pd.DataFrame) -> pd.Series:
    """SLEDAI-2K of each visit (points, 0-105).

    Parameters
    ----------
    descriptors
        Table of shape ``(n_visits, >= 24)`` with one 0/1 column per name in
        :data:`DESCRIPTORS` (already validated, e.g. by
        :func:`immunoreset.clinical.prepare_visits`).

    Returns
    -------
    Integer series of length ``n_visits``, aligned with ``descriptors.index``.
    """
    return _weighted_sum(descriptors, DESCRIPTORS)


def clinical_sledai(descriptors: pd.DataFrame) -> pd.Series:
    """Clinical SLEDAI of each visit (points, 0-101): SLEDAI-2K without serology.

    Only the 22 columns of :data:`CLINICAL_DESCRIPTORS` are needed.
    """
    return _weighted_sum(descriptors, CLINICAL_DESCRIPTORS)
