"""A generic dose: an amount added to any model state, once or repeated."""

from __future__ import annotations

import math
from dataclasses import dataclass

from immunoreset.errors import InputError

__all__ = ["StateDose"]


@dataclass(frozen=True)
class StateDose:
    """``amount`` (in the unit of model state ``state``) added to that state on ``day``,
    and again every ``every_days`` days, ``count`` administrations in all.

    The state name is checked against the model's state names when a
    regimen's events are built (:meth:`Regimen.events`), so a model with more states can
    be dosed without changing this class.
    """

    state: str
    day: float
    amount: float
    every_days: float | None = None
    count: int = 1

    def __post_init__(self) -> None:
        if not isinstance(self.state, str) or not self.state:
            raise InputError(f"dose.state: got {self.state!r}, expected a model state name")
        for name in ("day", "amount"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise InputError(f"dose.{name}: got {v!r}, expected a finite number")
        if self.amount < 0:
            raise InputError(f"dose.amount: got {self.amount!r}, expected a number >= 0")
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 1:
            raise InputError(f"dose.count: got {self.count!r}, expected an integer >= 1")
        e = self.every_days
        if e is not None and (isinstance(e, bool) or not isinstance(e, int | float)
                              or not math.isfinite(e) or e <= 0):
            raise InputError(f"dose.every_days: got {e!r}, expected a number > 0")
        if self.count > 1 and e is None:
            raise InputError(f"dose.count: got {self.count}, expected every_days with repeats")

    @property
    def days(self) -> tuple[float, ...]:
        """The administration days."""
        step = self.every_days or 0.0
        return tuple(self.day + k * step for k in range(self.count))

    def shifted(self, days: float) -> StateDose:
        """The same dose ``days`` later."""
        from dataclasses import replace

        return replace(self, day=self.day + days)
