"""The virtual population, the same in study configs and trial specs: covariates,
inclusion criteria and correlated variability.

.. code-block:: toml

    [population]
    female_fraction = 0.8     # 0-1
    age_mean = 22.0           # years, within age_min..age_max
    age_sd = 2.5              # years, > 0
    age_min = 18.0            # years, below age_max
    age_max = 40.0
    [population.inclusion]    # judged on each candidate's untreated steady state
    min_anti_dsdna_iu_per_ml = 30.0
    min_proteinuria_g_per_day = 0.5
    [[population.correlation]]
    parameters = ["car_t_antigen_expansion_rate", "il6_production_per_car_t"]
    r = 0.3
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Annotated, Literal, Self

from pydantic import Field, field_validator, model_validator

from immunoreset.population import (
    POPULATIONS,
    CohortSpec,
    Correlation,
    InclusionCriteria,
    named_population,
)
from immunoreset.spec._base import FieldError, SpecModel

__all__ = ["MAX_PATIENTS", "CorrelationTable", "InclusionTable", "PopulationTable",
           "TrialPopulationTable"]

_C = CohortSpec()
_I = InclusionCriteria()
#: Virtual patients per arm a spec may ask for (what the machine can hold is checked
#: separately, before a run, from the save mode and the free memory and disk).
MAX_PATIENTS = 1_000_000_000
#: Ages, years: adults and children alike; 120 is above the oldest recorded human.
MAX_AGE = 120.0


class InclusionTable(SpecModel):
    """Who enters the cohort (see :class:`~immunoreset.population.InclusionCriteria`)."""

    # anti-dsDNA assays report up to a few thousand IU/mL.
    min_anti_dsdna_iu_per_ml: Annotated[float, Field(ge=0, le=10_000)] = _I.min_anti_dsdna_iu_per_ml
    # Proteinuria, g/day: nephrotic range is > 3.5; 50 g/day is beyond any report.
    min_proteinuria_g_per_day: Annotated[float, Field(ge=0, le=50)] = _I.min_proteinuria_g_per_day
    max_proteinuria_g_per_day: Annotated[float, Field(gt=0, le=50)] = _I.max_proteinuria_g_per_day
    min_sledai_2k: Annotated[float, Field(ge=0, le=105)] | None = _I.min_sledai_2k

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.max_proteinuria_g_per_day <= self.min_proteinuria_g_per_day:
            raise FieldError("max_proteinuria_g_per_day",
                             f"got {self.max_proteinuria_g_per_day:g}, expected a value above "
                             f"min_proteinuria_g_per_day ({self.min_proteinuria_g_per_day:g})")
        return self

    def build(self) -> InclusionCriteria:
        """The inclusion criteria."""
        return InclusionCriteria(float(self.min_anti_dsdna_iu_per_ml),
                                 float(self.min_proteinuria_g_per_day),
                                 float(self.max_proteinuria_g_per_day),
                                 None if self.min_sledai_2k is None else float(self.min_sledai_2k))


class CorrelationTable(SpecModel):
    """A correlation ``r`` between the inter-individual variability of two parameters."""

    parameters: Annotated[list[str], Field(min_length=2, max_length=2)]
    r: Annotated[float, Field(gt=-1, lt=1)]

    @field_validator("parameters")
    @classmethod
    def _known(cls, names: list[str]) -> list[str]:
        from immunoreset.model import PARAMETER_INDEX

        for n in names:
            if n not in PARAMETER_INDEX:
                raise ValueError(f"got {n!r}, expected a model parameter name")
        if names[0] == names[1]:
            raise ValueError(f"got {names!r}, expected two different parameters")
        return names


if TYPE_CHECKING:
    PopulationName = str
else:  # the named populations (immunoreset.population.POPULATIONS), an enum in the schema
    PopulationName = Literal[tuple(POPULATIONS)]


class PopulationTable(SpecModel):
    """Covariates, inclusion criteria and correlations of the virtual population.

    ``name``: a named population (``erlangen_like``, ``lupus_nephritis``): its covariates,
    inclusion criteria and parameter differences; keys given beside it override its
    covariates and inclusion criteria."""

    name: PopulationName | None = None
    female_fraction: Annotated[float, Field(ge=0, le=1)] = _C.female_fraction
    age_mean: Annotated[float, Field(ge=0, le=MAX_AGE)] = _C.age_mean
    age_sd: Annotated[float, Field(gt=0, le=50)] = _C.age_sd
    age_min: Annotated[float, Field(ge=0, le=MAX_AGE)] = _C.age_min
    age_max: Annotated[float, Field(ge=0, le=MAX_AGE)] = _C.age_max
    inclusion: InclusionTable = Field(default_factory=InclusionTable)
    correlation: list[CorrelationTable] = Field(default_factory=list)

    @model_validator(mode="after")
    def _ages(self) -> Self:
        if not self.age_min < self.age_max:
            raise FieldError("age_max", f"got {self.age_max:g}, expected a value above "
                             f"population.age_min ({self.age_min:g})")
        if not self.age_min <= self.age_mean <= self.age_max:
            raise FieldError("age_mean", f"got {self.age_mean:g}, expected a value within "
                             f"population.age_min..age_max ({self.age_min:g}-{self.age_max:g})")
        return self

    def build(self) -> CohortSpec:
        """The cohort recipe (the named population's, with the keys given here)."""
        if self.name is not None:
            base = named_population(self.name).spec
            given = self.model_fields_set
            keys: dict[str, object] = {k: float(getattr(self, k)) for k in (
                "female_fraction", "age_mean", "age_sd", "age_min", "age_max") if k in given}
            if "inclusion" in given:
                keys["inclusion"] = self.inclusion.build()
            if "correlation" in given:
                keys["correlations"] = tuple(
                    Correlation(c.parameters[0], c.parameters[1], float(c.r)) for c in self.correlation)
            return replace(base, **keys)  # type: ignore[arg-type]
        return CohortSpec(female_fraction=float(self.female_fraction), age_mean=float(self.age_mean),
                          age_sd=float(self.age_sd), age_min=float(self.age_min),
                          age_max=float(self.age_max), inclusion=self.inclusion.build(),
                          correlations=tuple(Correlation(c.parameters[0], c.parameters[1], float(c.r))
                                             for c in self.correlation))


class TrialPopulationTable(PopulationTable):
    """A trial's population: also ``n_per_arm`` virtual patients per arm."""

    n_per_arm: Annotated[int, Field(ge=1, le=MAX_PATIENTS)]
