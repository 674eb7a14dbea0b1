"""Reports say what they show: baseline is day −7, summary-mode runs have Key-results
values, arm order and labels come from the config."""

from __future__ import annotations

import numpy as np
import pandas as pd

from immunoreset.report._style import arm_display, arm_label, order_arms
from immunoreset.report._summary import LANDMARK_DAYS
from immunoreset.report._tables import KEY_VARIABLES, key_results_table

EMPTY_TRAJECTORIES = pd.DataFrame({"patient_id": pd.Series(dtype=str), "arm": pd.Series(dtype=str),
                                   "day": pd.Series(dtype=int), "variable": pd.Series(dtype=str),
                                   "value": pd.Series(dtype=float), "unit": pd.Series(dtype=str)})
EMPTY_SUMMARY = pd.DataFrame({c: pd.Series(dtype=float) for c in
                              ("day", "n", "mean", "q05", "q25", "median", "q75", "q95")}
                             ).assign(arm=pd.Series(dtype=str), variable=pd.Series(dtype=str))


def test_baseline_is_the_pre_treatment_day() -> None:
    assert [d for d, label in LANDMARK_DAYS.items() if label == "Baseline"] == [-7]
    assert all(0 not in days for days in KEY_VARIABLES.values())


def test_summary_mode_key_results_have_values_per_arm() -> None:
    patients = pd.DataFrame({
        "arm": ["car_t"] * 4 + ["untreated"] * 4,
        "solver_status": ["ok"] * 7 + ["max_steps"],
        "sledai_2k_baseline": [16.0, 12, 10, 8, 16, 12, 10, np.nan],
        "doris_day90": [1.0, 1, 1, 0, 0, 0, 0, np.nan],
        "c3_baseline": [0.6, 0.7, 0.8, 0.9, 0.6, 0.7, 0.8, np.nan],
    })
    table = key_results_table(EMPTY_SUMMARY, EMPTY_TRAJECTORIES, patients)
    assert list(table.columns) == ["Measure", "Statistic", "CAR-T", "Untreated"]
    rows = table.set_index("Measure")
    assert rows.loc["Virtual patients", "CAR-T"] == "4"
    assert rows.loc["Solver failures", "Untreated"] == "1 (25.0%)"
    assert rows.loc["DORIS remission, day 90", "CAR-T"] == "3/4 (75%)"
    assert rows.loc["DORIS remission, day 90", "Untreated"] == "0/3 (0%)"
    assert rows.loc["SLEDAI-2K, baseline (day −7)", "CAR-T"] == "11.0 (9.50–13.0)"


def test_arm_order_and_labels_come_from_the_config() -> None:
    arms = ["untreated", "car_t_low", "car_t"]
    assert order_arms(arms) == ["car_t", "untreated", "car_t_low"]
    with arm_display(["car_t_low", "car_t", "untreated"], {"car_t_low": "CAR-T 1e5/kg"}):
        assert order_arms(arms) == ["car_t_low", "car_t", "untreated"]
        assert arm_label("car_t_low") == "CAR-T 1e5/kg" and arm_label("car_t") == "CAR-T"
        patients = pd.DataFrame({"arm": arms, "solver_status": ["ok"] * 3})
        table = key_results_table(EMPTY_SUMMARY, EMPTY_TRAJECTORIES, patients)
        assert list(table.columns)[2:] == ["CAR-T 1e5/kg", "CAR-T", "Untreated"]
    assert arm_label("car_t_low") == "Car t low"


def test_every_drawable_calibration_target_has_a_mark_with_its_source() -> None:
    from immunoreset.calibration import load_targets
    from immunoreset.report._targets import TARGET_MARKS, calibration_markers
    from immunoreset.simulation import TRAJECTORY_VARIABLES

    targets = load_targets().set_index("target_id")
    for target, variable, *_ in TARGET_MARKS:
        assert target in targets.index and variable in TRAJECTORY_VARIABLES
    marks = [m for ms in calibration_markers().values() for m in ms]
    assert len(marks) == len(TARGET_MARKS)
    assert all(m.source == targets.loc[m.label.rsplit("[", 1)[1][:-1], "source"] for m in marks)


def test_reference_lines_of_the_reproduction_name_their_source() -> None:
    from immunoreset.scenarios._mackensen2022 import MARKERS

    assert all(m.source for ms in MARKERS.values() for m in ms)
