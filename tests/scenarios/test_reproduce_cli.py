"""End to end: ``immunoreset reproduce`` writes its outputs; bad input creates nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from immunoreset.calibration import evaluate_trajectories
from immunoreset.cli import main


def test_reproduce_writes_all_outputs(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(["reproduce", "mackensen2022", "--out", str(out), "--n", "20", "--seed", "3"]) == 0
    assert {p.name for p in out.iterdir()} == {"trajectories.parquet", "patients.parquet",
                                              "calibration.csv", "report.html", "manifest.json"}
    patients = pd.read_parquet(out / "patients.parquet")
    from immunoreset.calibration import CONSTRAINT_ARMS, load_constraints

    assert len(patients) == (2 + len(CONSTRAINT_ARMS)) * 25
    assert {"erlangen_P1", "erlangen_P5"} <= set(patients["patient_id"])
    traj = pd.read_parquet(out / "trajectories.parquet", filters=[("patient_id", "=", "erlangen_P1")])
    assert traj["day"].min() == -7 and traj["day"].max() == 730
    cal = pd.read_csv(out / "calibration.csv")
    assert {"target_id", "observed", "acceptance", "model_value", "passed"} <= set(cal.columns)
    # Every core constraint evaluated from a run has its rows (priors_respected included).
    run_evaluated = set(load_constraints()["constraint_id"]) - {"erlangen_targets"}
    assert run_evaluated <= set(cal["target_id"])
    # The figures can be recomputed from trajectories.parquet alone.
    again = evaluate_trajectories(str(out / "trajectories.parquet"))
    pd.testing.assert_series_equal(again["model_value"], cal["model_value"], rtol=1e-12)
    assert again["passed"].tolist() == cal["passed"].tolist()


def test_bad_n_is_one_line_exit_2_and_no_output(tmp_path: Path) -> None:
    out = tmp_path / "never"
    proc = subprocess.run([sys.executable, "-m", "immunoreset.cli", "reproduce", "mackensen2022",
                           "--out", str(out), "--n", "0"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "--n" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()
