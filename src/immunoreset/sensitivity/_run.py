"""Global sensitivity of simulated endpoints: design → virtual patients → endpoints → indices.

Each sample of the design is one virtual patient: the study's typical patient (the organ
profile and body size of ``erlangen_P1``, no flare triggers, so that only the sampled
parameters vary) with the sampled parameter values, its own pre-treatment steady state,
and the arm's regimen, solved by the batched engine. A sample without a steady state or
whose solve fails is recorded (``samples.parquet``, the report's failure count) and its
endpoint replaced by the mean of the others, so the estimators keep their design.

Outputs of :func:`run_sensitivity`: ``indices.csv`` (endpoint, parameter, index, value,
95% interval), ``samples.parquet`` (design, status and endpoints), ``report.html``
(bar charts with intervals), ``manifest.json``.
"""

from __future__ import annotations

import base64
import html
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pandas as pd

from immunoreset.errors import InputError
from immunoreset.sensitivity._indices import morris_screening, sample, sobol_indices
from immunoreset.sensitivity._spec import SensitivitySpec

__all__ = ["CHUNK", "evaluate_endpoints", "run_sensitivity"]

#: Virtual patients solved per batch.
CHUNK = 256


def _base_cohort(study: object, seed: int):  # type: ignore[no-untyped-def]
    from immunoreset.model import build_model
    from immunoreset.population import erlangen_patients

    model = build_model(study.model)  # type: ignore[attr-defined]
    return erlangen_patients(study.parameters, seed=seed, model=model).subset([0]), model  # type: ignore[attr-defined]


def _split(endpoint: str) -> tuple[str, float | None]:
    name, sep, day = endpoint.partition("@")
    if not sep:
        return endpoint, None
    try:
        return name, float(day)
    except ValueError:
        raise InputError(f"sensitivity.endpoints: got {endpoint!r}, expected OBSERVABLE@DAY with "
                         "a number after @") from None


