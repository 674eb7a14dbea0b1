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

import dataclasses
import math
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from immunoreset.errors import InputError
from immunoreset.population import CohortSpec
from immunoreset.therapy import CarTProduct, Dose, Lymphodepletion, Regimen
from immunoreset.trial._endpoints import ENDPOINTS
from immunoreset.trial._intervals import INTERVAL_METHODS

__all__ = [
    "BACKGROUNDS",
    "LYMPHODEPLETION_REGIMENS",
    "ArmSpec",
    "Background",
    "PopulationSpec",
    "ReplicateSpec",
    "ScheduleSpec",
    "SuccessCriterion",
    "TrialSpec",
    "load_trial_spec",
]


# -- therapies ---------------------------------------------------------------------------------

def _flu30_cy300() -> Lymphodepletion:
    """Fludarabine 30 mg/m²/day + cyclophosphamide 300 mg/m²/day on days −5, −4, −3: the
    lymphoma CAR-T regimen (Kochenderfer et al., JCO 2015;33:540; ZUMA-1, Neelapu et al.,
    NEJM 2017;377:2531)."""
    days = (-5.0, -4.0, -3.0)
    return Lymphodepletion("flu30_cy300", tuple(Dose("fludarabine", d, 30.0) for d in days)
                           + tuple(Dose("cyclophosphamide", d, 300.0) for d in days))


def _cyclophosphamide_alone() -> Lymphodepletion:
    """Cyclophosphamide 1000 mg/m² on day −3 alone: the Erlangen regimen without
    fludarabine (ASSUMED comparator isolating fludarabine's contribution)."""
    return Lymphodepletion("cyclophosphamide", (Dose("cyclophosphamide", -3.0, 1000.0),))


#: Named lymphodepletion regimens (``lymphodepletion = "NAME"`` in an arm).
LYMPHODEPLETION_REGIMENS: dict[str, Callable[[], Lymphodepletion]] = {
    "flu_cy": Lymphodepletion.flu_cy,  # Erlangen: Flu 25 mg/m²/day d−5…−3 + Cy 1000 mg/m² d−3
    "flu30_cy300": _flu30_cy300,
    "cyclophosphamide": _cyclophosphamide_alone,
    "none": Lymphodepletion.none,
}


@dataclass(frozen=True)
class Background:
    """Background (standard-of-care) therapy given in an arm; enters the clinical record
    (DORIS, LLDAS count prednisone and drugs), not the dynamics (refractory patients)."""

    name: str = "none"
    prednisone_mg_per_day: float = 0.0
    antimalarial: bool = False
    immunosuppressant: bool = False
    biologic: bool = False

    def __post_init__(self) -> None:
        p = self.prednisone_mg_per_day
        if isinstance(p, bool) or not isinstance(p, int | float) or not math.isfinite(p) or p < 0:
            raise InputError(f"background.prednisone_mg_per_day: got {p!r}, expected a number >= 0")


_REFRACTORY = Regimen.refractory_background()

#: Named background therapies (``background = "NAME"`` in an arm).
BACKGROUNDS: dict[str, Background] = {
    # CAR-T protocols stop every lupus drug (Mackensen 2022).
    "none": Background("none"),
    # Prednisone 5 mg/day + hydroxychloroquine + mycophenolate: the drugs the Erlangen
    # patients had failed (Regimen.refractory_background).
    "refractory_standard_of_care": Background(
        "refractory_standard_of_care", _REFRACTORY.prednisone_mg_per_day,
        _REFRACTORY.antimalarial, _REFRACTORY.immunosuppressant, _REFRACTORY.biologic),
}


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

    def __post_init__(self) -> None:
        if not self.name or not self.name.replace("_", "").replace(".", "").isalnum():
            raise InputError(f"arm.name: got {self.name!r}, expected letters, digits, '_' or '.'")
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
                       biologic=b.biologic)

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
        return f"{ld} | {car} | background: {', '.join(drugs) or 'none'}"


# -- population, schedule, replicates ------------------------------------------------------------

@dataclass(frozen=True)
class PopulationSpec:
    """``n_per_arm`` virtual patients drawn by ``cohort`` (covariates, inclusion criteria)."""

    n_per_arm: int
    cohort: CohortSpec = field(default_factory=CohortSpec)

    def __post_init__(self) -> None:
        n = self.n_per_arm
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise InputError(f"population.n_per_arm: got {n!r}, expected an integer >= 1")


@dataclass(frozen=True)
class ScheduleSpec:
    """Follow-up (days after infusion) and scheduled visits (days, within follow-up)."""

    follow_up_days: int
    visits: tuple[int, ...]

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
    proportions.
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
        if first_dose < -60:
            raise InputError(f"arm lymphodepletion day: got {first_dose:g}, expected days >= -60")

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
    def from_dict(cls, doc: Mapping[str, Any], *, source: str | None = None) -> TrialSpec:
        """Validate a parsed spec document (the TOML as a dict)."""
        return _parse(doc, source)


