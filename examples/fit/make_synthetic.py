"""Make the worked example's data set: synthetic patients simulated by the model.

Eight patients treated with the Erlangen protocol (the ``car_t`` arm of ``study.toml``),
whose parameters ``b_precursor_production`` (marrow output of B-cell precursors) and
``car_t_antigen_expansion_rate`` (antigen-driven CAR-T expansion) are drawn from the
population variability of the packaged parameter file (log-normal, CVs 0.5 and 0.3); all
other parameters are typical. Body size: height N(170, 8) cm, weight N(70, 10) kg
(assumed, a synthetic cohort). Visits on days −7, 7, 14, 28, 56, 90, 120, 180, 270, 365.
The stated noise models (the ones the worked example fits with):

* ``b_cells_blood`` (flow cytometry, cells/µL): combined, 0.5 cells/µL + 15 %; LLOQ
  1 cell/µL (values below it are reported as ``<LLOQ``: empty value);
* ``car_t_blood`` (flow cytometry, cells/µL): log-normal, SD 0.3 of log; LLOQ 0.5 cells/µL;
* ``anti_dsdna`` (ELISA, IU/mL): proportional 15 %.

Run from the repository root: ``python examples/fit/make_synthetic.py`` (seed 2026);
writes observations.csv, covariates.csv and truth.csv beside this file. No published
per-patient time courses were available to ship (see README.md here).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from immunoreset.estimation import ErrorModel, ForwardModel, Subject, observable_catalogue
from immunoreset.estimation._run import study_arm

HERE = Path(__file__).resolve().parent
SEED = 2026
N_PATIENTS = 8
PARAMETERS = ("b_precursor_production", "car_t_antigen_expansion_rate")
DAYS = np.array([-7.0, 7, 14, 28, 56, 90, 120, 180, 270, 365])
NOISE = {"b_cells_blood": (ErrorModel("combined", additive=0.5, proportional=0.15), 1.0),
         "car_t_blood": (ErrorModel("lognormal", proportional=0.3), 0.5),
         "anti_dsdna": (ErrorModel("proportional", proportional=0.15), None)}
UNITS = {"b_cells_blood": "cells/uL", "car_t_blood": "cells/uL", "anti_dsdna": "IU/mL"}


def main() -> None:
    model, parameters, regimen = study_arm(HERE / "study.toml", "car_t")
    forward = ForwardModel(model, parameters.vector(), PARAMETERS,
                           catalogue=observable_catalogue(model))
    rng = np.random.default_rng(SEED)
    omega = np.array([parameters[p].iiv_omega for p in PARAMETERS])
    obs_rows, cov_rows, truth_rows = [], [], []
    names = tuple(NOISE)
    for i in range(N_PATIENTS):
        pid = f"S{i + 1}"
        height, weight = 170.0 + 8.0 * rng.standard_normal(), 70.0 + 10.0 * rng.standard_normal()
        subject = Subject(pid, regimen, height_cm=height, weight_kg=weight)
        eta = forward.typical + omega * rng.standard_normal(len(PARAMETERS))
        pred = forward.predict(eta, subject, DAYS, names, sensitivities=False)
        assert pred.ok, pred.message
        keep = np.isin(pred.times, DAYS)
        for j, name in enumerate(names):
            em, lloq = NOISE[name]
            values = em.simulate(pred.values[j, keep], rng)
            for day, v in zip(pred.times[keep], values, strict=True):
                below = lloq is not None and v < lloq
                obs_rows.append({"patient_id": pid, "day": int(day), "observable": name,
                                 "value": "" if below else f"{v:.4g}", "unit": UNITS[name],
                                 "lloq": "" if lloq is None else lloq})
        cov_rows.append({"patient_id": pid, "height_cm": round(height, 1),
                         "weight_kg": round(weight, 1)})
        truth_rows += [{"patient_id": pid, "parameter": p, "value": float(np.exp(e)),
                        "unit": parameters[p].unit} for p, e in zip(PARAMETERS, eta, strict=True)]
    pd.DataFrame(obs_rows).to_csv(HERE / "observations.csv", index=False)
    pd.DataFrame(cov_rows).to_csv(HERE / "covariates.csv", index=False)
    pd.DataFrame(truth_rows).to_csv(HERE / "truth.csv", index=False)
    print(f"wrote {len(obs_rows)} observations of {N_PATIENTS} patients")


if __name__ == "__main__":
    main()
