"""Trial specifications: frozen, validated value objects, read from TOML.

A spec names the trial and its seed, the population (inclusion criteria, N per arm), the
arms (lymphodepletion, CAR-T product and dose or no CAR-T with a stated background
therapy), the visit schedule, the endpoints and optional replicate trials with success
criteria. Every key is checked: unknown keys and endpoints, doses ≤ 0 and visits outside
follow-up are :class:`~immunoreset.errors.InputError` with a one-line message naming the
field, the value and what was expected. The format, with examples, is in
``docs/trials.md`` and ``examples/trials/``.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from immunoreset.clinical import DEFAULT_RENAL_DEFINITION, RENAL_DEFINITIONS
from immunoreset.engine import SolverSettings
from immunoreset.errors import InputError, SpecDeprecationWarning
from immunoreset.model import ModelSpec, ParameterSet
from immunoreset.population import CohortSpec
from immunoreset.simulation import DEFAULT_SOLVER
from immunoreset.spec import (
    ARM_NAME_PATTERN,
    BACKGROUNDS,
    Background,
    TrialTable,
    check_parameter_values,
    read_toml,
    upgrade_trial_document,
    validate,
)
from immunoreset.therapy import CarTProduct, DrugRegimen, Lymphodepletion, Regimen, StateDose
from immunoreset.trial._endpoints import ENDPOINTS, PARTIAL_RENAL_ENDPOINTS
from immunoreset.trial._intervals import INTERVAL_METHODS

__all__ = [
    "BACKGROUNDS",
    "ArmSpec",
    "Background",
    "PopulationSpec",
    "ReplicateSpec",
    "ScheduleSpec",
    "SuccessCriterion",
    "TrialSpec",
    "load_trial_spec",
]


_ARM_NAME = re.compile(ARM_NAME_PATTERN)


@dataclass(frozen=True)
class ArmSpec:
    """One arm: lymphodepletion, CAR-T product (``None`` = no CAR-T) and background.

    ``family`` and ``dose`` are set on arms expanded from a dose grid (for dose–response).
    """

    name: str
    lymphodepletion: Lymphodepletion = field(default_factory=Lymphodepletion.none)
    car_t: CarTProduct | None = None
    background: Background = field(default_factory=Background)
    label: str = ""
    family: str | None = None
    doses: tuple[StateDose, ...] = ()
    drugs: tuple[DrugRegimen, ...] = ()
    co_infusions: tuple[CarTProduct, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _ARM_NAME.match(self.name):
            raise InputError(f"arm.name: got {self.name!r}, expected letters, digits, '_', '.' "
                             f"or '-' ({ARM_NAME_PATTERN})")
        if self.car_t is not None:
            dose = self.car_t.dose_per_kg if self.car_t.dose_per_kg is not None else self.car_t.flat_dose
            if dose is None or not dose > 0:
                raise InputError(f"arm {self.name!r}: car_t dose: got {dose!r}, expected a "
                                 "number > 0 (leave car_t out for an arm without CAR-T)")
        if not self.label:
            object.__setattr__(self, "label", self.name)

    @property
    def regimen(self) -> Regimen:
        """The therapy as a :class:`~immunoreset.therapy.Regimen` (arm name as its name)."""
        b = self.background
        return Regimen(self.name, self.lymphodepletion, self.car_t,
                       prednisone_mg_per_day=float(b.prednisone_mg_per_day),
                       antimalarial=b.antimalarial, immunosuppressant=b.immunosuppressant,
                       biologic=b.biologic, doses=self.doses, drugs=self.drugs,
                       co_infusions=self.co_infusions)

    @property
    def dose(self) -> tuple[float, str] | None:
        """``(dose, unit)`` of CAR-T (``cells/kg`` or ``cells``), ``None`` without CAR-T."""
        if self.car_t is None:
            return None
        if self.car_t.dose_per_kg is not None:
            return (float(self.car_t.dose_per_kg), "cells/kg")
        assert self.car_t.flat_dose is not None
        return (float(self.car_t.flat_dose), "cells")

    def describe(self) -> str:
        """One line for tables: lymphodepletion; CAR-T dose; background."""
        ld = "no lymphodepletion" if not self.lymphodepletion.doses else "; ".join(
            f"{d.drug} {d.amount_mg_per_m2:g} mg/m² d{d.day:+g}" for d in self.lymphodepletion.doses)
        dose = self.dose
        car = "no CAR-T" if dose is None else f"CAR-T {dose[0]:.3g} {dose[1]}"
        b = self.background
        drugs = [f"prednisone {b.prednisone_mg_per_day:g} mg/day"] if b.prednisone_mg_per_day else []
        drugs += [n for n, on in (("antimalarial", b.antimalarial),
                                  ("immunosuppressant", b.immunosuppressant),
                                  ("biologic", b.biologic)) if on]
        doses = "".join(f" | {d.amount:g} into {d.state} d{d.day:+g}"
                        + (f" ×{d.count} every {d.every_days:g} d" if d.count > 1 else "")
                        for d in self.doses)
        return f"{ld} | {car} | background: {', '.join(drugs) or 'none'}{doses}"


# -- population, schedule, replicates ------------------------------------------------------------

@dataclass(frozen=True)
class PopulationSpec:
    """``n_per_arm`` virtual patients drawn by ``cohort`` (covariates, inclusion criteria)."""

    n_per_arm: int
    cohort: CohortSpec = field(default_factory=CohortSpec)
    name: str | None = None

    def __post_init__(self) -> None:
        n = self.n_per_arm
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise InputError(f"population.n_per_arm: got {n!r}, expected an integer >= 1")


@dataclass(frozen=True)
class ScheduleSpec:
    """Follow-up (days after infusion), scheduled visits (days, within follow-up) and the
    first simulated day ``first_day``: the pre-treatment baseline visit (day −7)."""

    follow_up_days: int
    visits: tuple[int, ...]
    first_day: int = -7

    def __post_init__(self) -> None:
        f = self.follow_up_days
        if isinstance(f, bool) or not isinstance(f, int) or f < 1:
            raise InputError(f"schedule.follow_up_days: got {f!r}, expected an integer >= 1")
        if not self.visits:
            raise InputError("schedule.visits: empty, expected at least one visit day")
        for v in self.visits:
            if isinstance(v, bool) or not isinstance(v, int):
                raise InputError(f"schedule.visits: got {v!r}, expected whole days")
            if not 1 <= v <= f:
                raise InputError(f"schedule.visits: got {v}, expected days within follow-up "
                                 f"1-{f} (schedule.follow_up_days)")
        if list(self.visits) != sorted(set(self.visits)):
            raise InputError(f"schedule.visits: got {list(self.visits)}, expected increasing "
                             "days without repeats")


_STATISTICS = ("estimate", "ci_low", "ci_high")


_BOUNDS = {"at_least": ">=", "above": ">", "at_most": "<=", "below": "<"}


@dataclass(frozen=True)
class SuccessCriterion:
    """A replicate trial succeeds on this criterion when ``statistic`` of ``endpoint`` (at
    ``visit_day``) in ``arm`` — or of the difference ``arm − versus`` — satisfies the bound:
    ``bound`` is one of ``at_least`` (≥), ``above`` (>), ``at_most`` (≤), ``below`` (<)."""

    endpoint: str
    arm: str
    bound: str
    threshold: float
    visit_day: int | None = None
    versus: str | None = None
    statistic: str = "estimate"

    def __post_init__(self) -> None:
        if self.statistic not in _STATISTICS:
            raise InputError(f"replicates.success.statistic: got {self.statistic!r}, expected "
                             f"one of {', '.join(_STATISTICS)}")
        if self.bound not in _BOUNDS:
            raise InputError(f"replicates.success: got bound {self.bound!r}, expected one of "
                             f"{', '.join(_BOUNDS)}")

    @property
    def label(self) -> str:
        """Human-readable criterion, e.g. ``ci_low of doris@d90 (car_t − untreated) > 0.5``."""
        what = f"{self.endpoint}" + (f"@d{self.visit_day}" if self.visit_day is not None else "")
        arms = self.arm if self.versus is None else f"{self.arm} − {self.versus}"
        return f"{self.statistic} of {what} ({arms}) {_BOUNDS[self.bound]} {self.threshold:g}"

    def met(self, value: float) -> bool:
        """Whether ``value`` satisfies the criterion (NaN never does)."""
        if not math.isfinite(value):
            return False
        t = self.threshold
        return {"at_least": value >= t, "above": value > t, "at_most": value <= t,
                "below": value < t}[self.bound]


@dataclass(frozen=True)
class ReplicateSpec:
    """``n`` replicate trials, each with population-level parameters redrawn from the
    calibration's ABC posterior and new patients; ``success`` criteria per replicate."""

    n: int = 0
    success: tuple[SuccessCriterion, ...] = ()
    n_per_arm: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.n, bool) or not isinstance(self.n, int) or self.n < 0:
            raise InputError(f"replicates.n: got {self.n!r}, expected an integer >= 0")
        m = self.n_per_arm
        if m is not None and (isinstance(m, bool) or not isinstance(m, int) or m < 1):
            raise InputError(f"replicates.n_per_arm: got {m!r}, expected an integer >= 1")


