"""Therapy as dose events: lymphodepletion regimens, CAR-T products, whole regimens.

Every therapy enters the model as a state jump at a time (day, t = 0 at CAR-T infusion):
a chemotherapy dose adds mg/m² to its exposure state, a CAR-T infusion adds cells/µL
(blood-observed) to the effector CAR-T state. Nothing in the dynamics branches on time or
on the therapy, so a regimen shifted by k days shifts every output by k days.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from immunoreset.errors import InputError
from immunoreset.therapy._state_dose import StateDose

__all__ = [
    "CarTProduct",
    "Dose",
    "Lymphodepletion",
    "Regimen",
    "body_surface_area_m2",
]


def body_surface_area_m2(height_cm: float, weight_kg: float) -> float:
    """Body-surface area (m²) by Mosteller, NEJM 1987;317:1098: sqrt(height·weight/3600)."""
    if not (height_cm > 0 and weight_kg > 0):
        raise InputError(f"height_cm {height_cm!r} and weight_kg {weight_kg!r} must be > 0")
    return math.sqrt(height_cm * weight_kg / 3600.0)


def _check_positive(name: str, value: float, *, allow_zero: bool = False) -> None:
    ok = value >= 0 if allow_zero else value > 0
    if not (isinstance(value, int | float) and math.isfinite(value) and ok):
        bound = ">= 0" if allow_zero else "> 0"
        raise InputError(f"{name}: got {value!r}, expected a number {bound}")


@dataclass(frozen=True)
class Dose:
    """One chemotherapy administration: ``amount_mg_per_m2`` of ``drug`` on ``day``."""

    drug: str
    day: float
    amount_mg_per_m2: float

    _STATES: ClassVar[dict[str, str]] = {"fludarabine": "fludarabine_exposure",
                                         "cyclophosphamide": "cyclophosphamide_exposure"}

    def __post_init__(self) -> None:
        if self.drug not in self._STATES:
            raise InputError(f"dose.drug: got {self.drug!r}, expected one of "
                             f"{', '.join(sorted(self._STATES))}")
        if not math.isfinite(self.day):
            raise InputError(f"dose.day: got {self.day!r}, expected a finite day")
        _check_positive("dose.amount_mg_per_m2", self.amount_mg_per_m2, allow_zero=True)

    @property
    def state(self) -> str:
        """Name of the exposure state this dose adds to."""
        return self._STATES[self.drug]


@dataclass(frozen=True)
class Lymphodepletion:
    """A lymphodepleting chemotherapy regimen: a tuple of :class:`Dose`."""

    name: str
    doses: tuple[Dose, ...] = ()

    @classmethod
    def flu_cy(cls, *, fludarabine_mg_per_m2_per_day: float = 25.0,
               fludarabine_days: tuple[float, ...] = (-5.0, -4.0, -3.0),
               cyclophosphamide_mg_per_m2: float = 1000.0,
               cyclophosphamide_days: tuple[float, ...] = (-3.0,)) -> Lymphodepletion:
        """Fludarabine/cyclophosphamide; defaults: the Erlangen academic protocol
        (fludarabine 25 mg/m²/day on days −5, −4, −3; cyclophosphamide 1000 mg/m² on day −3;
        Schett ACR 2023 abstract 0607, Cabaletta RESET-SSc EULAR 2025 OP0338)."""
        doses = tuple(Dose("fludarabine", d, fludarabine_mg_per_m2_per_day)
                      for d in fludarabine_days)
        doses += tuple(Dose("cyclophosphamide", d, cyclophosphamide_mg_per_m2)
                       for d in cyclophosphamide_days)
        return cls("flu_cy", doses)

    @classmethod
    def none(cls) -> Lymphodepletion:
        """No lymphodepletion."""
        return cls("none", ())


@dataclass(frozen=True)
class CarTProduct:
    """A CAR-T infusion: ``dose_per_kg`` cells/kg (or ``flat_dose`` cells) on ``day``."""

    name: str = "CD19 CAR-T (MB-CART19.1)"
    target: str = "CD19"
    dose_per_kg: float | None = 1e6
    flat_dose: float | None = None
    day: float = 0.0

    def __post_init__(self) -> None:
        if self.target != "CD19":
            raise InputError(f"car_t.target: got {self.target!r}, expected 'CD19' "
                             "(other targets are not modelled yet)")
        if (self.dose_per_kg is None) == (self.flat_dose is None):
            raise InputError("car_t: give exactly one of dose_per_kg and flat_dose")
        if self.dose_per_kg is not None:
            _check_positive("car_t.dose_per_kg", self.dose_per_kg, allow_zero=True)
        if self.flat_dose is not None:
            _check_positive("car_t.flat_dose", self.flat_dose, allow_zero=True)
        if not math.isfinite(self.day):
            raise InputError(f"car_t.day: got {self.day!r}, expected a finite day")

    def cells(self, weight_kg: float) -> float:
        """Number of CAR-T cells infused into a patient of ``weight_kg``."""
        if self.flat_dose is not None:
            return float(self.flat_dose)
        assert self.dose_per_kg is not None
        return float(self.dose_per_kg) * weight_kg


@dataclass(frozen=True)
class Regimen:
    """A therapy arm's regimen: lymphodepletion, optional CAR-T, background drugs and
    generic ``doses`` (:class:`StateDose`: an amount added to any model state).

    Background drugs are what the arm's protocol gives; they enter the clinical visit
    record (DORIS counts prednisone and immunosuppressants) — the refractory patients of
    the Erlangen study did not respond to them, so they carry no effect in the dynamics.
    """

    name: str
    lymphodepletion: Lymphodepletion = field(default_factory=Lymphodepletion.none)
    car_t: CarTProduct | None = None
    prednisone_mg_per_day: float = 0.0
    antimalarial: bool = False
    immunosuppressant: bool = False
    biologic: bool = False
    doses: tuple[StateDose, ...] = ()

    def __post_init__(self) -> None:
        _check_positive(f"{self.name}.prednisone_mg_per_day", self.prednisone_mg_per_day,
                        allow_zero=True)

    def events(self, *, height_cm: float, weight_kg: float, car_t_distribution_volume_l: float,
               state_index: Mapping[str, int] | None = None) -> list[tuple[float, int, float]]:
        """State jumps ``(day, state_index, amount)`` for one patient, sorted by day; the
        dosed states are found by name in ``state_index`` (the default model's if None)."""
        if state_index is None:
            from immunoreset.model import default_model

            state_index = default_model().state_index
        events: list[tuple[float, int, float]] = []
        for dose in self.lymphodepletion.doses:
            events.append((dose.day, state_index[dose.state], dose.amount_mg_per_m2))
        if self.car_t is not None and self.car_t.cells(weight_kg) > 0:  # 0 cells: no event
            cells_per_ul = self.car_t.cells(weight_kg) / (car_t_distribution_volume_l * 1e6)
            events.append((self.car_t.day, state_index["car_t_effector"], cells_per_ul))
        for i, d in enumerate(self.doses):
            if d.state not in state_index:
                raise InputError(f"arm {self.name!r}: dose[{i}].state: got {d.state!r}, expected "
                                 f"a model state (one of {', '.join(state_index)})")
            events += [(day, state_index[d.state], float(d.amount)) for day in d.days]
        events.sort(key=lambda e: (e[0], e[1]))
        return events

    def shifted(self, days: float) -> Regimen:
        """The same regimen with every administration moved by ``days``."""
        from dataclasses import replace

        ld = replace(self.lymphodepletion, doses=tuple(
            replace(d, day=d.day + days) for d in self.lymphodepletion.doses))
        car = None if self.car_t is None else replace(self.car_t, day=self.car_t.day + days)
        return replace(self, lymphodepletion=ld, car_t=car,
                       doses=tuple(d.shifted(days) for d in self.doses))

    @classmethod
    def erlangen_car_t(cls, *, dose_per_kg: float = 1e6) -> Regimen:
        """Mackensen 2022: Flu/Cy then 1×10⁶ CD19 CAR-T cells/kg; all lupus drugs stopped."""
        return cls("car_t", Lymphodepletion.flu_cy(), CarTProduct(dose_per_kg=dose_per_kg))

    @classmethod
    def refractory_background(cls) -> Regimen:
        """Untreated control: no lymphodepletion or CAR-T; refractory background therapy.

        Prednisone 5 mg/day + hydroxychloroquine + mycophenolate (assumed: all Erlangen
        patients had failed hydroxychloroquine, MMF and glucocorticoids, Pediatric
        Rheumatology 2024 Table 1; the dose is the DORIS ceiling, so DORIS in this arm is
        decided by disease activity, not by the drug rule).
        """
        return cls("untreated", Lymphodepletion.none(), None, prednisone_mg_per_day=5.0,
                   antimalarial=True, immunosuppressant=True)
