"""Run a virtual trial: simulate every arm over its patients, score the endpoints, analyse,
replicate; :class:`TrialResult` renders itself and writes the output folder.

Layers: :func:`run_trial` (spec or TOML path → :class:`TrialResult`) →
:func:`simulate_trial` (one trial's per-patient table for a parameter set and seed) →
:func:`~immunoreset.trial.patient_outcomes` (one arm's outcomes).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import html
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from immunoreset.clinical import BILAG_COLUMNS, RENAL_DEFINITIONS, score_visits
from immunoreset.diseases import visit_table
from immunoreset.io import RunDirectory, build_manifest, write_csv, write_manifest, write_table
from immunoreset.model import ParameterSet, build_model, load_parameters
from immunoreset.population import Cohort, check_inclusion_satisfiable, sample_cohort
from immunoreset.simulation import ArmResult, simulate_arm
from immunoreset.trial._analysis import (
    difference_table,
    endpoint_table,
    kaplan_meier_curves,
)
from immunoreset.trial._dose_response import dose_response_table
from immunoreset.trial._endpoints import FAILED, endpoint, patient_outcomes
from immunoreset.trial._mechanism import mechanism_curves, mechanism_readouts
from immunoreset.trial._replicates import (
    criterion_value,
    load_posterior,
    probability_of_success,
    replicate_parameters,
    replicate_seed,
)
from immunoreset.trial._spec import TrialSpec, load_trial_spec
from immunoreset.trial._survival import KaplanMeier

__all__ = ["TrialResult", "run_trial", "simulate_trial"]

#: Patients simulated per chunk (memory flat in N).
CHUNK_SIZE = 250
#: First simulated day (the baseline visit), days before infusion.
BASELINE_DAY = -7


def _days(spec: TrialSpec) -> np.ndarray:
    """Simulated days: from the baseline visit ``schedule.first_day`` (before every dose;
    checked by the spec) to the end of follow-up."""
    return np.arange(spec.schedule.first_day, spec.schedule.follow_up_days + 1, dtype=np.float64)


def _visit_scores(result: ArmResult, cohort: Cohort, visits: tuple[int, ...],
                  ) -> dict[str, np.ndarray]:
    """LLDAS and SRI-4 on the visit schedule (baseline + visits), ``(n, len(visits))``."""
    n = len(cohort)
    out = {k: np.zeros((n, len(visits))) for k in ("lldas", "sri4")}
    idx = np.flatnonzero(result.ok)
    if idx.size == 0:
        return out
    js = [0] + [int(np.searchsorted(result.days, d)) for d in visits]
    obs = {k: v[idx][:, js] for k, v in result.values.items()}
    table = visit_table(obs, cohort.params[idx], cohort.thresholds[idx],
                        cohort.y0[idx, cohort.model.state_index["inflammation"]], result.regimen,
                        [cohort.patient_id[i] for i in idx], result.days[js], model=cohort.model)
    for c in BILAG_COLUMNS:  # BILAG-2004 is not modelled: every domain "E" (see endpoints)
        table[c] = "E"
    scored = score_visits(table, instruments=["lldas", "sri4"])
    for k in out:
        values = scored[k].astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
        out[k][idx] = values.reshape(idx.size, len(js))[:, 1:]
    return out


def _cohorts(spec: TrialSpec, parameters: ParameterSet, seed: int, n: int,
             ) -> list[dict[str, Cohort]]:
    """Per chunk, the cohort of each arm (one shared cohort when paired), of the SLE model
    with the spec's ``[model]`` modules composed after it."""
    model_spec, parameters = spec.study_model(parameters)
    model = build_model(model_spec)
    chunks = []
    cs = spec.population.cohort
    for start in range(0, n, CHUNK_SIZE):
        size = min(CHUNK_SIZE, n - start)
        if spec.paired:
            c = sample_cohort(size, parameters, seed=seed, spec=cs, first_index=start,
                              model=model)
            chunks.append(dict.fromkeys(spec.arm_names, c))
        else:
            chunks.append({a: sample_cohort(size, parameters, seed=seed, spec=cs,
                                            first_index=k * n + start, model=model)
                           for k, a in enumerate(spec.arm_names)})
    return chunks


