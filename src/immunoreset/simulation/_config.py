"""Study configuration files (TOML) for ``immunoreset simulate``.

The format is the one spec language of :mod:`immunoreset.spec` (the tables ``[run]``,
``[schedule]``, ``[parameters]``, ``[population]``, ``[solver]``, ``[model]`` and
``[[arm]]``; ``immunoreset schema --kind study`` prints its JSON Schema). Every key is
checked: an unknown key, a value of the wrong type or outside its physical range, a
missing field or a parameter override in a unit of the wrong dimension is an
:class:`~immunoreset.errors.InputError` naming the field and the value, raised before any
output is created. Example (``examples/simulate/erlangen_like.toml``)::

    [run]
    title = "Erlangen-like cohort, two doses"
    seed = 1
    n = 100                      # virtual patients per arm

    [schedule]
    first_day = -7               # the pre-treatment baseline visit
    follow_up_days = 730

    [[arm]]
    name = "car_t"
    lymphodepletion = "flu_cy"
    car_t = { dose_per_kg = 1e6 }

    [[arm]]
    name = "untreated"
    background = "refractory_standard_of_care"

Old flat arm keys (``car_t_dose_per_kg``, ``fludarabine_mg_per_m2_per_day``, ...) and
``run.first_day/last_day/visit_days`` still work: they are converted, with one
:class:`~immunoreset.errors.SpecDeprecationWarning` line saying what to write instead.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from immunoreset.errors import InputError, SpecDeprecationWarning
from immunoreset.model import (
    SLE_CD19_CART,
    ModelSpec,
    ParameterSet,
    build_model,
    extend_model,
    load_parameters,
)
from immunoreset.population import GivenPatients
from immunoreset.simulation._arm import DEFAULT_SOLVER
from immunoreset.simulation._spec import DEFAULT_VISIT_DAYS, StudySpec
from immunoreset.simulation._study import RunOptions
from immunoreset.spec import (
    MAX_PATIENTS,
    MAX_SEED,
    StudyTable,
    check_parameter_values,
    read_toml,
    upgrade_study_document,
    validate,
)
from immunoreset.therapy import Regimen

__all__ = ["check_regimen_events", "load_study_config", "study_model", "therapy_modules"]


def check_regimen_events(regimen: Regimen, state_index: Mapping[str, int] | None = None) -> None:
    """Build ``regimen``'s events for a typical patient, so that a dose into an unknown
    model state is refused when the spec is read, before any output exists (states of
    ``state_index``; the default model's if None)."""
    regimen.events(height_cm=170.0, weight_kg=70.0, car_t_distribution_volume_l=5.0,
                   state_index=state_index)


def therapy_modules(regimens: Iterable[Regimen]) -> tuple[str, ...]:
    """The therapy modules the ``regimens`` need, each once, in order of first use."""
    return tuple(dict.fromkeys(m for r in regimens for m in r.modules))


def study_model(parameters: ParameterSet, modules: Sequence[Path | str],
                parameter_files: Sequence[Path], *, therapies: Sequence[str] = (),
                ) -> tuple[ModelSpec, ParameterSet]:
    """The model of a study: the SLE model with the therapy modules its arms need
    (``therapies``, :func:`therapy_modules`; from ``immunoreset.model.therapies`` with their
    packaged parameter files), then the module files of the config's ``[model]`` table and
    their parameter files, and the matching parameter set. Building the spec
    (:func:`~immunoreset.model.build_model`) refuses a module with an error in its names or
    units; the loaders do so as they read the spec."""
    from immunoreset.model.therapies import therapy_files

    t_modules, t_files = therapy_files(therapies)
    if not modules and not parameter_files and not t_modules:
        return SLE_CD19_CART, parameters
    return extend_model(parameters, [*t_modules, *modules], [*t_files, *parameter_files])


def _override(flag: str, value: int | None, low: int, high: int) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                              or not low <= value <= high):
        raise InputError(f"{flag}: got {value!r}, expected an integer {low}-{high:,}")


