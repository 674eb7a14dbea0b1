"""The runs behind the two views, without a server: the files they write, and what the
result page reads (view.json) agrees with them."""

from __future__ import annotations

import json
import tomllib

import pandas as pd
import pytest

from immunoreset.trial import load_trial_spec
from immunoreset.web import check_trial_document, run_patient, run_trial_view
from immunoreset.web._requests import EXAMPLES_DIR


def _progress(calls):
    return lambda done, total, stage: calls.append((done, total, stage))


@pytest.fixture(scope="module")
def patient_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("p") / "run"
    calls: list = []
    doc = {"patient": {"sex": "M", "weight_kg": 90.0, "sledai_2k": 10, "c3_g_per_l": 0.7},
           "schedule": {"follow_up_days": 60}, "matching": {"pool": 30, "similar": 6, "seed": 4}}
    run_patient(doc, folder, _progress(calls))
    return folder, calls


def test_the_patient_run_writes_its_files_and_view(patient_run) -> None:
    folder, calls = patient_run
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["figures", "manifest.json", "matching.csv", "patients.csv", "report.html",
                     "request.toml", "time_courses.csv", "view.json", "visits.csv"]
    view = json.loads((folder / "view.json").read_text())
    for f in view["figures"] + view["downloads"]:
        assert (folder / f["file"]).is_file(), f
    assert [f["file"] for f in view["figures"]][:2] == ["figures/car_t_blood_early.png",
                                                        "figures/b_cells_blood.png"]
    assert calls[-1][0] == calls[-1][1] == 30 + 6 * 2   # pool, then each arm's patients


def test_the_matched_patients_are_the_nearest_and_take_the_patient_s_body(patient_run) -> None:
    folder, _ = patient_run
    patients = pd.read_csv(folder / "patients.csv")
    assert sorted(patients["arm"].unique()) == ["car_t", "untreated"]
    for _, rows in patients.groupby("arm"):
        assert len(rows) == 6
        assert rows["distance"].is_monotonic_increasing
        assert (rows["weight_kg"] == 90.0).all() and (rows["sex"] == "M").all()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["seed"] == 4 and manifest["pool"] == 30 and manifest["similar"] == 6
    request = tomllib.loads((folder / "request.toml").read_text())
    assert request["therapy"]["car_t"]["dose_per_kg"] == 1e6


def test_the_visit_table_reads_the_time_courses(patient_run) -> None:
    folder, _ = patient_run
    view = json.loads((folder / "view.json").read_text())
    courses = pd.read_csv(folder / "time_courses.csv")
    cols = view["visits"]["columns"]
    assert cols[:3] == ["read-out", "arm", "statistic"] and cols[-1] == "day 56"
    row = next(r for r in view["visits"]["rows"] if r[0].startswith("Complement C3")
               and r[1] == "CD19 CAR-T")
    c = courses[(courses["variable"] == "c3") & (courses["arm"] == "car_t") & (courses["day"] == 56)]
    assert row[-1].startswith(f"{c['median'].iloc[0]:.3g} (")
    crs = view["crs"]["rows"]
    assert [r[0] for r in crs] == ["CRS grade ≥ 1 (ASTCT)", "CRS grade ≥ 2 (ASTCT)",
                                   "CRS grade ≥ 3 (ASTCT)"]
    assert all(r[2].startswith("0% (0–") for r in crs)  # untreated: no CRS


def test_the_trial_run_writes_the_cli_s_files_and_a_spec_the_cli_reads(tmp_path) -> None:
    doc = tomllib.loads((EXAMPLES_DIR / "erlangen_replication.toml").read_text(encoding="utf-8"))
    doc["population"]["n_per_arm"] = 6
    calls: list = []
    run_trial_view(doc, tmp_path / "run", _progress(calls))
    folder = tmp_path / "run"
    view = json.loads((folder / "view.json").read_text())
    files = {d["file"] for d in view["downloads"]}
    assert {"report.html", "endpoints.csv", "differences.csv", "km_curves.csv",
            "patients.parquet", "spec.toml", "manifest.json", "figures/forest.png"} <= files
    assert all((folder / f).is_file() for f in files)
    spec, _ = check_trial_document(doc)
    assert load_trial_spec(folder / "spec.toml").__dict__ | {"source": "web"} == spec.__dict__
    endpoints = pd.read_csv(folder / "endpoints.csv")
    assert len(view["endpoints"]["rows"]) == len(endpoints) // 2  # one row per endpoint, both arms
    assert [f["kind"] for f in view["figures"]].count("kaplan_meier") == 3
    assert (calls[-1][0], calls[-1][1]) == (1, 1)
    assert ("simulated 12 of 12 arm-patients" in [c[2] for c in calls])
