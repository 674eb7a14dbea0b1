"""``immunoreset fit`` end to end on two patients of the worked example, and the fitted
patients simulated by ``immunoreset simulate --patients`` (digital twins)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from immunoreset.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fit"
ERRORS = ["--error", "b_cells_blood=combined:0.5,0.15", "--error", "car_t_blood=lognormal:0.3",
          "--error", "anti_dsdna=proportional:0.15"]


def _params() -> str:
    truth = pd.read_csv(EXAMPLE / "truth.csv")
    return ",".join(dict.fromkeys(truth["parameter"]))


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("fit")
    obs = pd.read_csv(EXAMPLE / "observations.csv", dtype=str, keep_default_na=False)
    obs[obs["patient_id"].isin(["S1", "S2"])].to_csv(tmp / "obs.csv", index=False)
    out = tmp / "out"
    status = main(["fit", str(tmp / "obs.csv"), "--study", str(EXAMPLE / "study.toml"), "--arm",
                   "car_t", "--covariates", str(EXAMPLE / "covariates.csv"), "--params", _params(),
                   *ERRORS, "--draws", "2", "--out", str(out)])
    assert status == 0
    return out


def test_fit_writes_estimates_twins_residuals_report_and_manifest(fitted: Path) -> None:
    est = pd.read_csv(fitted / "estimates.csv")
    assert set(est["patient_id"]) == {"S1", "S2"} and est["converged"].all()
    truth = pd.read_csv(EXAMPLE / "truth.csv")
    both = est.merge(truth, on=["patient_id", "parameter"])
    # The data were made by the model with these values: each within 3 posterior SDs.
    z = (np.log(both["estimate"]) - np.log(both["value"])).abs() / both["sd_log"]
    assert (z < 3).all(), both
    twins = pd.read_parquet(fitted / "fitted.parquet")
    assert len(twins) == 2 * 3 and set(twins["draw"]) == {0, 1, 2}
    res = pd.read_csv(fitted / "residuals.csv")
    assert res["blq"].any() and res.loc[~res["blq"], "iwres"].notna().all()
    manifest = json.loads((fitted / "manifest.json").read_text())
    assert manifest["seed"] == 1 and manifest["estimated"] == _params().split(",")
    assert "Individual fits" in (fitted / "report.html").read_text(encoding="utf-8")


def test_fitted_patients_are_simulated_as_digital_twins(fitted: Path, tmp_path: Path) -> None:
    out = tmp_path / "sim"
    assert main(["simulate", str(EXAMPLE / "study.toml"), "--patients",
                 str(fitted / "fitted.parquet"), "--out", str(out), "--save", "summary"]) == 0
    patients = pd.read_parquet(out / "patients.parquet")
    assert sorted(set(patients["patient_id"])) == ["S1", "S1~1", "S1~2", "S2", "S2~1", "S2~2"]
    assert (patients["solver_status"] == "ok").all()
    # A twin's CAR-T peak is lower at the tenth dose.
    peak = patients.pivot(index="patient_id", columns="arm", values="car_t_peak_cells_per_ul")
    assert (peak["car_t_low_dose"] < peak["car_t"]).all()


@pytest.mark.parametrize(("args", "message"), [
    (["--params", "no_such_parameter"], r"--params: 'no_such_parameter' is not a parameter"),
    (["--params", "car_t_antigen_expansion_rate", "--error", "bad:1"], r"--error: got 'bad:1'"),
    (["--params", "car_t_antigen_expansion_rate", "--arm", "nope"], r"--arm: got 'nope'"),
])
def test_bad_fit_input_is_one_line_before_any_output(tmp_path: Path, capsys, args, message) -> None:  # type: ignore[no-untyped-def]
    import re

    out = tmp_path / "out"
    base = ["fit", str(EXAMPLE / "observations.csv"), "--study", str(EXAMPLE / "study.toml"),
            "--covariates", str(EXAMPLE / "covariates.csv"), "--out", str(out)]
    if "--arm" not in args:
        base += ["--arm", "car_t"]
    if "--error" not in args:
        args = [*args, *ERRORS]
    assert main(base + args) == 2
    err = capsys.readouterr().err
    assert re.search(message, err) and len(err.strip().splitlines()) == 1
    assert not out.exists()
