"""What the worker runs: the patient view and the trial view, each into its run folder.

Both validate their document again (the same checks the server ran before queueing), run
the library — :func:`~immunoreset.population.similar_patients` and
:func:`~immunoreset.simulation.simulate_arm` for a patient,
:func:`~immunoreset.trial.run_trial` for a trial — and write every file through one
:class:`~immunoreset.io.RunDirectory`, with ``view.json`` (what the result page shows)
last but the manifest.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import tomli_w

from immunoreset.web._jobs import Progress

__all__ = ["MAIN_PANELS", "VIEW_FILE", "patient_visit_table", "run_job", "run_patient",
           "run_trial_view"]

#: The file of a run folder that the result page reads.
VIEW_FILE = "view.json"
#: Panels of the patient view, in order (keys of the report's figures; the first present
#: of each group is shown).
MAIN_PANELS: tuple[tuple[str, ...], ...] = (
    ("car_t_blood_early", "car_t_blood"), ("b_cells_blood",), ("anti_dsdna",), ("c3",),
    ("proteinuria_g_per_day",), ("sledai_2k",), ("doris",), ("crs_grade_early", "crs_grade"),
)
#: Variables of the visit read-out table.
VISIT_VARIABLES: tuple[str, ...] = ("sledai_2k", "doris", "drug_free_doris", "anti_dsdna", "c3",
                                    "proteinuria_g_per_day", "b_cells_blood", "car_t_blood")
#: CRS grades whose risk the patient view gives (ASTCT grades ≥ 1, ≥ 2, ≥ 3).
CRS_GRADES: tuple[int, ...] = (1, 2, 3)


def run_job(kind: str, document: dict[str, Any], folder: Path, progress: Progress) -> None:
    """Run one job of the web app (``kind``: ``patient`` or ``trial``) into ``folder``."""
    if kind == "patient":
        run_patient(document, folder, progress)
    elif kind == "trial":
        run_trial_view(document, folder, progress)
    else:
        raise ValueError(f"unknown job kind {kind!r}")


def _table(df: pd.DataFrame) -> dict[str, Any]:
    """A DataFrame as ``{"columns": [...], "rows": [[...], ...]}`` of display strings."""
    def cell(v: Any) -> str:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return ""
        return str(v)
    return {"columns": [str(c) for c in df.columns],
            "rows": [[cell(v) for v in row] for row in df.itertuples(index=False)]}


def _number(x: float) -> str:
    if not math.isfinite(x):
        return "–"
    return f"{x:.3g}" if abs(x) < 1e4 else f"{x:,.0f}"


def _png(fig: Any, path: Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    fig.savefig(path, format="png", dpi=110)


# -- the trial view -------------------------------------------------------------------------------

_TRIAL_FILES = (("report.html", "the trial report (self-contained HTML)"),
                ("endpoints.csv", "every endpoint per arm and visit, with its interval"),
                ("differences.csv", "differences to the reference arm"),
                ("km_curves.csv", "Kaplan–Meier curves"),
                ("dose_response.csv", "dose–response rows (dose grids)"),
                ("replicates.csv", "replicate trials"), ("success.csv", "probability of success"),
                ("patients.parquet", "one row per arm and patient"),
                ("spec.toml", "the spec, for `immunoreset trial spec.toml --out DIR`"),
                ("manifest.json", "seed, versions, spec and timings"))


def run_trial_view(document: dict[str, Any], folder: Path, progress: Progress) -> None:
    """Run the trial of ``document`` into ``folder``: the files of ``immunoreset trial``,
    the spec as ``spec.toml``, the forest and Kaplan–Meier plots as PNG and ``view.json``."""
    from immunoreset.io import RunDirectory
    from immunoreset.trial import (
        forest_caption,
        forest_figure,
        kaplan_meier_caption,
        kaplan_meier_figure,
        run_trial,
    )
    from immunoreset.web._requests import check_trial_document

    spec, notes = check_trial_document(document)
    command = "immunoreset serve (trial view); spec.toml runs the same with immunoreset trial"
    run_dir = RunDirectory(folder, command=command)
    run_dir.check()
    progress(0, 1, "checking that the inclusion criteria can be met")

    def simulated(done: int, total: int) -> None:
        progress(done, total, f"simulated {done:,} of {total:,} arm-patients")

    result = run_trial(spec, progress=False, on_progress=simulated)
    progress(1, 1, "writing the report and plots")
    with run_dir:
        result.write(run_dir, command=command)
        run_dir.path("spec.toml").write_text(tomli_w.dumps(document), encoding="utf-8")
        figures = []
        fig = forest_figure(result)
        if fig is not None:
            _png(fig, run_dir.path("figures/forest.png"))
            figures.append({"file": "figures/forest.png", "title": "Forest plot",
                            "caption": forest_caption(result), "kind": "forest"})
        for name in spec.endpoints:
            fig = kaplan_meier_figure(result, name)
            if fig is None:
                continue
            _png(fig, run_dir.path(f"figures/km_{name}.png"))
            figures.append({"file": f"figures/km_{name}.png", "title": f"Kaplan–Meier: {name}",
                            "caption": kaplan_meier_caption(name), "kind": "kaplan_meier"})
        summary = result.summary_text().reset_index()
        summary.columns = ["endpoint", "visit", *[spec.arm(a).label for a in summary.columns[2:]]]
        present = {p.name for p in run_dir.work.iterdir()}
        view = {"kind": "trial", "title": spec.title, "notes": notes,
                "meta": (f"seed {spec.seed} · {spec.population.n_per_arm} virtual patients per "
                         f"arm · {'paired' if spec.paired else 'unpaired'} arms · reference arm "
                         f"{spec.arm(spec.reference).label} · "
                         f"{spec.interval.replace('_', '–')} {spec.confidence:.0%} intervals"),
                "endpoints": _table(summary), "figures": figures,
                "downloads": [{"file": f, "what": w} for f, w in _TRIAL_FILES if f in present]}
        view["downloads"] += [{"file": f["file"], "what": f["title"]} for f in figures]
        run_dir.path(VIEW_FILE).write_text(json.dumps(view, ensure_ascii=False), encoding="utf-8")


# -- the patient view -----------------------------------------------------------------------------

_PATIENT_FILES = (("report.html", "the report of the matched virtual patients (self-contained "
                                  "HTML)"),
                  ("time_courses.csv", "per variable, arm and day: median, quartiles, 5th and "
                                       "95th percentiles over the matched patients"),
                  ("visits.csv", "every matched patient's values at the visits"),
                  ("patients.csv", "per matched patient and arm: baseline, distance, read-outs"),
                  ("matching.csv", "the patient's read-outs against the matched patients"),
                  ("request.toml", "the request as validated"),
                  ("manifest.json", "seed, versions, request and timings"))


def patient_visit_table(summary: pd.DataFrame, visits: Sequence[int],
                        arms: Sequence[str], labels: Mapping[str, str]) -> pd.DataFrame:
    """The clinical read-outs at ``visits``: one row per variable and arm, one column per
    visit; continuous values as ``median (25th–75th percentile)``, scores as ``mean
    (25th–75th)``, 0/1 read-outs (DORIS) as the percentage of patients."""
    from immunoreset.report import variable_info

    idx = summary.set_index(["variable", "arm", "day"])
    rows = []
    for variable in VISIT_VARIABLES:
        if variable not in set(summary["variable"]):
            continue
        sub = summary[summary["variable"] == variable]
        binary = bool(sub["q05"].isin([0.0, 1.0]).all() and sub["q95"].isin([0.0, 1.0]).all())
        info = variable_info(variable, binary=binary)
        name = f"{info.label} ({info.unit})" if info.unit and info.kind != "binary" else info.label
        for arm in arms:
            row: dict[str, str] = {"read-out": name, "arm": labels.get(arm, arm),
                                   "statistic": {"binary": "% of patients",
                                                 "score": "mean (IQR)"}.get(info.kind,
                                                                            "median (IQR)")}
            for day in visits:
                key = (variable, arm, int(day))
                if key not in idx.index:
                    row[f"day {day}"] = "–"
                    continue
                r = idx.loc[key]
                if info.kind == "binary":
                    row[f"day {day}"] = f"{100 * float(r['mean']):.0f}%"
                else:
                    centre = float(r["mean"] if info.kind == "score" else r["median"])
                    row[f"day {day}"] = (f"{_number(centre)} ({_number(float(r['q25']))}–"
                                         f"{_number(float(r['q75']))})")
            rows.append(row)
    return pd.DataFrame(rows)


def _crs_table(patients: pd.DataFrame, arms: Sequence[str], labels: Mapping[str, str],
               ) -> pd.DataFrame:
    """Risk of CRS of each grade or worse over follow-up, % with the 95% Wilson interval."""
    from immunoreset.trial import wilson

    rows = []
    for g in CRS_GRADES:
        row = {"read-out": f"CRS grade ≥ {g} (ASTCT)"}
        for arm in arms:
            grade = patients.loc[patients["arm"] == arm, "max_crs_grade"].dropna()
            k, n = int((grade >= g).sum()), len(grade)
            low, high = wilson(k, n)
            row[labels.get(arm, arm)] = (f"{100 * k / n:.0f}% ({100 * float(low):.0f}–"
                                         f"{100 * float(high):.0f}) n={n}" if n else "–")
        rows.append(row)
    return pd.DataFrame(rows)


def run_patient(document: dict[str, Any], folder: Path, progress: Progress) -> None:
    """Run the patient view of ``document`` into ``folder``: draw the pool, match, simulate
    the therapy (and the untreated comparator) on the matched patients, and write the
    report, the CSV files, the panels and ``view.json``."""
    from immunoreset.diseases import UNITS
    from immunoreset.io import RunDirectory, build_manifest, write_csv, write_manifest
    from immunoreset.model import default_model, load_parameters
    from immunoreset.population import check_inclusion_satisfiable, sample_cohort, similar_patients
    from immunoreset.report import (
        arm_display,
        key_results_table,
        summarise_time_courses,
        variable_info,
        write_report,
    )
    from immunoreset.simulation import (
        DEFAULT_SOLVER,
        DEFAULT_VISIT_DAYS,
        TRAJECTORY_VARIABLES,
        patient_readouts,
        simulate_arm,
    )
    from immunoreset.therapy import Regimen
    from immunoreset.web._requests import check_patient_document

    t0 = time.perf_counter()
    request = check_patient_document(document)
    command = "immunoreset serve (patient view)"
    run_dir = RunDirectory(folder, command=command)
    run_dir.check()
    m = request.matching
    profile = request.patient.build()
    cohort_spec = request.population.build()
    parameters = load_parameters()
    model = default_model()
    built = request.therapy.build()[0]
    arms: dict[str, Regimen] = {built.name: built.regimen}
    labels = {built.name: built.label}
    if request.compare_untreated:
        arms["untreated"] = Regimen.refractory_background()
        labels["untreated"] = "Untreated (refractory standard of care)"
    units_total = m.pool + m.similar * len(arms)
    progress(0, units_total, f"drawing {m.pool:,} virtual patients to match from")
    check_inclusion_satisfiable(parameters, cohort_spec, seed=m.seed, model=model)
    pool = sample_cohort(m.pool, parameters, seed=m.seed, spec=cohort_spec, model=model)
    similar = similar_patients(pool, profile, k=m.similar)
    progress(m.pool, units_total, f"matched {m.similar} of {m.pool:,} virtual patients")
    schedule = request.schedule
    days = np.arange(schedule.first_day, schedule.follow_up_days + 1, dtype=np.float64)
    visits = tuple(schedule.visits if schedule.visits is not None else
                   [d for d in DEFAULT_VISIT_DAYS
                    if schedule.first_day <= d <= schedule.follow_up_days])
    cohort = similar.cohort
    frames, rows = [], []
    readouts = similar.pool.iloc[similar.rows].reset_index(drop=True)
    covariates = pd.DataFrame({"patient_id": list(cohort.patient_id), "sex": list(cohort.sex),
                               "age": cohort.age, "weight_kg": cohort.weight_kg,
                               "height_cm": cohort.height_cm, "distance": similar.distance,
                               **{f"baseline_{c}": readouts[c] for c in
                                  ("sledai_2k", "anti_dsdna", "c3", "proteinuria",
                                   "b_cells_blood")}})
    done = m.pool
    for arm, regimen in arms.items():
        res = simulate_arm(cohort, regimen, arm=arm, days=days, settings=DEFAULT_SOLVER)
        done += len(cohort)
        progress(done, units_total, f"simulated {labels[arm]}")
        rows.append(covariates.merge(patient_readouts(res), on="patient_id"))
        n, d = len(cohort), days.size
        for v in TRAJECTORY_VARIABLES:
            frames.append(pd.DataFrame({
                "patient_id": np.repeat(np.array(cohort.patient_id, dtype=object), d),
                "arm": arm, "day": np.tile(days.astype(np.int64), n), "variable": v,
                "value": res.values[v].reshape(-1), "unit": UNITS[v]}))
    trajectories = pd.concat(frames, ignore_index=True)
    patients = pd.concat(rows, ignore_index=True)
    progress(done, units_total, "writing the report")
    summary = summarise_time_courses(trajectories)
    order = list(arms)
    manifest = build_manifest(
        command=command, seed=m.seed, config=request.model_dump(mode="json"),
        solver_settings=asdict(DEFAULT_SOLVER),
        timings={"total_s": time.perf_counter() - t0},
        extra={"parameter_set": parameters.name, "pool": m.pool, "similar": m.similar,
               "distance_min": float(similar.distance.min()),
               "distance_max": float(similar.distance.max()),
               "matching_notes": list(similar.notes),
               "matched_pool_indices": similar.rows.tolist()})
    with run_dir:
        write_csv(summary, run_dir.path("time_courses.csv"))
        write_csv(trajectories[trajectories["day"].isin(visits)], run_dir.path("visits.csv"))
        write_csv(patients, run_dir.path("patients.csv"))
        comparison = similar.comparison()
        write_csv(comparison, run_dir.path("matching.csv"))
        run_dir.path("request.toml").write_text(
            tomli_w.dumps(request.model_dump(mode="json", exclude_none=True)), encoding="utf-8")
        write_report(run_dir.path("report.html"),
                     title=f"Patient view: {labels[built.name]} in {m.similar} matched virtual "
                           "patients",
                     trajectories=trajectories, patients=patients, calibration=None,
                     manifest=manifest, figures_dir=run_dir.path("figures"),
                     arm_order=order, arm_labels=labels)
        keys = {p.stem for p in run_dir.path("figures").glob("*.png")}
        figures = []
        for group in MAIN_PANELS:
            key = next((k for k in group if k in keys), None)
            if key is not None:
                base = key.removesuffix("_early")
                info = variable_info(base)
                title = info.label + (": the first weeks" if key != base else "")
                figures.append({"file": f"figures/{key}.png", "title": title,
                                "caption": info.description, "kind": "time_course"})
        with arm_display(order, labels):
            key_results = key_results_table(summary, trajectories, patients)
        match = comparison.assign(
            observed=[_number(x) if math.isfinite(x) else "not given" for x in comparison["observed"]],
            matched=[f"{_number(a)} ({_number(b)}–{_number(c)})" for a, b, c in
                     zip(comparison["matched_median"], comparison["matched_min"],
                         comparison["matched_max"], strict=True)],
            pool=[_number(x) for x in comparison["pool_median"]],
        ).loc[:, ["readout", "unit", "observed", "matched", "pool"]]
        match.columns = ["read-out", "unit", "your patient", "matched: median (range)",
                         "pool: median"]
        view = {"kind": "patient", "title": f"{labels[built.name]}: {m.similar} virtual patients "
                                             "like yours",
                "meta": (f"{m.similar} nearest of {m.pool:,} plausible virtual patients (seed "
                         f"{m.seed}); distance {similar.distance.min():.2f}–"
                         f"{similar.distance.max():.2f} (0 = the same baseline read-outs, 1 = one "
                         "pool standard deviation away on average); follow-up to day "
                         f"{schedule.follow_up_days}"),
                "notes": list(similar.notes), "matching": _table(match),
                "key_results": _table(key_results),
                "crs": _table(_crs_table(patients, order, labels)),
                "visits": _table(patient_visit_table(summary, visits, order, labels)),
                "figures": figures}
        present = {p.name for p in run_dir.work.iterdir()}
        view["downloads"] = [{"file": f, "what": w} for f, w in _PATIENT_FILES if f in present]
        run_dir.path(VIEW_FILE).write_text(json.dumps(view, ensure_ascii=False), encoding="utf-8")
        write_manifest(manifest, run_dir.path("manifest.json"))
