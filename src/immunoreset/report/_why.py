"""Why a patient remits or not: one figure per arm, remitters against non-remitters.

Five panels share the time axis: blood, lymphoid-tissue and marrow B-lineage cells
(fraction of baseline: the depth and duration of depletion in each compartment), the
autoreactive tissue B-cell mass (cells/µL blood-equivalent, log scale: whether it stays
below the level from which the immune-complex loop rebuilds it) and anti-dsDNA (the
washout through the 30 IU/mL positivity cut-off). Lines are medians of the patients in
drug-free DORIS at the last day of the run and of the others; the shaded band is their
interquartile range. Nothing in the figure is fitted: it reads the trajectories.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from immunoreset.report._plots import DPI, RenderedFigure, figure_png
from immunoreset.report._style import arm_label, order_arms

__all__ = ["WHY_VARIABLES", "render_why"]

#: Panel variables, their axis labels and whether the axis is logarithmic.
WHY_VARIABLES: tuple[tuple[str, str, bool], ...] = (
    ("b_cells_blood", "blood B (cells/µL)", True),
    ("b_cells_tissue", "tissue B (× baseline)", True),
    ("b_cells_marrow", "marrow B precursors (× baseline)", True),
    ("autoreactive_b_tissue", "autoreactive tissue B (cells/µL)", True),
    ("anti_dsdna", "anti-dsDNA (IU/mL)", True),
)
#: Floor of the log axes (values below are drawn at the floor).
LOG_FLOOR = 1e-4
_REMIT, _ACTIVE = "#1b7837", "#b2182b"


def _groups(arm_rows: pd.DataFrame) -> pd.Series:
    """Patient → True if in drug-free DORIS at the arm's last saved day."""
    d = arm_rows[arm_rows["variable"] == "drug_free_doris"]
    last = d[d["day"] == d["day"].max()]
    return last.set_index("patient_id")["value"] >= 1


def render_why(trajectories: pd.DataFrame) -> list[RenderedFigure]:
    """One figure per arm that has every :data:`WHY_VARIABLES` and ``drug_free_doris``."""
    from matplotlib.figure import Figure

    needed = {v for v, _, _ in WHY_VARIABLES} | {"drug_free_doris"}
    out: list[RenderedFigure] = []
    for arm in order_arms(trajectories["arm"].astype(str).unique()):
        rows = trajectories[trajectories["arm"].astype(str) == arm]
        if not needed <= set(rows["variable"].astype(str).unique()):
            continue
        remits = _groups(rows)
        fig = Figure(figsize=(6.0 * len(WHY_VARIABLES) / 2.5, 3.6), dpi=DPI)
        axes = fig.subplots(1, len(WHY_VARIABLES))
        for ax, (var, label, log) in zip(axes, WHY_VARIABLES, strict=True):
            wide = rows[rows["variable"] == var].pivot(index="patient_id", columns="day",
                                                       values="value")
            days = wide.columns.to_numpy(dtype=float)
            for flag, colour, name in ((True, _REMIT, "in remission"), (False, _ACTIVE, "not")):
                ids = remits.index[remits == flag].intersection(wide.index)
                if len(ids) == 0:
                    continue
                v = wide.loc[ids].to_numpy(dtype=float)
                if log:
                    v = np.maximum(v, LOG_FLOOR)
                q25, q50, q75 = np.nanpercentile(v, [25, 50, 75], axis=0)
                ax.plot(days, q50, color=colour, lw=1.6, label=f"{name} (n={len(ids)})")
                ax.fill_between(days, q25, q75, color=colour, alpha=0.18, lw=0)
            if var == "anti_dsdna":
                ax.axhline(30.0, color="#555555", lw=0.8, ls="--")
            if log:
                ax.set_yscale("log")
            ax.set_title(label, fontsize=8.5)
            ax.set_xlabel("day", fontsize=8)
            ax.tick_params(labelsize=7)
        axes[0].legend(fontsize=7, frameon=False)
        fig.suptitle(f"{arm_label(arm)}: why patients remit (drug-free DORIS at the last day)",
                     fontsize=10)
        fig.tight_layout()
        n = int(remits.sum())
        out.append(RenderedFigure(
            key=f"why_{arm}", title=f"Why patients remit — {arm_label(arm)}",
            caption=(f"{n} of {len(remits)} patients in drug-free DORIS at the last day (green) "
                     "against the others (red): medians and interquartile ranges of B-lineage "
                     "depletion in blood, lymphoid tissue and marrow, the autoreactive tissue "
                     "B-cell mass and anti-dsDNA (dashed: 30 IU/mL cut-off)."),
            group="why", png=figure_png(fig)))
    return out
