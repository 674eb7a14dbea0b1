"""PEtab export of a fit problem: SBML model, conditions, observables, measurements,
parameters and the problem YAML, checked with the ``petab`` library's linter.

PEtab (Schmiester et al. 2021, PLoS Comput Biol 17:e1008646) is the exchange format of
pyPESTO, AMICI, Data2Dynamics and COPASI. The export is the same problem as
``immunoreset fit``, with these mappings:

* **model**: the composed model as SBML (:func:`immunoreset.model._sbml.to_sbml`) at the
  typical patient's pre-treatment steady state (initial states and derived set points are
  the typical patient's values: in PEtab they do not move with the estimated parameters,
  as they do in immunoreset's own fits);
* **doses**: one SBML event per dose time and state, adding a parameter ``dose_<k>``; each
  patient is a condition whose condition-table row gives its own amounts (body size);
* **observables**: read-outs that are sums of states (checked numerically) become
  formulas of the states; error models become noise formulas (log-normal:
  ``observableTransformation = log``); read-outs that are not linear in the states are
  refused;
* **parameters**: the estimated ones on ``log10`` scale, bounds a factor 100 either side,
  with their population prior as ``parameterScaleNormal`` objective prior;
* **time**: PEtab simulates from t = 0, the pre-treatment start (day −7 for the
  Erlangen protocol): PEtab time = day + offset, the offset stated in ``problem.yaml``;
* **values below the LLOQ**: PEtab 1 has no censored measurements; they are written to
  ``censored_measurements.tsv`` (same columns plus ``lloq``) and left out of the problem.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from immunoreset.errors import InputError
from immunoreset.estimation._problem import FitProblem
from immunoreset.model import equilibrium

__all__ = ["export_petab", "lint_petab"]

_LN10 = math.log(10.0)
#: Estimated parameters may range a factor of this either side of their typical value.
BOUND_FACTOR = 100.0


def _sid(text: str, prefix: str) -> str:
    s = re.sub(r"[^A-Za-z0-9_]", "_", text)
    return f"{prefix}{s}"


def _linear_formula(problem: FitProblem, name: str, p: np.ndarray, y0: np.ndarray) -> str:
    """``name`` as a sum of states, or an :class:`InputError` if it is not one."""
    cat = problem.catalogue
    model = problem.model
    n = model.n_states
    basis = np.vstack([np.zeros(n), np.eye(n)])[None]
    # Read-outs relative to the first time (baseline) see it at index 0: evaluate each
    # basis vector after the typical baseline so they stay defined.
    ys = np.concatenate([y0[None, None], basis], axis=1)
    vals = cat.evaluate(ys, p[None], (name,))[0, 0]
    zero, coef = vals[1], vals[2:] - vals[1]
    rng = np.random.default_rng(0)
    probe = rng.uniform(0.1, 10.0, (3, n))
    got = cat.evaluate(np.concatenate([y0[None, None], probe[None]], axis=1), p[None], (name,))[0, 0, 1:]
    if not (abs(zero) < 1e-12 and np.allclose(got, probe @ coef, rtol=1e-9, atol=1e-12)):
        raise InputError(f"PEtab export: observable {name!r} is not a sum of states; PEtab "
                         "observables here are (fit it in immunoreset, or export the states)")
    terms = [(c, model.state_names[i]) for i, c in enumerate(coef) if abs(c) > 1e-15]
    return " + ".join(s if c == 1.0 else f"{c!r} * {s}" for c, s in terms)


def _noise(problem: FitProblem, name: str, formula: str) -> tuple[str, str]:
    em = problem.errors[name]
    f = f"({formula})"
    if em.kind == "additive":
        return repr(em.additive), "lin"
    if em.kind == "proportional":
        return f"{em.proportional!r} * {f}", "lin"
    if em.kind == "combined":
        return f"sqrt({em.additive!r}^2 + ({em.proportional!r} * {f})^2)", "lin"
    return repr(em.proportional), "log"


def export_petab(problem: FitProblem, out: str | Path) -> Path:
    """Write the PEtab problem of ``problem`` into folder ``out``; returns the YAML path."""
    import libsbml

    from immunoreset.model._sbml import add_time_event, to_sbml

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    model = problem.model
    typical = np.concatenate([problem.parameters.vector(), np.zeros(len(model.derived_names))])
    y0, full, found = equilibrium(model, typical[None])
    if not found[0]:
        raise InputError("PEtab export: the typical patient has no pre-treatment steady state")
    forward = problem.forward()
    events = {pid: forward.events(s, full[0]) for pid, s in problem.subjects.items()}
    slots = sorted({(float(d), int(i)) for ev in events.values() for d, i, _ in ev})
    days = problem.observations.table["day"].to_numpy(np.float64)
    offset = -min(forward.start_day(s, days) for s in problem.subjects.values())
    doc = libsbml.readSBMLFromString(to_sbml(model, full[0], y0[0], [], patient="typical",
                                             arm="PEtab"))
    m = doc.getModel()
    for k, (day, index) in enumerate(slots):
        par = m.createParameter()
        par.setId(f"dose_{k}")
        par.setValue(0.0)
        par.setConstant(True)
        par.setUnits(m.getParameter(model.state_names[index]).getUnits())
        ev = add_time_event(libsbml, m, f"dose_event_{k}", day + offset)
        ea = ev.createEventAssignment()
        state = model.state_names[index]
        ea.setVariable(state)
        ea.setMath(libsbml.parseL3Formula(f"{state} + dose_{k}"))
    sbml_file = folder / "model.xml"
    libsbml.writeSBMLToFile(doc, str(sbml_file))
    cond_ids = {pid: _sid(pid, "patient_") for pid in problem.subjects}
    cond_rows = []
    for pid, ev in events.items():
        amounts = dict.fromkeys(range(len(slots)), 0.0)
        for d, i, a in ev:
            amounts[slots.index((float(d), int(i)))] += float(a)
        cond_rows.append({"conditionId": cond_ids[pid], "conditionName": pid,
                          **{f"dose_{k}": v for k, v in amounts.items()}})
    conditions = pd.DataFrame(cond_rows)
    obs_rows = []
    for name in problem.observations.names:
        formula = _linear_formula(problem, name, full[0], y0[0])
        noise, transform = _noise(problem, name, formula)
        obs_rows.append({"observableId": _sid(name, "obs_"), "observableName": name,
                         "observableFormula": formula, "observableTransformation": transform,
                         "noiseFormula": noise, "noiseDistribution": "normal"})
    observables = pd.DataFrame(obs_rows)
    t = problem.observations.table
    meas = pd.DataFrame({"observableId": [_sid(o, "obs_") for o in t["observable"]],
                         "simulationConditionId": [cond_ids[p] for p in t["patient_id"]],
                         "measurement": t["value"], "time": t["day"] + offset})
    censored = t["blq"].to_numpy(bool)
    meas[~censored].to_csv(folder / "measurements.tsv", sep="\t", index=False)
    meas[censored].assign(lloq=t.loc[censored, "lloq"]).to_csv(folder / "censored_measurements.tsv",
                                                               sep="\t", index=False)
    prior = problem.prior
    par_rows = []
    for j, name in enumerate(prior.names):
        value = math.exp(prior.mean[j])
        par_rows.append({"parameterId": name, "parameterName": problem.parameters[name].meaning,
                         "parameterScale": "log10", "lowerBound": value / BOUND_FACTOR,
                         "upperBound": value * BOUND_FACTOR, "nominalValue": value, "estimate": 1,
                         "objectivePriorType": "parameterScaleNormal",
                         "objectivePriorParameters": f"{float(prior.mean[j]) / _LN10!r};{float(prior.omega[j]) / _LN10!r}"})
    parameters = pd.DataFrame(par_rows)
    conditions.to_csv(folder / "conditions.tsv", sep="\t", index=False)
    observables.to_csv(folder / "observables.tsv", sep="\t", index=False)
    parameters.to_csv(folder / "parameters.tsv", sep="\t", index=False)
    yaml = folder / "problem.yaml"
    yaml.write_text(f"# PEtab time = day after infusion + {offset:g} (t = 0 is the pre-treatment "
                    "start)\nformat_version: 1\nparameter_file: parameters.tsv\nproblems:\n"
                    "- condition_files: [conditions.tsv]\n  measurement_files: [measurements.tsv]\n"
                    "  observable_files: [observables.tsv]\n  sbml_files: [model.xml]\n",
                    encoding="utf-8")
    return yaml


def lint_petab(yaml: str | Path) -> bool:
    """``True`` when the ``petab`` linter finds no error in the problem ``yaml``."""
    try:
        import petab.v1 as petab
    except ImportError:  # petab < 0.5 had no v1 namespace
        import petab  # type: ignore[no-redef]
    import logging

    log = logging.getLogger("petab")
    level = log.level
    log.setLevel(logging.ERROR)  # the linter logs "visualization table not available" as info
    try:
        problem = petab.Problem.from_yaml(str(yaml))
        return not petab.lint_problem(problem)
    finally:
        log.setLevel(level)
