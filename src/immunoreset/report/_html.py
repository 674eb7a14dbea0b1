"""The self-contained HTML report: one file, images embedded as base64 PNG, no scripts and
no external links, readable by a clinician."""

from __future__ import annotations

import base64
import datetime as _dt
import html
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from immunoreset.errors import InputError
from immunoreset.io import PatientColumns
from immunoreset.io._manifest import to_jsonable
from immunoreset.report._markers import Marker
from immunoreset.report._plots import RenderedFigure, markers_by_variable, render_time_course
from immunoreset.report._style import arm_display, arm_label, format_number, order_arms
from immunoreset.report._summary import check_trajectories, summarise_time_courses
from immunoreset.report._tables import key_results_table, landmark_table, patient_summary_table
from immunoreset.report._variables import GROUPS, VARIABLES, variable_info
from immunoreset.report._why import render_why

__all__ = ["write_report"]

#: Rows of ``patients`` shown verbatim in the report.
PATIENT_ROWS_SHOWN = 20

_CSS = """
:root { --ink:#1f2933; --muted:#52606d; --line:#d9e2ec; --bg:#f7f9fb; --pass:#e3f5e8;
        --pass-ink:#1b6b34; --fail:#fde8e6; --fail-ink:#a1251b; --accent:#0b5394; }
* { box-sizing: border-box; }
body { margin:0; font: 15px/1.5 -apple-system, "Segoe UI", Roboto, Helvetica, Arial,
       sans-serif; color:var(--ink); background:var(--bg); }
main { max-width: 1280px; margin: 0 auto; padding: 24px 32px 48px; background:#fff; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 10px; padding-bottom: 4px;
     border-bottom: 2px solid var(--line); }
h3 { font-size: 16px; margin: 22px 0 8px; color: var(--accent); }
.meta { color: var(--muted); margin: 0 0 14px; }
.cards { display:flex; flex-wrap:wrap; gap:12px; margin: 12px 0; }
.card { border:1px solid var(--line); border-radius:8px; padding:10px 16px; min-width:150px; }
.card .num { font-size: 22px; font-weight: 600; }
.card .lbl { color: var(--muted); font-size: 13px; }
nav { font-size: 14px; margin: 8px 0 0; }
nav a { color: var(--accent); margin-right: 14px; text-decoration: none; }
.note { background: var(--bg); border-left: 4px solid var(--accent); padding: 8px 14px;
        font-size: 14px; color: var(--muted); }
table { border-collapse: collapse; font-size: 13.5px; margin: 8px 0 4px; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 10px; text-align: left;
         vertical-align: top; }
th { background: var(--bg); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.pass td { background: var(--pass); }
tr.fail td { background: var(--fail); }
td.verdict-pass { color: var(--pass-ink); font-weight: 600; }
td.verdict-fail { color: var(--fail-ink); font-weight: 600; }
.scroll { overflow-x: auto; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr));
        gap: 18px; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 8px; }
figure img { width: 100%; height: auto; display: block; }
figcaption { font-size: 12.5px; color: var(--muted); padding: 4px 4px 0; }
details summary { cursor: pointer; color: var(--accent); font-weight: 600; }
pre { background: var(--bg); padding: 12px; overflow-x: auto; font-size: 12px; }
footer { margin-top: 40px; color: var(--muted); font-size: 12.5px; }
"""


