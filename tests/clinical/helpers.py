"""Visit rows for the clinical tests, written out by hand (not produced by the code under test)."""

from __future__ import annotations

from typing import Any

import pandas as pd

# The 24 SLEDAI-2K descriptors as named in the issue (visit-table column names).
DESCRIPTOR_NAMES = (
    "seizure psychosis organic_brain_syndrome visual_disturbance cranial_nerve_disorder "
    "lupus_headache cva vasculitis arthritis myositis urinary_casts hematuria proteinuria "
    "pyuria rash alopecia mucosal_ulcers pleurisy pericarditis low_complement "
    "increased_dna_binding fever thrombocytopenia leukopenia"
).split()

BILAG = (
    "constitutional mucocutaneous neuropsychiatric musculoskeletal cardiorespiratory "
    "gastrointestinal ophthalmic renal haematological"
).split()


def quiet_row(patient_id: str = "P1", day: float = 0, **changes: Any) -> dict[str, Any]:
    """A visit with no lupus activity, no drugs, no CRS and no ICANS; ``changes`` override.

    ``present=("rash", ...)`` sets those descriptors to 1; ``bilag={"renal": "A"}`` sets
    grades (other domains E).
    """
    row: dict[str, Any] = {"patient_id": patient_id, "day": day}
    present = set(changes.pop("present", ()))
    row.update({d: int(d in present) for d in DESCRIPTOR_NAMES})
    row.update(
        pga=0.0,
        prednisone_mg_per_day=0.0,
        antimalarial=0,
        immunosuppressant=0,
        biologic=0,
    )
    grades = {d: "E" for d in BILAG}
    grades.update(changes.pop("bilag", {}))
    row.update({f"bilag_{d}": g for d, g in grades.items()})
    row.update(
        temperature_c=36.8,
        hypotension=0,
        vasopressors=0,
        oxygen="none",
        fever_masked=0,
        ice_score=10,
        consciousness="alert",
        seizure_icans="none",
        motor_weakness=0,
        cerebral_edema="none",
    )
    row.update(changes)
    return row


def table(*rows: dict[str, Any]) -> pd.DataFrame:
    """A visit table from rows."""
    return pd.DataFrame(list(rows))
