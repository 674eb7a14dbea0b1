"""Goodness-of-fit diagnostics of individual fits: tables, plots and the HTML report.

* ``residuals``: one row per observation with the individual prediction (IPRED) and the
  individual weighted residual ``IWRES = (y − f)/σ(f)`` (on the log scale for log-normal
  error; rows below the LLOQ have none);
* plots: each patient's data with its fitted curve (and the 90% band of its posterior
  draws), observed against predicted, IWRES against time, and the estimates against the
  prior (with η-shrinkage).
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from immunoreset.estimation._error import PREDICTION_FLOOR
from immunoreset.estimation._problem import FitResult

__all__ = ["fit_curves", "residuals", "write_fit_report"]

#: Points of each fitted curve.
CURVE_POINTS = 200
#: Posterior draws used for the band of each curve (at most).
BAND_DRAWS = 40


def residuals(result: FitResult) -> pd.DataFrame:
    """One row per observation: value, LLOQ, IPRED, IWRES (see the module docstring)."""
    problem = result.problem
    forward = problem.forward()
    frames = []
    for fit in result.fits:
        post = problem.posterior(fit.patient_id, forward=forward, prior=result.prior,
                                 errors=result.errors)
        pred = post.predict(fit.log_estimate, sensitivities=False)
        f, _ = post.row_predictions(pred)
        d = post.data
        names = [d.names[o] for o in d.observable]
        iwres = np.full(f.size, np.nan)
        for name in post.used:
            sel = np.array([n == name for n in names]) & ~d.blq
            em = result.errors[name]
            if em.kind == "lognormal":
                iwres[sel] = (np.log(np.maximum(d.value[sel], PREDICTION_FLOOR))
                              - np.log(np.maximum(f[sel], PREDICTION_FLOOR))) / em.proportional
            else:
                iwres[sel] = (d.value[sel] - f[sel]) / em.sigma(f[sel])[0]
        frames.append(pd.DataFrame({"patient_id": fit.patient_id, "day": d.day,
                                    "observable": names, "value": d.value, "lloq": d.lloq,
                                    "blq": d.blq, "ipred": f, "iwres": iwres}))
    return pd.concat(frames, ignore_index=True)


def fit_curves(result: FitResult, *, points: int = CURVE_POINTS) -> pd.DataFrame:
    """Fitted curve of each patient and observable on a fine grid: MAP prediction and the
    5th/95th percentiles of the predictions of its posterior draws (when it has draws)."""
    problem = result.problem
    forward = problem.forward()
    frames = []
    for fit in result.fits:
        post = problem.posterior(fit.patient_id, forward=forward, prior=result.prior,
                                 errors=result.errors)
        lo_day, hi_day = float(post.data.day.min()), float(post.data.day.max())
        grid = np.unique(np.concatenate([np.linspace(min(lo_day, 0.0), hi_day, points),
                                         post.data.day]))
        pred = forward.predict(fit.log_estimate, post.subject, grid, post.used,
                               sensitivities=False, start_day=post.start_day)
        keep = np.isin(pred.times, grid)
        band_lo = band_hi = np.full((len(post.used), int(keep.sum())), np.nan)
        if fit.draws.size:
            sims = []
            for log_theta in fit.draws[:BAND_DRAWS]:
                p = forward.predict(log_theta, post.subject, grid, post.used, sensitivities=False,
                                    start_day=post.start_day)
                if p.ok:
                    sims.append(p.values[:, keep])
            if sims:
                arr = np.array(sims)
                band_lo, band_hi = np.percentile(arr, 5, axis=0), np.percentile(arr, 95, axis=0)
        for j, name in enumerate(post.used):
            frames.append(pd.DataFrame({"patient_id": fit.patient_id, "observable": name,
                                        "day": pred.times[keep], "ipred": pred.values[j, keep],
                                        "p05": band_lo[j], "p95": band_hi[j]}))
    return pd.concat(frames, ignore_index=True)


def _png(fig: Any) -> str:
    """Base64 PNG of ``fig`` (drawn on a plain Figure: no pyplot or backend state)."""
    from immunoreset.report._plots import figure_png

    return base64.b64encode(figure_png(fig, tight=True)).decode()


def _log_scale(values: np.ndarray) -> bool:
    v = values[np.isfinite(values) & (values > 0)]
    return v.size > 1 and v.max() / v.min() > 50


def plot_individual_fits(res: pd.DataFrame, curves: pd.DataFrame,
                         units: Mapping[str, str]) -> list[tuple[str, str]]:
    """One figure per observable: a panel per patient with data and fitted curve."""
    from matplotlib.figure import Figure

    out = []
    for name in sorted(res["observable"].unique()):
        pids = list(dict.fromkeys(res.loc[res["observable"] == name, "patient_id"]))
        ncol = min(4, len(pids))
        nrow = -(-len(pids) // ncol)
        fig = Figure(figsize=(3.2 * ncol, 2.6 * nrow))
        axes = fig.subplots(nrow, ncol, squeeze=False, sharex=True)
        for ax, pid in zip(axes.ravel(), pids, strict=False):
            c = curves[(curves["patient_id"] == pid) & (curves["observable"] == name)]
            d = res[(res["patient_id"] == pid) & (res["observable"] == name)]
            if np.isfinite(c["p05"]).any():
                ax.fill_between(c["day"], c["p05"], c["p95"], color="C0", alpha=0.2,
                                label="90% of posterior draws")
            ax.plot(c["day"], c["ipred"], color="C0", label="fit (MAP)")
            obs = d[~d["blq"]]
            ax.plot(obs["day"], obs["value"], "o", color="k", ms=4, label="observed")
            blq = d[d["blq"]]
            if len(blq):
                ax.plot(blq["day"], blq["lloq"], "v", mfc="none", color="C3", ms=5,
                        label="below LLOQ (at LLOQ)")
            if _log_scale(np.concatenate([c["ipred"].to_numpy(), obs["value"].to_numpy()])):
                ax.set_yscale("log")
            ax.set_title(pid, fontsize=9)
            ax.tick_params(labelsize=7)
        for ax in axes.ravel()[len(pids):]:
            ax.axis("off")
        axes[0, 0].legend(fontsize=6)
        fig.supxlabel("day after infusion", fontsize=9)
        fig.supylabel(f"{name} ({units.get(name, '')})", fontsize=9)
        out.append((f"Individual fits: {name}", _png(fig)))
    return out


def plot_goodness_of_fit(res: pd.DataFrame, units: Mapping[str, str]) -> list[tuple[str, str]]:
    """Observed vs predicted, and IWRES against time, per observable."""
    from matplotlib.figure import Figure

    names = sorted(res["observable"].unique())
    fig = Figure(figsize=(3.6 * len(names), 6.4))
    axes = fig.subplots(2, len(names), squeeze=False)
    for j, name in enumerate(names):
        d = res[(res["observable"] == name) & ~res["blq"]]
        ax = axes[0, j]
        ax.plot(d["ipred"], d["value"], "o", ms=3, alpha=0.7)
        both = np.concatenate([d["ipred"].to_numpy(), d["value"].to_numpy()])
        both = both[np.isfinite(both)]
        if both.size:
            lo, hi = both.min(), both.max()
            ax.plot([lo, hi], [lo, hi], "k--", lw=0.8)
            if _log_scale(both):
                ax.set_xscale("log")
                ax.set_yscale("log")
        ax.set_xlabel(f"predicted ({units.get(name, '')})", fontsize=8)
        ax.set_ylabel("observed", fontsize=8)
        ax.set_title(name, fontsize=9)
        ax = axes[1, j]
        ax.plot(d["day"], d["iwres"], "o", ms=3, alpha=0.7)
        for level in (-1.96, 0.0, 1.96):
            ax.axhline(level, color="k", lw=0.6, ls="-" if level == 0 else ":")
        ax.set_xlabel("day after infusion", fontsize=8)
        ax.set_ylabel("IWRES", fontsize=8)
    return [("Observed vs predicted (top) and individual weighted residuals vs time (bottom)",
             _png(fig))]


def plot_estimates(result: FitResult) -> list[tuple[str, str]]:
    """Each parameter's individual estimates (with 95% intervals) against the prior."""
    from matplotlib.figure import Figure

    k = len(result.prior.names)
    fig = Figure(figsize=(3.8 * k, 0.35 * len(result.fits) + 1.8))
    axes = fig.subplots(1, k, squeeze=False)
    shrink = result.shrinkage()
    for j, name in enumerate(result.prior.names):
        ax = axes[0, j]
        mu, om = result.prior.mean[j], result.prior.omega[j]
        ax.axvspan(np.exp(mu - 1.96 * om), np.exp(mu + 1.96 * om), color="0.9",
                   label="prior 95%")
        ax.axvline(np.exp(mu), color="0.5", lw=0.8)
        for i, f in enumerate(result.fits):
            lo, hi = f.interval()
            ax.plot([lo[j], hi[j]], [i, i], color="C0")
            ax.plot(f.estimate[j], i, "o", color="C0", ms=4)
        ax.set_yticks(range(len(result.fits)), [f.patient_id for f in result.fits], fontsize=7)
        ax.set_xscale("log")
        sh = float(shrink["shrinkage"].iloc[j])
        ax.set_title(f"{name}\nη-shrinkage {sh:.0%}" if np.isfinite(sh) else name, fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0, 0].legend(fontsize=6)
    return [("Individual estimates (MAP, 95% interval) against the prior", _png(fig))]


