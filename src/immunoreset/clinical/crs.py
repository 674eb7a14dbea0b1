"""ASTCT consensus grade of cytokine release syndrome (CRS).

Reference: Lee DW, Santomasso BD, Locke FL, et al. *ASTCT consensus grading for cytokine
release syndrome and neurologic toxicity associated with immune effector cells.* Biol Blood
Marrow Transplant 2019;25(4):625-638, doi:10.1016/j.bbmt.2018.12.758 (Table/figure "ASTCT CRS
consensus grading"; checked against the adapted table in PMC9327779, Table 2).

Rule: CRS needs fever (temperature ≥ 38 °C) unless fever has been masked by antipyretic or
anti-cytokine therapy (tocilizumab, steroids); then the grade is the worse of the hypotension
grade and the hypoxia grade, and at least 1 (fever alone is grade 1).

========  =================================  =============================================
Grade     Hypotension                        Hypoxia
========  =================================  =============================================
1         none                               none
2         not requiring vasopressors         low-flow nasal cannula (≤ 6 L/min) or blow-by
3         one vasopressor ± vasopressin      high-flow cannula (> 6 L/min), face mask,
                                             non-rebreather or Venturi mask
4         several vasopressors (vasopressin  positive pressure (CPAP, BiPAP, intubation and
          excluded)                          mechanical ventilation)
========  =================================  =============================================

Interpretations made here (also listed in ``docs/clinical.md``):

* 38.0 °C itself is fever (the guideline writes "≥ 38 °C").
* Without fever and without masking the grade is 0, whatever the blood pressure and oxygen:
  hypotension or hypoxia with no fever is not attributed to CRS.
* ``vasopressors`` counts vasopressors other than vasopressin; 1 gives grade 3 and 2 or more
  grade 4. A count above 0 requires ``hypotension = 1`` (checked by the visit-table
  validation), since vasopressors are given for hypotension.
* The oxygen device is given as a category; the flow cut-off of 6 L/min is applied by whoever
  records the visit (``low_flow`` ≤ 6 L/min, ``high_flow`` > 6 L/min).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from immunoreset.clinical._codes import category_codes

__all__ = [
    "CRS_FEVER_MIN_C",
    "CRS_HYPOTENSION_GRADE_NO_VASOPRESSOR",
    "CRS_HYPOTENSION_GRADE_ONE_VASOPRESSOR",
    "CRS_HYPOTENSION_GRADE_SEVERAL_VASOPRESSORS",
    "CRS_OXYGEN_GRADES",
    "OXYGEN_SUPPORT",
    "crs_grade",
]

#: Fever for CRS: temperature at or above this (°C). Lee 2019: "Temperature ≥ 38 °C".
CRS_FEVER_MIN_C: float = 38.0

#: Grade of hypotension not requiring vasopressors. Lee 2019, grade 2.
CRS_HYPOTENSION_GRADE_NO_VASOPRESSOR: int = 2
#: Grade of hypotension requiring one vasopressor, with or without vasopressin. Lee 2019, grade 3.
CRS_HYPOTENSION_GRADE_ONE_VASOPRESSOR: int = 3
#: Grade of hypotension requiring several vasopressors, vasopressin excluded. Lee 2019, grade 4.
CRS_HYPOTENSION_GRADE_SEVERAL_VASOPRESSORS: int = 4

#: Grade of hypoxia by oxygen support (Lee 2019): ``none`` 0 (grade 1 needs no oxygen),
#: ``low_flow`` (nasal cannula ≤ 6 L/min or blow-by) 2, ``high_flow`` (cannula > 6 L/min,
#: face mask, non-rebreather, Venturi) 3, ``positive_pressure`` (CPAP, BiPAP, ventilation) 4.
CRS_OXYGEN_GRADES: Mapping[str, int] = MappingProxyType(
    {"none": 0, "low_flow": 2, "high_flow": 3, "positive_pressure": 4}
)

#: Allowed values of the ``oxygen`` column, from least to most support.
OXYGEN_SUPPORT: tuple[str, ...] = tuple(CRS_OXYGEN_GRADES)

_OXYGEN_GRADE_BY_CODE = np.array(list(CRS_OXYGEN_GRADES.values()), dtype=np.int8)


def crs_grade(
    temperature_c: npt.ArrayLike,
    fever_masked: npt.ArrayLike,
    hypotension: npt.ArrayLike,
    vasopressors: npt.ArrayLike,
    oxygen: npt.ArrayLike,
) -> npt.NDArray[np.int8]:
    """ASTCT CRS grade (0-4) of each visit; all arguments are arrays of length ``n_visits``.

    Parameters
    ----------
    temperature_c
        Highest body temperature (°C).
    fever_masked
        1 when antipyretic or anti-cytokine therapy has been given, so that fever is no
        longer required; else 0.
    hypotension
        1 when hypotension attributed to CRS is present; else 0.
    vasopressors
        Number of vasopressors needed, vasopressin excluded (0, 1, 2, ...).
    oxygen
        Oxygen support, one of :data:`OXYGEN_SUPPORT`.
    """
    temperature = np.asarray(temperature_c, dtype=float)
    masked = np.asarray(fever_masked, dtype=float) == 1
    hypotensive = np.asarray(hypotension, dtype=float) == 1
    n_pressors = np.asarray(vasopressors, dtype=float)
    codes = category_codes(oxygen, OXYGEN_SUPPORT, "oxygen")

    hypotension_grade = np.select(
        [n_pressors >= 2, n_pressors >= 1, hypotensive],
        [
            CRS_HYPOTENSION_GRADE_SEVERAL_VASOPRESSORS,
            CRS_HYPOTENSION_GRADE_ONE_VASOPRESSOR,
            CRS_HYPOTENSION_GRADE_NO_VASOPRESSOR,
        ],
        default=0,
    )
    hypoxia_grade = _OXYGEN_GRADE_BY_CODE[codes]
    fever = (temperature >= CRS_FEVER_MIN_C) | masked
    grade = np.maximum(np.maximum(hypotension_grade, hypoxia_grade), 1)
    return np.where(fever, grade, 0).astype(np.int8)
