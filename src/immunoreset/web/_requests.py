"""What the web app accepts: the trial spec of ``immunoreset trial`` and a patient request,
both validated by the spec language (:mod:`immunoreset.spec`) with its one-line errors.

A patient request reuses the spec's own tables — the therapy is an ``[[arm]]``
(:class:`~immunoreset.spec.ArmModel`), the pool of virtual patients a
``[population]`` table, the schedule a study ``[schedule]`` — and adds the patient and
the matching settings, so a therapy the spec gains appears in the patient form too.

Nothing that reaches code or files is accepted: a ``[model]`` table (Python module files)
and ``parameters.file`` are refused, naming the key, and the size of a trial is bounded by
:class:`ServeLimits` so that one run cannot hold the server for long.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import Field, model_validator

from immunoreset.errors import InputError, SpecDeprecationWarning
from immunoreset.spec import (
    MAX_SEED,
    ArmModel,
    FieldError,
    PopulationTable,
    SpecModel,
    StudyScheduleTable,
    validate,
)

__all__ = ["FORBIDDEN_KEYS", "MatchingTable", "PatientRequest", "PatientTable", "ServeLimits",
           "check_patient_document", "check_trial_document", "refuse_forbidden"]

#: Keys the web app refuses (they name files or code on the server): path → reason.
FORBIDDEN_KEYS: dict[tuple[str, ...], str] = {
    ("model",): "extra model modules are Python code",
    ("parameters", "file"): "it names a file on the server",
}


@dataclass(frozen=True)
class ServeLimits:
    """Bounds of one web run (the CLI has none of these).

    ``max_arm_patients``: arm-patients per trial run, replicates included (arms × (n_per_arm
    + replicates × replicate n_per_arm)); measured on the 2-core machine, a trial solves and
    scores about 150-200 arm-patients/s, so 20,000 is about two minutes.
    """

    max_arm_patients: int = 20_000

    def __post_init__(self) -> None:
        if isinstance(self.max_arm_patients, bool) or not isinstance(self.max_arm_patients, int) \
                or self.max_arm_patients < 1:
            raise InputError(f"max_arm_patients: got {self.max_arm_patients!r}, expected an "
                             "integer >= 1")


def refuse_forbidden(doc: Mapping[str, Any]) -> None:
    """One-line :class:`InputError` when ``doc`` holds a key of :data:`FORBIDDEN_KEYS`."""
    for path, why in FORBIDDEN_KEYS.items():
        node: Any = doc
        for key in path:
            node = node.get(key) if isinstance(node, Mapping) else None
        if node is not None:
            raise InputError(f"{'.'.join(path)}: not accepted by the web app ({why}); remove "
                             "it, or run the spec with `immunoreset trial`")


def check_trial_document(doc: Mapping[str, Any], *, limits: ServeLimits = ServeLimits(),
                         ) -> tuple[Any, list[str]]:
    """The :class:`~immunoreset.trial.TrialSpec` of the trial document ``doc`` (a parsed
    TOML spec) and the notes about old keys; one-line :class:`InputError` otherwise (the
    same checks and words as ``immunoreset trial``, plus :data:`FORBIDDEN_KEYS` and
    ``limits``)."""
    from immunoreset.trial import TrialSpec

    refuse_forbidden(doc)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SpecDeprecationWarning)
        spec = TrialSpec.from_dict(doc, source="web")
    notes = [str(w.message) for w in caught if issubclass(w.category, SpecDeprecationWarning)]
    n, rep = spec.population.n_per_arm, spec.replicates
    total = len(spec.arms) * (n + rep.n * (rep.n_per_arm or n))
    if total > limits.max_arm_patients:
        raise InputError(f"population.n_per_arm: got {n:,} per arm with {len(spec.arms)} arm(s) "
                         f"and {rep.n} replicate(s), {total:,} arm-patients, expected at most "
                         f"{limits.max_arm_patients:,} in the web app (use `immunoreset trial` "
                         "for larger runs)")
    return spec, notes


# -- the patient request --------------------------------------------------------------------------

def _unit(unit: str) -> dict[str, Any]:
    return {"json_schema_extra": {"unit": unit}}


class PatientTable(SpecModel):
    """The patient: covariates (weight and height set the doses; sex and age are recorded,
    the model's dynamics do not depend on them) and the baseline read-outs that similar
    virtual patients are matched on. Leave a value empty when it is not known."""

    sex: Literal["F", "M"] | None = None
    # Ages as in the spec's population table (0-120 years).
    age_years: Annotated[float, Field(ge=0, le=120, **_unit("years"))] | None = None
    # Body size: above any adult on record would be > 600 kg / 272 cm; these bounds are the
    # range a dose can sensibly be computed for.
    weight_kg: Annotated[float, Field(gt=0, le=400, **_unit("kg"))] | None = None
    height_cm: Annotated[float, Field(gt=0, le=250, **_unit("cm"))] | None = None
    # SLEDAI-2K has 105 points at most (Gladman 2002).
    sledai_2k: Annotated[float, Field(ge=0, le=105, **_unit("points"))] | None = None
    # Bounds of the spec's inclusion table: assays report up to a few thousand IU/mL;
    # proteinuria beyond 50 g/day is beyond any report.
    anti_dsdna_iu_per_ml: Annotated[float, Field(ge=0, le=10_000, **_unit("IU/mL"))] | None = None
    # Serum C3: normal 0.9-1.8 g/L; 10 g/L is far above any acute-phase value.
    c3_g_per_l: Annotated[float, Field(ge=0, le=10, **_unit("g/L"))] | None = None
    proteinuria_g_per_day: Annotated[float, Field(ge=0, le=50, **_unit("g/day"))] | None = None
    # CD19⁺ B cells in blood: normal 100-500 cells/µL; 10⁴ is a leukaemic count.
    b_cells_per_ul: Annotated[float, Field(ge=0, le=10_000, **_unit("cells/µL"))] | None = None

    def build(self) -> Any:
        """The :class:`~immunoreset.population.PatientProfile`."""
        from immunoreset.population import PatientProfile

        def num(v: float | None) -> float | None:
            return None if v is None else float(v)

        return PatientProfile(sex=self.sex, age_years=num(self.age_years),
                              weight_kg=num(self.weight_kg), height_cm=num(self.height_cm),
                              sledai_2k=num(self.sledai_2k),
                              anti_dsdna_iu_per_ml=num(self.anti_dsdna_iu_per_ml),
                              c3_g_per_l=num(self.c3_g_per_l),
                              proteinuria_g_per_day=num(self.proteinuria_g_per_day),
                              b_cells_per_ul=num(self.b_cells_per_ul))


class MatchingTable(SpecModel):
    """How similar virtual patients are found: draw ``pool`` plausible virtual patients of
    the population, keep the ``similar`` nearest to the patient's baseline read-outs."""

    # 2,000 candidates draw in about 5 s on 2 cores; more adds little to a 20-patient band.
    pool: Annotated[int, Field(ge=20, le=2000)] = 200
    similar: Annotated[int, Field(ge=5, le=500)] = 20
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] = 1

    @model_validator(mode="after")
    def _fits(self) -> Self:
        if self.similar > self.pool:
            raise FieldError("similar", f"got {self.similar}, expected at most matching.pool "
                             f"({self.pool})")
        return self


