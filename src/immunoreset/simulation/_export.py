"""One virtual patient of a study, exported for another tool (SBML Level 3).

The patient is drawn exactly as the study draws it (virtual patient *i* from child *i* of
the study seed, the named Erlangen patients from their own streams), so the exported
model is the one :func:`~immunoreset.simulation.simulate_arm` solves: the same parameter
values, initial state and dose and flare events.
"""

from __future__ import annotations

import re

from immunoreset.errors import InputError
from immunoreset.model import build_model
from immunoreset.population import Cohort, erlangen_patients, sample_cohort
from immunoreset.simulation._arm import patient_events
from immunoreset.simulation._spec import StudySpec

__all__ = ["EXPORT_FORMATS", "export_patient", "study_patient"]

#: Formats of :func:`export_patient`.
EXPORT_FORMATS = ("sbml",)
_VIRTUAL = re.compile(r"^vp(\d{7})$")


def study_patient(spec: StudySpec, patient_id: str) -> Cohort:
    """The one-patient cohort of ``patient_id`` (``vp0000012`` or ``erlangen_P3``)."""
    match = _VIRTUAL.match(patient_id)
    if match:
        index = int(match.group(1))
        if index >= spec.n:
            raise InputError(f"--patient: got {patient_id!r}, but the study has virtual patients "
                             f"vp0000000 to vp{spec.n - 1:07d}")
        return sample_cohort(1, spec.parameters, seed=spec.seed, spec=spec.cohort,
                             first_index=index, model=build_model(spec.model))
    named = erlangen_patients(spec.parameters, seed=spec.seed, spec=spec.cohort,
                              model=build_model(spec.model))
    if spec.include_erlangen and patient_id in named.patient_id:
        return named.subset([named.patient_id.index(patient_id)])
    known = "vpNNNNNNN" + (", " + ", ".join(named.patient_id) if spec.include_erlangen else "")
    raise InputError(f"--patient: got {patient_id!r}, expected one of {known}")


def export_patient(spec: StudySpec, patient_id: str, arm: str, *, fmt: str = "sbml") -> str:
    """The SBML text of ``patient_id`` under ``arm`` of ``spec``."""
    if fmt not in EXPORT_FORMATS:
        raise InputError(f"--format: got {fmt!r}, expected one of {', '.join(EXPORT_FORMATS)}")
    if arm not in spec.arms:
        raise InputError(f"--arm: got {arm!r}, expected one of {', '.join(spec.arms)}")
    cohort = study_patient(spec, patient_id)
    if not bool(cohort.plausible[0]):
        raise InputError(f"--patient: {patient_id} has no pre-treatment steady state meeting the "
                         "inclusion criteria (not eligible); it is not simulated")
    from immunoreset.model._sbml import to_sbml

    events = patient_events(cohort, spec.arms[arm])[0]
    return to_sbml(cohort.model, cohort.params[0], cohort.y0[0], events, patient=patient_id,
                   arm=arm)
