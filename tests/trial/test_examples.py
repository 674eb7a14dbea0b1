"""The three example trials at small N (as CI runs them): the run works end to end and the
published Erlangen outcome holds."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from immunoreset.trial import TrialResult, load_trial_spec, run_trial

from .helpers import EXAMPLES


def _small(name: str, n: int = 20, replicates: int = 2, n_rep: int = 8):
    spec = load_trial_spec(EXAMPLES / f"{name}.toml")
    return dataclasses.replace(
        spec, population=dataclasses.replace(spec.population, n_per_arm=n),
        replicates=dataclasses.replace(spec.replicates, n=replicates, n_per_arm=n_rep))


@pytest.fixture(scope="module")
def erlangen() -> TrialResult:
    return run_trial(_small("erlangen_replication"), progress=False)


def test_erlangen_replication_reproduces_doris_at_day_90(erlangen: TrialResult) -> None:
    car = erlangen.estimate("car_t", "doris", 90)
    unt = erlangen.estimate("untreated", "doris", 90)
    assert car.estimate >= 0.95 and unt.estimate < 0.10
    assert car.ci_low < car.estimate <= car.ci_high and car.n == 20
    diff = erlangen.differences
    row = diff[(diff.endpoint == "doris") & (diff.visit_day == 90)].iloc[0]
    assert row.ci_low > 0.5  # paired Newcombe interval excludes no effect by far


def test_erlangen_replicates_give_a_probability_of_success(erlangen: TrialResult) -> None:
    s = erlangen.success
    assert len(s) == 3 and (s["n_replicates"] == 2).all()
    assert s["probability"].between(0, 1).all()
    assert set(erlangen.replicates["replicate"]) == {1, 2}


def test_car_t_peak_is_not_applicable_without_car_t(erlangen: TrialResult) -> None:
    p = erlangen.patients
    assert p.loc[p.arm == "untreated", "car_t_peak"].isna().all()
    assert (p.loc[p.arm == "car_t", "car_t_peak"] > 1.0).all()  # cells/µL: a real expansion
    row = erlangen.endpoints.query("arm == 'untreated' and endpoint == 'car_t_peak'").iloc[0]
    assert row["n"] == 0 and np.isnan(row["estimate"])


def test_result_renders_as_a_table(erlangen: TrialResult) -> None:
    text = erlangen.summary_text()
    assert list(text.columns) == ["car_t", "untreated"]
    assert text.loc[("DORIS remission", "day 90"), "car_t"].startswith("100%")
    numbers = erlangen.summary()
    assert list(numbers.columns.get_level_values("arm").unique()) == ["car_t", "untreated"]
    assert set(numbers.dtypes) == {np.dtype(float)}
    row = erlangen.estimate("car_t", "doris", 90)
    assert numbers.loc[("DORIS remission", "day 90"), ("car_t", "estimate")] == row["estimate"]
    assert numbers.loc[("DORIS remission", "day 90"), ("car_t", "n")] == row["n"]
    md = erlangen.to_markdown()
    assert "| DORIS remission | day 90 |" in md
    assert "TrialResult('erlangen_replication'" in repr(erlangen)


def test_paired_arms_share_patients(erlangen: TrialResult) -> None:
    p = erlangen.patients
    ids = [list(p[p.arm == a]["patient_id"]) for a in ("car_t", "untreated")]
    assert ids[0] == ids[1]
    base = p.groupby("arm")["baseline_sledai_2k"].apply(list)
    assert base["car_t"] == base["untreated"]


def test_dose_finding_reports_a_dose_response() -> None:
    result = run_trial(_small("dose_finding", n=10, replicates=1, n_rep=5), progress=False)
    dr = result.dose_response
    doses = sorted(set(dr["dose"]))
    assert doses == [1e5, 3e5, 1e6, 3e6, 1e7]
    peak = dr[dr.endpoint == "car_t_peak"].sort_values("dose")["estimate"].to_numpy()
    assert np.all(np.diff(peak) > 0)  # expansion rises with dose
    html = result.to_html()
    assert "Dose–response of arm family" in html


def test_lymphodepletion_example_runs() -> None:
    result = run_trial(_small("lymphodepletion", n=8, replicates=1, n_rep=4), progress=False)
    assert set(result.endpoints["arm"]) == {"standard", "flu30_cy300", "cy_alone",
                                            "no_lymphodepletion"}
    assert set(result.differences["reference"]) == {"standard"}
    failed = result.endpoints[result.endpoints.endpoint == "numerically_failed"]
    assert len(failed) == 4


def test_kaplan_meier_plots_have_a_number_at_risk_table(erlangen: TrialResult) -> None:
    from immunoreset.trial._report import number_at_risk

    table = number_at_risk(erlangen, "time_to_b_cell_return")
    p = erlangen.patients
    times = p.loc[p.arm == "car_t", "time_to_b_cell_return.time"].dropna()
    assert list(table.columns) == ["arm", "day 0", "day 91", "day 182", "day 274", "day 365"]
    car = table.set_index("arm").loc["CD19 CAR-T"]
    assert car["day 0"] == len(times) and car["day 182"] == int((times >= 182).sum())
    assert list(car) == sorted(car, reverse=True)  # never increases
    assert "Number at risk" in erlangen.to_html()


def test_report_tables_round_numbers(erlangen: TrialResult) -> None:
    import re

    html = erlangen.to_html()
    cells = re.findall(r'<td class="num">([^<]*)</td>', html)
    assert cells and not [c for c in cells if re.search(r"\d\.\d{4,}", c)]
