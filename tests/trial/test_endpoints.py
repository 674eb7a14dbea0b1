"""Endpoint definitions on constructed trajectories (no solver involved)."""

from __future__ import annotations

import numpy as np
import pytest

from immunoreset.engine import SolveStatus
from immunoreset.simulation import ArmResult
from immunoreset.therapy import Regimen
from immunoreset.trial import patient_outcomes

DAYS = np.arange(-7, 101, dtype=np.float64)
VISITS = (30, 90)


def _arm(**series: np.ndarray) -> ArmResult:
    """Three patients; every variable flat unless given as ``(3, len(DAYS))``."""
    n, m = 3, DAYS.size
    values = {
        "doris": np.zeros((n, m)), "sledai_2k": np.full((n, m), 12.0),
        "anti_dsdna": np.full((n, m), 200.0), "c3": np.full((n, m), 0.6),
        "b_cells_blood": np.full((n, m), 150.0), "vaccine_igg": np.ones((n, m)),
        "crs_grade": np.zeros((n, m)), "drug_free_doris": np.zeros((n, m)),
        "car_t_blood": np.zeros((n, m)),
    }
    values.update(series)
    status = np.array([SolveStatus.OK, SolveStatus.OK, SolveStatus.MAX_STEPS], dtype=np.int8)
    for v in values.values():
        v[2] = np.nan  # patient 3 failed numerically: NaN everywhere
    return ArmResult("car_t", Regimen("car_t"), ("p1", "p2", "p3"), DAYS, values, status,
                     np.zeros(n, dtype=np.int64))


def _outcomes(arm: ArmResult, endpoints: tuple[str, ...], *, baseline: dict | None = None):
    base = baseline or {"anti_dsdna": np.array([200.0, 10.0, 200.0]),
                        "c3": np.array([0.6, 1.2, 0.6])}
    scores = {"lldas": np.array([[1, 0], [0, 0], [np.nan, np.nan]]),
              "sri4": np.array([[1, 1], [0, 1], [np.nan, np.nan]])}
    return patient_outcomes(arm, visits=VISITS, follow_up_days=100, baseline=base,
                            visit_scores=scores, endpoints=endpoints)


def _series(rows: list[list[tuple[float, float, float]]], default: float) -> np.ndarray:
    """Piecewise-constant series: per patient a list of (from_day, to_day, value)."""
    out = np.full((3, DAYS.size), default)
    for i, pieces in enumerate(rows):
        for lo, hi, val in pieces:
            out[i, (DAYS >= lo) & (DAYS <= hi)] = val
    return out


def test_doris_at_visit_and_failed_patient_is_a_non_responder() -> None:
    doris = _series([[(20, 100, 1.0)], [(60, 100, 1.0)], []], 0.0)
    out = _outcomes(_arm(doris=doris), ("doris",))
    assert out["doris@d30"].tolist() == [1.0, 0.0, 0.0]
    assert out["doris@d90"].tolist() == [1.0, 1.0, 0.0]
    assert out["numerically_failed"].tolist() == [0.0, 0.0, 1.0]
    assert out["solver_status"].tolist() == ["ok", "ok", "max_steps"]


def test_sledai_change_is_visit_minus_baseline_and_failed_patients_are_left_out() -> None:
    sledai = _series([[(0, 100, 2.0)], [(50, 100, 8.0)], []], 12.0)
    out = _outcomes(_arm(sledai_2k=sledai), ("sledai_2k_change",))
    assert out["sledai_2k_change@d30"].tolist()[:2] == [-10.0, 0.0]
    assert out["sledai_2k_change@d90"].tolist()[:2] == [-10.0, -4.0]
    assert np.isnan(out["sledai_2k_change@d90"].iloc[2])