# -- the trial ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class TrialSpec:
    """A virtual trial. Change it with :func:`dataclasses.replace` (validated again).

    ``paired``: every arm treats the same virtual patients with the same flare draws; if
    false, each arm draws its own patients. ``reference_arm``: differences are
    ``arm − reference_arm``. ``interval``: ``clopper_pearson`` or ``wilson`` for
    proportions. ``renal_definition``: the definition of the renal-response endpoints (a
    name in :data:`~immunoreset.clinical.RENAL_DEFINITIONS`).
    """

    name: str
    seed: int
    population: PopulationSpec
    arms: tuple[ArmSpec, ...]
    schedule: ScheduleSpec
    endpoints: tuple[str, ...] = tuple(ENDPOINTS)
    replicates: ReplicateSpec = field(default_factory=ReplicateSpec)
    title: str = ""
    paired: bool = True
    reference_arm: str | None = None
    interval: str = "clopper_pearson"
    confidence: float = 0.95
    parameter_values: Mapping[str, float] = field(default_factory=dict)
    source: str | None = None
    solver: SolverSettings = DEFAULT_SOLVER
    parameter_file: str | None = None
    model_modules: tuple[Path, ...] = ()
    model_parameter_files: tuple[Path, ...] = ()
    renal_definition: str = DEFAULT_RENAL_DEFINITION

    def study_model(self, parameters: ParameterSet) -> tuple[ModelSpec, ParameterSet]:
        """The trial's model and parameter set: the SLE model, the therapy modules its arms
        need, then its ``[model]`` module files; the named population's parameter
        differences applied."""
        from immunoreset.population import named_population
        from immunoreset.simulation._config import study_model, therapy_modules

        model, extended = study_model(parameters, self.model_modules, self.model_parameter_files,
                                      therapies=therapy_modules(a.regimen for a in self.arms))
        if self.population.name is not None:  # the population's parameter differences
            extended = named_population(self.population.name).parameters(extended)
        return model, extended

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InputError(f"trial.name: got {self.name!r}, expected a non-empty name")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise InputError(f"trial.seed: got {self.seed!r}, expected an integer >= 0")
        if not self.arms:
            raise InputError("arm: missing, expected at least one [[arm]] table")
        names = [a.name for a in self.arms]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise InputError(f"arm.name: {dup[0]!r} is used twice")
        for e in self.endpoints:
            if e not in ENDPOINTS:
                raise InputError(f"endpoints.include: unknown endpoint {e!r} (expected one of "
                                 f"{', '.join(ENDPOINTS)})")
        if self.renal_definition not in RENAL_DEFINITIONS:
            raise InputError(f"endpoints.renal_definition: got {self.renal_definition!r}, "
                             f"expected one of {', '.join(RENAL_DEFINITIONS)}")
        if RENAL_DEFINITIONS[self.renal_definition].partial is None:
            asked = [e for e in self.endpoints if e in PARTIAL_RENAL_ENDPOINTS]
            if asked:
                raise InputError(f"endpoints.include: got {asked[0]!r}, but renal definition "
                                 f"{self.renal_definition!r} has no partial renal response; "
                                 "leave it out or choose one of "
                                 + ", ".join(k for k, d in RENAL_DEFINITIONS.items()
                                             if d.partial is not None))
        if self.interval not in INTERVAL_METHODS:
            raise InputError(f"trial.interval: got {self.interval!r}, expected one of "
                             f"{', '.join(INTERVAL_METHODS)}")
        if not (isinstance(self.confidence, float) and 0.5 <= self.confidence < 1.0):
            raise InputError(f"trial.confidence: got {self.confidence!r}, expected 0.5-0.999")
        if self.reference_arm is not None and self.reference_arm not in names:
            raise InputError(f"trial.reference_arm: got {self.reference_arm!r}, expected one of "
                             f"{', '.join(names)}")
        if not self.title:
            object.__setattr__(self, "title", self.name)
        for c in self.replicates.success:
            self._check_criterion(c, names)
        first_dose = min((d.day for a in self.arms for d in a.lymphodepletion.doses), default=0.0)
        first_dose = min([first_dose] + [d.day for a in self.arms for d in a.doses])
        if first_dose < self.schedule.first_day:
            raise InputError(f"schedule.first_day: got {self.schedule.first_day}, expected a day "
                             f"before the first dose (day {first_dose:g})")

    def _check_criterion(self, c: SuccessCriterion, names: Sequence[str]) -> None:
        where = "replicates.success"
        if c.endpoint not in self.endpoints:
            raise InputError(f"{where}.endpoint: got {c.endpoint!r}, expected an endpoint of the "
                             f"trial ({', '.join(self.endpoints)})")
        ep = ENDPOINTS[c.endpoint]
        if ep.kind == "time_to_event":
            raise InputError(f"{where}.endpoint: got {c.endpoint!r}, expected a proportion or "
                             "mean endpoint (time-to-event criteria are not supported)")
        if ep.timing == "visit" and c.visit_day not in self.schedule.visits:
            raise InputError(f"{where}.visit_day: got {c.visit_day!r}, expected a scheduled visit "
                             f"({', '.join(map(str, self.schedule.visits))})")
        if ep.timing != "visit" and c.visit_day is not None:
            raise InputError(f"{where}.visit_day: {c.endpoint!r} is evaluated over follow-up, "
                             "leave visit_day out")
        for key, arm in (("arm", c.arm), ("versus", c.versus)):
            if arm is not None and arm not in names:
                raise InputError(f"{where}.{key}: got {arm!r}, expected one of {', '.join(names)}")
        if c.versus is not None and c.versus != self.reference:
            raise InputError(f"{where}.versus: got {c.versus!r}, expected the reference arm "
                             f"{self.reference!r} (differences are against trial.reference_arm)")

    @property
    def reference(self) -> str:
        """The reference arm: ``reference_arm``, else the first arm without CAR-T, else the
        first arm."""
        if self.reference_arm is not None:
            return self.reference_arm
        return next((a.name for a in self.arms if a.car_t is None), self.arms[0].name)

    @property
    def arm_names(self) -> tuple[str, ...]:
        """Names of the arms, in spec order."""
        return tuple(a.name for a in self.arms)

    def arm(self, name: str) -> ArmSpec:
        """The arm called ``name``."""
        return next(a for a in self.arms if a.name == name)

    @classmethod
    def from_toml(cls, path: str | Path) -> TrialSpec:
        """Read and validate a spec file (see :func:`load_trial_spec`)."""
        return load_trial_spec(path)

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any], *, source: str | None = None,
                  base: str | Path = ".") -> TrialSpec:
        """Validate a parsed spec document (the TOML as a dict); relative file names in it
        are relative to ``base``."""
        return _parse(doc, source, Path(base))


