"""One arm, the same in study configs and trial specs: lymphodepletion, CAR-T products,
drugs, background therapy and generic state doses, every number bounded by what is
physically plausible. Named regimens, drugs and products come from the therapy catalogue
(:func:`immunoreset.therapy.catalogue`; ``immunoreset parameters`` lists it).

.. code-block:: toml

    [[arm]]
    name = "car_t"                     # letters, digits, '_', '.', '-' (1-64)
    label = "CD19 CAR-T"               # optional, for reports
    lymphodepletion = "flu_cy"         # a named regimen, or a table of doses
    car_t = { product = "MB-CART19.1", dose_per_kg = 1e6 }  # a list of doses makes a dose grid
    co_infusion = [{ product = "...", dose_per_kg = 1e6 }]  # optional further products
    drugs = ["rituximab_ra", { drug = "rituximab", doses = [1000], days = [182], unit = "mg" }]
    background = "none"                # a named background therapy, or a table
    [[arm.dose]]                       # optional: any amount into any model state
    state = "fludarabine_exposure"
    day = -5
    amount = 25.0
    every_days = 1                     # optional repeats
    count = 3
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Literal, Self

from pydantic import AfterValidator, Field, model_validator

from immunoreset.errors import InputError
from immunoreset.spec._base import ARM_NAME_PATTERN, MAX_DAY, MIN_DAY, FieldError, SpecModel
from immunoreset.therapy import (
    CarTProduct,
    Dose,
    DrugRegimen,
    Lymphodepletion,
    RateSegment,
    Regimen,
    StateDose,
    catalogue,
)

__all__ = [
    "BACKGROUNDS",
    "MAX_CAR_T_CELLS",
    "MAX_CAR_T_CELLS_PER_KG",
    "ArmModel",
    "Background",
    "BackgroundTable",
    "CarTTable",
    "DrugRegimenTable",
    "LymphodepletionTable",
    "StateDoseTable",
]

# -- bounds (each a physical or clinical ceiling, with its reason) ------------------------------
#: CAR-T cells/kg: clinical doses are 1e5-1e7/kg (Mackensen 2022: 1e6/kg; ZUMA-1: 2e6/kg);
#: 1e9/kg (7e10 cells in 70 kg) is far above any manufactured product.
MAX_CAR_T_CELLS_PER_KG = 1e9
#: Flat CAR-T doses, cells: approved products give at most ~1e9 cells (ide-cel 4.6e8).
MAX_CAR_T_CELLS = 1e11
#: Fludarabine per day, mg/m²: lymphodepletion uses 25-30; 125 mg/m²/day is above the
#: neurotoxic high-dose range of the 1980s (Chun 1986).
MAX_FLUDARABINE_MG_PER_M2_PER_DAY = 125.0
#: Cyclophosphamide per administration, mg/m²: 1000 in Erlangen; high-dose conditioning
#: reaches ~60 mg/kg/day (≈ 2,300 mg/m²); 7,000 mg/m² is the total of a myeloablative course.
MAX_CYCLOPHOSPHAMIDE_MG_PER_M2 = 7000.0
#: Prednisone-equivalent per day, mg: 1,000 mg is a methylprednisolone pulse.
MAX_PREDNISONE_MG_PER_DAY = 1000.0
#: Drug doses, mg per administration or mg/day: a methylprednisolone pulse is 1,000 mg and
#: an anti-CD20 infusion 1,000-2,000 mg; 10 g is above any regimen of these drugs.
MAX_DRUG_DOSE_MG = 10_000.0
#: Generic state doses: amount in the state's own unit.
MAX_STATE_DOSE_AMOUNT = 1e12

Day = Annotated[float, Field(ge=MIN_DAY, le=MAX_DAY)]
PreInfusionDay = Annotated[float, Field(ge=MIN_DAY, lt=0)]
Name = Annotated[str, Field(pattern=ARM_NAME_PATTERN)]


def _reason(exc: InputError) -> str:
    """A catalogue lookup's message without its field (the spec's error path names it)."""
    return str(exc).split(": ", 1)[1]


if TYPE_CHECKING:
    LymphodepletionName = str
else:  # the catalogue's names (therapy/data/lymphodepletion.toml), an enum in the schema
    LymphodepletionName = Literal[tuple(catalogue().lymphodepletion)]


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
        if isinstance(p, bool) or not isinstance(p, int | float) or not 0 <= p <= MAX_PREDNISONE_MG_PER_DAY:
            raise InputError(f"background.prednisone_mg_per_day: got {p!r}, expected a number "
                             f"0-{MAX_PREDNISONE_MG_PER_DAY:g}")


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
BackgroundName = Literal["none", "refractory_standard_of_care"]


class LymphodepletionTable(SpecModel):
    """A lymphodepletion regimen as doses: each drug's daily amount and its days (< 0)."""

    name: Name = "custom"
    fludarabine_mg_per_m2_per_day: Annotated[float, Field(gt=0, le=MAX_FLUDARABINE_MG_PER_M2_PER_DAY)] | None = None
    fludarabine_days: Annotated[list[PreInfusionDay], Field(min_length=1)] | None = None
    cyclophosphamide_mg_per_m2_per_day: Annotated[float, Field(gt=0, le=MAX_CYCLOPHOSPHAMIDE_MG_PER_M2)] | None = None
    cyclophosphamide_days: Annotated[list[PreInfusionDay], Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _pairs(self) -> Self:
        for drug in ("fludarabine", "cyclophosphamide"):
            amount, days = f"{drug}_mg_per_m2_per_day", f"{drug}_days"
            if (getattr(self, amount) is None) != (getattr(self, days) is None):
                given = amount if getattr(self, amount) is not None else days
                raise FieldError(given, f"given alone, expected both {amount} and {days} (or neither)")
        if self.fludarabine_days is None and self.cyclophosphamide_days is None:
            raise ValueError('no doses given, expected a drug and its days (lymphodepletion = "none" '
                             "for none)")
        return self

    def build(self) -> Lymphodepletion:
        """The regimen's doses, sorted by day."""
        doses: list[Dose] = []
        for drug in ("fludarabine", "cyclophosphamide"):
            amount, days = getattr(self, f"{drug}_mg_per_m2_per_day"), getattr(self, f"{drug}_days")
            if amount is not None and days is not None:
                doses += [Dose(drug, float(d), float(amount)) for d in days]
        return Lymphodepletion(self.name, tuple(sorted(doses, key=lambda d: (d.day, d.drug))))


CellsPerKg = Annotated[float, Field(gt=0, le=MAX_CAR_T_CELLS_PER_KG)]
Cells = Annotated[float, Field(gt=0, le=MAX_CAR_T_CELLS)]


class CarTTable(SpecModel):
    """A CAR-T infusion on day 0: ``dose_per_kg`` (cells/kg) or ``flat_dose`` (cells), each
    > 0 (an arm without CAR-T leaves ``car_t`` out); a list of doses makes a dose grid."""

    product: Annotated[str, Field(min_length=1, max_length=100)] = CarTProduct().name
    """A product of the catalogue (``therapy/data/products``; ``immunoreset parameters``
    lists them): its target, class and kinetics come with it."""
    dose_per_kg: CellsPerKg | Annotated[list[CellsPerKg], Field(min_length=1)] | None = None
    flat_dose: Cells | Annotated[list[Cells], Field(min_length=1)] | None = None
    day: Annotated[float, Field(ge=0, le=0)] = 0.0
    days: Annotated[list[Annotated[float, Field(ge=0, le=MAX_DAY)]], Field(min_length=1, max_length=52)] | None = None
    """Infusion days of a repeated schedule (the first is 0), each with the same dose; the
    product's catalogue schedule (an mRNA product's weekly doses) when left out."""
    anti_car_immunity: bool = False
    """Re-doses meet anti-CAR immunity primed by the first dose (products that offer it)."""

    @model_validator(mode="after")
    def _one_dose(self) -> Self:
        if (self.dose_per_kg is None) == (self.flat_dose is None):
            raise ValueError("expected exactly one of dose_per_kg and flat_dose")
        return self

    @model_validator(mode="after")
    def _known_product(self) -> Self:
        try:
            entry = catalogue().product(self.product)
        except InputError as exc:
            raise FieldError("product", _reason(exc)) from None
        if self.days is not None:
            if self.days[0] != 0 or sorted(set(self.days)) != self.days:
                raise FieldError("days", f"got {self.days!r}, expected increasing days from 0")
        if self.anti_car_immunity and not entry.offers_anti_car_immunity:
            raise FieldError("anti_car_immunity", f"got true, but {entry.name} offers no "
                             "anti-CAR immunity option (its catalogue entry has no redose_state)")
        return self

    def schedule(self) -> tuple[float, ...]:
        """The infusion days: ``days``, else the product's catalogue schedule, else day 0."""
        if self.days is not None:
            return tuple(float(d) for d in self.days)
        return catalogue().product(self.product).schedule_days or (0.0,)

    def products(self) -> list[CarTProduct]:
        """One product per dose of the grid (one for a single dose), with the catalogue's
        target, class, modules and infused state."""
        entry = catalogue().product(self.product)
        raw = self.dose_per_kg if self.dose_per_kg is not None else self.flat_dose
        doses = raw if isinstance(raw, list) else [raw]
        per_kg = self.dose_per_kg is not None
        days = self.schedule()
        modules = entry.modules + (entry.anti_car_modules if self.anti_car_immunity else ())
        return [CarTProduct(name=entry.name, target=entry.target,
                            dose_per_kg=float(d) if per_kg else None,
                            flat_dose=None if per_kg else float(d), dose_state=entry.dose_state,
                            modules=modules, kind=entry.kind, day=days[0],
                            repeat_days=days[1:],
                            redose_state=entry.redose_state if self.anti_car_immunity else "")
                for d in doses if d is not None]

    @property
    def is_grid(self) -> bool:
        """Whether a list of doses was given."""
        return isinstance(self.dose_per_kg, list) or isinstance(self.flat_dose, list)


class BackgroundTable(SpecModel):
    """Background therapy as a table (prednisone-equivalent mg/day and drug classes)."""

    name: Name = "custom"
    prednisone_mg_per_day: Annotated[float, Field(ge=0, le=MAX_PREDNISONE_MG_PER_DAY)] = 0.0
    antimalarial: bool = False
    immunosuppressant: bool = False
    biologic: bool = False

    def build(self) -> Background:
        """The background therapy."""
        return Background(self.name, float(self.prednisone_mg_per_day), self.antimalarial,
                          self.immunosuppressant, self.biologic)


class StateDoseTable(SpecModel):
    """``amount`` (in the state's unit) into model state ``state`` on ``day``; repeated
    ``count`` times every ``every_days`` days when given."""

    state: Annotated[str, Field(min_length=1, max_length=64)]
    day: Day
    amount: Annotated[float, Field(ge=0, le=MAX_STATE_DOSE_AMOUNT)]
    every_days: Annotated[float, Field(gt=0, le=MAX_DAY)] | None = None
    count: Annotated[int, Field(ge=1, le=10_000)] | None = None

    @model_validator(mode="after")
    def _repeats(self) -> Self:
        if (self.every_days is None) != (self.count is None):
            raise ValueError("expected both every_days and count for repeated doses (or neither)")
        if self.every_days is not None and self.count is not None:
            last = self.day + self.every_days * (self.count - 1)
            if last > MAX_DAY:
                raise FieldError("count", f"got {self.count}, the last dose would be on day "
                                 f"{last:g}, expected days <= {MAX_DAY}")
        return self

    def build(self) -> StateDose:
        """The dose as a :class:`~immunoreset.therapy.StateDose`."""
        return StateDose(self.state, float(self.day), float(self.amount),
                         None if self.every_days is None else float(self.every_days),
                         self.count or 1)


class RateSegmentTable(SpecModel):
    """``rate`` (``unit``) from day ``start`` to ``stop``: an infusion or a daily dose."""

    start: Day
    stop: Day
    rate: Annotated[float, Field(ge=0, le=MAX_DRUG_DOSE_MG)]
    unit: Literal["mg/day", "mg/m2/day", "mg/kg/day"] = "mg/day"

    @model_validator(mode="after")
    def _order(self) -> Self:
        if not self.stop > self.start:
            raise FieldError("stop", f"got {self.stop:g}, expected a day after start ({self.start:g})")
        return self


class DrugRegimenTable(SpecModel):
    """One drug's schedule as a table: bolus ``doses`` on ``days`` in ``unit``, or rate
    ``segment`` tables (an infusion or a daily oral dose); ``drug`` names a drug of the
    catalogue."""

    drug: Annotated[str, Field(min_length=1, max_length=64)]
    name: Name | None = None
    doses: Annotated[list[Annotated[float, Field(gt=0, le=MAX_DRUG_DOSE_MG)]], Field(min_length=1)] | None = None
    days: Annotated[list[Day], Field(min_length=1)] | None = None
    unit: Literal["mg", "mg/m2", "mg/kg"] = "mg"
    segment: Annotated[list[RateSegmentTable], Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _shape(self) -> Self:
        try:
            drug = catalogue().drug(self.drug)
        except InputError as exc:
            raise FieldError("drug", _reason(exc)) from None
        if (self.doses is None) != (self.days is None):
            raise FieldError("doses" if self.doses is not None else "days",
                             "given alone, expected both doses and days")
        if self.doses is not None and self.days is not None and len(self.doses) != len(self.days):
            raise FieldError("days", f"got {len(self.days)} days for {len(self.doses)} doses, "
                             "expected one day per dose")
        if (self.doses is None) == (self.segment is None):
            raise ValueError("expected doses and days, or segment tables (one of the two)")
        if self.doses is not None and not drug.dose_state:
            raise FieldError("doses", f"{self.drug} is not given as a bolus, expected segment tables")
        if self.segment is not None and not drug.infusion_state:
            raise FieldError("segment", f"{self.drug} is not given as an infusion or daily dose, "
                             "expected doses and days")
        return self

    def build(self) -> DrugRegimen:
        """The schedule as a :class:`~immunoreset.therapy.DrugRegimen`."""
        name = self.name or f"{self.drug}_custom"
        if self.segment is not None:
            return DrugRegimen(name, self.drug, name, segments=tuple(
                RateSegment(float(s.start), float(s.stop), float(s.rate), s.unit) for s in self.segment))
        assert self.doses is not None and self.days is not None
        return DrugRegimen(name, self.drug, name, doses=tuple(float(d) for d in self.doses),
                           days=tuple(float(d) for d in self.days), unit=self.unit)


def _known_drug_regimen(name: str) -> str:
    """A named drug regimen of the catalogue (``therapy/data/drugs``)."""
    try:
        catalogue().regimen(name)
    except InputError as exc:
        raise ValueError(_reason(exc)) from None
    return name


DrugRegimenName = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_known_drug_regimen)]