def write_report(
    path: str | os.PathLike[str],
    *,
    title: str,
    trajectories: pd.DataFrame,
    patients: pd.DataFrame | PatientColumns,
    calibration: pd.DataFrame | None,
    manifest: Mapping[str, Any],
    markers: Mapping[str, Sequence[Marker]] | None = None,
    figures_dir: str | os.PathLike[str] | None = None,
    key_results: pd.DataFrame | None = None,
    arm_order: Sequence[str] = (),
    arm_labels: Mapping[str, str] | None = None,
) -> Path:
    """Write the clinician-readable HTML report of a run; returns its path.

    Arguments:
        path: the HTML file to write (normally ``run_dir.path("report.html")``).

    Other arguments:
        title: report title, e.g. ``"Mackensen 2022 reproduction"``.
        trajectories: long format ``patient_id, arm, day, variable, value, unit`` (a subset
            of patients or variables is fine; one panel per variable present).
        patients: one row per patient (``arm``, ``status`` and read-outs are used if
            present); a :class:`~immunoreset.io.PatientColumns` for large runs, which the
            report reads one column at a time.
        calibration: ``target_id, observed, acceptance, model_value, passed`` or ``None``.
        manifest: the run manifest (:func:`~immunoreset.io.build_manifest`).
        markers: variable → published values to mark on its panel, e.g.
            :data:`~immunoreset.report.MACKENSEN2022_MARKERS`.
        figures_dir: also save every panel as ``<variable>.png`` in this folder.
        key_results: a ready key-results table to show instead of the computed one.
        arm_order, arm_labels: the config's arm order and display labels (tables, legends).
    """
    with arm_display(arm_order, arm_labels):
        return _write_report(path, title=title, trajectories=trajectories, patients=patients,
                             calibration=calibration, manifest=manifest, markers=markers,
                             figures_dir=figures_dir, key_results=key_results)


def _write_report(
    path: str | os.PathLike[str], *, title: str, trajectories: pd.DataFrame,
    patients: pd.DataFrame | PatientColumns, calibration: pd.DataFrame | None,
    manifest: Mapping[str, Any], markers: Mapping[str, Sequence[Marker]] | None,
    figures_dir: str | os.PathLike[str] | None, key_results: pd.DataFrame | None,
) -> Path:
    check_trajectories(trajectories)
    if calibration is not None:
        missing = [c for c in ("target_id", "passed") if c not in calibration.columns]
        if missing:
            raise InputError(f"calibration: missing column(s) {', '.join(missing)}")
    unknown = sorted(set(markers or {}) - {str(v) for v in trajectories["variable"].unique()})

    summary = summarise_time_courses(trajectories)
    figures = _render_figures(summary, trajectories, markers)
    if figures_dir is not None:
        folder = Path(figures_dir)
        folder.mkdir(parents=True, exist_ok=True)
        for fig in figures:
            (folder / f"{fig.key}.png").write_bytes(fig.png)

    if key_results is None:
        key_results = key_results_table(summary, trajectories, patients)
    parts = [
        _header(title, trajectories, patients, calibration, manifest),
        _section("how-to-read", "How to read this report", _how_to_read(markers, unknown)),
        _section("key-results", "Key results", _table(key_results)),
    ]
    if calibration is not None:
        parts.append(
            _section("calibration", "Calibration against published data", _calibration(calibration))
        )
    parts.append(_section("time-courses", "Time courses", _figures_html(figures)))
    why = render_why(trajectories)
    if why:
        parts.append(_section("why", "Why patients remit", _figures_html(why)))
    parts.append(
        _section(
            "landmarks",
            "All variables at landmark days",
            _details("Show table", _table(landmark_table(summary, trajectories))),
        )
    )
    parts.append(_section("patients", "Virtual patients", _patients(patients)))
    parts.append(_section("sources", "Sources of marked values", _sources(markers)))
    parts.append(
        _section(
            "manifest",
            "Run manifest",
            _details(
                "Seed, versions, configuration, solver settings and timings",
                "<pre>"
                + html.escape(json.dumps(to_jsonable(manifest), indent=2, sort_keys=True))
                + "</pre>",
            ),
        )
    )
    version = _version(manifest)
    doc = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(parts)
        + f"\n<footer>Generated by immunoreset {html.escape(version)}. Simulated virtual "
        "patients: model output, not clinical data.</footer>\n</main>\n</body>\n</html>\n"
    )
    target = Path(path)
    target.write_text(doc, encoding="utf-8")
    return target


# -- pieces -----------------------------------------------------------------------------------


