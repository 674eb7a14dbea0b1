"""Published reference values drawn on the time-course panels ("published figures marked")."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

__all__ = ["MACKENSEN2022", "MACKENSEN2022_MARKERS", "Marker"]

MarkerKind = Literal["hline", "vline", "vspan", "hspan", "point"]

#: Mackensen A, Müller F, Mougiakakos D, et al. Anti-CD19 CAR T cell therapy for refractory
#: systemic lupus erythematosus. Nat Med. 2022;28:2124–2132.
MACKENSEN2022 = "Mackensen et al., Nat Med 2022;28:2124–32 (doi:10.1038/s41591-022-02017-5)"


@dataclass(frozen=True)
class Marker:
    """A reference value drawn on a time-course panel.

    Attributes:
        kind: ``"hline"`` (a level, ``value`` in the variable's unit), ``"vline"`` (a day),
            ``"vspan"`` (a day window ``(first, last)``), ``"hspan"`` (a range of levels
            ``(low, high)``) or ``"point"`` (a published observation ``(day, level)``).
        value: a number for lines, a pair for spans and points.
        label: legend text, e.g. ``"Anti-dsDNA positivity (30 IU/mL)"``.
        xerr: for a point, ± days (e.g. a published standard deviation).
        yerr: for a point, ± level in the variable's unit.
        source: citation of the published value.
    """

    kind: MarkerKind
    value: float | tuple[float, float]
    label: str
    xerr: float | None = None
    yerr: float | None = None
    source: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ("hline", "vline", "vspan", "hspan", "point"):
            raise ValueError(
                f"Marker.kind: got {self.kind!r}, expected hline, vline, vspan, hspan or point"
            )
        if self.kind in ("hline", "vline"):
            if isinstance(self.value, tuple) or not math.isfinite(float(self.value)):
                raise ValueError(
                    f"Marker({self.kind}).value: got {self.value!r}, expected one finite number"
                )
        else:
            if not isinstance(self.value, tuple) or len(self.value) != 2:
                raise ValueError(
                    f"Marker({self.kind}).value: got {self.value!r}, expected a pair "
                    + ("(day, level)" if self.kind == "point" else "(low, high)")
                )
            if self.kind != "point" and not self.value[0] < self.value[1]:
                raise ValueError(
                    f"Marker({self.kind}).value: got {self.value!r}, expected low < high"
                )
        if (self.xerr is not None or self.yerr is not None) and self.kind != "point":
            raise ValueError(f"Marker({self.kind}): xerr/yerr are only for kind='point'")
        for name, err in (("xerr", self.xerr), ("yerr", self.yerr)):
            if err is not None and not err >= 0:
                raise ValueError(f"Marker.{name}: got {err}, expected a number >= 0")


#: Published values of the first CAR-T in SLE case series (Mackensen 2022), keyed by the
#: trajectory variable they belong to. Pass as ``write_report(..., markers=...)``.
MACKENSEN2022_MARKERS: dict[str, tuple[Marker, ...]] = {
    "car_t_blood": (
        Marker("vspan", (7.0, 10.0), "Published CAR-T peak, days 7–10", source=MACKENSEN2022),
    ),
    "b_cells_blood": (
        Marker("hline", 10.0, "B-cell detection, 10 cells/µL", source=MACKENSEN2022),
        Marker(
            "point",
            (110.0, 10.0),
            "Published B-cell return, day 110 ± 32",
            xerr=32.0,
            source=MACKENSEN2022,
        ),
    ),
    "anti_dsdna": (Marker("hline", 30.0, "Anti-dsDNA positivity, 30 IU/mL", source=MACKENSEN2022),),
    "c3": (Marker("hline", 0.9, "C3 lower limit of normal, 0.9 g/L", source=MACKENSEN2022),),
}