# -- parsing -------------------------------------------------------------------------------------

_SECTIONS = {"trial", "population", "schedule", "endpoints", "arm", "replicates", "parameters"}
_TRIAL = {"name", "title", "seed", "paired", "reference_arm", "interval", "confidence"}
_POPULATION = {"n_per_arm", "female_fraction", "age_mean", "age_sd", "age_min", "age_max",
               "inclusion"}
_SCHEDULE = {"follow_up_days", "visits"}
_ENDPOINTS = {"include", "exclude"}
_ARM = {"name", "label", "lymphodepletion", "car_t", "background"}
_LD_TABLE = {"name", "fludarabine_mg_per_m2_per_day", "fludarabine_days",
             "cyclophosphamide_mg_per_m2_per_day", "cyclophosphamide_days"}
_CAR_T = {"product", "dose_per_kg", "flat_dose", "day"}
_BACKGROUND = {"name", "prednisone_mg_per_day", "antimalarial", "immunosuppressant", "biologic"}
_REPLICATES = {"n", "n_per_arm", "success"}
_SUCCESS = {"endpoint", "visit_day", "arm", "versus", "statistic", *_BOUNDS}


def _table(where: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InputError(f"{where}: got {value!r}, expected a table")
    return value


def _unknown(where: str, given: Mapping[str, Any], allowed: set[str]) -> None:
    extra = sorted(set(given) - allowed)
    if extra:
        raise InputError(f"{where}.{extra[0]}: unknown key (expected one of {', '.join(sorted(allowed))})")


def _number(where: str, value: Any, *, positive: bool = False, integer: bool = False) -> float:
    ok = isinstance(value, int) if integer else isinstance(value, int | float)
    if isinstance(value, bool) or not ok or not math.isfinite(float(value)):
        raise InputError(f"{where}: got {value!r}, expected {'an integer' if integer else 'a number'}")
    if positive and not value > 0:
        raise InputError(f"{where}: got {value!r}, expected a number > 0")
    return value


def _bool(where: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise InputError(f"{where}: got {value!r}, expected true or false")
    return value


def _str(where: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{where}: got {value!r}, expected a non-empty string")
    return value


def _days(where: str, value: Any) -> tuple[float, ...]:
    if not isinstance(value, list) or not value:
        raise InputError(f"{where}: got {value!r}, expected a list of days")
    return tuple(float(_number(where, d)) for d in value)


def _lymphodepletion(where: str, value: Any) -> Lymphodepletion:
    if isinstance(value, str):
        if value not in LYMPHODEPLETION_REGIMENS:
            raise InputError(f"{where}: got {value!r}, expected one of "
                             f"{', '.join(LYMPHODEPLETION_REGIMENS)} or a table")
        return LYMPHODEPLETION_REGIMENS[value]()
    t = _table(where, value)
    _unknown(where, t, _LD_TABLE)
    doses: list[Dose] = []
    for drug in ("fludarabine", "cyclophosphamide"):
        amount_key, days_key = f"{drug}_mg_per_m2_per_day", f"{drug}_days"
        if (amount_key in t) != (days_key in t):
            raise InputError(f"{where}: give both {amount_key} and {days_key} (or neither)")
        if amount_key in t:
            amount = float(_number(f"{where}.{amount_key}", t[amount_key], positive=True))
            doses += [Dose(drug, d, amount) for d in _days(f"{where}.{days_key}", t[days_key])]
    if not doses:
        raise InputError(f"{where}: no doses given (use lymphodepletion = \"none\" for none)")
    for d in doses:
        if d.day >= 0:
            raise InputError(f"{where}: {d.drug} on day {d.day:g}, expected days before "
                             "infusion (< 0)")
    name = _str(f"{where}.name", t.get("name", "custom"))
    return Lymphodepletion(name, tuple(sorted(doses, key=lambda d: (d.day, d.drug))))


def _background(where: str, value: Any) -> Background:
    if isinstance(value, str):
        if value not in BACKGROUNDS:
            raise InputError(f"{where}: got {value!r}, expected one of {', '.join(BACKGROUNDS)} "
                             "or a table")
        return BACKGROUNDS[value]
    t = _table(where, value)
    _unknown(where, t, _BACKGROUND)
    return Background(
        name=_str(f"{where}.name", t.get("name", "custom")),
        prednisone_mg_per_day=_number(f"{where}.prednisone_mg_per_day",
                                      t.get("prednisone_mg_per_day", 0.0)),
        antimalarial=_bool(f"{where}.antimalarial", t.get("antimalarial", False)),
        immunosuppressant=_bool(f"{where}.immunosuppressant", t.get("immunosuppressant", False)),
        biologic=_bool(f"{where}.biologic", t.get("biologic", False)))


def _dose_label(dose: float, per_kg: bool) -> str:
    return f"{dose / 1e6:g}M" + ("_per_kg" if per_kg else "")


def _arms(i: int, raw: Any) -> list[ArmSpec]:
    where = f"arm[{i}]"
    a = _table(where, raw)
    _unknown(where, a, _ARM)
    if "name" not in a:
        raise InputError(f"{where}.name: missing field (expected a non-empty arm name)")
    name = _str(f"{where}.name", a["name"])
    label = str(a.get("label", ""))
    ld = _lymphodepletion(f"{where}.lymphodepletion", a.get("lymphodepletion", "none"))
    if "car_t" not in a:
        if "background" not in a:
            raise InputError(f"{where}.background: missing field (an arm without CAR-T must state "
                             f"its background therapy: one of {', '.join(BACKGROUNDS)} or a table)")
        return [ArmSpec(name, ld, None, _background(f"{where}.background", a["background"]),
                        label or name)]
    background = _background(f"{where}.background", a.get("background", "none"))
    c = _table(f"{where}.car_t", a["car_t"])
    _unknown(f"{where}.car_t", c, _CAR_T)
    if ("dose_per_kg" in c) == ("flat_dose" in c):
        raise InputError(f"{where}.car_t: give exactly one of dose_per_kg and flat_dose")
    key = "dose_per_kg" if "dose_per_kg" in c else "flat_dose"
    raw_dose = c[key]
    grid = isinstance(raw_dose, list)
    doses = raw_dose if grid else [raw_dose]
    if grid and not doses:
        raise InputError(f"{where}.car_t.{key}: empty dose grid")
    for d in doses:
        _number(f"{where}.car_t.{key}", d)
        if not d > 0:
            raise InputError(f"{where}.car_t.{key}: got {d!r}, expected a number > 0 (leave "
                             "car_t out for an arm without CAR-T)")
    day = float(_number(f"{where}.car_t.day", c.get("day", 0.0)))
    if day != 0.0:
        raise InputError(f"{where}.car_t.day: got {day:g}, expected 0 (day 0 is the infusion)")
    product = _str(f"{where}.car_t.product", c.get("product", CarTProduct().name))
    out = []
    for d in doses:
        per_kg = key == "dose_per_kg"
        car = CarTProduct(name=product, dose_per_kg=float(d) if per_kg else None,
                          flat_dose=None if per_kg else float(d))
        arm_name = f"{name}_{_dose_label(float(d), per_kg)}" if grid else name
        unit = "×10⁶ cells/kg" if per_kg else "×10⁶ cells"
        arm_label = f"{label or name} {float(d) / 1e6:g} {unit}" if grid else (label or name)
        out.append(ArmSpec(arm_name, ld, car, background, arm_label, name if grid else None))
    return out


def _success(i: int, raw: Any) -> SuccessCriterion:
    where = f"replicates.success[{i}]"
    s = _table(where, raw)
    _unknown(where, s, _SUCCESS)
    for k in ("endpoint", "arm"):
        if k not in s:
            raise InputError(f"{where}.{k}: missing field")
    bounds = [k for k in _BOUNDS if k in s]
    if len(bounds) != 1:
        raise InputError(f"{where}: give exactly one of {', '.join(_BOUNDS)}")
    visit = s.get("visit_day")
    return SuccessCriterion(
        endpoint=_str(f"{where}.endpoint", s["endpoint"]), arm=_str(f"{where}.arm", s["arm"]),
        bound=bounds[0], threshold=float(_number(f"{where}.{bounds[0]}", s[bounds[0]])),
        visit_day=None if visit is None else int(_number(f"{where}.visit_day", visit, integer=True)),
        versus=None if "versus" not in s else _str(f"{where}.versus", s["versus"]),
        statistic=_str(f"{where}.statistic", s.get("statistic", "estimate")))


def _cohort(pop: Mapping[str, Any]) -> CohortSpec:
    numbers: dict[str, Any] = {k: float(_number(f"population.{k}", v)) for k, v in pop.items()
                               if k not in ("n_per_arm", "inclusion")}
    cohort = CohortSpec(**numbers)
    if "inclusion" in pop:
        inc = _table("population.inclusion", pop["inclusion"])
        default: Any = getattr(cohort, "inclusion", None)
        if default is None or not hasattr(default, "__dataclass_fields__"):
            raise InputError("population.inclusion: this version of immunoreset has no "
                             "configurable inclusion criteria")
        allowed = {f.name for f in dataclasses.fields(default)}
        _unknown("population.inclusion", inc, allowed)
        values = {k: (None if v is None else _number(f"population.inclusion.{k}", v))
                  for k, v in inc.items()}
        changes: dict[str, Any] = {"inclusion": dataclasses.replace(default, **values)}
        cohort = dataclasses.replace(cohort, **changes)
    return cohort


def _parse(doc: Mapping[str, Any], source: str | None) -> TrialSpec:
    _unknown("spec", doc, _SECTIONS)
    trial = _table("trial", doc.get("trial", {}))
    _unknown("trial", trial, _TRIAL)
    if "name" not in trial:
        raise InputError("trial.name: missing field (expected the trial's name)")
    pop = _table("population", doc.get("population", {}))
    _unknown("population", pop, _POPULATION)
    if "n_per_arm" not in pop:
        raise InputError("population.n_per_arm: missing field (expected virtual patients per arm)")
    population = PopulationSpec(int(_number("population.n_per_arm", pop["n_per_arm"], integer=True)),
                                _cohort(pop))
    sch = _table("schedule", doc.get("schedule", {}))
    _unknown("schedule", sch, _SCHEDULE)
    for k in ("follow_up_days", "visits"):
        if k not in sch:
            raise InputError(f"schedule.{k}: missing field")
    if not isinstance(sch["visits"], list):
        raise InputError(f"schedule.visits: got {sch['visits']!r}, expected a list of days")
    schedule = ScheduleSpec(int(_number("schedule.follow_up_days", sch["follow_up_days"], integer=True)),
                            tuple(_number("schedule.visits", v, integer=True) for v in sch["visits"]))  # type: ignore[misc]
    ep = _table("endpoints", doc.get("endpoints", {}))
    _unknown("endpoints", ep, _ENDPOINTS)
    include = ep.get("include", list(ENDPOINTS))
    exclude = ep.get("exclude", [])
    for key, names in (("include", include), ("exclude", exclude)):
        if not isinstance(names, list):
            raise InputError(f"endpoints.{key}: got {names!r}, expected a list of endpoint names")
        for n in names:
            if n not in ENDPOINTS:
                raise InputError(f"endpoints.{key}: unknown endpoint {n!r} (expected one of "
                                 f"{', '.join(ENDPOINTS)})")
    endpoints = tuple(n for n in ENDPOINTS if n in include and n not in exclude)
    raw_arms = doc.get("arm")
    if not isinstance(raw_arms, list) or not raw_arms:
        raise InputError("arm: missing field (expected at least one [[arm]] table)")
    arms = tuple(a for i, raw in enumerate(raw_arms) for a in _arms(i, raw))
    rep = _table("replicates", doc.get("replicates", {}))
    _unknown("replicates", rep, _REPLICATES)
    success = rep.get("success", [])
    if not isinstance(success, list):
        raise InputError("replicates.success: expected [[replicates.success]] tables")
    n_rep_arm = rep.get("n_per_arm")
    replicates = ReplicateSpec(
        int(_number("replicates.n", rep.get("n", 0), integer=True)),
        tuple(_success(i, s) for i, s in enumerate(success)),
        None if n_rep_arm is None else int(_number("replicates.n_per_arm", n_rep_arm, integer=True)))
    prm = _table("parameters", doc.get("parameters", {}))
    values = {str(k): float(_number(f"parameters.{k}", v)) for k, v in prm.items()}
    if values:
        from immunoreset.model import load_parameters

        unknown = sorted(set(values) - set(load_parameters()))
        if unknown:
            raise InputError(f"parameters.{unknown[0]}: unknown parameter")
    return TrialSpec(
        name=_str("trial.name", trial["name"]),
        seed=int(_number("trial.seed", trial.get("seed", 1), integer=True)),
        population=population, arms=arms, schedule=schedule, endpoints=endpoints,
        replicates=replicates, title=str(trial.get("title", "")),
        paired=_bool("trial.paired", trial.get("paired", True)),
        reference_arm=None if "reference_arm" not in trial else _str("trial.reference_arm",
                                                                     trial["reference_arm"]),
        interval=_str("trial.interval", trial.get("interval", "clopper_pearson")),
        confidence=float(_number("trial.confidence", trial.get("confidence", 0.95))),
        parameter_values=values, source=source)


def load_trial_spec(path: str | Path) -> TrialSpec:
    """Read, parse and validate the trial spec at ``path`` (TOML).

    Raises :class:`~immunoreset.errors.InputError` (one line) for a missing file, malformed
    TOML, an unknown key or endpoint, a dose ≤ 0, a visit outside follow-up, ...
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"SPEC: file {str(p)!r} does not exist")
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"SPEC: malformed TOML in {p.name} ({exc})") from None
    return _parse(doc, str(p))
