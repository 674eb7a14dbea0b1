"""Display metadata of the trajectory variables: clinical name, unit and how to plot them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["VARIABLES", "VariableInfo", "variable_info"]

#: How a variable is summarised over patients at each day.
#: ``continuous``: median with 25–75 % and 5–95 % bands; ``binary`` (0/1): proportion of
#: patients; ``score``: mean with a 25–75 % band.
Kind = Literal["continuous", "binary", "score"]


@dataclass(frozen=True)
class VariableInfo:
    """How one trajectory variable is shown to a clinician.

    Attributes:
        name: the variable name in ``trajectories.parquet``.
        label: human-readable name, e.g. ``"B cells in blood (CD19⁺)"``.
        unit: display unit, e.g. ``"cells/µL"`` (``""`` for dimensionless 0/1 flags).
        kind: ``"continuous"``, ``"binary"`` or ``"score"`` (see :data:`Kind`).
        log_scale: plot on a logarithmic y-axis (cell counts).
        floor: for a log axis, values below this (in ``unit``) are drawn at the floor, so
            that zero counts (complete depletion) stay visible.
        group: the report section the panel belongs to.
        zoom_days: ``(first, last)`` days of an extra close-up panel for early events
            (expansion, cytokine release), or ``None``.
        description: one sentence for the reader.
    """

    name: str
    label: str
    unit: str
    kind: Kind = "continuous"
    log_scale: bool = False
    floor: float = 0.01
    group: str = "Other"
    zoom_days: tuple[int, int] | None = None
    description: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ("continuous", "binary", "score"):
            raise ValueError(
                f"VariableInfo.kind: got {self.kind!r}, expected continuous, binary or score"
            )
        if self.log_scale and not self.floor > 0:
            raise ValueError(f"VariableInfo.floor: got {self.floor}, expected > 0 on a log axis")

    @property
    def axis_label(self) -> str:
        """Axis label with unit, e.g. ``"B cells in blood (cells/µL)"``."""
        if self.kind == "binary":
            return "Patients (%)"
        return f"{self.label} ({self.unit})" if self.unit else self.label


_CELLS = "Cellular kinetics"
_SEROLOGY = "Serology and immunoglobulins"
_ORGAN = "Inflammation, safety and organ involvement"
_ACTIVITY = "Disease activity and remission"
_EARLY = (-7, 56)

#: Display metadata of every variable the simulator writes, in report order.
VARIABLES: dict[str, VariableInfo] = {
    v.name: v
    for v in (
        VariableInfo(
            "car_t_blood",
            "CAR-T cells in blood",
            "cells/µL",
            log_scale=True,
            group=_CELLS,
            zoom_days=_EARLY,
            description="CD19 CAR-T cells circulating in peripheral blood.",
        ),
        VariableInfo(
            "t_cells_blood",
            "Endogenous T cells in blood",
            "cells/µL",
            log_scale=True,
            group=_CELLS,
            description="Endogenous (non-CAR) T cells in blood; lymphodepletion empties this space.",
        ),
        VariableInfo(
            "b_cells_blood",
            "B cells in blood (CD19⁺)",
            "cells/µL",
            log_scale=True,
            group=_CELLS,
            description="Circulating CD19⁺ B cells; aplasia after CAR-T.",
        ),
        VariableInfo(
            "b_cells_tissue",
            "B cells in tissue",
            "fraction of baseline",
            group=_CELLS,
            description="Lymphoid-tissue B cells relative to the patient's baseline.",
        ),
        VariableInfo(
            "naive_b_fraction",
            "Naive B cells",
            "fraction of B cells",
            group=_CELLS,
            description="Share of naive B cells among B cells (rises after reset).",
        ),
        VariableInfo(
            "anti_dsdna",
            "Anti-dsDNA antibodies",
            "IU/mL",
            group=_SEROLOGY,
            description="Serum anti-double-stranded-DNA antibody titre.",
        ),
        VariableInfo(
            "vaccine_igg",
            "Vaccine-specific IgG",
            "fraction of baseline",
            group=_SEROLOGY,
            description="Protective (e.g. tetanus, measles) IgG relative to baseline.",
        ),
        VariableInfo(
            "total_igg",
            "Total IgG",
            "g/L",
            group=_SEROLOGY,
            description="Total serum IgG; hypogammaglobulinaemia below about 7 g/L.",
        ),
        VariableInfo(
            "c3",
            "Complement C3",
            "g/L",
            group=_SEROLOGY,
            description="Serum C3; low C3 indicates complement consumption.",
        ),
        VariableInfo(
            "proteinuria_g_per_day",
            "Proteinuria",
            "g/day",
            group=_ORGAN,
            description="24-hour urine protein (lupus nephritis activity).",
        ),
        VariableInfo(
            "il6",
            "Interleukin-6",
            "pg/mL",
            group=_ORGAN,
            zoom_days=_EARLY,
            description="Serum IL-6, the main driver of cytokine release syndrome.",
        ),
        VariableInfo(
            "crs_grade",
            "CRS grade (ASTCT)",
            "grade 0–4",
            kind="score",
            group=_ORGAN,
            zoom_days=_EARLY,
            description="Cytokine release syndrome, ASTCT consensus grade.",
        ),
        VariableInfo(
            "pga",
            "Physician global assessment",
            "0–3",
            kind="score",
            group=_ACTIVITY,
            description="Physician global assessment of disease activity (0–3 scale).",
        ),
        VariableInfo(
            "sledai_2k",
            "SLEDAI-2K",
            "points",
            kind="score",
            group=_ACTIVITY,
            description="SLE Disease Activity Index 2000, including serology.",
        ),
        VariableInfo(
            "clinical_sledai",
            "Clinical SLEDAI-2K",
            "points",
            kind="score",
            group=_ACTIVITY,
            description="SLEDAI-2K without the anti-dsDNA and complement items.",
        ),
        VariableInfo(
            "doris",
            "DORIS remission",
            "",
            kind="binary",
            group=_ACTIVITY,
            description="Definition Of Remission In SLE: clinical SLEDAI-2K 0, PGA < 0.5, prednisolone ≤ 5 mg/day.",
        ),
        VariableInfo(
            "drug_free_doris",
            "Drug-free DORIS remission",
            "",
            kind="binary",
            group=_ACTIVITY,
            description="DORIS remission without glucocorticoids or immunosuppressants.",
        ),
    )
}

#: Report sections, in order.
GROUPS: tuple[str, ...] = (_CELLS, _SEROLOGY, _ORGAN, _ACTIVITY, "Other")


def variable_info(name: str, *, unit: str | None = None, binary: bool = False) -> VariableInfo:
    """Display metadata for ``name``; a generic entry for a variable not in :data:`VARIABLES`.

    Arguments:
        name: variable name in the trajectory file.
        unit: the unit found in the data; used for unknown variables (and if the known
            entry has none).
        binary: for unknown variables, whether the data hold only 0/1.
    """
    known = VARIABLES.get(name)
    if known is not None:
        return known
    label = name.replace("_", " ").capitalize()
    return VariableInfo(name, label, unit or "", kind="binary" if binary else "continuous")
