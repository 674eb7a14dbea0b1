"""PEtab export: lint-clean, and the exported problem is the same problem.

Cross-check between two implementations: libRoadRunner simulates the exported SBML under
each patient's condition (its dose amounts) and the observable formulas of the
observables table; at the typical parameters this must equal immunoreset's own
prediction of the same observations (the SBML starts from the typical steady state).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from immunoreset.estimation import load_fit_problem
from immunoreset.estimation._petab import export_petab, lint_petab

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fit"


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    pytest.importorskip("petab")
    tmp = tmp_path_factory.mktemp("petab")
    obs = pd.read_csv(EXAMPLE / "observations.csv", dtype=str, keep_default_na=False)
    obs[obs["patient_id"].isin(["S1", "S2"])].to_csv(tmp / "obs.csv", index=False)
    truth = pd.read_csv(EXAMPLE / "truth.csv")
    problem = load_fit_problem(
        tmp / "obs.csv", params=",".join(dict.fromkeys(truth["parameter"])),
        errors=["b_cells_blood=combined:0.5,0.15", "car_t_blood=lognormal:0.3",
                "anti_dsdna=proportional:0.15"],
        study=EXAMPLE / "study.toml", arm="car_t", covariates=EXAMPLE / "covariates.csv")
    return problem, export_petab(problem, tmp / "petab")


def test_the_petab_problem_is_lint_clean(exported) -> None:  # type: ignore[no-untyped-def]
    _, yaml = exported
    assert lint_petab(yaml)


def test_roadrunner_on_the_exported_problem_reproduces_our_predictions(exported) -> None:  # type: ignore[no-untyped-def]
    roadrunner = pytest.importorskip("roadrunner")
    problem, yaml = exported
    folder = yaml.parent
    offset = float(yaml.read_text().split("+ ")[1].split(" ")[0])
    conditions = pd.read_csv(folder / "conditions.tsv", sep="\t")
    observables = pd.read_csv(folder / "observables.tsv", sep="\t").set_index("observableId")
    measurements = pd.read_csv(folder / "measurements.tsv", sep="\t")
    forward = problem.forward()
    for _, cond in conditions.iterrows():
        rr = roadrunner.RoadRunner(str(folder / "model.xml"))
        rr.integrator.relative_tolerance = 1e-10
        rr.integrator.absolute_tolerance = 1e-12
        for col in conditions.columns:
            if col.startswith("dose_"):
                rr[col] = float(cond[col])
        rows = measurements[measurements["simulationConditionId"] == cond["conditionId"]]
        times = np.unique(np.concatenate([[0.0], rows["time"].to_numpy()]))
        states = problem.model.state_names
        sim = rr.simulate(times=times.tolist(), selections=["time", *states])
        table = pd.DataFrame(np.asarray(sim), columns=["time", *states])
        pid = str(cond["conditionName"])
        names = problem.observations.names
        ours = forward.predict(forward.typical, problem.subjects[pid], times - offset, names,
                               sensitivities=False)
        for obs_id, row in observables.iterrows():
            formula = str(row["observableFormula"])
            theirs = table.eval(formula.replace(" * ", "*")).to_numpy()
            j = names.index(str(row["observableName"]))
            mine = ours.values[j][np.isin(ours.times, times - offset)]
            np.testing.assert_allclose(theirs, mine, rtol=1e-4, atol=1e-6, err_msg=str(obs_id))