def simulate_trial(spec: TrialSpec, parameters: ParameterSet, *, seed: int, n_per_arm: int,
                   bar: Any = None, mechanism: list[pd.DataFrame] | None = None) -> pd.DataFrame:
    """The per-patient table of one trial: every arm over its ``n_per_arm`` patients drawn
    from ``seed`` under ``parameters`` (one row per arm and patient), with the mechanism
    read-outs (:func:`~immunoreset.trial.mechanism_readouts`) as ``why_*`` columns.

    ``mechanism``: when given, each arm's median curves of its first chunk of patients
    (:data:`CHUNK_SIZE`; :func:`~immunoreset.trial.mechanism_curves`) are appended to it."""
    days = _days(spec)
    frames = []
    for chunk, cohorts in enumerate(_cohorts(spec, parameters, seed, n_per_arm)):
        for arm in spec.arms:
            cohort = cohorts[arm.name]
            res = simulate_arm(cohort, arm.regimen, arm=arm.name, days=days, settings=spec.solver)
            scores = None
            if {"lldas", "sri4"} & set(spec.endpoints):
                scores = _visit_scores(res, cohort, spec.schedule.visits)
            y0, s = cohort.y0, cohort.model.state_index
            baseline = {"anti_dsdna": y0[:, s["anti_dsdna"]], "c3": y0[:, s["c3"]],
                        "proteinuria": y0[:, s["proteinuria"]]}
            out = patient_outcomes(res, visits=spec.schedule.visits,
                                   follow_up_days=spec.schedule.follow_up_days,
                                   baseline=baseline, visit_scores=scores, endpoints=spec.endpoints,
                                   renal=spec.renal_definition)
            cov = pd.DataFrame({"patient_id": list(cohort.patient_id), "sex": list(cohort.sex),
                                "age": cohort.age, "weight_kg": cohort.weight_kg,
                                "baseline_sledai_2k": res.values["sledai_2k"][:, 0],
                                "baseline_anti_dsdna": baseline["anti_dsdna"],
                                "baseline_c3": baseline["c3"],
                                "baseline_proteinuria": y0[:, s["proteinuria"]]})
            why = mechanism_readouts(res.values, days).add_prefix("why_")
            why.insert(0, "patient_id", list(cohort.patient_id))
            if mechanism is not None and chunk == 0:
                mechanism.append(mechanism_curves(res.values, days, arm.name, ok=res.ok))
            frames.append(out.merge(cov, on="patient_id", how="left").merge(
                why, on="patient_id", how="left"))
            if bar is not None:
                bar.update(len(cohort))
    patients = pd.concat(frames, ignore_index=True)
    lead = ["arm", "patient_id", "solver_status", FAILED.name, "sex", "age", "weight_kg",
            "baseline_sledai_2k", "baseline_anti_dsdna", "baseline_c3", "baseline_proteinuria"]
    return patients.loc[:, lead + [c for c in patients.columns if c not in lead]]


def _parameters(spec: TrialSpec) -> ParameterSet:
    p = load_parameters(spec.parameter_file)
    if spec.parameter_values:
        p = p.with_values(dict(spec.parameter_values), source=f"trial spec {spec.name}")
    return p


