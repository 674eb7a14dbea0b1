"""DORIS 2021 remission in SLE, and the drug-free variant reported after CAR-T therapy.

Reference: van Vollenhoven RF, Bertsias G, Doria A, et al. *2021 DORIS definition of remission
in SLE: final recommendations from an international task force.* Lupus Sci Med
2021;8(1):e000538, doi:10.1136/lupus-2021-000538 (PMC8614136).

DORIS remission: clinical SLEDAI = 0 (serology ignored), evaluator's (physician's) global
assessment < 0.5 on the 0-3 scale, prednisolone (or equivalent) ≤ 5 mg/day; antimalarials,
immunosuppressants and biologics are allowed.

Drug-free DORIS remission (this package's definition): DORIS remission *and* no glucocorticoid
(prednisone-equivalent 0 mg/day), no antimalarial, no immunosuppressant and no biologic.

Interpretations made here (also listed in ``docs/clinical.md``):

* Prednisone threshold inclusive (≤ 5 mg/day), as in the DORIS abstract ("5 mg/day or less")
  and the issue; the recommendation box of the same paper writes "< 5 mg/day".
* PGA threshold strict (< 0.5), as in the abstract; an older table (PMC7719036) writes ≤ 0.5.
* "Stable" treatment cannot be judged from one row; it is not checked.
* Drug-free means off *all* lupus drugs, antimalarials included: that is how the Erlangen
  CAR-T reports (Mackensen A et al., Nat Med 2022;28:2124) use it, where all SLE drugs,
  hydroxychloroquine included, were stopped. The DORIS "complete remission" of the 2015
  framework (which allows antimalarials and needs normal serology) is *not* this variant;
  serology is not required here, in line with the 2021 definition.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "DORIS_CLINICAL_SLEDAI",
    "DORIS_PGA_BELOW",
    "DORIS_PREDNISONE_MAX_MG_PER_DAY",
    "DRUG_FREE_PREDNISONE_MG_PER_DAY",
    "doris_remission",
    "drug_free_doris_remission",
]

#: Clinical SLEDAI required for remission (points). DORIS 2021: "clinical SLEDAI = 0".
DORIS_CLINICAL_SLEDAI: int = 0
#: Physician's global assessment must be strictly below this (0-3 scale). DORIS 2021: "< 0.5".
DORIS_PGA_BELOW: float = 0.5
#: Highest prednisone-equivalent dose allowed (mg/day, inclusive). DORIS 2021: "5 mg/day or less".
DORIS_PREDNISONE_MAX_MG_PER_DAY: float = 5.0
#: Prednisone-equivalent dose of the drug-free variant (mg/day): none. Mackensen 2022 usage.
DRUG_FREE_PREDNISONE_MG_PER_DAY: float = 0.0


def doris_remission(
    clinical_sledai: npt.ArrayLike, pga: npt.ArrayLike, prednisone_mg_per_day: npt.ArrayLike
) -> npt.NDArray[np.bool_]:
    """DORIS 2021 remission of each visit (boolean array of length ``n_visits``).

    Parameters
    ----------
    clinical_sledai
        Clinical SLEDAI (points), e.g. from :func:`~immunoreset.clinical.clinical_sledai`.
    pga
        Physician's global assessment (0-3).
    prednisone_mg_per_day
        Prednisone-equivalent glucocorticoid dose (mg/day).
    """
    return (
        (np.asarray(clinical_sledai) == DORIS_CLINICAL_SLEDAI)
        & (np.asarray(pga, dtype=float) < DORIS_PGA_BELOW)
        & (np.asarray(prednisone_mg_per_day, dtype=float) <= DORIS_PREDNISONE_MAX_MG_PER_DAY)
    )


def drug_free_doris_remission(
    clinical_sledai: npt.ArrayLike,
    pga: npt.ArrayLike,
    prednisone_mg_per_day: npt.ArrayLike,
    antimalarial: npt.ArrayLike,
    immunosuppressant: npt.ArrayLike,
    biologic: npt.ArrayLike,
) -> npt.NDArray[np.bool_]:
    """Drug-free DORIS remission: DORIS remission off glucocorticoids and all lupus drugs.

    ``antimalarial``, ``immunosuppressant`` and ``biologic`` are 0/1 (1 = taking it);
    the other arguments are as for :func:`doris_remission`.
    """
    off_drugs = (
        (np.asarray(prednisone_mg_per_day, dtype=float) == DRUG_FREE_PREDNISONE_MG_PER_DAY)
        & (np.asarray(antimalarial, dtype=float) == 0)
        & (np.asarray(immunosuppressant, dtype=float) == 0)
        & (np.asarray(biologic, dtype=float) == 0)
    )
    return doris_remission(clinical_sledai, pga, prednisone_mg_per_day) & off_drugs
