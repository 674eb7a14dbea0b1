"""The read-out fidelity contract: the default solver meets it, and it catches each change.

The contract (``immunoreset.simulation._fidelity``) compares a run with a tight reference
run of the same patients on the clinical read-outs. The first test is the one that
``make test`` relies on to keep ``DEFAULT_SOLVER`` honest (the full measurement, on every
example and 2,000 patients per arm, is ``benchmarks/tolerance.py``); the others show
that each kind of check fails when it should, on changes made by hand to a reference run.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from immunoreset.engine import SolverSettings, SolveStatus
from immunoreset.errors import InputError
from immunoreset.model import load_parameters
from immunoreset.population import sample_cohort
from immunoreset.simulation import (
    DEFAULT_SOLVER,
    REFERENCE_SOLVER,
    ArmResult,
    FidelityContract,
    FidelityReport,
    check_fidelity,
    simulate_arm,
    sledai_band,
)
from immunoreset.therapy import Regimen

N_PATIENTS = 40


@pytest.fixture(scope="module")
def cohort():  # type: ignore[no-untyped-def]
    return sample_cohort(N_PATIENTS, load_parameters(), seed=17)


@pytest.fixture(scope="module")
def reference(cohort):  # type: ignore[no-untyped-def]
    return {r.name: simulate_arm(cohort, r, settings=REFERENCE_SOLVER)
            for r in (Regimen.erlangen_car_t(), Regimen.refractory_background())}


def _with(result: ArmResult, **values: np.ndarray) -> ArmResult:
    return dataclasses.replace(result, values={**result.values, **values})


def _failing(report: FidelityReport) -> dict[str, int]:
    return dict(zip(report.failures()["readout"], report.failures()["violations"], strict=True))


def test_the_default_solver_meets_the_fidelity_contract_against_a_tight_reference(
        cohort, reference) -> None:  # type: ignore[no-untyped-def]
    reports = []
    for ref in reference.values():
        run = simulate_arm(cohort, ref.regimen, settings=DEFAULT_SOLVER)
        reports.append(check_fidelity(ref, run, cohort))
    report = FidelityReport.concat(reports)
    assert report.passed, str(report)
    # Every kind of read-out was compared, on every solved patient of both arms.
    assert set(report.table["kind"]) == {"visit_category", "follow_up_category", "event_day",
                                         "continuous"}
    assert {"doris", "drug_free_doris", "sledai_2k_band", "clinical_sledai_band", "lldas",
            "crs_grade", "b_cell_aplasia", "anti_dsdna_positive", "c3_low", "max_crs_grade",
            "b_cell_return_day", "car_t_peak_day", "car_t_peak", "c3"} <= set(report.table["readout"])
    assert (report.table["patients"] > 0).all()


def test_a_loose_tolerance_breaks_the_contract(cohort, reference) -> None:  # type: ignore[no-untyped-def]
    ref = reference["car_t"]
    loose = simulate_arm(cohort, ref.regimen, settings=SolverSettings(rtol=0.1, atol=1e-4))
    report = check_fidelity(ref, loose, cohort)
    assert not report.passed
    assert "continuous" in set(report.failures()["kind"])


def test_a_run_compared_with_itself_meets_the_contract_with_nothing_moved(
        cohort, reference) -> None:  # type: ignore[no-untyped-def]
    ref = reference["car_t"]
    report = check_fidelity(ref, ref, cohort)
    assert report.passed
    assert (report.table["worst"] == 0).all() and (report.table["moved"] == 0).all()


def test_one_changed_doris_visit_is_one_category_violation(cohort, reference) -> None:  # type: ignore[no-untyped-def]
    ref = reference["car_t"]
    doris = ref.values["doris"].copy()
    j = int(np.searchsorted(ref.days, 90.0))
    doris[3, j] = 1.0 - doris[3, j]
    report = check_fidelity(ref, _with(ref, doris=doris), cohort)
    failing = _failing(report)
    assert failing.pop("doris") == 1
    # A day-90 flip also moves the first remission or its loss, which are event days.
    assert set(failing) <= {"first_doris_day", "doris_loss_day"}
    assert f"{ref.patient_ids[3]} day 90" in report.failures()["example"].iloc[0]


def test_event_days_may_move_by_one_day_but_not_two(cohort, reference) -> None:  # type: ignore[no-untyped-def]
    ref = reference["car_t"]
    b = ref.values["b_cells_blood"]
    k = int(np.flatnonzero(~np.isnan(_return_days(ref)))[0])

    def delayed(days: int) -> ArmResult:
        moved = b.copy()
        moved[k, days:] = b[k, :-days]  # the whole course of patient k, `days` later
        moved[k, :days] = b[k, 0]
        return _with(ref, b_cells_blood=moved)

    one = check_fidelity(ref, delayed(1), cohort).table.set_index("readout")
    assert one.loc["b_cell_return_day", "passed"] and one.loc["b_cell_return_day", "moved"] == 1
    two = _failing(check_fidelity(ref, delayed(2), cohort))
    assert two["b_cell_return_day"] == 1


def _return_days(res: ArmResult) -> np.ndarray:
    from immunoreset.simulation import b_cell_return_days

    return b_cell_return_days(res.values["b_cells_blood"], res.days)


def test_continuous_values_may_differ_by_under_one_percent(cohort, reference) -> None:  # type: ignore[no-untyped-def]
    ref = reference["untreated"]
    for factor, breaks in ((1.009, False), (1.011, True)):
        c3 = ref.values["c3"].copy()
        c3[5] *= factor
        failing = _failing(check_fidelity(ref, _with(ref, c3=c3), cohort))
        assert (failing.get("c3") == 1) is breaks
        assert set(failing) - {"c3", "c3_low"} == set()


def test_the_floor_bounds_the_difference_of_values_near_zero(cohort, reference) -> None:  # type: ignore[no-untyped-def]
    ref = reference["car_t"]
    car = ref.values["car_t_blood"].copy()
    j = int(np.searchsorted(ref.days, 365.0))
    small = ref.values["car_t_blood"][:, j] < 0.5  # far below the 1 cell/µL floor
    assert small.any()
    car[small, j] += 0.009  # 0.9 % of the floor: allowed
    assert check_fidelity(ref, _with(ref, car_t_blood=car), cohort).passed
    car[small, j] += 0.002  # 1.1 % of the floor
    assert _failing(check_fidelity(ref, _with(ref, car_t_blood=car), cohort)) == {
        "car_t_blood": int(small.sum())}


def test_a_patient_failing_in_one_run_only_is_a_solver_status_change(cohort, reference) -> None:  # type: ignore[no-untyped-def]
    ref = reference["untreated"]
    status = ref.status.copy()
    status[0] = SolveStatus.MAX_STEPS
    failing = _failing(check_fidelity(ref, dataclasses.replace(ref, status=status), cohort))
    assert failing == {"solver_status": 1}


def test_sledai_bands_follow_the_published_cut_offs() -> None:
    scores = np.array([0, 1, 5, 6, 10, 11, 19, 20, 105, np.nan])
    assert sledai_band(scores).tolist() == [0, 1, 1, 2, 2, 3, 3, 4, 4, -1]


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"rtol": 0.0}, r"FidelityContract.rtol: got 0.0"),
    ({"event_days": -1.0}, r"FidelityContract.event_days: got -1.0"),
    ({"visit_days": ()}, r"FidelityContract.visit_days: got none"),
    ({"floors": {"g/L": 0.0}}, r"FidelityContract.floors\['g/L'\]: got 0.0"),
])
def test_a_bad_contract_is_refused_naming_the_field(kwargs, match) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match=match):
        FidelityContract(**kwargs)


def test_runs_of_different_patients_are_refused(cohort, reference) -> None:  # type: ignore[no-untyped-def]
    ref = reference["untreated"]
    other = sample_cohort(N_PATIENTS, load_parameters(), seed=18, first_index=N_PATIENTS)
    with pytest.raises(ValueError, match="not of this cohort's patients"):
        check_fidelity(ref, ref, other)