@dataclass(frozen=True)
class TrialResult:
    """The result of :func:`run_trial`: tables, Kaplan–Meier fits, replicates, provenance.

    ``patients``: one row per arm and patient (outcome columns as in
    :func:`~immunoreset.trial.patient_outcomes`); ``endpoints`` and ``differences``: the
    ``endpoints.csv`` / ``differences.csv`` tables; ``curves``: Kaplan–Meier fit per
    ``(endpoint, arm)``; ``dose_response``: the dose-grid rows; ``replicates``: one row per
    replicate and criterion; ``success``: probability of success per criterion;
    ``mechanism``: per-arm median curves of the mechanism read-outs relative to baseline
    (``mechanism.csv``; :func:`~immunoreset.trial.mechanism_curves`).
    """

    spec: TrialSpec
    patients: pd.DataFrame
    endpoints: pd.DataFrame
    differences: pd.DataFrame
    curves: Mapping[tuple[str, str], KaplanMeier]
    dose_response: pd.DataFrame
    replicates: pd.DataFrame
    success: pd.DataFrame
    manifest: Mapping[str, Any] = field(default_factory=dict)
    mechanism: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __repr__(self) -> str:
        n = self.patients.groupby("arm", observed=True).size().to_dict()
        return (f"TrialResult({self.spec.name!r}, seed={self.spec.seed}, arms={n}, "
                f"endpoints={len(self.endpoints)} rows, replicates={self.spec.replicates.n})")

    def estimate(self, arm: str, endpoint: str, visit_day: int | None = None) -> pd.Series:
        """The endpoint row of ``arm`` (estimate, ci_low, ci_high, n)."""
        t = self.endpoints
        sel = (t["arm"] == arm) & (t["endpoint"] == endpoint)
        sel &= t["visit_day"].isna() if visit_day is None else (t["visit_day"] == visit_day)
        rows = t[sel.fillna(False)]
        if rows.empty:
            raise KeyError(f"no row for arm {arm!r}, endpoint {endpoint!r}, visit {visit_day!r}")
        return rows.iloc[0]

    def summary(self) -> pd.DataFrame:
        """The endpoint table as numbers: one row per endpoint and visit (index
        ``endpoint, visit``, readable labels), columns ``(arm, statistic)`` with statistic
        ``estimate, ci_low, ci_high, n``; proportions as fractions (0-1), medians in days,
        means in the endpoint's unit. :meth:`summary_text` formats the same table."""
        from immunoreset.trial._report import row_label

        stats = ("estimate", "ci_low", "ci_high", "n")
        rows: dict[tuple[str, str], dict[tuple[str, str], float]] = {}
        for r in self.endpoints.itertuples(index=False):
            key = row_label(str(r.endpoint), r.visit_day)
            cells = rows.setdefault(key, {})
            for stat in stats:
                cells[(str(r.arm), stat)] = float(getattr(r, stat))
        out = pd.DataFrame.from_dict(rows, orient="index").astype(float)
        out.index = pd.MultiIndex.from_tuples(list(rows), names=["endpoint", "visit"])
        columns = [(a, st) for a in self.spec.arm_names for st in stats if (a, st) in out.columns]
        out = out.loc[:, columns]
        out.columns = pd.MultiIndex.from_tuples(columns, names=["arm", "statistic"])
        return out

    def summary_text(self) -> pd.DataFrame:
        """The endpoint table for reading: one row per endpoint and visit, one column per
        arm, cells ``estimate (ci_low–ci_high) n=N``; proportions in %, medians in days."""
        from immunoreset.trial._report import format_cell, row_label

        t = self.endpoints
        rows: dict[tuple[str, str], dict[str, str]] = {}
        for r in t.itertuples(index=False):
            key = row_label(str(r.endpoint), r.visit_day)
            rows.setdefault(key, {})[str(r.arm)] = format_cell(str(r.endpoint), r.estimate,
                                                                r.ci_low, r.ci_high, int(r.n))
        out = pd.DataFrame.from_dict(rows, orient="index")
        out.index = pd.MultiIndex.from_tuples(list(rows), names=["endpoint", "visit"])
        return out.loc[:, [a for a in self.spec.arm_names if a in out.columns]]

    def to_markdown(self) -> str:
        """Header and the :meth:`summary_text` as a Markdown table."""
        s = self.summary_text()
        head = ["endpoint", "visit", *s.columns]
        lines = [f"# {self.spec.title}", "",
                 f"seed {self.spec.seed}; {self.spec.population.n_per_arm} patients per arm; "
                 f"{'paired' if self.spec.paired else 'unpaired'} arms; "
                 f"{self.spec.interval.replace('_', '-')} {self.spec.confidence:.0%} intervals", "",
                 "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for (ep, visit), row in s.iterrows():
            lines.append("| " + " | ".join([ep, visit, *[str(v) for v in row]]) + " |")
        return "\n".join(lines) + "\n"

    def to_html(self) -> str:
        """The self-contained HTML report (endpoint table, Kaplan–Meier plots, forest plot,
        dose–response curves, replicates, manifest)."""
        from immunoreset.trial._report import render_report

        return render_report(self)

    def _repr_html_(self) -> str:
        return self.summary_text().to_html(escape=True) + f"<p>{html.escape(repr(self))}</p>"

    def write(self, out: str | Path | RunDirectory, *, command: str | None = None) -> Path:
        """Write ``endpoints.csv``, ``differences.csv``, ``patients.parquet``,
        ``km_curves.csv``, ``dose_response.csv`` (dose grids), ``mechanism.csv`` (the
        per-arm median curves of the mechanism read-outs), ``replicates.csv`` and
        ``success.csv`` (replicates), ``report.html`` and ``manifest.json`` into ``out``
        (atomically; ``out`` must not exist or be empty). ``out`` may be a
        :class:`~immunoreset.io.RunDirectory` already open (its owner commits it)."""
        run_dir = out if isinstance(out, RunDirectory) else RunDirectory(out)
        own = not isinstance(out, RunDirectory)
        if own:
            run_dir.check()
        manifest = dict(self.manifest)
        if command is not None:
            manifest["command"] = command
        result = TrialResult(**{**self.__dict__, "manifest": manifest})
        with run_dir if own else contextlib.nullcontext(run_dir):
            write_csv(self.endpoints, run_dir.path("endpoints.csv"))
            write_csv(self.differences, run_dir.path("differences.csv"))
            write_table(self.patients, run_dir.path("patients.parquet"))
            write_csv(km_curve_table(self.curves), run_dir.path("km_curves.csv"))
            if not self.dose_response.empty:
                write_csv(self.dose_response, run_dir.path("dose_response.csv"))
            if not self.mechanism.empty:
                write_csv(self.mechanism, run_dir.path("mechanism.csv"))
            if self.spec.replicates.n:
                write_csv(self.replicates, run_dir.path("replicates.csv"))
                write_csv(self.success, run_dir.path("success.csv"))
            run_dir.path("report.html").write_text(result.to_html(), encoding="utf-8")
            write_manifest(manifest, run_dir.path("manifest.json"))
        return run_dir.out


def km_curve_table(curves: Mapping[tuple[str, str], KaplanMeier]) -> pd.DataFrame:
    """Kaplan–Meier curves in long format: ``endpoint, arm, time, survival, ci_low,
    ci_high, at_risk``."""
    frames = [km.curve.assign(endpoint=ep, arm=arm) for (ep, arm), km in curves.items()]
    cols = ["endpoint", "arm", "time", "survival", "ci_low", "ci_high", "at_risk"]
    if not frames:
        return pd.DataFrame(columns=cols)
    return pd.concat(frames, ignore_index=True).loc[:, cols]


class _Progress:
    """A tqdm bar that also tells ``on_progress(done, total)`` (arm-patients) of each update."""

    def __init__(self, bar: Any, total: int, on_progress: Callable[[int, int], None] | None) -> None:
        self._bar, self._total, self._on, self._done = bar, total, on_progress, 0

    def update(self, n: int) -> None:
        self._bar.update(n)
        self._done += n
        if self._on is not None:
            self._on(self._done, self._total)

    def close(self) -> None:
        self._bar.close()


def run_trial(spec: TrialSpec | str | Path, *, progress: bool = True,
              on_progress: Callable[[int, int], None] | None = None) -> TrialResult:
    """Run the virtual trial ``spec`` (a :class:`TrialSpec` or the path of its TOML file).

    Simulates every arm over ``spec.population.n_per_arm`` virtual patients (the same
    patients and flare draws in every arm when ``spec.paired``) with the calibrated
    parameters, computes the endpoints, their intervals, the differences to the reference
    arm and the Kaplan–Meier curves; then ``spec.replicates.n`` replicate trials, each with
    population-level parameters drawn from the calibration posterior, giving the probability
    of success of each criterion. Bad specs raise
    :class:`~immunoreset.errors.InputError` before anything is simulated.

    ``progress`` draws a bar on a terminal; ``on_progress(done, total)`` is called with the
    arm-patients solved so far and in all (replicates included) after every chunk of each
    arm (a web page's progress bar; an exception it raises stops the run).
    """
    if not isinstance(spec, TrialSpec):
        spec = load_trial_spec(spec)
    t0 = time.perf_counter()
    parameters = _parameters(spec)
    model_spec, extended = spec.study_model(parameters)
    check_inclusion_satisfiable(extended, spec.population.cohort, seed=spec.seed,
                                model=build_model(model_spec))
    n = spec.population.n_per_arm
    n_rep = spec.replicates.n_per_arm or n
    total = len(spec.arms) * (n + spec.replicates.n * n_rep)
    bar = _Progress(tqdm(total=total, unit="arm-patient", desc=f"trial {spec.name}",
                         disable=not (progress and sys.stderr.isatty())), total, on_progress)
    curves_rows: list[pd.DataFrame] = []
    patients = simulate_trial(spec, parameters, seed=spec.seed, n_per_arm=n, bar=bar,
                              mechanism=curves_rows)
    mechanism = pd.concat(curves_rows, ignore_index=True) if curves_rows else pd.DataFrame()
    t_sim = time.perf_counter() - t0
    curves = kaplan_meier_curves(patients, spec)
    endpoints = endpoint_table(patients, spec, curves)
    differences = difference_table(patients, spec)
    rep_rows: list[dict[str, Any]] = []
    if spec.replicates.n:
        posterior = load_posterior(parameters)
        rng = np.random.default_rng(np.random.SeedSequence([spec.seed, 424242]))
        for r in range(1, spec.replicates.n + 1):
            i, p_r = replicate_parameters(parameters, posterior, rng)
            if spec.parameter_values:  # the spec's own overrides win over the posterior
                p_r = p_r.with_values(dict(spec.parameter_values))
            pt = simulate_trial(spec, p_r, seed=replicate_seed(spec.seed, r), n_per_arm=n_rep, bar=bar)
            ep_r = endpoint_table(pt, spec, {})
            diff_r = difference_table(pt, spec)
            for c in spec.replicates.success:
                v = criterion_value(c, ep_r, diff_r)
                rep_rows.append(dict(replicate=r, posterior_sample=i, criterion=c.label,
                                     value=v, met=c.met(v)))
    bar.close()
    replicates = pd.DataFrame(rep_rows, columns=["replicate", "posterior_sample", "criterion",
                                                 "value", "met"])
    success = probability_of_success(replicates, spec)
    timings = {"simulate_s": t_sim, "total_s": time.perf_counter() - t0}
    failed = patients.groupby("arm", observed=True)[FAILED.name].sum().astype(int).to_dict()
    manifest = build_manifest(
        command=f"immunoreset.run_trial({spec.source or spec.name!r})", seed=spec.seed,
        config=_config(spec), solver_settings=asdict(spec.solver), timings=timings,
        extra={"trial": spec.name, "n_per_arm": n, "paired": spec.paired,
               "reference_arm": spec.reference, "n_failed_by_arm": failed,
               "parameter_set": parameters.name,
               "parameter_overrides": dict(spec.parameter_values),
               "replicates": spec.replicates.n, "replicate_n_per_arm": n_rep,
               "uncertainty_source": "immunoreset/calibration/data/posterior_samples.csv "
                                     "(accepted ABC samples)" if spec.replicates.n else None,
               "date": _dt.date.today().isoformat()})
    return TrialResult(spec, patients, endpoints, differences, curves,
                       dose_response_table(endpoints, spec), replicates, success, manifest,
                       mechanism)


def _config(spec: TrialSpec) -> dict[str, Any]:
    """The validated spec as plain data for the manifest."""
    return {
        "name": spec.name, "title": spec.title, "seed": spec.seed, "source": spec.source,
        "paired": spec.paired, "reference_arm": spec.reference, "interval": spec.interval,
        "confidence": spec.confidence, "n_per_arm": spec.population.n_per_arm,
        "cohort": asdict(spec.population.cohort), "population": spec.population.name,
        "schedule": asdict(spec.schedule),
        "endpoints": list(spec.endpoints),
        "renal_definition": spec.renal_definition,
        "arms": [{"name": a.name, "label": a.label, "family": a.family, "therapy": a.describe(),
                  "regimen": asdict(a.regimen)} for a in spec.arms],
        "replicates": asdict(spec.replicates),
        "parameter_values": dict(spec.parameter_values),
        "endpoint_definitions": {e: endpoint(e).definition for e in spec.endpoints},
        "renal_definition_text": RENAL_DEFINITIONS[spec.renal_definition].describe(),
    }
