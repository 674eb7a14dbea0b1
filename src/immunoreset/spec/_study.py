"""The study config (``immunoreset simulate``): run options plus the shared tables.

.. code-block:: toml

    [run]
    title = "Erlangen-like cohort"
    seed = 1
    n = 100                      # virtual patients per arm (0 .. 10⁹; --n overrides)
    include_erlangen = false     # add erlangen_P1..P5
    save = "visits"              # summary | visits | full
    chunk_size = 250

    [schedule]                   # see ScheduleTable
    [parameters]                 # see ParametersTable
    [population]                 # see PopulationTable
    [solver]                     # see SolverTable
    [model]                      # see ModelTable
    [[arm]]                      # see ArmModel, one table per arm

Configs written for earlier versions (flat arm keys ``car_t_dose_per_kg``,
``lymphodepletion = "flu_cy"`` with ``fludarabine_mg_per_m2_per_day``, ...;
``run.first_day``, ``run.last_day``, ``run.visit_days``) are converted by
:func:`upgrade_study_document`, which says in one line what to write instead.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field

from immunoreset.errors import InputError
from immunoreset.spec._arm import ArmModel
from immunoreset.spec._base import SpecModel
from immunoreset.spec._model_files import ModelTable
from immunoreset.spec._parameters import ParametersTable
from immunoreset.spec._population import MAX_PATIENTS, PopulationTable
from immunoreset.spec._schedule import StudyScheduleTable
from immunoreset.spec._solver import SolverTable

__all__ = ["MAX_SEED", "RunTable", "StudyTable", "upgrade_study_document"]

#: Largest seed (numpy SeedSequence takes any non-negative integer; 2⁶³ − 1 fits TOML).
MAX_SEED = 2**63 - 1


class RunTable(SpecModel):
    """What to run: title, seed, patients per arm, named patients, what to save."""

    title: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] = 1
    n: Annotated[int, Field(ge=0, le=MAX_PATIENTS)] | None = None
    include_erlangen: bool = False
    save: Literal["summary", "visits", "full"] = "visits"
    chunk_size: Annotated[int, Field(ge=1, le=1_000_000)] = 250


class StudyTable(SpecModel):
    """A study config."""

    run: RunTable = Field(default_factory=RunTable)
    schedule: StudyScheduleTable = Field(default_factory=StudyScheduleTable)
    parameters: ParametersTable = Field(default_factory=ParametersTable)
    population: PopulationTable = Field(default_factory=PopulationTable)
    solver: SolverTable = Field(default_factory=SolverTable)
    model: ModelTable = Field(default_factory=ModelTable)
    arm: Annotated[list[ArmModel], Field(min_length=1)]


_OLD_ARM_BACKGROUND = ("prednisone_mg_per_day", "antimalarial", "immunosuppressant", "biologic")
_OLD_ARM_LD = {"fludarabine_mg_per_m2_per_day": "fludarabine_mg_per_m2_per_day",
               "cyclophosphamide_mg_per_m2": "cyclophosphamide_mg_per_m2_per_day"}
_OLD_RUN = {"first_day": "first_day", "last_day": "follow_up_days", "visit_days": "visits"}


def upgrade_study_document(doc: Mapping[str, Any],
                           ) -> tuple[dict[str, Any], dict[tuple[Any, ...], str], str | None]:
    """Convert the old flat keys of a study config to the nested form.

    Returns the converted document, the renames (location in the new document → the key
    the user wrote, for error messages) and a one-line note naming the old keys and their
    replacement (``None`` when none were used).
    """
    new = copy.deepcopy(dict(doc))
    renames: dict[tuple[Any, ...], str] = {}
    used: list[str] = []
    run = new.get("run")
    if isinstance(run, dict):
        moved = {k: run.pop(k) for k in list(run) if k in _OLD_RUN}
        if moved:
            schedule = new.setdefault("schedule", {})
            if not isinstance(schedule, dict):
                raise InputError(f"schedule: got {schedule!r}, expected a table")
            for old, value in moved.items():
                key = _OLD_RUN[old]
                if key in schedule:
                    raise InputError(f"run.{old}: given with schedule.{key}, expected only "
                                     f"schedule.{key}")
                schedule[key] = value
                renames[("schedule", key)] = f"run.{old}"
                used.append(f"run.{old} (now schedule.{key})")
    arms = new.get("arm")
    if isinstance(arms, list):
        for i, arm in enumerate(arms):
            if isinstance(arm, dict):
                used += _upgrade_arm(i, arm, renames)
    if not used:
        return new, renames, None
    shown = "; ".join(dict.fromkeys(used))
    return new, renames, (f"old config keys, converted: {shown}; write the new form "
                          "(README: 'One spec format'; `immunoreset schema`)")


def _upgrade_arm(i: int, arm: dict[str, Any], renames: dict[tuple[Any, ...], str]) -> list[str]:
    where = f"arm[{i}]"
    used: list[str] = []
    car = {k: arm.pop(k) for k in ("car_t_dose_per_kg", "car_t_flat_dose") if k in arm}
    if car:
        if "car_t" in arm:
            raise InputError(f"{where}.{next(iter(car))}: given with {where}.car_t, expected only car_t")
        if len(car) == 2:
            raise InputError(f"{where}: give car_t_dose_per_kg or car_t_flat_dose, not both")
        (old_key, value), = car.items()
        old: str = old_key
        key = old.removeprefix("car_t_")
        arm["car_t"] = {key: value}
        renames[("arm", i, "car_t", key)] = f"{where}.{old}"
        used.append(f"{old} (now car_t = {{ {key} = ... }})")
    bg = {k: arm.pop(k) for k in _OLD_ARM_BACKGROUND if k in arm}
    if bg:
        if "background" in arm:
            raise InputError(f"{where}.{next(iter(bg))}: given with {where}.background, expected "
                             "only background")
        arm["background"] = {"name": "custom", **bg}
        for k in bg:
            renames[("arm", i, "background", k)] = f"{where}.{k}"
        used.append(f"{', '.join(bg)} (now background = {{ ... }})")
    ld_doses = {k: arm.pop(k) for k in _OLD_ARM_LD if k in arm}
    ld = arm.get("lymphodepletion", "none")
    if ld_doses:
        if ld != "flu_cy":
            if ld in ("flu30_cy300", "cyclophosphamide", "none"):
                raise InputError(f"{where}.{next(iter(ld_doses))}: given with lymphodepletion = "
                                 f"{ld!r}, expected it only with 'flu_cy' (or a lymphodepletion table)")
            return used  # an unknown name: reported by the schema
        table: dict[str, Any] = {"name": "flu_cy",
                                 "fludarabine_mg_per_m2_per_day": 25.0, "fludarabine_days": [-5, -4, -3],
                                 "cyclophosphamide_mg_per_m2_per_day": 1000.0, "cyclophosphamide_days": [-3]}
        for old, value in ld_doses.items():
            table[_OLD_ARM_LD[old]] = value
            renames[("arm", i, "lymphodepletion", _OLD_ARM_LD[old])] = f"{where}.{old}"
        arm["lymphodepletion"] = table
        used.append(f"{', '.join(ld_doses)} (now lymphodepletion = {{ ... }})")
    return used