def _table(df: pd.DataFrame) -> str:
    return df.to_html(index=False, float_format=lambda v: f"{v:.4g}", border=0, classes="t")


def write_fit_report(path: str, result: FitResult, *, res: pd.DataFrame, curves: pd.DataFrame,
                     manifest: Mapping[str, Any], population: pd.DataFrame | None = None,
                     population_errors: pd.DataFrame | None = None,
                     title: str = "immunoreset fit") -> None:
    """A self-contained HTML report of a fit: data summary, estimates, shrinkage, plots."""
    units = dict(result.problem.observations.units)
    figures = plot_individual_fits(res, curves, units) + plot_goodness_of_fit(res, units)
    figures += plot_estimates(result)
    est = result.estimates()
    parts = [f"<h1>{html.escape(title)}</h1>",
             f"<p>immunoreset {html.escape(str(manifest.get('immunoreset_version', '')))}, "
             f"model {html.escape(result.problem.model.name)} (key "
             f"{html.escape(result.problem.model.key[:12])}), seed {result.seed}, "
             f"{len(result.fits)} patients, parameters "
             f"{html.escape(', '.join(result.prior.names))}; error models "
             f"{html.escape('; '.join(f'{k}: {e.describe()}' for k, e in result.errors.items()))};"
             f" values below the LLOQ {'by M3' if result.problem.m3 else 'left out'}.</p>",
             "<h2>Data</h2>", _table(result.problem.observations.summary())]
    if population is not None:
        parts += ["<h2>Population estimates (iterative two-stage)</h2>", _table(population)]
        if population_errors is not None:
            parts += [_table(population_errors)]
    parts += ["<h2>Individual estimates</h2>",
              "<p>MAP estimates with the population variability as prior (empirical Bayes); "
              "95% intervals from the Laplace approximation.</p>", _table(est),
              "<h2>Shrinkage</h2>", _table(result.shrinkage())]
    parts += [f"<h2>{html.escape(t)}</h2><img src='data:image/png;base64,{b}'/>" for t, b in figures]
    not_converged = [f.patient_id for f in result.fits if not f.converged]
    if not_converged:
        parts.insert(2, f"<p class='warn'>Not converged: {html.escape(', '.join(not_converged))}</p>")
    style = ("body{font-family:sans-serif;max-width:1100px;margin:auto}table.t{border-collapse:"
             "collapse;font-size:12px}table.t td,table.t th{padding:2px 6px;border-bottom:1px solid"
             " #ddd}img{max-width:100%}.warn{color:#a00}")
    doc = (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
           f"<style>{style}</style></head><body>{''.join(parts)}</body></html>")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(doc)

