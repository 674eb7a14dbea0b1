"""The trial spec (``immunoreset trial``): trial options, endpoints and replicates plus the
shared tables (population with ``n_per_arm``, schedule, arms, parameters, solver, model).
The format, with examples, is in ``docs/trials.md`` and ``examples/trials/``."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Self

from pydantic import Field, field_validator, model_validator

from immunoreset.spec._arm import ArmModel
from immunoreset.spec._base import NAME_PATTERN, FieldError, SpecModel
from immunoreset.spec._model_files import ModelTable
from immunoreset.spec._parameters import ParametersTable
from immunoreset.spec._population import TrialPopulationTable
from immunoreset.spec._schedule import ScheduleTable
from immunoreset.spec._solver import SolverTable
from immunoreset.spec._study import MAX_SEED

__all__ = ["BOUNDS", "EndpointsTable", "ReplicatesTable", "SuccessTable", "TrialInfo",
           "TrialTable", "upgrade_trial_document"]

#: Bounds of a success criterion: key → comparison.
BOUNDS = {"at_least": ">=", "above": ">", "at_most": "<=", "below": "<"}


class TrialInfo(SpecModel):
    """The ``[trial]`` table."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    title: Annotated[str, Field(max_length=200)] = ""
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] = 1
    paired: bool = True
    reference_arm: Annotated[str, Field(pattern=NAME_PATTERN)] | None = None
    interval: Literal["clopper_pearson", "wilson"] = "clopper_pearson"
    confidence: Annotated[float, Field(ge=0.5, lt=1.0)] = 0.95

    @field_validator("name")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError(f"got {v!r}, expected a non-empty name")
        return v


def _endpoint_names(names: list[str]) -> list[str]:
    from immunoreset.trial._endpoints import ENDPOINTS

    for n in names:
        if n not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {n!r} (expected one of {', '.join(ENDPOINTS)})")
    return names


class EndpointsTable(SpecModel):
    """Endpoints to evaluate: the whole library by default; ``renal_definition`` names the
    definition of the renal-response endpoints (see ``immunoreset.clinical.RENAL_DEFINITIONS``)."""

    include: list[str] | None = None
    exclude: list[str] = Field(default_factory=list)
    renal_definition: str = "lunar"

    @field_validator("include", "exclude")
    @classmethod
    def _known(cls, v: list[str] | None) -> list[str] | None:
        return v if v is None else _endpoint_names(v)

    @field_validator("renal_definition")
    @classmethod
    def _renal(cls, v: str) -> str:
        from immunoreset.clinical import RENAL_DEFINITIONS

        if v not in RENAL_DEFINITIONS:
            raise ValueError(f"got {v!r}, expected one of {', '.join(RENAL_DEFINITIONS)}")
        return v


class SuccessTable(SpecModel):
    """One success criterion of the replicate trials (exactly one bound)."""

    endpoint: str
    arm: str
    visit_day: int | None = None
    versus: str | None = None
    statistic: Literal["estimate", "ci_low", "ci_high"] = "estimate"
    at_least: float | None = None
    above: float | None = None
    at_most: float | None = None
    below: float | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> Self:
        if sum(getattr(self, b) is not None for b in BOUNDS) != 1:
            raise ValueError(f"give exactly one of {', '.join(BOUNDS)}")
        return self

    @property
    def bound(self) -> tuple[str, float]:
        """``(bound, threshold)``."""
        b = next(b for b in BOUNDS if getattr(self, b) is not None)
        return b, float(getattr(self, b))


class ReplicatesTable(SpecModel):
    """Replicate trials over the calibration posterior."""

    n: Annotated[int, Field(ge=0, le=10_000)] = 0
    n_per_arm: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    success: list[SuccessTable] = Field(default_factory=list)


class TrialScheduleTable(ScheduleTable):
    """A trial's schedule: visits (where endpoints are read) after infusion."""

    @model_validator(mode="after")
    def _visits(self) -> Self:
        f = self.follow_up_days
        for v in self.visits:
            if not 1 <= v <= f:
                raise FieldError("visits", f"got {v}, expected days within follow-up 1-{f} "
                                 "(schedule.follow_up_days)")
        if list(self.visits) != sorted(set(self.visits)):
            raise FieldError("visits", f"got {list(self.visits)}, expected increasing days "
                             "without repeats")
        return self


class TrialTable(SpecModel):
    """A trial spec."""

    trial: TrialInfo
    population: TrialPopulationTable
    schedule: TrialScheduleTable
    endpoints: EndpointsTable = Field(default_factory=EndpointsTable)
    arm: Annotated[list[ArmModel], Field(min_length=1)]
    replicates: ReplicatesTable = Field(default_factory=ReplicatesTable)
    parameters: ParametersTable = Field(default_factory=ParametersTable)
    solver: SolverTable = Field(default_factory=SolverTable)
    model: ModelTable = Field(default_factory=ModelTable)

    @model_validator(mode="after")
    def _backgrounds(self) -> Self:
        for i, a in enumerate(self.arm):
            if a.car_t is None and a.background is None:
                raise FieldError(f"arm[{i}].background",
                                 "missing field (an arm without CAR-T must state its background "
                                 "therapy: none, refractory_standard_of_care or a table)")
        return self


def upgrade_trial_document(doc: Mapping[str, Any],
                           ) -> tuple[dict[str, Any], dict[tuple[Any, ...], str], str | None]:
    """Convert flat ``[parameters] name = value`` overrides (the old trial form) to
    ``[parameters.values]``; returns the document, renames and a one-line note."""
    new = copy.deepcopy(dict(doc))
    prm = new.get("parameters")
    renames: dict[tuple[Any, ...], str] = {}
    if not isinstance(prm, dict):
        return new, renames, None
    flat = {k: prm.pop(k) for k in list(prm) if k not in ("file", "values")}
    if not flat:
        return new, renames, None
    values = prm.setdefault("values", {})
    if not isinstance(values, dict):
        return new, renames, None
    for k, v in flat.items():
        values[k] = v
        renames[("parameters", "values", k)] = f"parameters.{k}"
    return new, renames, (f"old spec keys, converted: parameters.{', parameters.'.join(flat)} "
                          "(now [parameters.values]); write the new form (docs/trials.md)")
