"""Time-course figures: one panel per variable, median and spread per arm, published marks.

matplotlib is imported inside the plotting functions only, and figures are drawn on an Agg
canvas without pyplot, so building a report changes no global matplotlib state.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from immunoreset.report._markers import Marker
from immunoreset.report._style import arm_colour, arm_label, order_arms
from immunoreset.report._variables import VariableInfo

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["RenderedFigure", "plot_time_course", "render_time_course", "wilson_interval"]

#: Resolution of the embedded PNG images, dots per inch.
DPI = 110
#: Size of one panel, inches (width, height).
PANEL_SIZE = (6.0, 3.8)
#: Legend labels longer than this go in one column (two would not fit the panel's width).
LEGEND_TWO_COLUMN_CHARS = 38
#: Height of one legend row at fontsize 8, inches.
LEGEND_ROW_INCHES = 0.19
_MARK_COLOUR = "#222222"


@dataclass(frozen=True)
class RenderedFigure:
    """One rendered panel: a file-friendly key, its title, caption, section and PNG bytes."""

    key: str
    title: str
    caption: str
    group: str
    png: bytes


def wilson_interval(p: np.ndarray, n: np.ndarray, z: float = 1.96) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of proportions ``p`` from ``n`` patients (arrays, same shape);
    ``z = 1.96`` gives 95 %. Returns ``(low, high)`` in ``[0, 1]``."""
    p = np.asarray(p, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


#: Largest magnitude drawn: no physical quantity of the model comes near it, and beyond it
#: matplotlib's transforms overflow (a CAR-T dose of 1e300 cells/kg crashed the report).
PLOT_LIMIT = 1e100


def finite_for_plotting(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with every non-finite or beyond-:data:`PLOT_LIMIT` number set to NaN."""
    out = table.copy()
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            v = out[c].to_numpy(dtype=float)
            with np.errstate(invalid="ignore"):
                out[c] = np.where(np.isfinite(v) & (np.abs(v) < PLOT_LIMIT), v, np.nan)
    return out


def plot_time_course(
    summary: pd.DataFrame,
    info: VariableInfo,
    *,
    markers: Sequence[Marker] = (),
    xlim: tuple[float, float] | None = None,
    title: str | None = None,
) -> Figure:
    """Draw one variable's time course per arm and return the matplotlib figure.

    Arguments:
        summary: rows of :func:`~immunoreset.report.summarise_time_courses` for this
            variable (columns ``arm, day, n, mean, q05, q25, median, q75, q95``).
        info: display metadata (label, unit, kind, log scale).

    Other arguments:
        markers: published values to draw (in the variable's unit; proportions for 0/1).
        xlim: ``(first, last)`` day shown (default: the whole range).
        title: panel title (default ``info.label``).

    Continuous variables show the median with 25–75 % and 5–95 % bands; 0/1 variables the
    percentage of patients with a 95 % Wilson interval; scores the mean with a 25–75 % band.
    On a log axis values below ``info.floor`` (zeros included) are drawn at the floor.
    Non-finite values and values beyond :data:`PLOT_LIMIT` (an overflowing patient) are
    left out of the drawing, never passed to matplotlib.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MultipleLocator

    summary = finite_for_plotting(summary)
    fig = Figure(figsize=PANEL_SIZE, dpi=DPI)
    # Fixed margins (faster and steadier than a layout engine): room for the y label on
    # the left and a two-column legend below the x axis.
    fig.subplots_adjust(left=0.14, right=0.975, top=0.92, bottom=0.235)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    arms = order_arms(summary["arm"].unique())
    scale = 100.0 if info.kind == "binary" else 1.0
    for arm in arms:
        rows = summary[summary["arm"] == arm].sort_values("day")
        if xlim is not None:
            rows = rows[(rows["day"] >= xlim[0]) & (rows["day"] <= xlim[1])]
        if rows.empty:
            continue
        colour = arm_colour(arm, arms)
        day = rows["day"].to_numpy()
        n_max = int(rows["n"].max())
        label = f"{arm_label(arm)} (n={n_max})"
        if info.kind == "binary":
            p = rows["mean"].to_numpy()
            low, high = wilson_interval(p, rows["n"].to_numpy())
            ax.fill_between(day, low * scale, high * scale, color=colour, alpha=0.18, lw=0)
            ax.plot(day, p * scale, color=colour, lw=2, label=label)
        elif info.kind == "score":
            ax.fill_between(day, rows["q25"], rows["q75"], color=colour, alpha=0.18, lw=0)
            ax.plot(day, rows["mean"], color=colour, lw=2, label=label)
        else:

            def _c(column: str, rows: pd.DataFrame = rows) -> np.ndarray:
                values = rows[column].to_numpy(dtype=float)
                return np.maximum(values, info.floor) if info.log_scale else values

            ax.fill_between(day, _c("q05"), _c("q95"), color=colour, alpha=0.13, lw=0)
            ax.fill_between(day, _c("q25"), _c("q75"), color=colour, alpha=0.28, lw=0)
            ax.plot(day, _c("median"), color=colour, lw=2, label=label)

    for marker in markers:
        _draw_marker(ax, marker, scale=scale, floor=info.floor if info.log_scale else None)

    if info.log_scale:
        ax.set_yscale("log")
        ax.set_ylim(bottom=info.floor * 0.7)
    if info.kind == "binary":
        ax.set_ylim(-2, 102)
    elif not info.log_scale and len(summary) and float(summary["q05"].min()) >= 0:
        ax.set_ylim(bottom=0)
    ax.axvline(0, color="#999999", lw=0.8, zorder=0)
    if xlim is not None:
        ax.set_xlim(*xlim)
    elif len(summary):
        ax.set_xlim(float(summary["day"].min()), float(summary["day"].max()))
    span = (xlim[1] - xlim[0]) if xlim is not None else float(np.ptp(summary["day"])) or 1.0
    ax.xaxis.set_major_locator(MultipleLocator(90 if span > 365 else 30 if span > 90 else 7))
    ax.set_xlabel("Days after infusion (day 0)")
    ax.set_ylabel(info.axis_label)
    # An explicit y fixes the title above the axes: the same pixels as matplotlib's automatic
    # placement (nothing is drawn above these axes) without its layout pass, ~15% of a panel.
    ax.set_title(title or info.label, fontsize=11, loc="left", fontweight="bold", y=1.0)
    ax.grid(True, which="major", color="#e5e5e5", lw=0.6)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8)
    if info.log_scale:
        ax.text(
            0.995,
            info.floor,
            "zero / below floor",
            transform=ax.get_yaxis_transform(),
            ha="right",
            va="bottom",
            fontsize=7,
            color="#777777",
        )
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        # Two columns of short labels fit under the axes; long ones (calibration targets)
        # take one column, and the figure grows by a row height per extra row so the axes
        # keep their size and no label is cut off.
        ncols = 1 if max(len(lb) for lb in labels) > LEGEND_TWO_COLUMN_CHARS else 2
        rows = -(-len(handles) // ncols)
        extra = max(0, rows - 2) * LEGEND_ROW_INCHES
        if extra:
            width, height = PANEL_SIZE
            fig.set_size_inches(width, height + extra)
            fig.subplots_adjust(bottom=(0.235 * height + extra) / (height + extra),
                                top=1 - 0.08 * height / (height + extra))
        fig.legend(
            handles,
            labels,
            loc="lower center",
            bbox_to_anchor=(0.5 if ncols == 1 else 0.55, 0.0),
            ncols=ncols,
            fontsize=8,
            frameon=False,
        )
    return fig


def _draw_marker(ax: Axes, marker: Marker, *, scale: float, floor: float | None) -> None:
    """Draw one published value on ``ax`` (``scale`` converts proportions to %)."""
    colour, label = _MARK_COLOUR, marker.label
    value = marker.value
    if isinstance(value, tuple):
        first, second = float(value[0]), float(value[1])
    else:
        first = second = float(value)
    if marker.kind == "hline":
        ax.axhline(first * scale, ls="--", lw=1.1, color=colour, label=label)
    elif marker.kind == "vline":
        ax.axvline(first, ls=":", lw=1.3, color=colour, label=label)
    elif marker.kind == "vspan":
        ax.axvspan(first, second, alpha=0.22, lw=0, color="#666666", label=label)
    elif marker.kind == "hspan":
        ax.axhspan(first * scale, second * scale, alpha=0.15, lw=0, color="#666666", label=label)
    else:  # point: (day, level) with optional error bars
        y = second * scale
        if floor is not None:
            y = max(y, floor)
        yerr = marker.yerr * scale if marker.yerr is not None else None
        ax.errorbar(
            [first],
            [y],
            xerr=marker.xerr,
            yerr=yerr,
            fmt="D",
            ms=6,
            capsize=4,
            mfc="white",
            mew=1.5,
            elinewidth=1.5,
            zorder=5,
            color=colour,
            label=label,
        )


def figure_png(fig: Figure, *, tight: bool = False) -> bytes:
    """Encode ``fig`` as PNG bytes (``tight``: cropped to the drawn area)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight" if tight else None)
    return buffer.getvalue()


def _caption(info: VariableInfo) -> str:
    if info.kind == "binary":
        text = "Line: percentage of patients; band: 95 % Wilson interval."
    elif info.kind == "score":
        text = "Line: mean over patients; band: 25th–75th percentile."
    else:
        text = "Line: median; dark band: 25th–75th percentile; light band: 5th–95th percentile."
    if info.log_scale:
        text += (
            f" Log scale: values below {info.floor:g} {info.unit} (including zero, i.e. "
            "undetectable) are drawn at that floor."
        )
    return f"{info.description} {text}".strip()


def render_time_course(
    summary: pd.DataFrame,
    info: VariableInfo,
    *,
    markers: Sequence[Marker] = (),
) -> list[RenderedFigure]:
    """Render the panel(s) of one variable: the whole course, plus a close-up of the first
    weeks when ``info.zoom_days`` is set. Marker legends note that they are published."""
    figures: list[RenderedFigure] = []
    caption = _caption(info)
    if markers:
        caption += " Black marks: published values (see legend)."
    windows: list[tuple[str, tuple[float, float] | None, str]] = [(info.name, None, info.label)]
    if info.zoom_days is not None:
        first, last = info.zoom_days
        windows.append(
            (f"{info.name}_early", (first, last), f"{info.label}: days {first} to {last}")
        )
    for key, xlim, title in windows:
        fig = plot_time_course(summary, info, markers=markers, xlim=xlim, title=title)
        figures.append(RenderedFigure(key, title, caption, info.group, figure_png(fig)))
    return figures


def markers_by_variable(
    markers: Mapping[str, Sequence[Marker]] | None, variable: str
) -> tuple[Marker, ...]:
    """The markers of ``variable`` (none if absent)."""
    if not markers:
        return ()
    return tuple(markers.get(variable, ()))