# -- parsing -------------------------------------------------------------------------------------

def _parse(doc: Mapping[str, Any], source: str | None, base: Path) -> TrialSpec:
    from immunoreset.model import build_model, load_parameters
    from immunoreset.simulation._config import check_regimen_events, study_model, therapy_modules

    doc, renames, note = upgrade_trial_document(doc)
    t = validate(TrialTable, doc, root="spec", renames=renames)
    modules, parameter_files = t.model.paths(base)
    built_arms = [built for a in t.arm for built in a.build()]
    therapies = therapy_modules(b.regimen for b in built_arms)
    state_index = None
    if modules or parameter_files or therapies:
        pfile = t.parameters.path(base)
        model, _ = study_model(load_parameters(None if pfile is None else str(pfile)), modules,
                               parameter_files, therapies=therapies)
        state_index = build_model(model).state_index
    arms = []
    for built in built_arms:
        check_regimen_events(built.regimen, state_index)
        arms.append(ArmSpec(built.name, built.regimen.lymphodepletion, built.regimen.car_t,
                            built.background, built.label, built.family, built.regimen.doses,
                            built.regimen.drugs, built.regimen.co_infusions))
    renal = RENAL_DEFINITIONS[t.endpoints.renal_definition]
    if t.endpoints.include is not None:
        include = t.endpoints.include
    else:  # the whole library, less what the renal definition cannot evaluate
        include = [n for n in ENDPOINTS
                   if renal.partial is not None or n not in PARTIAL_RENAL_ENDPOINTS]
    endpoints = tuple(n for n in ENDPOINTS if n in include and n not in t.endpoints.exclude)
    success = []
    for c in t.replicates.success:
        bound, threshold = c.bound
        success.append(SuccessCriterion(endpoint=c.endpoint, arm=c.arm, bound=bound,
                                        threshold=threshold, visit_day=c.visit_day,
                                        versus=c.versus, statistic=c.statistic))
    pfile = t.parameters.path(base)
    if pfile is not None:
        from immunoreset.model import load_parameters

        check_parameter_values({q.name: q.value for q in load_parameters(str(pfile)).parameters},
                               f"parameters.file {pfile.name}")
    values = t.parameters.overrides()
    info = t.trial
    spec = TrialSpec(
        name=info.name, seed=info.seed,
        population=PopulationSpec(t.population.n_per_arm, t.population.build(), t.population.name),
        arms=tuple(arms),
        schedule=ScheduleSpec(t.schedule.follow_up_days, tuple(t.schedule.visits),
                              t.schedule.first_day),
        endpoints=endpoints,
        replicates=ReplicateSpec(t.replicates.n, tuple(success), t.replicates.n_per_arm),
        title=info.title, paired=info.paired, reference_arm=info.reference_arm,
        interval=info.interval, confidence=float(info.confidence), parameter_values=values,
        source=source, solver=t.solver.build(DEFAULT_SOLVER),
        parameter_file=None if pfile is None else str(pfile),
        model_modules=modules, model_parameter_files=parameter_files,
        renal_definition=t.endpoints.renal_definition)
    if note:  # only for a valid spec: a refusal stays one line
        warnings.warn(f"{Path(source).name if source else 'spec'}: {note}", SpecDeprecationWarning,
                      stacklevel=3)
    return spec


def load_trial_spec(path: str | Path) -> TrialSpec:
    """Read, parse and validate the trial spec at ``path`` (TOML, UTF-8).

    Raises :class:`~immunoreset.errors.InputError` (one line) for a missing file, a file
    that is not UTF-8, malformed TOML, an unknown key or endpoint, a dose out of range, a
    visit outside follow-up, ...
    """
    p = Path(path)
    return _parse(read_toml(p, "SPEC"), str(p), p.parent)
