"""Calibrate the lupus-drug effect sizes on the standard-of-care (placebo) arms of the
lupus nephritis induction trials (shared/data/standard_of_care_arms.csv).

The drugs' pharmacokinetics, glucocorticoid receptor saturation and the MPA and HCQ
potencies are sourced (src/immunoreset/model/therapies/*.toml); only clinical response
data exist for two numbers, which are fitted here:

* ``glucocorticoid_max_inhibition`` (glucocorticoids.toml): the maximal glucocorticoid
  inhibition of autoreactive B-cell activation and inflammation;
* ``lupus_drug_responsiveness`` of the ``lupus_nephritis`` population
  (population/data/lupus_nephritis.toml): the fraction of the drugs' measured
  pharmacological inhibition (IMPDH, TLR, receptor saturation), as a hazard, that reaches
  the disease fluxes in these patients (0 in the refractory Erlangen-like population);

on the renal responses of the virtual ``lupus_nephritis`` population treated as the placebo
arms were (MMF + glucocorticoid course + HCQ):

=========  ==============================  =====================================
trial      regimens                        read-out (placebo arm, n)
=========  ==============================  =====================================
LUNAR      mmf_lunar, gc_lunar, hcq_400    overall renal response, week 52 (72)
NOBILITY   mmf_2_5g, gc_nobility, hcq_400  complete / overall response, week 76 (62)
REGENCY    mmf_2_5g, gc_regency, hcq_400   complete renal response, week 76 (136)
=========  ==============================  =====================================

Renal response is read from the model's proteinuria (g/day ≈ UPCR in g/g) with the
trials' definitions (LUNAR, Rovin 2012; NOBILITY and REGENCY use the same UPCR limits):
complete = UPCR < 0.5; partial = a ≥ 50% fall in UPCR to < 1.0 if the baseline is ≤ 3.0,
or to < 3.0 if it is above; overall = complete or partial. The renal-function and urinary-
sediment conditions are not modelled (the model has no creatinine; damage is small). This
is kept minimal so that it can call ``clinical/renal_response.py`` once that lands.

The objective is the binomial log-likelihood of the trials' response counts; the fit is a
coarse grid (typical responsiveness 0.1-0.4, glucocorticoid maximum 0-0.9), then a finer grid
around its best point; the values are written into their files. Usage::

    python calibration/standard_of_care.py [--n 200] [--seed 1] [--no-write]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
THERAPIES = ROOT / "src" / "immunoreset" / "model" / "therapies"
CATALOGUE = ROOT / "src" / "immunoreset" / "therapy" / "data" / "drugs" / "lupus_drugs.toml"
MODULES = ("lupus_drug_response", "glucocorticoids", "mycophenolate", "hydroxychloroquine")
POPULATION_FILE = ROOT / "src" / "immunoreset" / "population" / "data" / "lupus_nephritis.toml"
#: The fitted parameters and the file each is written to.
FITTED = {"lupus_drug_responsiveness": POPULATION_FILE,
          "glucocorticoid_max_inhibition": THERAPIES / "glucocorticoids.toml"}
#: Coarse grid (start, stop, step) per fitted parameter, then a fine grid of half-steps
#: over +-1 coarse step around the best point.
COARSE = {"lupus_drug_responsiveness": (0.1, 0.4, 0.05),
          "glucocorticoid_max_inhibition": (0.0, 0.9, 0.15)}

#: Renal response limits (UPCR, g/g): complete below 0.5; partial a >= 50% fall to below
#: 1.0 (baseline <= 3.0) or below 3.0 (baseline > 3.0) (Rovin 2012 LUNAR methods).
CRR_UPCR = 0.5
PRR_FALL = 0.5
PRR_BASELINE_SPLIT = 3.0
PRR_LOW_LIMIT = 1.0
PRR_HIGH_LIMIT = 3.0


@dataclass(frozen=True)
class Target:
    """One placebo-arm read-out: ``endpoint`` ("crr" or "orr") on ``day``; ``k`` of ``n``."""

    trial: str
    endpoint: str
    day: float
    rate: float
    n: int
    regimens: tuple[str, ...]

    @property
    def k(self) -> int:
        return round(self.rate * self.n)


#: The placebo arms (shared/data/standard_of_care_arms.csv; REGENCY placebo n = 136,
#: Furie 2025 N Engl J Med). EXPLORER (non-renal SLE, low disease activity) is not used.
TARGETS: tuple[Target, ...] = (
    Target("LUNAR", "orr", 364.0, 0.458, 72, ("mmf_lunar", "gc_lunar", "hcq_400")),
    Target("NOBILITY", "crr", 532.0, 0.18, 62, ("mmf_2_5g", "gc_nobility", "hcq_400")),
    Target("NOBILITY", "orr", 532.0, 0.29, 62, ("mmf_2_5g", "gc_nobility", "hcq_400")),
    Target("REGENCY", "crr", 532.0, 0.331, 136, ("mmf_2_5g", "gc_regency", "hcq_400")),
)


def renal_response(baseline_upcr: np.ndarray, upcr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Complete and overall (complete or partial) renal response per patient."""
    complete = upcr < CRR_UPCR
    limit = np.where(baseline_upcr <= PRR_BASELINE_SPLIT, PRR_LOW_LIMIT, PRR_HIGH_LIMIT)
    partial = (upcr <= PRR_FALL * baseline_upcr) & (upcr < limit)
    return complete, complete | partial