def _render_figures(
    summary: pd.DataFrame,
    trajectories: pd.DataFrame,
    markers: Mapping[str, Sequence[Marker]] | None,
) -> list[RenderedFigure]:
    units: dict[str, str] = {}
    if "unit" in trajectories.columns:
        pairs = trajectories[["variable", "unit"]].drop_duplicates("variable")
        units = {str(v): str(u) for v, u in zip(pairs["variable"], pairs["unit"], strict=True)}
    present = set(summary["variable"])
    ordered = [v for v in VARIABLES if v in present] + sorted(present - set(VARIABLES))
    figures: list[RenderedFigure] = []
    for variable in ordered:
        rows = summary[summary["variable"] == variable]
        binary = bool(rows["q05"].isin([0.0, 1.0]).all() and rows["q95"].isin([0.0, 1.0]).all())
        info = variable_info(variable, unit=units.get(variable), binary=binary)
        figures.extend(
            render_time_course(rows, info, markers=markers_by_variable(markers, variable))
        )
    return figures


def _section(anchor: str, heading: str, body: str) -> str:
    return f'<section id="{anchor}">\n<h2>{html.escape(heading)}</h2>\n{body}\n</section>'


def _details(summary: str, body: str, *, open_: bool = False) -> str:
    flag = " open" if open_ else ""
    return f"<details{flag}><summary>{html.escape(summary)}</summary>\n{body}\n</details>"


def _version(manifest: Mapping[str, Any]) -> str:
    versions = manifest.get("versions")
    if isinstance(versions, Mapping) and versions.get("immunoreset"):
        return str(versions["immunoreset"])
    from immunoreset import __version__

    return __version__


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _cell_html(value: Any) -> str:
    if _is_number(value) or (
        hasattr(value, "dtype") and getattr(value, "ndim", 1) == 0 and value.dtype.kind in "iuf"
    ):
        number = float(value)
        text = (
            f"{int(number):,}"
            if number.is_integer() and abs(number) < 1e15
            else (format_number(number))
        )
        return f'<td class="num">{html.escape(text)}</td>'
    if value is None or (isinstance(value, float) and value != value):
        return "<td>–</td>"
    return f"<td>{html.escape(str(value))}</td>"


def _table(df: pd.DataFrame, *, row_classes: Sequence[str] | None = None) -> str:
    if df.empty:
        return '<p class="note">No data.</p>'
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for i, row in enumerate(df.itertuples(index=False, name=None)):
        cls = f' class="{row_classes[i]}"' if row_classes is not None and row_classes[i] else ""
        body.append(f"<tr{cls}>" + "".join(_cell_html(v) for v in row) + "</tr>")
    return (
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "passed", "pass")
    return bool(value) if value == value else False


def _header(
    title: str,
    trajectories: pd.DataFrame,
    patients: pd.DataFrame | PatientColumns,
    calibration: pd.DataFrame | None,
    manifest: Mapping[str, Any],
) -> str:
    created = manifest.get("created_utc") or _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    seed = manifest.get("seed")
    meta = [
        f"Generated {created} (UTC)",
        f"immunoreset {_version(manifest)}",
        f"seed {seed if seed is not None else 'none'}",
    ]
    if manifest.get("command"):
        meta.append(f"command: <code>{html.escape(str(manifest['command']))}</code>")
    if "arm" in patients.columns and len(patients):
        counts = patients["arm"].astype(str).value_counts()
    else:
        counts = trajectories.groupby(trajectories["arm"].astype(str))["patient_id"].nunique()
    cards = [
        f'<div class="card"><div class="num">{int(counts[a]):,}</div>'
        f'<div class="lbl">virtual patients, {html.escape(arm_label(a))}</div></div>'
        for a in order_arms(counts.index)
    ]
    if "status" in patients.columns and len(patients):
        failed = int((patients["status"].astype(str) != "ok").sum())
        cards.append(
            f'<div class="card"><div class="num">{100 * failed / len(patients):.1f}%</div>'
            f'<div class="lbl">solver failures ({failed} of {len(patients):,})</div></div>'
        )
    if calibration is not None and len(calibration):
        passed = sum(_truthy(v) for v in calibration["passed"])
        cards.append(
            f'<div class="card"><div class="num">{passed}/{len(calibration)}</div>'
            '<div class="lbl">calibration targets met</div></div>'
        )
    nav = "".join(
        f'<a href="#{a}">{t}</a>'
        for a, t in (
            ("key-results", "Key results"),
            ("calibration", "Calibration"),
            ("time-courses", "Time courses"),
            ("patients", "Patients"),
            ("manifest", "Manifest"),
        )
        if a != "calibration" or calibration is not None
    )
    return (
        f"<header>\n<h1>{html.escape(title)}</h1>\n"
        f'<p class="meta">{" · ".join(m if m.startswith("command") else html.escape(m) for m in meta)}</p>\n'
        f'<div class="cards">{"".join(cards)}</div>\n<nav>{nav}</nav>\n</header>'
    )


