"""SRI-4 (Furie 2009) against each patient's first visit: SLEDAI-2K reduction ≥ 4, no new
BILAG A, at most one new BILAG B, PGA increase < 0.3 (0-3 scale)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from immunoreset.clinical import score_visits

from .helpers import quiet_row, table

# Baseline: arthritis 4 + proteinuria 4 + rash 2 = SLEDAI-2K 10; renal A, musculoskeletal B.
BASELINE = {"present": ["arthritis", "proteinuria", "rash"], "pga": 1.0,
            "bilag": {"renal": "A", "musculoskeletal": "B"}}  # fmt: skip


def sri4_at(**follow_up: Any) -> Any:
    follow_up.setdefault("bilag", {"renal": "C", "musculoskeletal": "C"})
    rows = [quiet_row(day=0, **BASELINE), quiet_row(day=90, **follow_up)]
    return score_visits(table(*rows), instruments=["sri4"])["sri4"].tolist()


def test_sri4_is_missing_on_the_first_visit() -> None:
    first, _ = sri4_at(present=["rash"])
    assert first is pd.NA


@pytest.mark.parametrize(
    ("follow_up", "expected"),
    [
        ({"present": ["arthritis", "rash"]}, 1),  # 10 -> 6: reduction 4 (≥ 4)
        ({"present": ["arthritis", "rash", "fever"]}, 0),  # 10 -> 7: reduction 3
        ({"present": [], "bilag": {"renal": "C", "neuropsychiatric": "A"}}, 0),  # new A
        ({"present": [], "bilag": {"renal": "A"}}, 1),  # A at baseline too: not new
        ({"present": [], "bilag": {"renal": "B"}}, 1),  # A -> B is not a new B
        ({"present": [], "bilag": {"ophthalmic": "B"}}, 1),  # one new B allowed
        ({"present": [], "bilag": {"ophthalmic": "B", "haematological": "B"}}, 0),  # two
        ({"present": [], "bilag": {"musculoskeletal": "B", "ophthalmic": "B"}}, 1),  # B kept
        ({"present": [], "pga": 1.29}, 1),  # PGA rise 0.29 < 0.3
        ({"present": [], "pga": 1.3}, 0),  # rise 0.3 is not < 0.3
    ],
)
def test_follow_up_response_follows_each_published_clause(
    follow_up: dict[str, Any], expected: int
) -> None:
    assert sri4_at(**follow_up)[1] == expected


def test_a_pga_rise_of_exactly_0_3_is_not_lost_to_floating_point() -> None:
    # 0.7 - 0.4 evaluates to 0.29999999999999993 in binary floating point; the rule reads 0.3.
    rows = [quiet_row(day=0, **{**BASELINE, "pga": 0.4}), quiet_row(day=90, pga=0.7)]
    assert score_visits(table(*rows), instruments=["sri4"])["sri4"].tolist()[1] == 0


def test_baseline_is_the_earliest_day_not_the_first_row() -> None:
    rows = [quiet_row(day=90, present=["rash"]), quiet_row(day=0, **BASELINE),
            quiet_row(day=30, present=["arthritis", "proteinuria", "rash"])]  # fmt: skip
    result = score_visits(table(*rows), instruments=["sri4"])["sri4"].tolist()
    assert result == [1, pd.NA, 0]


def test_each_patient_has_its_own_baseline() -> None:
    rows = [quiet_row("A", 0, present=["proteinuria"]), quiet_row("B", 0),
            quiet_row("A", 30), quiet_row("B", 30)]  # fmt: skip
    result = score_visits(table(*rows), instruments=["sri4"])["sri4"]
    assert result.isna().tolist() == [True, True, False, False]
    assert result.iloc[2:].tolist() == [1, 0]  # A: 4 -> 0; B: 0 -> 0


def test_sri4_column_is_a_nullable_integer() -> None:
    rows = [quiet_row(day=0), quiet_row(day=1)]
    assert str(score_visits(table(*rows), instruments=["sri4"])["sri4"].dtype) == "Int8"
    assert np.isnan(np.asarray(
        score_visits(table(*rows), instruments=["sri4"])["sri4"], dtype=float))[0]
