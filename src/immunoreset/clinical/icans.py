"""ASTCT consensus grade of immune effector cell-associated neurotoxicity (ICANS), adults.

Reference: Lee DW, Santomasso BD, Locke FL, et al. *ASTCT consensus grading for cytokine
release syndrome and neurologic toxicity associated with immune effector cells.* Biol Blood
Marrow Transplant 2019;25(4):625-638 ("ASTCT ICANS consensus grading for adults"; checked
against the adapted tables in PMC8403007 Table 4 and PMC9327779 Table 2).

The ICANS grade is that of the most severe of five domains:

=====================  ===============  ================  ===================  ======================
Domain                 Grade 1          Grade 2           Grade 3              Grade 4
=====================  ===============  ================  ===================  ======================
ICE score (0-10)       7-9              3-6               0-2                  0 and unarousable
Consciousness          awakens          awakens to voice  awakens only to      unarousable, or needs
                       spontaneously                      touch                vigorous stimuli
Seizure                -                -                 any, resolving       prolonged (> 5 min) or
                                                          rapidly              repetitive
Motor findings         -                -                 -                    deep focal weakness
Raised ICP / oedema    -                -                 focal oedema         diffuse oedema, ...
=====================  ===============  ================  ===================  ======================

Interpretations made here (also listed in ``docs/clinical.md``):

* The ICE domain alone gives at most grade 3: an ICE score of 0 in a patient who can be
  roused (e.g. awake with global aphasia) is grade 3; grade 4 needs ``consciousness =
  unarousable`` or a grade-4 finding in another domain (guideline footnote on the ICE score).
  An unarousable patient cannot do the test and is recorded with ``ice_score = 0``.
* An ICE score of 10 with ``consciousness = alert`` and no other finding is grade 0.
* ``seizure_icans = quick`` is any clinical seizure that resolves rapidly or a non-convulsive
  seizure on EEG that resolves with intervention (grade 3); ``prolonged`` is a prolonged
  (> 5 min) or life-threatening seizure, or repetitive seizures without return to baseline
  (grade 4).
* ``cerebral_edema = diffuse`` also stands for the other grade-4 signs of raised intracranial
  pressure (decerebrate/decorticate posturing, cranial nerve VI palsy, papilloedema,
  Cushing's triad).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from immunoreset.clinical._codes import category_codes

__all__ = [
    "CEREBRAL_EDEMA",
    "CONSCIOUSNESS",
    "ICANS_CONSCIOUSNESS_GRADES",
    "ICANS_EDEMA_GRADES",
    "ICANS_ICE_GRADE_1_MIN",
    "ICANS_ICE_GRADE_2_MIN",
    "ICANS_ICE_NORMAL",
    "ICANS_MOTOR_WEAKNESS_GRADE",
    "ICANS_SEIZURE_GRADES",
    "ICE_SCORE_MAX",
    "SEIZURE_ICANS",
    "icans_grade",
]

#: Highest ICE score (points): orientation 4, naming 3, commands 1, writing 1, attention 1.
ICE_SCORE_MAX: int = 10
#: ICE score of a normal patient (points); grade 0 for this domain. Lee 2019.
ICANS_ICE_NORMAL: int = 10
#: Lowest ICE score of grade 1 (points): grade 1 is 7-9. Lee 2019.
ICANS_ICE_GRADE_1_MIN: int = 7
#: Lowest ICE score of grade 2 (points): grade 2 is 3-6, grade 3 is 0-2. Lee 2019.
ICANS_ICE_GRADE_2_MIN: int = 3

#: Grade of the depressed-consciousness domain by level. Lee 2019.
ICANS_CONSCIOUSNESS_GRADES: Mapping[str, int] = MappingProxyType(
    {
        "alert": 0,
        "awakens_spontaneously": 1,
        "awakens_to_voice": 2,
        "awakens_to_touch": 3,  # "awakens only to tactile stimulus"
        "unarousable": 4,  # or needs vigorous/repetitive tactile stimuli; stupor; coma
    }
)
#: Grade of the seizure domain. Lee 2019: grade 3 "any clinical seizure ... that resolves
#: rapidly"; grade 4 "life-threatening prolonged seizure (> 5 min)".
ICANS_SEIZURE_GRADES: Mapping[str, int] = MappingProxyType({"none": 0, "quick": 3, "prolonged": 4})
#: Grade of the raised-ICP / cerebral-oedema domain. Lee 2019: focal oedema 3, diffuse 4.
ICANS_EDEMA_GRADES: Mapping[str, int] = MappingProxyType({"none": 0, "focal": 3, "diffuse": 4})
#: Grade of deep focal motor weakness (hemiparesis, paraparesis). Lee 2019: grade 4 only.
ICANS_MOTOR_WEAKNESS_GRADE: int = 4

#: Allowed values of the ``consciousness`` column, from best to worst.
CONSCIOUSNESS: tuple[str, ...] = tuple(ICANS_CONSCIOUSNESS_GRADES)
#: Allowed values of the ``seizure_icans`` column.
SEIZURE_ICANS: tuple[str, ...] = tuple(ICANS_SEIZURE_GRADES)
#: Allowed values of the ``cerebral_edema`` column.
CEREBRAL_EDEMA: tuple[str, ...] = tuple(ICANS_EDEMA_GRADES)


def _domain_grade(values: npt.ArrayLike, grades: Mapping[str, int], name: str) -> np.ndarray:
    codes = category_codes(values, tuple(grades), name)
    return np.array(list(grades.values()), dtype=np.int8)[codes]


def icans_grade(
    ice_score: npt.ArrayLike,
    consciousness: npt.ArrayLike,
    seizure_icans: npt.ArrayLike,
    motor_weakness: npt.ArrayLike,
    cerebral_edema: npt.ArrayLike,
) -> npt.NDArray[np.int8]:
    """ASTCT ICANS grade for adults (0-4) of each visit; arguments have length ``n_visits``.

    Parameters
    ----------
    ice_score
        Immune effector cell encephalopathy score (points, 0-10); 0 when the patient cannot
        be roused to do the test.
    consciousness
        Level of consciousness, one of :data:`CONSCIOUSNESS`.
    seizure_icans
        Seizures, one of :data:`SEIZURE_ICANS`.
    motor_weakness
        1 for deep focal motor weakness (hemiparesis, paraparesis); else 0.
    cerebral_edema
        Raised intracranial pressure / oedema, one of :data:`CEREBRAL_EDEMA`.
    """
    ice = np.asarray(ice_score, dtype=float)
    ice_grade = np.select(
        [ice >= ICANS_ICE_NORMAL, ice >= ICANS_ICE_GRADE_1_MIN, ice >= ICANS_ICE_GRADE_2_MIN],
        [0, 1, 2],
        default=3,
    ).astype(np.int8)
    motor_grade = np.where(
        np.asarray(motor_weakness, dtype=float) == 1, ICANS_MOTOR_WEAKNESS_GRADE, 0
    ).astype(np.int8)
    grade = np.maximum.reduce(
        [
            ice_grade,
            _domain_grade(consciousness, ICANS_CONSCIOUSNESS_GRADES, "consciousness"),
            _domain_grade(seizure_icans, ICANS_SEIZURE_GRADES, "seizure_icans"),
            motor_grade,
            _domain_grade(cerebral_edema, ICANS_EDEMA_GRADES, "cerebral_edema"),
        ]
    )
    return np.asarray(grade, dtype=np.int8)