def test_seroconversion_and_c3_normalisation_only_count_eligible_patients() -> None:
    ads = _series([[(25, 100, 12.0)], [], []], 200.0)
    c3 = _series([[(80, 100, 1.0)], [], []], 0.6)
    out = _outcomes(_arm(anti_dsdna=ads, c3=c3), ("anti_dsdna_seroconversion", "c3_normalisation"))
    # p2 was negative / normal at baseline: not eligible; p3 failed: non-responder.
    assert out["anti_dsdna_seroconversion@d30"].tolist()[0::2] == [1.0, 0.0]
    assert np.isnan(out["anti_dsdna_seroconversion@d30"].iloc[1])
    assert out["c3_normalisation@d30"].iloc[0] == 0.0 and out["c3_normalisation@d90"].iloc[0] == 1.0
    assert np.isnan(out["c3_normalisation@d90"].iloc[1])


def test_b_cell_return_and_aplasia_duration_with_censoring() -> None:
    b = _series([[(2, 60, 0.5)], [(5, 100, 0.1)], []], 150.0)
    out = _outcomes(_arm(b_cells_blood=b), ("time_to_b_cell_return", "b_cell_aplasia_duration",
                                            "b_cell_aplasia"))
    t, e = out["time_to_b_cell_return.time"], out["time_to_b_cell_return.event"]
    assert (t.iloc[0], e.iloc[0]) == (61.0, 1.0)     # return on day 61
    assert (t.iloc[1], e.iloc[1]) == (100.0, 0.0)    # censored at end of follow-up
    assert np.isnan(t.iloc[2])                        # failed: not in the KM analysis
    d = out["b_cell_aplasia_duration.time"]
    assert d.iloc[0] == 61.0 - 2.0 and d.iloc[1] == 100.0 - 5.0
    assert out["b_cell_aplasia@d30"].tolist()[:2] == [1.0, 1.0]
    assert np.isnan(out["b_cell_aplasia@d30"].iloc[2])  # descriptive: failed left out


def test_b_cell_return_not_at_risk_without_aplasia() -> None:
    out = _outcomes(_arm(), ("time_to_b_cell_return",))
    assert out["time_to_b_cell_return.time"].isna().all()


def test_relapse_free_survival_counts_loss_of_doris_after_reaching_it() -> None:
    doris = _series([[(10, 40, 1.0)], [(20, 100, 1.0)], []], 0.0)
    out = _outcomes(_arm(doris=doris), ("relapse_free_survival",))
    t, e = out["relapse_free_survival.time"], out["relapse_free_survival.event"]
    assert (t.iloc[0], e.iloc[0]) == (41.0 - 10.0, 1.0)
    assert (t.iloc[1], e.iloc[1]) == (100.0 - 20.0, 0.0)


def test_crs_thresholds_over_follow_up_and_failed_patient_counts_as_event() -> None:
    crs = _series([[(5, 8, 2.0)], [(3, 3, 1.0)], []], 0.0)
    out = _outcomes(_arm(crs_grade=crs), ("crs_grade_ge1", "crs_grade_ge2", "crs_grade_ge3", "icans"))
    assert out["crs_grade_ge1"].tolist() == [1.0, 1.0, 1.0]
    assert out["crs_grade_ge2"].tolist() == [1.0, 0.0, 1.0]
    assert out["crs_grade_ge3"].tolist() == [0.0, 0.0, 1.0]
    assert out["icans"].tolist() == [0.0, 0.0, 1.0]  # 0 by construction; failed: worst case


def test_vaccine_titre_loss_is_a_fourfold_fall() -> None:
    vac = _series([[(20, 100, 0.2)], [(20, 100, 0.3)], []], 1.0)
    out = _outcomes(_arm(vaccine_igg=vac), ("vaccine_titre_loss",))
    assert out["vaccine_titre_loss@d30"].tolist() == [1.0, 0.0, 1.0]


def test_lldas_and_sri4_come_from_the_scored_visits() -> None:
    out = _outcomes(_arm(), ("lldas", "sri4"))
    assert out["lldas@d30"].tolist() == [1.0, 0.0, 0.0]
    assert out["sri4@d90"].tolist() == [1.0, 1.0, 0.0]


def test_visit_that_is_not_simulated_is_an_error() -> None:
    with pytest.raises(ValueError, match="visit day 200"):
        patient_outcomes(_arm(), visits=(200,), follow_up_days=100,
                         baseline={"anti_dsdna": np.ones(3), "c3": np.ones(3)}, endpoints=("doris",))