def evaluate_endpoints(spec: SensitivitySpec, x: np.ndarray, *, progress: bool = False,
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Endpoints ``(n_samples, n_endpoints)`` and per-sample status names for the design
    ``x`` ``(n_samples, d)`` (NaN where a sample failed)."""
    from tqdm import tqdm

    from immunoreset.model import equilibrium
    from immunoreset.population import Cohort
    from immunoreset.simulation import (
        load_study_config,
        patient_readouts,
        simulate_arm,
        status_names,
    )

    study, _, _ = load_study_config(spec.study, n=1)
    base, model = _base_cohort(study, spec.seed)
    regimen = study.arms[spec.arm]
    days = study.days
    cols = [model.parameter_index[p.name] for p in spec.parameters]
    parts = [_split(e) for e in spec.endpoints]
    for name, day in parts:
        if day is not None and day not in days:
            raise InputError(f"sensitivity.endpoints: day {day:g} of {name} is not a simulated day "
                             f"({days[0]:g}..{days[-1]:g})")
    out = np.full((x.shape[0], len(parts)), np.nan)
    status: list[str] = []
    bar = tqdm(total=x.shape[0], desc="simulating", unit="patient",
               disable=not (progress and sys.stderr.isatty()))
    for start in range(0, x.shape[0], CHUNK):
        xs = x[start:start + CHUNK]
        n = xs.shape[0]
        p = np.tile(base.params[0], (n, 1))
        p[:, cols] = xs
        y0, full, found = equilibrium(model, p)
        cohort = Cohort(tuple(f"s{start + i}" for i in range(n)), base.sex * n,
                        np.repeat(base.age, n), np.repeat(base.height_cm, n),
                        np.repeat(base.weight_kg, n), full, y0, np.repeat(base.thresholds, n, axis=0),
                        ((),) * n, found, np.ones(n, dtype=np.int64), model)
        res = simulate_arm(cohort, regimen, arm=spec.arm, days=days, settings=study.solver,
                           flares=False)
        readouts = patient_readouts(res)
        for k, (name, day) in enumerate(parts):
            if day is None:
                if name not in readouts.columns:
                    raise InputError(f"sensitivity.endpoints: {name!r} is not a read-out (per-patient "
                                     f"columns: {', '.join(c for c in readouts.columns if c not in ('patient_id', 'arm', 'solver_status'))}; "
                                     "or OBSERVABLE@DAY)")
                out[start:start + n, k] = readouts[name].to_numpy(np.float64)
            else:
                if name not in res.values:
                    raise InputError(f"sensitivity.endpoints: {name!r} is not a simulated variable "
                                     f"({', '.join(res.values)})")
                out[start:start + n, k] = res.values[name][:, int(np.flatnonzero(days == day)[0])]
        out[start:start + n][~res.ok] = np.nan
        status += status_names(res.status)
        bar.update(n)
    bar.close()
    return out, np.array(status)


def _plot(indices: pd.DataFrame, method: str) -> list[tuple[str, str]]:
    from matplotlib.figure import Figure

    from immunoreset.report._plots import figure_png

    figures = []
    keys = ("S1", "ST") if method == "sobol" else ("mu_star",)
    for endpoint, g in indices.groupby("endpoint", sort=False):
        names = list(dict.fromkeys(g["parameter"]))
        fig = Figure(figsize=(1.2 + 0.9 * len(names) * len(keys), 3.2))
        ax = fig.subplots()
        width = 0.8 / len(keys)
        for i, key in enumerate(keys):
            s = g[g["index"] == key].set_index("parameter").loc[names]
            pos = np.arange(len(names)) + (i - (len(keys) - 1) / 2) * width
            err = np.vstack([s["value"] - s["ci95_low"], s["ci95_high"] - s["value"]])
            ax.bar(pos, s["value"], width, yerr=np.nan_to_num(err), capsize=3, label=key)
        ax.set_xticks(np.arange(len(names)), names, rotation=30, ha="right", fontsize=8)
        ax.set_ylabel("index" if method == "sobol" else "μ* (per unit log-parameter)", fontsize=8)
        ax.set_title(str(endpoint), fontsize=9)
        ax.axhline(0, color="k", lw=0.6)
        ax.legend(fontsize=7)
        figures.append((str(endpoint), base64.b64encode(figure_png(fig, tight=True)).decode()))
    return figures


def _report(path: Path, spec: SensitivitySpec, indices: pd.DataFrame, status: np.ndarray,
            seconds: float) -> None:
    from immunoreset import __version__

    ranges = pd.DataFrame({"parameter": [p.name for p in spec.parameters],
                           "low": [p.low for p in spec.parameters],
                           "high": [p.high for p in spec.parameters],
                           "scale": [p.scale for p in spec.parameters], "range": list(spec.ranges)})
    failed = int(np.sum(status != "ok"))
    what = ("first-order (S1) and total (ST) Sobol indices with bootstrap 95% intervals"
            if spec.method == "sobol" else "Morris μ* (with bootstrap 95% intervals) and σ")
    parts = [f"<h1>{html.escape(spec.title)}</h1>",
             f"<p>immunoreset {__version__}; study {html.escape(spec.study.name)}, arm "
             f"{html.escape(spec.arm)}; {html.escape(what)}; {spec.n_evaluations:,} virtual "
             f"patients (n = {spec.n}, seed {spec.seed}) in {seconds:.0f} s.</p>",
             f"<p class='{'warn' if failed else ''}'>Samples without a steady state or with a "
             f"failed solve: {failed} of {status.size} (their endpoints replaced by the mean of "
             "the others).</p>",
             "<h2>Parameters and ranges</h2>", ranges.to_html(index=False, border=0, classes="t"),
             "<h2>Indices</h2>", indices.to_html(index=False, border=0, classes="t",
                                                 float_format=lambda v: f"{v:.3g}")]
    parts += [f"<h2>{html.escape(t)}</h2><img src='data:image/png;base64,{b}'/>"
              for t, b in _plot(indices, spec.method)]
    style = ("body{font-family:sans-serif;max-width:1000px;margin:auto}table.t{border-collapse:"
             "collapse;font-size:12px}table.t td,table.t th{padding:2px 6px;border-bottom:1px solid"
             " #ddd}.warn{color:#a00}img{max-width:100%}")
    path.write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(spec.title)}"
                    f"</title><style>{style}</style></head><body>{''.join(parts)}</body></html>",
                    encoding="utf-8")


def run_sensitivity(out: str | Path, spec: SensitivitySpec, *, command: str = "immunoreset sensitivity",
                    progress: bool = True) -> Path:
    """Run ``spec`` and write the results folder ``out`` (see the module docstring)."""
    from immunoreset.io import RunDirectory, build_manifest, write_manifest

    run_dir = RunDirectory(out, command=command)
    run_dir.check()
    t0 = time.perf_counter()
    x = sample(spec.parameters, spec.method, spec.n, seed=spec.seed)
    # One patient first: a bad endpoint name is refused before the run's work.
    evaluate_endpoints(replace(spec), x[:1])
    with run_dir:
        y, status = evaluate_endpoints(spec, x, progress=progress)
        ok = np.isfinite(y)
        if not ok.any(axis=0).all():
            bad = spec.endpoints[int(np.flatnonzero(~ok.any(axis=0))[0])]
            raise InputError(f"sensitivity: endpoint {bad!r} is undefined for every sample")
        filled = np.where(ok, y, np.nanmean(y, axis=0))
        analyse = sobol_indices if spec.method == "sobol" else morris_screening
        indices = analyse(spec.parameters, x, filled, spec.endpoints, seed=spec.seed)
        seconds = time.perf_counter() - t0
        indices.to_csv(run_dir.path("indices.csv"), index=False)
        samples = pd.DataFrame(x, columns=[p.name for p in spec.parameters])
        samples["status"] = status
        for k, e in enumerate(spec.endpoints):
            samples[e] = y[:, k]
        samples.to_parquet(run_dir.path("samples.parquet"), index=False)
        _report(run_dir.path("report.html"), spec, indices, status, seconds)
        manifest = build_manifest(
            command=command, seed=spec.seed,
            config={**{k: v for k, v in asdict(spec).items() if k != "parameters"},
                    "study": str(spec.study),
                    "parameters": [asdict(p) for p in spec.parameters]},
            solver_settings={}, timings={"sensitivity_s": seconds},
            extra={"n_evaluations": int(x.shape[0]), "n_failed": int(np.sum(status != "ok"))})
        write_manifest(manifest, run_dir.path("manifest.json"))
    return Path(out)