def regimen_events(names: Sequence[str], state_index: dict[str, int], weight_kg: float,
                   catalogue: Path = CATALOGUE) -> list[tuple[float, int, float]]:
    """State jumps ``(day, state, amount)`` of the named regimens' rate segments: the drug's
    rate state rises by the rate at ``start`` and falls by it at ``stop``."""
    doc = tomllib.loads(catalogue.read_text(encoding="utf-8"))
    drugs = {d["name"]: d for d in doc["drug"]}
    regimens = {r["name"]: r for r in doc["regimen"]}
    events: list[tuple[float, int, float]] = []
    for name in names:
        reg = regimens[name]
        state = state_index[drugs[reg["drug"]]["infusion_state"]]
        for seg in reg["segment"]:
            scale = {"mg/day": 1.0, "mg/kg/day": weight_kg}[seg["unit"]]
            rate = float(seg["rate"]) * scale
            events += [(float(seg["start"]), state, rate), (float(seg["stop"]), state, -rate)]
    return sorted(events, key=lambda e: (e[0], e[1]))


def lupus_drug_model():  # type: ignore[no-untyped-def]
    """The SLE model with the lupus-drug modules, and its parameter set."""
    from immunoreset.model import build_model, extend_model, load_parameters

    spec, params = extend_model(load_parameters(),
                                [f"immunoreset.model.therapies.{m}" for m in MODULES],
                                [THERAPIES / f"{m}.toml" for m in MODULES])
    return build_model(spec), params


def simulate_upcr(cohort, regimens: Sequence[str], days: Sequence[float], *,  # type: ignore[no-untyped-def]
                  params: np.ndarray | None = None, flares: bool = True) -> np.ndarray:
    """Proteinuria (g/day) ``(n_patients, len(days))`` of ``cohort`` under ``regimens``
    from day 0, solved from the pre-treatment steady state (day −7)."""
    from immunoreset.engine import EventSchedule, solve_batch
    from immunoreset.simulation import DEFAULT_SOLVER

    model = cohort.model
    fl = model.state_index["flare_trigger"]
    ev = []
    for i in range(len(cohort)):
        e = regimen_events(regimens, dict(model.state_index), float(cohort.weight_kg[i]))
        if flares:
            e += [(d, fl, a) for d, a in cohort.flares[i]]
        ev.append(sorted(e, key=lambda x: (x[0], x[1])))
    t = np.array(sorted({-7.0, *days}), dtype=np.float64)
    p = cohort.params if params is None else params
    sol = solve_batch(model.rhs, cohort.y0, p, t, t0=-7.0, events=EventSchedule.from_lists(ev),
                      jac=model.jac, settings=DEFAULT_SOLVER)
    cols = [int(np.flatnonzero(t == d)[0]) for d in days]
    return sol.y[:, cols, model.state_index["proteinuria"]]


def model_rates(cohort, values: dict[str, float], targets: Sequence[Target] = TARGETS, *,  # type: ignore[no-untyped-def]
                typical: dict[str, float] | None = None) -> list[float]:
    """The model's response rate for each target with the fitted parameters at ``values``
    (typical values: a parameter that varies between patients is scaled by
    ``values[name] / typical[name]``, its typical value when the cohort was drawn)."""
    model = cohort.model
    p = cohort.params.copy()
    for name, v in values.items():
        i = model.parameter_index[name]
        col = p[:, i]
        if np.all(col == col[0]):
            p[:, i] = v
        else:
            assert typical is not None, f"{name} varies: give its typical value"
            p[:, i] = col * v / typical[name]
    base = cohort.y0[:, model.state_index["proteinuria"]]
    out = []
    cache: dict[tuple[str, ...], tuple[list[float], np.ndarray]] = {}
    for tg in targets:
        if tg.regimens not in cache:
            days = sorted({t.day for t in targets if t.regimens == tg.regimens})
            cache[tg.regimens] = (days, simulate_upcr(cohort, tg.regimens, days, params=p))
        days, upcr = cache[tg.regimens]
        crr, orr = renal_response(base, upcr[:, days.index(tg.day)])
        out.append(float(np.mean(crr if tg.endpoint == "crr" else orr)))
    return out


