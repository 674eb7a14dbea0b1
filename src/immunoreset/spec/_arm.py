"""One arm, the same in study configs and trial specs: lymphodepletion, CAR-T, background
therapy and generic state doses, every number bounded by what is physically plausible.

.. code-block:: toml

    [[arm]]
    name = "car_t"                     # letters, digits, '_', '.', '-' (1-64)
    label = "CD19 CAR-T"               # optional, for reports
    lymphodepletion = "flu_cy"         # a named regimen, or a table of doses
    car_t = { dose_per_kg = 1e6 }      # or flat_dose; a list of doses makes a dose grid
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
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from immunoreset.errors import InputError
from immunoreset.spec._base import ARM_NAME_PATTERN, MAX_DAY, MIN_DAY, FieldError, SpecModel
from immunoreset.therapy import CarTProduct, Dose, Lymphodepletion, Regimen, StateDose

__all__ = [
    "BACKGROUNDS",
    "LYMPHODEPLETION_REGIMENS",
    "MAX_CAR_T_CELLS",
    "MAX_CAR_T_CELLS_PER_KG",
    "ArmModel",
    "Background",
    "BackgroundTable",
    "CarTTable",
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
#: Generic state doses: amount in the state's own unit.
MAX_STATE_DOSE_AMOUNT = 1e12

Day = Annotated[float, Field(ge=MIN_DAY, le=MAX_DAY)]
PreInfusionDay = Annotated[float, Field(ge=MIN_DAY, lt=0)]
Name = Annotated[str, Field(pattern=ARM_NAME_PATTERN)]


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
LYMPHODEPLETION_REGIMENS = {
    "flu_cy": Lymphodepletion.flu_cy,  # Erlangen: Flu 25 mg/m²/day d−5…−3 + Cy 1000 mg/m² d−3
    "flu30_cy300": _flu30_cy300,
    "cyclophosphamide": _cyclophosphamide_alone,
    "none": Lymphodepletion.none,
}
LymphodepletionName = Literal["flu_cy", "flu30_cy300", "cyclophosphamide", "none"]


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
    dose_per_kg: CellsPerKg | Annotated[list[CellsPerKg], Field(min_length=1)] | None = None
    flat_dose: Cells | Annotated[list[Cells], Field(min_length=1)] | None = None
    day: Annotated[float, Field(ge=0, le=0)] = 0.0

    @model_validator(mode="after")
    def _one_dose(self) -> Self:
        if (self.dose_per_kg is None) == (self.flat_dose is None):
            raise ValueError("expected exactly one of dose_per_kg and flat_dose")
        return self

    def products(self) -> list[CarTProduct]:
        """One product per dose of the grid (one for a single dose)."""
        raw = self.dose_per_kg if self.dose_per_kg is not None else self.flat_dose
        doses = raw if isinstance(raw, list) else [raw]
        per_kg = self.dose_per_kg is not None
        return [CarTProduct(name=self.product, dose_per_kg=float(d) if per_kg else None,
                            flat_dose=None if per_kg else float(d)) for d in doses if d is not None]

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
    background: BackgroundName | BackgroundTable | None = None
    dose: list[StateDoseTable] = Field(default_factory=list)

    def build(self) -> list[BuiltArm]:
        """The arm's regimen(s): one per dose of a CAR-T dose grid, else one."""
        ld = (LYMPHODEPLETION_REGIMENS[self.lymphodepletion]() if isinstance(self.lymphodepletion, str)
              else self.lymphodepletion.build())
        bg = self.background
        background = (BACKGROUNDS["none"] if bg is None else BACKGROUNDS[bg] if isinstance(bg, str)
                      else bg.build())
        doses = tuple(d.build() for d in self.dose)
        products: list[CarTProduct | None] = [None] if self.car_t is None else list(self.car_t.products())
        grid = self.car_t is not None and self.car_t.is_grid
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
                              biologic=background.biologic, doses=doses)
            out.append(BuiltArm(name, arm_label, regimen, background, self.name if grid else None))
        return out