def load_study_config(path: str | Path, *, n: int | None = None, seed: int | None = None,
                      patients: GivenPatients | None = None,
                      ) -> tuple[StudySpec, dict[str, Any], RunOptions]:
    """Parse and validate a study config; returns the spec, the config document (in the
    new form, with ``run.n`` and ``run.seed`` as run) and the run options it sets
    (``save``, ``chunk_size``; the CLI may override them). ``patients``: given patients
    (fitted digital twins) simulated instead of sampled ones (``n`` is their number; no
    named patients, no calibration criteria)."""
    p = Path(path)
    _override("--n", n, 0, MAX_PATIENTS)
    _override("--seed", seed, 0, MAX_SEED)
    doc, renames, note = upgrade_study_document(read_toml(p, "CONFIG"))
    table = validate(StudyTable, doc, root="config", renames=renames)
    run = table.run
    if patients is not None:
        if n is not None:
            raise InputError("--n: given with --patients, expected only --patients (the study "
                             "simulates every given patient)")
        n = len(patients)
    if n is None:
        if run.n is None:
            raise InputError("run.n: missing field (expected the number of virtual patients per "
                             "arm, or --n)")
        n = run.n
    seed = run.seed if seed is None else seed
    if n == 0 and not run.include_erlangen:
        raise InputError("run.n: got 0 virtual patients and include_erlangen is false; nothing "
                         "to simulate")
    schedule = table.schedule
    first, last = schedule.first_day, schedule.follow_up_days
    pfile = table.parameters.path(p.parent)
    parameters = load_parameters(None if pfile is None else str(pfile))
    if pfile is not None:
        check_parameter_values({q.name: q.value for q in parameters.parameters},
                               f"parameters.file {pfile.name}")
    overrides = table.parameters.overrides()
    if overrides:
        parameters = parameters.with_values(overrides)
    modules, parameter_files = table.model.paths(p.parent)
    arms: dict[str, Regimen] = {}
    labels: dict[str, str] = {}
    for i, a in enumerate(table.arm):
        for built in a.build():
            if built.name in arms:
                raise InputError(f"arm[{i}].name: {built.name!r} is used twice")
            arms[built.name] = built.regimen
            labels[built.name] = built.label
    model, parameters = study_model(parameters, modules, parameter_files,
                                    therapies=therapy_modules(arms.values()))
    if table.population.name is not None:  # the named population's parameter differences
        from immunoreset.population import named_population

        parameters = named_population(table.population.name).parameters(parameters)
    state_index = build_model(model).state_index
    for regimen in arms.values():
        check_regimen_events(regimen, state_index)
    days = np.arange(first, last + 1, dtype=np.float64)
    first_event = min((d.day for r in arms.values() for d in r.lymphodepletion.doses), default=0.0)
    first_event = min([first_event] + [d.day for r in arms.values() for d in r.doses]
                      + [d.first_day for r in arms.values() for d in r.drugs])
    if first_event < first:
        raise InputError(f"schedule.first_day: got {first}, expected a day before the first dose "
                         f"(day {first_event:g})")
    visits = tuple(schedule.visits if schedule.visits is not None
                   else [d for d in DEFAULT_VISIT_DAYS if first <= d <= last])
    cohort = table.population.build()
    solver = table.solver.build(DEFAULT_SOLVER)
    spec = StudySpec(title=run.title or p.stem, parameters=parameters, arms=arms, n=n, seed=seed,
                     include_erlangen=run.include_erlangen and patients is None, cohort=cohort,
                     days=days, patients=patients,
                     solver=solver, visit_days=visits,
                     # the calibration criteria read days -7 to 730 of both arms
                     evaluate_targets=(set(arms) >= {"car_t", "untreated"} and n > 0
                                       and patients is None
                                       and first <= -7 and last >= 730),
                     labels=labels, model=model)
    doc.setdefault("run", {}).update(n=n, seed=seed)
    if note:  # only for a valid config: a refusal stays one line
        warnings.warn(f"{p.name}: {note}", SpecDeprecationWarning, stacklevel=2)
    return spec, doc, RunOptions(chunk_size=run.chunk_size, save=run.save)
