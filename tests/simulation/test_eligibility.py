"""A patient failing inclusion is "not eligible", never a solver failure; a run whose
inclusion criteria no candidate can meet is refused before any output."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from immunoreset.cli import main
from immunoreset.errors import InputError
from immunoreset.model import load_parameters
from immunoreset.population import (
    CohortSpec,
    InclusionCriteria,
    check_inclusion_satisfiable,
    sample_cohort,
)
from immunoreset.simulation import NOT_ELIGIBLE, patient_readouts, simulate_arm
from immunoreset.therapy import Regimen
from immunoreset.trial import patient_outcomes

DAYS = np.arange(-7, 121, dtype=np.float64)


def test_patient_failing_inclusion_is_not_eligible_not_a_solver_failure() -> None:
    cohort = sample_cohort(3, load_parameters(), seed=5)
    assert cohort.plausible.all()
    cohort = dataclasses.replace(cohort, plausible=np.array([True, False, True]))
    res = simulate_arm(cohort, Regimen.erlangen_car_t(), days=DAYS)
    assert res.status.tolist() == [0, int(NOT_ELIGIBLE), 0]
    assert patient_readouts(res)["solver_status"].tolist() == ["ok", "not_eligible", "ok"]
    out = patient_outcomes(res, visits=(30, 90), follow_up_days=120,
                           baseline={"anti_dsdna": cohort.y0[:, 0], "c3": cohort.y0[:, 0]},
                           endpoints=("doris",))
    assert out["numerically_failed"].tolist() == [0.0, 0.0, 0.0]
    assert np.isnan(out["doris@d90"].iloc[1]) and not np.isnan(out["doris@d90"].iloc[0])


def test_unsatisfiable_inclusion_is_refused_by_a_pilot_draw() -> None:
    spec = CohortSpec(inclusion=InclusionCriteria(min_anti_dsdna_iu_per_ml=9000.0))
    with pytest.raises(InputError, match=r"^population\.inclusion: no candidate met the inclusion "
                                         r"criteria in a pilot draw of 20 patients"):
        check_inclusion_satisfiable(load_parameters(), spec, seed=1)
    assert check_inclusion_satisfiable(load_parameters(), CohortSpec(), seed=1) == 1.0


@pytest.mark.parametrize("command", ["simulate", "trial"])
def test_cli_refuses_unsatisfiable_inclusion_with_no_output(command: str, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    if command == "simulate":
        text = ('[run]\nn = 4\n[population.inclusion]\nmin_anti_dsdna_iu_per_ml = 9000\n'
                '[[arm]]\nname = "car_t"\nlymphodepletion = "flu_cy"\ncar_t = { dose_per_kg = 1e6 }\n')
    else:
        text = ('[trial]\nname = "t"\n[population]\nn_per_arm = 4\n[population.inclusion]\n'
                'min_anti_dsdna_iu_per_ml = 9000\n[schedule]\nfollow_up_days = 60\nvisits = [30]\n'
                '[[arm]]\nname = "car_t"\nlymphodepletion = "flu_cy"\ncar_t = { dose_per_kg = 1e6 }\n')
    cfg = tmp_path / "c.toml"
    cfg.write_text(text)
    out = tmp_path / "out"
    assert main([command, str(cfg), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "population.inclusion: no candidate met" in err
    assert not out.exists()


def test_calibration_csv_is_written_whenever_the_arms_allow(tmp_path: Path) -> None:
    import pandas as pd

    text = ('[run]\nn = 12\nseed = 3\n[schedule]\nfollow_up_days = 730\n'
            '[[arm]]\nname = "car_t"\nlymphodepletion = "flu_cy"\ncar_t = { dose_per_kg = 1e6 }\n'
            '[[arm]]\nname = "untreated"\nbackground = "refractory_standard_of_care"\n')
    cfg = tmp_path / "c.toml"
    cfg.write_text(text)
    tables = {}
    for save in ("full", "visits", "summary"):
        out = tmp_path / save
        assert main(["simulate", str(cfg), "--out", str(out), "--save", save]) == 0
        tables[save] = pd.read_csv(out / "calibration.csv")
        manifest = pd.read_json(out / "manifest.json", typ="series")
        assert manifest["calibration_patients"] == 12
        if save != "summary":  # every drawable calibration target is marked, with its source
            html = (out / "report.html").read_text(encoding="utf-8")
            from immunoreset.report._targets import TARGET_MARKS

            for target, *_ in TARGET_MARKS:
                assert f"[{target}]" in html, target
    # 12 patients <= CALIBRATION_PATIENTS: the re-solved sample is the whole cohort
    pd.testing.assert_frame_equal(tables["visits"], tables["full"])
    pd.testing.assert_frame_equal(tables["summary"], tables["full"])


def test_no_calibration_csv_when_the_schedule_misses_the_target_days(tmp_path: Path) -> None:
    text = ('[run]\nn = 3\n[schedule]\nfollow_up_days = 60\nvisits = [-7, 0, 60]\n'
            '[[arm]]\nname = "car_t"\nlymphodepletion = "flu_cy"\ncar_t = { dose_per_kg = 1e6 }\n'
            '[[arm]]\nname = "untreated"\nbackground = "refractory_standard_of_care"\n')
    cfg = tmp_path / "c.toml"
    cfg.write_text(text)
    assert main(["simulate", str(cfg), "--out", str(tmp_path / "o")]) == 0
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == [
        "manifest.json", "patients.parquet", "report.html", "trajectories.parquet"]
