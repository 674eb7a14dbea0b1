"""Drug regimens: bolus doses and rate segments (infusions, daily oral doses) of one drug.

A bolus adds mg to the drug's dose state on its day. A rate segment sets the drug's rate
state (mg/day) for ``start <= t < stop``: the rate jumps up by ``rate`` at ``start`` and
down by the same amount at ``stop``, so a continuous infusion or a daily oral dose is a
piecewise-constant input that the drug's own module reads (a daily tablet is its daily
amount spread over the day: the drug's PK or effect compartment smooths it).

Doses per body size: ``mg/m2`` × body-surface area (Mosteller), ``mg/kg`` × weight.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace

import numpy as np

from immunoreset.errors import InputError

__all__ = ["DOSE_UNITS", "RATE_UNITS", "DrugRegimen", "RateSegment", "per_patient"]

#: Bolus dose units.
DOSE_UNITS = ("mg", "mg/m2", "mg/kg")
#: Rate units of an infusion or daily dose.
RATE_UNITS = ("mg/day", "mg/m2/day", "mg/kg/day")
#: Largest day a therapy may be given on (ten years of follow-up).
MAX_THERAPY_DAY = 3650.0
#: Largest single dose or daily amount, mg (a methylprednisolone pulse is 1,000 mg; an
#: anti-CD20 infusion 1,000-2,000 mg): 10 g is above any regimen of these drugs.
MAX_DOSE_MG = 10_000.0


def per_patient(amount: float, unit: str, *, height_cm: float, weight_kg: float) -> float:
    """``amount`` in ``unit`` as mg (or mg/day) for one patient."""
    from immunoreset.therapy._regimen import body_surface_area_m2

    base = unit.removesuffix("/day")
    if base == "mg":
        return amount
    if base == "mg/m2":
        return amount * body_surface_area_m2(height_cm, weight_kg)
    if base == "mg/kg":
        return amount * weight_kg
    raise InputError(f"dose unit: got {unit!r}, expected one of {', '.join(DOSE_UNITS + RATE_UNITS)}")


def _number(where: str, v: object, *, low: float, high: float, strict_low: bool = False) -> float:
    ok = (isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
          and (v > low if strict_low else v >= low) and v <= high)
    if not ok:
        bound = f"> {low:g}" if strict_low else f">= {low:g}"
        raise InputError(f"{where}: got {v!r}, expected a number {bound} and <= {high:g}")
    return float(v)  # type: ignore[arg-type]


@dataclass(frozen=True)
class RateSegment:
    """``rate`` (``unit``: mg/day, mg/m²/day or mg/kg/day) from day ``start`` to ``stop``."""

    start: float
    stop: float
    rate: float
    unit: str = "mg/day"

    def __post_init__(self) -> None:
        _number("segment.start", self.start, low=-MAX_THERAPY_DAY, high=MAX_THERAPY_DAY)
        _number("segment.stop", self.stop, low=-MAX_THERAPY_DAY, high=MAX_THERAPY_DAY)
        if not self.stop > self.start:
            raise InputError(f"segment.stop: got {self.stop!r}, expected a day after start "
                             f"({self.start!r})")
        _number("segment.rate", self.rate, low=0.0, high=MAX_DOSE_MG)
        if self.unit not in RATE_UNITS:
            raise InputError(f"segment.unit: got {self.unit!r}, expected one of {', '.join(RATE_UNITS)}")


@dataclass(frozen=True)
class DrugRegimen:
    """A schedule of one drug: bolus ``doses`` on ``days`` (in ``unit``), or rate
    ``segments`` that do not overlap. Day 0 is the arm's reference day (the CAR-T
    infusion, or the first dose of an arm without CAR-T)."""

    name: str
    drug: str
    label: str = ""
    doses: tuple[float, ...] = ()
    days: tuple[float, ...] = ()
    unit: str = "mg"
    segments: tuple[RateSegment, ...] = ()
    source: str = ""

    def __post_init__(self) -> None:
        where = f"drug regimen {self.name!r}"
        if len(self.doses) != len(self.days):
            raise InputError(f"{where}: doses has {len(self.doses)} values and days "
                             f"{len(self.days)}, expected one day per dose")
        if not self.doses and not self.segments:
            raise InputError(f"{where}: expected doses and days, or rate segments")
        if self.doses and self.segments:
            raise InputError(f"{where}: expected doses and days, or rate segments, not both")
        for i, (a, d) in enumerate(zip(self.doses, self.days, strict=True)):
            _number(f"{where}: doses[{i}]", a, low=0.0, high=MAX_DOSE_MG, strict_low=True)
            _number(f"{where}: days[{i}]", d, low=-MAX_THERAPY_DAY, high=MAX_THERAPY_DAY)
        if self.doses and self.unit not in DOSE_UNITS:
            raise InputError(f"{where}: unit: got {self.unit!r}, expected one of {', '.join(DOSE_UNITS)}")
        ordered = sorted(self.segments, key=lambda seg: seg.start)
        for first, second in itertools.pairwise(ordered):
            if second.start < first.stop:
                raise InputError(f"{where}: segments overlap (day {first.start:g}-{first.stop:g} "
                                 f"and day {second.start:g}-{second.stop:g}); expected one rate "
                                 "at a time")

    def events(self, dose_state: int, rate_state: int, *, height_cm: float,
               weight_kg: float) -> list[tuple[float, int, float]]:
        """State jumps ``(day, state, amount)``: mg into ``dose_state`` per bolus, ±mg/day
        on ``rate_state`` at each segment's start and stop."""
        out = [(d, dose_state, per_patient(a, self.unit, height_cm=height_cm, weight_kg=weight_kg))
               for a, d in zip(self.doses, self.days, strict=True)]
        for s in self.segments:
            r = per_patient(s.rate, s.unit, height_cm=height_cm, weight_kg=weight_kg)
            out += [(s.start, rate_state, r), (s.stop, rate_state, -r)]
        return out

    def rates(self, days: np.ndarray, *, height_cm: float = 170.0,
              weight_kg: float = 70.0) -> np.ndarray:
        """The rate (mg/day) in force on each of ``days`` (0 outside every segment)."""
        d = np.asarray(days, dtype=np.float64)
        out = np.zeros(d.shape)
        for s in self.segments:  # segments do not overlap
            out[(d >= s.start) & (d < s.stop)] = per_patient(s.rate, s.unit, height_cm=height_cm,
                                                             weight_kg=weight_kg)
        return out

    def rate_at(self, day: float, *, height_cm: float = 170.0, weight_kg: float = 70.0) -> float:
        """The rate (mg/day) in force on ``day`` (0 outside every segment)."""
        return float(self.rates(np.array([day]), height_cm=height_cm, weight_kg=weight_kg)[0])

    @property
    def first_day(self) -> float:
        """The day of the first administration."""
        return min(list(self.days) + [s.start for s in self.segments])

    @property
    def last_day(self) -> float:
        """The last day the drug is given (a segment's stop)."""
        return max(list(self.days) + [s.stop for s in self.segments])

    def overlaps(self, other: DrugRegimen) -> bool:
        """Whether two regimens of the same drug give it at the same time (a rate segment
        over another, or the same bolus day)."""
        if other.drug != self.drug:
            return False
        if set(self.days) & set(other.days):
            return True
        return any(a.start < b.stop and b.start < a.stop
                   for a in self.segments for b in other.segments)

    def shifted(self, days: float) -> DrugRegimen:
        """The same regimen ``days`` later."""
        return replace(self, days=tuple(d + days for d in self.days),
                       segments=tuple(replace(s, start=s.start + days, stop=s.stop + days)
                                      for s in self.segments))
