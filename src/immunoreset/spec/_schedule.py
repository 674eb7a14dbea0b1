"""The schedule, the same in study configs and trial specs: the first simulated day (the
pre-treatment baseline visit), follow-up after infusion (day 0) and the visit days.

.. code-block:: toml

    [schedule]
    first_day = -7                # baseline visit, before the first dose (-60 .. 0)
    follow_up_days = 365          # last day (1 .. 3650)
    visits = [28, 90, 180, 365]   # whole days, increasing, within first_day..follow_up_days
"""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import Field, model_validator

from immunoreset.spec._base import MAX_DAY, MIN_DAY, FieldError, SpecModel

__all__ = ["BASELINE_DAY", "ScheduleTable", "StudyScheduleTable"]

#: The pre-treatment baseline visit of the Erlangen schedule (day −7; lymphodepletion
#: starts on day −5).
BASELINE_DAY = -7

VisitDay = Annotated[int, Field(ge=MIN_DAY, le=MAX_DAY)]


def _check_visits(first: int, last: int, visits: list[int]) -> None:
    for v in visits:
        if not first <= v <= last:
            raise FieldError("visits", f"got {v}, expected days within {first}..{last} "
                             "(schedule.first_day..follow_up_days)")
    if list(visits) != sorted(set(visits)):
        raise FieldError("visits", f"got {list(visits)}, expected increasing days without repeats")


class ScheduleTable(SpecModel):
    """First day, follow-up and visit days (a trial's endpoints are read at the visits)."""

    first_day: Annotated[int, Field(ge=MIN_DAY, le=0)] = BASELINE_DAY
    follow_up_days: Annotated[int, Field(ge=1, le=MAX_DAY)]
    visits: Annotated[list[VisitDay], Field(min_length=1, max_length=4000)]

    @model_validator(mode="after")
    def _visits(self) -> Self:
        _check_visits(self.first_day, self.follow_up_days, self.visits)
        return self


class StudyScheduleTable(ScheduleTable):
    """A study's schedule: follow-up 730 days and the Erlangen visits by default."""

    follow_up_days: Annotated[int, Field(ge=1, le=MAX_DAY)] = 730
    visits: Annotated[list[VisitDay], Field(min_length=1, max_length=4000)] | None = None  # type: ignore[assignment]

    @model_validator(mode="after")
    def _visits(self) -> Self:
        if self.visits is not None:
            _check_visits(self.first_day, self.follow_up_days, self.visits)
        return self