def _default_therapy() -> ArmModel:
    return ArmModel.model_validate({"name": "car_t", "label": "CD19 CAR-T",
                                    "lymphodepletion": "flu_cy",
                                    "car_t": {"dose_per_kg": 1e6}, "background": "none"})


class PatientRequest(SpecModel):
    """A run of the patient view: the patient, one therapy (an ``[[arm]]`` of the spec
    language) and, when ``compare_untreated``, the untreated comparator (refractory
    standard of care) on the same virtual patients."""

    patient: PatientTable = Field(default_factory=PatientTable)
    therapy: ArmModel = Field(default_factory=_default_therapy)
    compare_untreated: bool = True
    schedule: StudyScheduleTable = Field(default_factory=StudyScheduleTable)
    matching: MatchingTable = Field(default_factory=MatchingTable)
    population: PopulationTable = Field(default_factory=PopulationTable)

    @model_validator(mode="after")
    def _one_therapy(self) -> Self:
        car = self.therapy.car_t
        if self.therapy.co_infusion:
            raise FieldError("therapy.co_infusion", "got a co-infusion, expected one product "
                             "(a co-infusion is a trial: use the trial view)")
        if car is not None and car.is_grid:
            key = "dose_per_kg" if car.dose_per_kg is not None else "flat_dose"
            raise FieldError(f"therapy.car_t.{key}", "got a list of doses, expected one dose (a "
                             "dose grid is a trial: use the trial view)")
        if self.compare_untreated and self.therapy.name == "untreated":
            raise FieldError("therapy.name", "got 'untreated', expected another name (the "
                             "comparator arm is called 'untreated')")
        return self


def check_patient_document(doc: Mapping[str, Any]) -> PatientRequest:
    """The :class:`PatientRequest` of ``doc``; one-line :class:`InputError` otherwise (also
    for a dose into an unknown model state and for a dose before ``schedule.first_day``)."""
    from immunoreset.simulation._config import check_regimen_events

    request = validate(PatientRequest, doc, root="patient")
    regimen = request.therapy.build()[0].regimen
    check_regimen_events(regimen)
    first = min([d.day for d in regimen.lymphodepletion.doses] + [d.day for d in regimen.doses],
                default=0.0)
    if first < request.schedule.first_day:
        raise InputError(f"schedule.first_day: got {request.schedule.first_day}, expected a day "
                         f"before the first dose (day {first:g})")
    return request


#: Where the packaged example trial specs are.
EXAMPLES_DIR = Path(__file__).parent / "examples"