def _how_to_read(markers: Mapping[str, Sequence[Marker]] | None, unknown: list[str]) -> str:
    text = (
        "Each panel shows one quantity over time for every arm of the virtual trial. Day 0 "
        "is the CAR-T infusion (enrolment in the untreated arm). For laboratory values the "
        "line is the median patient and the shaded bands hold the middle 50 % and 90 % of "
        "patients; for remission (DORIS) the line is the percentage of patients in "
        "remission; for scores (SLEDAI-2K, PGA, CRS grade) the line is the mean. Cell counts "
        "are on a logarithmic scale. Baseline in the tables is day −7, the pre-treatment "
        "visit (lymphodepletion starts on day −5)."
    )
    if markers:
        text += (" Black lines, shaded windows and diamonds mark published values and the "
                 "acceptance windows of the calibration targets (labelled [target_id]); each "
                 "one's source is listed under 'Sources of marked values'.")
    if unknown:
        text += f" (Markers for variables not in this report were skipped: {', '.join(unknown)}.)"
    return f'<p class="note">{html.escape(text)}</p>'


def _calibration(calibration: pd.DataFrame) -> str:
    verdicts = [_truthy(v) for v in calibration["passed"]]
    shown = calibration.copy()
    shown["passed"] = ["passed" if ok else "failed" for ok in verdicts]
    shown = shown.rename(
        columns={
            "target_id": "Target",
            "observed": "Published",
            "acceptance": "Acceptance",
            "model_value": "Model",
            "passed": "Result",
        }
    )
    table = _table(shown, row_classes=["pass" if ok else "fail" for ok in verdicts])
    table = table.replace("<td>passed</td>", '<td class="verdict-pass">✓ passed</td>').replace(
        "<td>failed</td>", '<td class="verdict-fail">✗ failed</td>'
    )
    n_pass = sum(verdicts)
    return f"<p>{n_pass} of {len(verdicts)} calibration targets met.</p>\n{table}"


def _figures_html(figures: list[RenderedFigure]) -> str:
    if not figures:
        return '<p class="note">No time courses in this run.</p>'
    out = []
    for group in GROUPS:
        members = [f for f in figures if f.group == group]
        if not members:
            continue
        out.append(f'<h3>{html.escape(group)}</h3>\n<div class="grid">')
        for fig in members:
            data = base64.b64encode(fig.png).decode("ascii")
            out.append(
                f'<figure id="fig-{html.escape(fig.key)}"><img alt="{html.escape(fig.title)}" '
                f'src="data:image/png;base64,{data}">'
                f"<figcaption>{html.escape(fig.caption)}</figcaption></figure>"
            )
        out.append("</div>")
    return "\n".join(out)


def _patients(patients: pd.DataFrame | PatientColumns) -> str:
    if patients.empty:
        return '<p class="note">No patient table.</p>'
    parts = ["<h3>Summary per arm</h3>", _table(patient_summary_table(patients))]
    head = patients.head(PATIENT_ROWS_SHOWN)
    parts.append(
        _details(
            f"First {len(head)} of {len(patients):,} patients",
            _table(head),
        )
    )
    return "\n".join(parts)


def _sources(markers: Mapping[str, Sequence[Marker]] | None) -> str:
    items: dict[str, list[str]] = {}
    for variable, marks in (markers or {}).items():
        for mark in marks:
            label = (
                f"{VARIABLES[variable].label if variable in VARIABLES else variable}: {mark.label}"
            )
            items.setdefault(mark.source or "Source not given", []).append(label)
    if not items:
        return '<p class="note">No published values were marked.</p>'
    return (
        "<ul>"
        + "".join(
            f"<li><b>{html.escape(src)}</b>: {html.escape('; '.join(labels))}</li>"
            for src, labels in items.items()
        )
        + "</ul>"
    )
