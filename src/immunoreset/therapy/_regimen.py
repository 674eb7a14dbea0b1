"""Therapy as dose events: lymphodepletion regimens, CAR-T products, whole regimens.

Every therapy enters the model as a state jump at a time (day, t = 0 at CAR-T infusion):
a chemotherapy dose adds mg/m² to its exposure state, a CAR-T infusion adds cells/µL
(blood-observed) to its product's infused (not yet activated) CAR-T state, a drug dose adds
mg to the drug's dose state and an infusion or daily dose steps its rate state (mg/day).
Nothing in the dynamics branches on time or on the therapy, so a regimen shifted by k days
shifts every output by k days.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from immunoreset.errors import InputError
from immunoreset.therapy._drugs import DrugRegimen
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


#: Days after the last bolus of a recorded drug (an anti-CD20 antibody) during which the
#: clinical record counts the patient as taking it: one retreatment interval of the
#: rituximab regimens (1,000 mg days 1 and 15, repeated at 6 months; therapies.md §1.1).
#: A recording convention for DORIS/LLDAS, not a pharmacological parameter.
BOLUS_RECORD_DAYS = 182.0

#: The reference body size of per-arm records (a rate per kg or m² as mg/day).
REFERENCE_HEIGHT_CM = 170.0
REFERENCE_WEIGHT_KG = 70.0

#: Antigens a CAR-T product can target.
CAR_T_TARGETS = ("CD19", "BCMA", "CD19+BCMA")


@dataclass(frozen=True)
class CarTProduct:
    """A CAR-T infusion: ``dose_per_kg`` cells/kg (or ``flat_dose`` cells) on ``day``.

    ``dose_state``: the product's infused-cell state (the core CD19 CAR-T's by default);
    ``modules``: the therapy modules the product needs (none for the core CD19 CAR-T);
    ``kind``: autologous, allogeneic or mrna (from the product catalogue);
    ``repeat_days``: further infusions of the same dose (an mRNA schedule, a re-dose),
    which enter ``redose_state`` when one is given (anti-CAR immunity switched on: the
    primed host clears re-dosed cells), else ``dose_state``."""

    name: str = "MB-CART19.1"
    target: str = "CD19"
    dose_per_kg: float | None = 1e6
    flat_dose: float | None = None
    day: float = 0.0
    dose_state: str = "car_t_infused"
    modules: tuple[str, ...] = ()
    kind: str = "autologous"
    repeat_days: tuple[float, ...] = ()
    redose_state: str = ""

    def __post_init__(self) -> None:
        if any(not (math.isfinite(d) and d > self.day) for d in self.repeat_days):
            raise InputError(f"car_t.days: got {sorted((self.day, *self.repeat_days))!r}, "
                             "expected distinct days after the first infusion")
        if self.target not in CAR_T_TARGETS:
            raise InputError(f"car_t.target: got {self.target!r}, expected one of "
                             f"{', '.join(CAR_T_TARGETS)}")
        if (self.dose_per_kg is None) == (self.flat_dose is None):
            raise InputError("car_t: give exactly one of dose_per_kg and flat_dose")
        if self.dose_per_kg is not None:
            _check_positive("car_t.dose_per_kg", self.dose_per_kg, allow_zero=True)
        if self.flat_dose is not None:
            _check_positive("car_t.flat_dose", self.flat_dose, allow_zero=True)
        if not math.isfinite(self.day):
            raise InputError(f"car_t.day: got {self.day!r}, expected a finite day")

    def shifted(self, days: float) -> CarTProduct:
        """The same infusions ``days`` later."""
        from dataclasses import replace

        return replace(self, day=self.day + days,
                       repeat_days=tuple(d + days for d in self.repeat_days))

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
    drugs: tuple[DrugRegimen, ...] = ()
    co_infusions: tuple[CarTProduct, ...] = ()

    def __post_init__(self) -> None:
        _check_positive(f"{self.name}.prednisone_mg_per_day", self.prednisone_mg_per_day,
                        allow_zero=True)
        for i, a in enumerate(self.drugs):
            for b in self.drugs[i + 1:]:
                if a.overlaps(b):
                    raise InputError(f"arm {self.name!r}: drugs {a.name!r} and {b.name!r} give "
                                     f"{a.drug} at the same time; expected one regimen of a drug "
                                     "at a time")

    @property
    def products(self) -> tuple[CarTProduct, ...]:
        """Every CAR-T product infused (the main one, then co-infusions)."""
        return (() if self.car_t is None else (self.car_t,)) + self.co_infusions

    @property
    def modules(self) -> tuple[str, ...]:
        """The therapy modules (``immunoreset.model.therapies``) this regimen needs."""
        from immunoreset.therapy._catalogue import catalogue

        drugs = catalogue().modules_of(drugs=tuple(d.drug for d in self.drugs))
        return tuple(dict.fromkeys((*drugs, *(m for p in self.products for m in p.modules))))

    def clinical_record(self, days: Sequence[float] | np.ndarray) -> dict[str, np.ndarray]:
        """The lupus drugs of the clinical visit record on each of ``days``: prednisone-
        equivalent mg/day and 0/1 for antimalarial, immunosuppressant and biologic.

        The background gives a constant record; each drug adds by the ``record`` class of
        its catalogue entry: a glucocorticoid its rate in force (mg/day prednisone-
        equivalent), a daily drug counts while a segment is in force, a bolus-dosed drug
        from its first dose to :data:`BOLUS_RECORD_DAYS` after its last. A rate per kg or
        m² is recorded for the reference patient (170 cm, 70 kg): the record is one per
        arm."""
        d = np.asarray(days, dtype=np.float64)
        out = {"prednisone_mg_per_day": np.full(d.shape, float(self.prednisone_mg_per_day)),
               "antimalarial": np.full(d.shape, int(self.antimalarial), dtype=np.int64),
               "immunosuppressant": np.full(d.shape, int(self.immunosuppressant), dtype=np.int64),
               "biologic": np.full(d.shape, int(self.biologic), dtype=np.int64)}
        if not self.drugs:
            return out
        from immunoreset.therapy._catalogue import catalogue

        for r in self.drugs:
            record = catalogue().drug(r.drug).record
            if not record:
                continue
            if r.segments:  # per body size: the reference patient's
                rate = r.rates(d, height_cm=REFERENCE_HEIGHT_CM, weight_kg=REFERENCE_WEIGHT_KG)
                if record == "glucocorticoid":
                    out["prednisone_mg_per_day"] = out["prednisone_mg_per_day"] + rate
                else:
                    out[record] = np.maximum(out[record], (rate > 0).astype(np.int64))
            else:
                on = (d >= min(r.days)) & (d <= max(r.days) + BOLUS_RECORD_DAYS)
                if record == "glucocorticoid":
                    raise InputError(f"drug regimen {r.name!r}: a glucocorticoid is recorded "
                                     "as a daily rate, expected segments")
                out[record] = np.maximum(out[record], on.astype(np.int64))
        return out

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
        for product in self.products:
            if product.cells(weight_kg) > 0:  # 0 cells: no event
                later = product.redose_state or product.dose_state
                for st in (product.dose_state, later):
                    if st not in state_index:
                        raise InputError(f"arm {self.name!r}: product {product.name!r} doses "
                                         f"state {st!r}, which the model lacks (its modules "
                                         f"{', '.join(product.modules) or 'none'} are not composed)")
                cells_per_ul = product.cells(weight_kg) / (car_t_distribution_volume_l * 1e6)
                events.append((product.day, state_index[product.dose_state], cells_per_ul))
                events += [(d, state_index[later], cells_per_ul) for d in product.repeat_days]
        if self.drugs:
            from immunoreset.therapy._catalogue import catalogue

            for r in self.drugs:
                drug = catalogue().drug(r.drug, field=f"arm {self.name!r}: drug")
                idx = []
                for st in (drug.dose_state, drug.infusion_state):
                    if st and st not in state_index:
                        raise InputError(f"arm {self.name!r}: drug {r.drug!r} doses state {st!r}, "
                                         f"which the model lacks (its modules "
                                         f"{', '.join(drug.modules)} are not composed)")
                    idx.append(state_index[st] if st else -1)
                events += r.events(idx[0], idx[1], height_cm=height_cm, weight_kg=weight_kg)
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
        car = None if self.car_t is None else self.car_t.shifted(days)
        return replace(self, lymphodepletion=ld, car_t=car,
                       doses=tuple(d.shifted(days) for d in self.doses),
                       drugs=tuple(r.shifted(days) for r in self.drugs),
                       co_infusions=tuple(p.shifted(days) for p in self.co_infusions))

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