def _dose_label(dose: float, per_kg: bool) -> str:
    return f"{dose / 1e6:g}M" + ("_per_kg" if per_kg else "")


@dataclass(frozen=True)
class BuiltArm:
    """One arm as built from its table (several for a dose grid)."""

    name: str
    label: str
    regimen: Regimen
    background: Background
    family: str | None


class ArmModel(SpecModel):
    """One ``[[arm]]`` table."""

    name: Name
    label: Annotated[str, Field(max_length=200)] = ""
    lymphodepletion: LymphodepletionName | LymphodepletionTable = "none"
    car_t: CarTTable | None = None
    co_infusion: Annotated[list[CarTTable], Field(max_length=3)] = Field(default_factory=list)
    background: BackgroundName | BackgroundTable | None = None
    drugs: list[DrugRegimenName | DrugRegimenTable] = Field(default_factory=list)
    dose: list[StateDoseTable] = Field(default_factory=list)

    @model_validator(mode="after")
    def _co_infusion(self) -> Self:
        if self.co_infusion and self.car_t is None:
            raise FieldError("co_infusion", "given without car_t, expected the first product in "
                             "car_t and the others in co_infusion")
        for i, c in enumerate(self.co_infusion):
            if c.is_grid:
                raise FieldError(f"co_infusion[{i}]", "got a list of doses, expected one dose "
                                 "(a dose grid varies car_t only)")
        return self

    def drug_regimens(self) -> tuple[DrugRegimen, ...]:
        """The arm's drug schedules (named ones from the catalogue, tables built)."""
        return tuple(catalogue().regimen(d) if isinstance(d, str) else d.build() for d in self.drugs)

    def build(self) -> list[BuiltArm]:
        """The arm's regimen(s): one per dose of a CAR-T dose grid, else one."""
        ld = (catalogue().lymphodepletion_regimen(self.lymphodepletion)
              if isinstance(self.lymphodepletion, str)
              else self.lymphodepletion.build())
        bg = self.background
        background = (BACKGROUNDS["none"] if bg is None else BACKGROUNDS[bg] if isinstance(bg, str)
                      else bg.build())
        doses = tuple(d.build() for d in self.dose)
        co = tuple(t.products()[0] for t in self.co_infusion)
        products: list[CarTProduct | None] = [None] if self.car_t is None else list(self.car_t.products())
        grid = self.car_t is not None and self.car_t.is_grid
        drugs = self.drug_regimens()
        label = self.label or self.name
        out = []
        for car in products:
            name, arm_label = self.name, label
            if grid and car is not None:
                per_kg = car.dose_per_kg is not None
                d = float(car.dose_per_kg if per_kg else car.flat_dose)  # type: ignore[arg-type]
                name = f"{self.name}_{_dose_label(d, per_kg)}"
                arm_label = f"{label} {d / 1e6:g} {'×10⁶ cells/kg' if per_kg else '×10⁶ cells'}"
            regimen = Regimen(name, ld, car, prednisone_mg_per_day=background.prednisone_mg_per_day,
                              antimalarial=background.antimalarial,
                              immunosuppressant=background.immunosuppressant,
                              biologic=background.biologic, doses=doses, drugs=drugs,
                              co_infusions=co)
            out.append(BuiltArm(name, arm_label, regimen, background, self.name if grid else None))
        return out