def log_likelihood(rates: Sequence[float], targets: Sequence[Target] = TARGETS) -> float:
    """Binomial log-likelihood of the trials' counts under the model's rates."""
    ll = 0.0
    for r, tg in zip(rates, targets, strict=True):
        q = min(max(r, 1e-3), 1 - 1e-3)
        ll += tg.k * np.log(q) + (tg.n - tg.k) * np.log(1 - q)
    return float(ll)


def write_values(values: dict[str, float]) -> None:
    """Replace the fitted parameters' values in their files (:data:`FITTED`)."""
    for name, v in values.items():
        path = FITTED[name]
        text = path.read_text(encoding="utf-8")
        text, n = re.subn(rf'(name = "{name}"\nvalue = )[^\n]+', rf"\g<1>{v:.4g}", text)
        if n != 1:
            raise SystemExit(f"{path.name}: parameter {name} not found once")
        path.write_text(text, encoding="utf-8")
        print(f"  {name} = {v:.4g} written to {path.relative_to(ROOT)}")


def grid_search(cohort, axes: dict[str, np.ndarray], typical: dict[str, float]  # type: ignore[no-untyped-def]
                ) -> tuple[float, dict[str, float], list[float]]:
    """The best (log-likelihood, values, rates) over the product of ``axes``."""
    best: tuple[float, dict[str, float], list[float]] | None = None
    names = list(axes)
    for point in np.array(np.meshgrid(*axes.values(), indexing="ij")).reshape(len(names), -1).T:
        values = {n: float(v) for n, v in zip(names, point, strict=True)}
        rates = model_rates(cohort, values, typical=typical)
        ll = log_likelihood(rates)
        print("  " + ", ".join(f"{n} {v:.3f}" for n, v in values.items())
              + f": rates {np.round(rates, 3).tolist()}, log-likelihood {ll:.2f}", flush=True)
        if best is None or ll > best[0]:
            best = (ll, values, rates)
    assert best is not None
    return best


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200, help="virtual patients (default 200)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-write", action="store_true", help="print the fit, write nothing")
    args = ap.parse_args(argv)

    from immunoreset.population import named_population

    t0 = time.time()
    model, params = lupus_drug_model()
    population = named_population("lupus_nephritis")
    typical = {n: population.parameters(params).value(n) for n in FITTED}
    cohort = population.sample(args.n, params, seed=args.seed, model=model)
    ok = cohort.plausible
    cohort = cohort.subset(np.flatnonzero(ok).tolist())
    print(f"lupus_nephritis: {len(cohort)} of {args.n} patients eligible; baseline UPCR median "
          f"{np.median(cohort.y0[:, model.state_index['proteinuria']]):.2f} g/g")
    coarse = {n: np.arange(a, b + s / 2, s) for n, (a, b, s) in COARSE.items()}
    _, values, _ = grid_search(cohort, coarse, typical)
    fine = {n: np.clip(values[n] + np.arange(-2, 3) * COARSE[n][2] / 2, 0.0, 0.95)
            for n in COARSE}
    ll, values, rates = grid_search(cohort, fine, typical)
    print(f"best point (log-likelihood {ll:.2f}, {time.time() - t0:.0f} s):")
    for name, v in values.items():
        print(f"  {name} = {v:.4g}")
    print(f"{'trial':9} {'endpoint':9} {'week':>4} {'model':>6} {'trial':>6} {'95% CI of trial':>16}")
    for r, tg in zip(rates, TARGETS, strict=True):
        lo, hi = binomial_interval(tg.k, tg.n)
        print(f"{tg.trial:9} {tg.endpoint:9} {tg.day / 7:4.0f} {r:6.3f} {tg.rate:6.3f} "
              f"[{lo:.3f}, {hi:.3f}]")
    if not args.no_write:
        write_values(values)
    return 0


def binomial_interval(k: int, n: int) -> tuple[float, float]:
    """Exact (Clopper-Pearson) 95% interval of a binomial proportion k/n."""
    from scipy.stats import beta

    lo = 0.0 if k == 0 else float(beta.ppf(0.025, k, n - k + 1))
    hi = 1.0 if k == n else float(beta.ppf(0.975, k + 1, n - k))
    return lo, hi


if __name__ == "__main__":
    sys.exit(main())
