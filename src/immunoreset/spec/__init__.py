"""One spec language for every input file: study configs (``immunoreset simulate``) and
trial specs (``immunoreset trial``) share one arm, population, schedule, parameter, solver
and model vocabulary, defined once here with pydantic, with physical bounds on every
number and cross-field rules. ``immunoreset schema [--kind study|trial]`` prints the JSON
Schema; :func:`validate` turns the first violation into a one-line
:class:`~immunoreset.errors.InputError` naming the field, the value and what was expected.
"""

from immunoreset.spec._arm import (
    BACKGROUNDS,
    ArmModel,
    Background,
    BackgroundTable,
    BuiltArm,
    CarTTable,
    LymphodepletionTable,
    StateDoseTable,
)
from immunoreset.spec._base import ARM_NAME_PATTERN, MAX_DAY, MIN_DAY, FieldError, SpecModel
from immunoreset.spec._errors import format_location, read_toml, validate
from immunoreset.spec._model_files import ModelTable
from immunoreset.spec._parameters import (
    PLAUSIBLE_RANGES,
    ParametersTable,
    Quantity,
    check_parameter_values,
)
from immunoreset.spec._population import (
    MAX_PATIENTS,
    CorrelationTable,
    InclusionTable,
    PopulationTable,
    TrialPopulationTable,
)
from immunoreset.spec._schedule import BASELINE_DAY, ScheduleTable, StudyScheduleTable
from immunoreset.spec._solver import SolverTable
from immunoreset.spec._study import MAX_SEED, RunTable, StudyTable, upgrade_study_document
from immunoreset.spec._trial import (
    BOUNDS,
    EndpointsTable,
    ReplicatesTable,
    SuccessTable,
    TrialInfo,
    TrialScheduleTable,
    TrialTable,
    upgrade_trial_document,
)

#: The JSON-Schema-exported document kinds (``immunoreset schema --kind``).
SCHEMAS: dict[str, type[SpecModel]] = {"study": StudyTable, "trial": TrialTable}

__all__ = [
    "ARM_NAME_PATTERN",
    "BACKGROUNDS",
    "BASELINE_DAY",
    "BOUNDS",
    "MAX_DAY",
    "MAX_PATIENTS",
    "MAX_SEED",
    "MIN_DAY",
    "PLAUSIBLE_RANGES",
    "SCHEMAS",
    "ArmModel",
    "Background",
    "BackgroundTable",
    "BuiltArm",
    "CarTTable",
    "CorrelationTable",
    "EndpointsTable",
    "FieldError",
    "InclusionTable",
    "LymphodepletionTable",
    "ModelTable",
    "ParametersTable",
    "PopulationTable",
    "Quantity",
    "ReplicatesTable",
    "RunTable",
    "ScheduleTable",
    "SolverTable",
    "SpecModel",
    "StateDoseTable",
    "StudyScheduleTable",
    "StudyTable",
    "SuccessTable",
    "TrialInfo",
    "TrialPopulationTable",
    "TrialScheduleTable",
    "TrialTable",
    "check_parameter_values",
    "format_location",
    "read_toml",
    "upgrade_study_document",
    "upgrade_trial_document",
    "validate",
]
