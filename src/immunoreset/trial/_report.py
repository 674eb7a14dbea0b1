"""The trial report: one self-contained HTML file (embedded PNG figures, no scripts, no
external links) with the endpoint table, Kaplan–Meier plots, a forest plot of the arm
differences, dose–response curves, replicate probabilities of success and the manifest.

matplotlib is imported inside the plotting functions and drawn on an Agg canvas through
:class:`matplotlib.figure.Figure` (no pyplot global state).
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from immunoreset.io import to_jsonable
from immunoreset.report._style import format_number
from immunoreset.trial._endpoints import ENDPOINTS, FAILED, endpoint

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from immunoreset.trial._run import TrialResult

__all__ = ["forest_caption", "forest_figure", "format_cell", "kaplan_meier_caption",
           "kaplan_meier_figure", "render_report", "row_label"]

#: Okabe–Ito palette (readable with colour-vision deficiency); the reference arm is grey.
_PALETTE = ("#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
_REFERENCE_COLOUR = "#7B8794"
_DPI = 110

_CSS = """
:root { --ink:#1f2933; --muted:#52606d; --line:#d9e2ec; --bg:#f7f9fb; --accent:#0b5394; }
body { margin:0; font: 15px/1.5 -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       color:var(--ink); background:var(--bg); }
main { max-width: 1280px; margin: 0 auto; padding: 24px 32px 48px; background:#fff; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 34px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
.meta { color: var(--muted); margin: 0 0 14px; }
.note { background: var(--bg); border-left: 4px solid var(--accent); padding: 8px 14px;
        font-size: 14px; color: var(--muted); }
table { border-collapse: collapse; font-size: 13.5px; margin: 8px 0 4px; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 10px; text-align: left; vertical-align: top; }
th { background: var(--bg); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.scroll { overflow-x: auto; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 18px; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 8px; }
figure img { width: 100%; height: auto; display: block; }
figcaption { font-size: 12.5px; color: var(--muted); padding: 4px 4px 0; }
details summary { cursor: pointer; color: var(--accent); font-weight: 600; }
pre { background: var(--bg); padding: 12px; overflow-x: auto; font-size: 12px; }
nav a { color: var(--accent); margin-right: 14px; text-decoration: none; font-size: 14px; }
"""


# -- formatting ---------------------------------------------------------------------------------

def _base(name: str) -> tuple[str, str]:
    """``(library endpoint, statistic)`` of an endpoint-table name."""
    for suffix, stat in (("_median", "median"), ("_km", "km")):
        if name.endswith(suffix) and name[: -len(suffix)] in ENDPOINTS:
            return name[: -len(suffix)], stat
    return name, "value"


def row_label(name: str, visit_day: Any) -> tuple[str, str]:
    """``(endpoint label, visit)`` for display, e.g. ``("DORIS remission", "day 90")``."""
    base, stat = _base(name)
    ep = endpoint(base)
    label = ep.label + {"median": " — median, days", "km": " — Kaplan–Meier event-free",
                        "value": ""}[stat]
    if visit_day is not None and not pd.isna(visit_day):
        visit = f"day {int(visit_day)}"
    else:
        visit = "over follow-up" if ep.kind != "time_to_event" else "—"
    return label, visit


def _pct(x: float) -> str:
    return "–" if not math.isfinite(x) else f"{100 * x:.0f}"


def format_cell(name: str, estimate: float, low: float, high: float, n: int) -> str:
    """A table cell: ``95% (83–99) n=40``; ``117 (110–125) n=40``; ``not reached``."""
    base, stat = _base(name)
    est, lo, hi = (float(v) if v is not None and not pd.isna(v) else math.nan
                   for v in (estimate, low, high))
    if n == 0 or (math.isnan(est) and stat != "median"):
        return f"– n={n}"
    if stat == "median":
        def d(x: float) -> str:
            return "NR" if math.isinf(x) else ("–" if math.isnan(x) else f"{x:.0f}")
        if math.isinf(est):
            return f"not reached n={n}"
        return f"{d(est)} ({d(lo)}–{d(hi)}) n={n}"
    if stat == "km" or endpoint(base).kind == "proportion":
        return f"{_pct(est)}% ({_pct(lo)}–{_pct(hi)}) n={n}"
    return f"{est:.1f} ({lo:.1f} to {hi:.1f}) n={n}"


def _table(df: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for row in df.itertuples(index=False):
        cells = []
        for v in row:
            num = isinstance(v, int | float | np.number) or (isinstance(v, str) and v[:1].isdigit())
            cls = ' class="num"' if num else ""
            if v is None or (isinstance(v, float | np.floating) and math.isnan(v)):
                text = ""
            elif isinstance(v, float | np.floating):  # rounded: 3 significant digits
                x = float(v)
                text = f"{int(x):,}" if math.isfinite(x) and x == int(x) else format_number(x)
            else:
                text = str(v)
            cells.append(f"<td{cls}>{html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<div class="scroll"><table><tr>{head}</tr>{"".join(body)}</table></div>'


def _png(fig: Figure) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=_DPI)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _figure(fig: Figure, caption: str) -> str:
    return (f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{_png(fig)}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def _colours(result: TrialResult) -> dict[str, str]:
    spec = result.spec
    out, k = {}, 0
    families = [a for a in spec.arms if a.family is not None]
    if families:
        from matplotlib import colormaps

        cmap = colormaps["viridis"]
        for i, a in enumerate(families):
            r, g, b, _ = cmap(0.1 + 0.8 * i / max(len(families) - 1, 1))
            out[a.name] = f"#{int(255 * r):02x}{int(255 * g):02x}{int(255 * b):02x}"
    for a in spec.arms:
        if a.name in out:
            continue
        if a.name == spec.reference:
            out[a.name] = _REFERENCE_COLOUR
        else:
            out[a.name] = _PALETTE[k % len(_PALETTE)]
            k += 1
    return out


# -- figures ------------------------------------------------------------------------------------

def kaplan_meier_figure(result: TrialResult, name: str,
                        colours: dict[str, str] | None = None) -> Figure | None:
    """The Kaplan–Meier plot of time-to-event endpoint ``name``: one step curve per arm
    with its 95% pointwise band, n, events and median in the legend; ``None`` when
    ``name`` is not a time-to-event endpoint of the trial."""
    from matplotlib.figure import Figure

    spec = result.spec
    if name not in spec.endpoints or ENDPOINTS[name].kind != "time_to_event":
        return None
    colours = _colours(result) if colours is None else colours
    ep = ENDPOINTS[name]
    fig = Figure(figsize=(7.0, 4.2), layout="constrained")
    ax = fig.add_subplot()
    for arm in spec.arms:
        km = result.curves.get((name, arm.name))
        if km is None or km.n == 0:
            continue
        c = km.curve
        t = np.append(c["time"].to_numpy(), spec.schedule.follow_up_days)
        s = np.append(c["survival"].to_numpy(), c["survival"].iloc[-1])
        lo = np.append(c["ci_low"].to_numpy(), c["ci_low"].iloc[-1])
        hi = np.append(c["ci_high"].to_numpy(), c["ci_high"].iloc[-1])
        med = "not reached" if math.isinf(km.median) else f"{km.median:.0f} d"
        ax.step(t, s, where="post", color=colours[arm.name], lw=2,
                label=f"{arm.label} (n={km.n}, events {km.events}, median {med})")
        ax.fill_between(t, lo, hi, step="post", color=colours[arm.name], alpha=0.15, lw=0)
    ax.axhline(0.5, color="#999", lw=0.8, ls=":")
    ax.set_xlim(0, spec.schedule.follow_up_days)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("days" + (" from infusion" if name == "time_to_b_cell_return" else
                            " from onset"))
    ax.set_ylabel("probability event-free")
    ax.set_title(ep.label)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7.5, loc="best")
    return fig


def kaplan_meier_caption(name: str) -> str:
    """The caption under the Kaplan–Meier plot of ``name``."""
    ep = ENDPOINTS[name]
    return (f"Kaplan–Meier: {ep.label}. {ep.definition}. Shaded: 95% pointwise interval; "
            "patients not at risk are not counted.")


def _km_figures(result: TrialResult, colours: dict[str, str]) -> list[str]:
    out = []
    for name in result.spec.endpoints:
        fig = kaplan_meier_figure(result, name, colours)
        if fig is None:
            continue
        out.append(_figure(fig, kaplan_meier_caption(name))
                   + "<p><b>Number at risk</b></p>" + _table(number_at_risk(result, name)))
    return out


def number_at_risk(result: TrialResult, name: str, n_times: int = 5) -> pd.DataFrame:
    """Patients still at risk (event-free and followed) per arm at ``n_times`` days evenly
    spread over follow-up: the table printed under a Kaplan–Meier plot."""
    from immunoreset.trial._endpoints import column

    spec = result.spec
    times = np.unique(np.round(np.linspace(0, spec.schedule.follow_up_days, n_times)).astype(int))
    p = result.patients
    time_col = column(name, part="time")
    rows = []
    for arm in spec.arms:
        t = p.loc[p["arm"] == arm.name, time_col].dropna().to_numpy(dtype=float)
        rows.append({"arm": arm.label, **{f"day {d}": int((t >= d).sum()) for d in times}})
    return pd.DataFrame(rows)


def forest_figure(result: TrialResult, colours: dict[str, str] | None = None) -> Figure | None:
    """The forest plot of the differences in proportion to the reference arm (one row per
    endpoint and visit, one marker per arm, 95% Newcombe intervals); ``None`` when the
    trial has no proportion differences (a single arm)."""
    from matplotlib.figure import Figure

    d = result.differences
    d = d[d["endpoint"].map(lambda e: endpoint(e).kind == "proportion")]
    if d.empty:
        return None
    colours = _colours(result) if colours is None else colours
    keys = list(dict.fromkeys(zip(d["endpoint"], d["visit_day"], strict=True)))
    arms = list(dict.fromkeys(d["arm"]))
    fig = Figure(figsize=(8.0, 1.6 + 0.32 * len(keys)), layout="constrained")
    ax = fig.add_subplot()
    width = 0.7
    for k, arm in enumerate(arms):
        sub = d[d["arm"] == arm]
        off = (k - (len(arms) - 1) / 2) * width / max(len(arms), 1)
        ys, xs, lo, hi = [], [], [], []
        for r in sub.itertuples(index=False):
            ys.append(keys.index((r.endpoint, r.visit_day)) + off)
            xs.append(r.estimate)
            lo.append(r.estimate - r.ci_low)
            hi.append(r.ci_high - r.estimate)
        ax.errorbar(xs, ys, xerr=[lo, hi], fmt="o", ms=4, capsize=2, color=colours[arm],
                    label=result.spec.arm(arm).label)
    ax.axvline(0, color="#333", lw=0.8)
    ax.set_yticks(range(len(keys)))
    ax.set_yticklabels([" · ".join(row_label(e, v)) for e, v in keys], fontsize=7.5)
    ax.invert_yaxis()
    ax.set_xlim(-1.05, 1.05)
    ax.set_xlabel(f"difference in proportion, arm − {result.spec.arm(result.spec.reference).label}")
    ax.legend(fontsize=7.5, loc="lower right")
    return fig


def forest_caption(result: TrialResult) -> str:
    """The caption under the forest plot."""
    method = "paired" if result.spec.paired else "unpaired"
    return (f"Forest plot: differences to the reference arm with 95% Newcombe hybrid-score "
            f"intervals ({method}).")


def _forest(result: TrialResult, colours: dict[str, str]) -> str:
    fig = forest_figure(result, colours)
    return "" if fig is None else _figure(fig, forest_caption(result))


def _dose_response(result: TrialResult, colours: dict[str, str]) -> list[str]:
    from matplotlib.figure import Figure

    dr = result.dose_response
    if dr.empty:
        return []
    out = []
    ref = result.endpoints[result.endpoints["arm"] == result.spec.reference]
    ref_in_family = any(a.name == result.spec.reference and a.family for a in result.spec.arms)
    for family, fam in dr.groupby("family", sort=False):
        unit = str(fam["dose_unit"].iloc[0])
        groups: list[tuple[str, list[str]]] = []
        visit_eps = [e for e in result.spec.endpoints
                     if ENDPOINTS[e].timing == "visit" and ENDPOINTS[e].kind == "proportion"]
        groups += [(ENDPOINTS[e].label, [e]) for e in visit_eps]
        fu = [e for e in result.spec.endpoints
              if ENDPOINTS[e].timing == "follow_up" and ENDPOINTS[e].kind == "proportion"]
        if fu:
            groups.append(("Safety over follow-up", [*fu, FAILED.name]))
        tte = [f"{e}_median" for e in result.spec.endpoints if ENDPOINTS[e].kind == "time_to_event"]
        if tte:
            groups.append(("Kaplan–Meier medians (days)", tte))
        if "sledai_2k_change" in result.spec.endpoints:
            groups.append(("Change in SLEDAI-2K (mean)", ["sledai_2k_change"]))
        if "car_t_peak" in result.spec.endpoints:
            groups.append(("Peak CAR-T expansion (mean, cells/µL)", ["car_t_peak"]))
        ncol = 3
        nrow = math.ceil(len(groups) / ncol)
        fig = Figure(figsize=(13.0, 3.3 * nrow), layout="constrained")
        visits = list(result.spec.schedule.visits)
        from matplotlib import colormaps

        cmap = colormaps["plasma"]
        for g, (title, names) in enumerate(groups):
            ax = fig.add_subplot(nrow, ncol, g + 1)
            series: list[tuple[str, pd.DataFrame, pd.DataFrame]] = []
            for name in names:
                rows = fam[fam["endpoint"] == name]
                rrows = ref[ref["endpoint"] == name]
                if ENDPOINTS.get(name, FAILED).timing == "visit":
                    for v in visits:
                        series.append((f"day {v}", rows[rows["visit_day"] == v],
                                       rrows[rrows["visit_day"] == v]))
                else:
                    series.append((row_label(name, None)[0].replace(" — median, days", ""),
                                   rows, rrows))
            for k, (lab, rows, rrows) in enumerate(series):
                if rows.empty:
                    continue
                c = cmap(0.05 + 0.8 * k / max(len(series) - 1, 1))
                est = rows["estimate"].to_numpy(dtype=float)
                lo = rows["ci_low"].to_numpy(dtype=float)
                hi = rows["ci_high"].to_numpy(dtype=float)
                finite = np.isfinite(est)
                # small horizontal offsets keep coinciding series visible
                jitter = 1.0 + 0.04 * (k - (len(series) - 1) / 2)
                x = rows["dose"].to_numpy(dtype=float) / 1e6 * jitter
                yerr = np.vstack([np.where(np.isfinite(lo), est - lo, 0), np.where(np.isfinite(hi), hi - est, 0)])
                ax.errorbar(x[finite], est[finite], yerr=yerr[:, finite], fmt="o-", ms=4,
                            capsize=2, color=c, label=lab, lw=1.4)
                ref_ok = (not ref_in_family and len(rrows) > 0 and names[0] != "car_t_peak"
                          and bool(np.isfinite(rrows["estimate"].iloc[0])))
                if ref_ok:
                    ax.axhline(float(rrows["estimate"].iloc[0]), color=c, ls="--", lw=0.9, alpha=0.7)
            ax.set_xscale("log")
            doses = np.unique(fam["dose"].to_numpy(dtype=float)) / 1e6
            ax.set_xticks(doses, [f"{d:g}" for d in doses])
            ax.minorticks_off()
            ax.set_title(title, fontsize=10)
            ax.set_xlabel(f"CAR-T dose (×10⁶ {unit})")
            if names[0] == "car_t_peak":
                ax.set_yscale("log")
            elif "median" not in names[0] and names[0] != "sledai_2k_change":
                ax.set_ylim(-0.03, 1.03)
                ax.yaxis.set_major_formatter(lambda y, _: f"{100 * y:.0f}%")
            ax.legend(fontsize=7, loc="best")
            ax.grid(alpha=0.3)
        cap = (f"Dose–response of arm family '{family}': estimates with 95% intervals per "
               "dose (log scale)")
        if not ref_in_family:
            cap += (f"; dashed lines: reference arm "
                    f"'{result.spec.arm(result.spec.reference).label}' at the same visit")
        out.append(_figure(fig, cap + "."))
    return out


# -- the page -----------------------------------------------------------------------------------

def _short(x: float, fmt: str) -> str:
    """Two significant digits; below 0.01 in powers of ten (tables stay narrow)."""
    if fmt == "days":
        return f"{x:.0f}"
    return f"{x:.2g}" if x == 0 or abs(x) >= 0.01 else f"{x:.1e}"


def _iqr(values: pd.Series, fmt: str) -> str:
    v = values.to_numpy(dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return "–"
    q25, q50, q75 = np.percentile(v, [25, 50, 75])
    return f"{_short(q50, fmt)} ({_short(q25, fmt)}–{_short(q75, fmt)})"


def mechanism_table(result: TrialResult) -> pd.DataFrame:
    """Per arm (columns) the median (IQR) of each mechanism read-out (rows): depth and
    days of depletion per compartment, the autoreactive mass, each autoantibody and the
    protective titres at the end, relative to baseline."""
    from immunoreset.trial._mechanism import variable_label

    pts = result.patients
    names = [c.removeprefix("why_") for c in pts.columns if c.startswith("why_")]
    rows: dict[str, dict[str, str]] = {}
    kinds = {"_nadir": "nadir, × baseline", "_at_end": "at the end, × baseline",
             "_days_depleted": "days below 10% of baseline"}
    for col in names:
        suffix = next(k for k in kinds if col.endswith(k))
        var = col.removesuffix(suffix)
        label = kinds[suffix]
        fmt = "days" if suffix == "_days_depleted" else "fraction"
        rows[f"{variable_label(var)} — {label}"] = {
            result.spec.arm(a).label: _iqr(pts.loc[pts["arm"] == a, f"why_{col}"], fmt)
            for a in result.spec.arm_names}
    return pd.DataFrame.from_dict(rows, orient="index")


def mechanism_figure(result: TrialResult, colours: dict[str, str]) -> Figure | None:
    """Per-arm median curves (IQR shaded) of the mechanism read-outs, one panel each."""
    from matplotlib.figure import Figure

    from immunoreset.trial._mechanism import variable_label

    m = result.mechanism
    if m.empty:
        return None
    variables = list(dict.fromkeys(m["variable"]))
    ncol = min(4, len(variables))
    nrow = -(-len(variables) // ncol)
    fig = Figure(figsize=(3.2 * ncol, 2.6 * nrow), dpi=110)
    axes = np.atleast_1d(fig.subplots(nrow, ncol)).ravel()
    for ax, var in zip(axes, variables, strict=False):
        for arm in result.spec.arm_names:
            c = m[(m["variable"] == var) & (m["arm"] == arm)]
            if c.empty:
                continue
            colour = colours.get(arm)
            ax.plot(c["day"], np.maximum(c["median"], 1e-4), color=colour, lw=1.4,
                    label=result.spec.arm(arm).label)
            ax.fill_between(c["day"], np.maximum(c["q25"], 1e-4), np.maximum(c["q75"], 1e-4),
                            color=colour, alpha=0.15, lw=0)
        ax.set_yscale("log")
        ax.axhline(1.0, color="#888888", lw=0.6, ls=":")
        ax.set_title(f"{variable_label(var)} (× baseline)", fontsize=8.5)
        ax.set_xlabel("day", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes[len(variables):]:
        ax.set_visible(False)
    axes[0].legend(fontsize=6.5, frameon=False)
    fig.tight_layout()
    return fig


def _mechanism(result: TrialResult, colours: dict[str, str]) -> str:
    if result.mechanism.empty and not any(c.startswith("why_") for c in result.patients.columns):
        return "<p>No mechanism read-outs in this run.</p>"
    fig = mechanism_figure(result, colours)
    body = ('<p class="note">What each therapy does to the disease\'s machinery, read from the '
            "trajectories relative to each patient's pre-treatment value: depth (nadir) and "
            "duration (days below 10% of baseline) of B-lineage depletion in blood, lymphoid "
            "tissue and marrow; the autoreactive tissue B-cell mass that sustains the "
            "immune-complex loop (a pool that stays near zero does not rebuild the disease; "
            "one back near 1× has); each autoantibody's washout; protective (vaccine) IgG "
            "from long-lived plasma cells. Median (interquartile range) over patients.</p>")
    body += _table(mechanism_table(result).reset_index().rename(columns={"index": "read-out"}))
    if fig is not None:
        body += _figure(fig, "Median (IQR) per arm, relative to baseline, log scale; dotted: "
                        f"baseline. Curves from the first {min(250, result.spec.population.n_per_arm)} "
                        "patients of each arm.")
    return body


def _section(anchor: str, heading: str, body: str) -> str:
    return f'<section id="{anchor}"><h2>{html.escape(heading)}</h2>{body}</section>'


def _arms_table(result: TrialResult) -> str:
    spec = result.spec
    counts = result.patients.groupby("arm", observed=True).size()
    failed = result.patients.groupby("arm", observed=True)[FAILED.name].sum()
    rows = [{"arm": a.name, "label": a.label + (" (reference)" if a.name == spec.reference else ""),
             "therapy": a.describe(), "patients": int(counts.get(a.name, 0)),
             "failed numerically": int(failed.get(a.name, 0))} for a in spec.arms]
    return _table(pd.DataFrame(rows))


def _endpoint_definitions(names: Sequence[str]) -> str:
    rows = [{"endpoint": n, "label": endpoint(n).label, "kind": endpoint(n).kind,
             "definition": endpoint(n).definition, "source": endpoint(n).source}
            for n in [*names, FAILED.name]]
    return _table(pd.DataFrame(rows))


def render_report(result: TrialResult) -> str:
    """The HTML text of the report of ``result``."""
    spec = result.spec
    colours = _colours(result)
    summary = result.summary_text()
    flat = summary.reset_index()
    flat.columns = ["endpoint", "visit", *[spec.arm(a).label for a in summary.columns]]
    manifest = result.manifest
    version = (manifest.get("versions") or {}).get("immunoreset") or "unknown"
    meta = (f"trial <b>{html.escape(spec.name)}</b> · seed {spec.seed} · "
            f"{spec.population.n_per_arm} virtual patients per arm · "
            f"{'paired arms (same patients and flare draws in every arm)' if spec.paired else 'unpaired arms'}"
            f" · follow-up {spec.schedule.follow_up_days} days · "
            f"{spec.interval.replace('_', '–').title()} {spec.confidence:.0%} intervals · "
            f"parameter set {html.escape(str(manifest.get('parameter_set', '')))} · "
            f"immunoreset {html.escape(str(version))} · {html.escape(str(manifest.get('created_utc', '')))}")
    parts = [f"<h1>{html.escape(spec.title)}</h1>", f'<p class="meta">{meta}</p>',
             '<nav><a href="#arms">Arms</a><a href="#endpoints">Endpoints</a>'
             '<a href="#differences">Differences</a><a href="#km">Kaplan–Meier</a>'
             '<a href="#dose">Dose–response</a><a href="#why">Why</a>'
             '<a href="#replicates">Replicates</a>'
             '<a href="#manifest">Manifest</a></nav>']
    parts.append(_section("arms", "Arms", _arms_table(result)))
    notes = ('<p class="note">Proportions: % of patients with their '
             f"{spec.interval.replace('_', '–')} {spec.confidence:.0%} interval and the denominator n. "
             "Patients whose solve failed numerically stay in the denominators with the "
             "unfavourable outcome (non-responders; events for safety endpoints). SRI-4 takes "
             "the BILAG clauses as met (BILAG is not modelled): an upper bound. ICANS is not "
             "modelled (no neurological inputs): 0 by construction. Medians: Kaplan–Meier, "
             "days; NR = not reached.</p>")
    parts.append(_section("endpoints", "Endpoints", notes + _table(flat)
                          + "<details><summary>Endpoint definitions</summary>"
                          + _endpoint_definitions(spec.endpoints) + "</details>"))
    diff = result.differences.copy()
    dshow = pd.DataFrame({
        "arm": diff["arm"].map(lambda a: spec.arm(a).label),
        "endpoint": [" · ".join(row_label(e, v)) for e, v in zip(diff["endpoint"], diff["visit_day"], strict=True)],
        "difference (95% CI)": [
            (f"{100 * e:+.0f} pp ({100 * lo:+.0f} to {100 * hi:+.0f})"
             if endpoint(n).kind == "proportion" else f"{e:+.1f} ({lo:+.1f} to {hi:+.1f})")
            if math.isfinite(e) and math.isfinite(lo) else "–"
            for n, e, lo, hi in zip(diff["endpoint"], diff["estimate"], diff["ci_low"],
                                    diff["ci_high"], strict=True)],
        "n": diff["n"], "method": diff["method"]})
    forest = _forest(result, colours)
    parts.append(_section("differences", f"Differences to {spec.arm(spec.reference).label}",
                          forest + "<details><summary>Table of differences</summary>"
                          + _table(dshow) + "</details>"))
    km = _km_figures(result, colours)
    parts.append(_section("km", "Kaplan–Meier curves",
                          f'<div class="grid">{"".join(km)}</div>' if km
                          else "<p>No time-to-event endpoints in this trial.</p>"))
    dr = _dose_response(result, colours)
    parts.append(_section("dose", "Dose–response", "".join(dr) if dr else
                          "<p>No dose grid in this trial (give a list of doses in an arm's "
                          "<code>car_t.dose_per_kg</code>).</p>"))
    parts.append(_section("why", "Why each therapy works or fails", _mechanism(result, colours)))
    if spec.replicates.n:
        s = result.success.copy()
        body = ('<p class="note">Each replicate trial draws the population-level parameters from '
                "the calibration's ABC posterior (accepted samples) and new virtual patients; "
                "probability of success = fraction of replicates meeting the criterion "
                "(Clopper–Pearson interval for the Monte-Carlo error).</p>" + _table(s))
    else:
        body = "<p>No replicate trials (set <code>[replicates] n</code>).</p>"
    parts.append(_section("replicates", "Replicate trials: probability of success", body))
    text = json.dumps(to_jsonable(manifest), indent=2, sort_keys=True, ensure_ascii=False)
    parts.append(_section("manifest", "Manifest", "<details><summary>manifest.json</summary>"
                          f"<pre>{html.escape(text)}</pre></details>"))
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(spec.title)}</title><style>{_CSS}</style></head><body><main>"
            + "".join(parts) + "</main></body></html>\n")
