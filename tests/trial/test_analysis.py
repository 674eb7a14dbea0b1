"""Endpoint and difference tables from a constructed per-patient table."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from immunoreset.trial import (
    ENDPOINT_COLUMNS,
    clopper_pearson,
    difference_table,
    endpoint_table,
    load_trial_spec,
    newcombe_paired,
    newcombe_unpaired,
)

from .helpers import MINIMAL


@pytest.fixture
def spec(write_spec):
    s = load_trial_spec(write_spec(MINIMAL))
    return dataclasses.replace(s, endpoints=("doris", "relapse_free_survival"))


def _patients() -> pd.DataFrame:
    ids = [f"p{i}" for i in range(10)]
    car = pd.DataFrame({"patient_id": ids, "arm": "car_t",
                        "doris@d30": [1, 1, 1, 0, 0, 0, 0, 0, 0, 0],
                        "doris@d90": [1, 1, 1, 1, 1, 1, 1, 1, 1, 0],
                        "numerically_failed": [0] * 9 + [1],
                        "relapse_free_survival.time": [10, 20, 30, 40, 50, 60, 70, 80, 90, np.nan],
                        "relapse_free_survival.event": [1, 0, 1, 0, 0, 0, 0, 0, 0, np.nan]})
    unt = pd.DataFrame({"patient_id": ids, "arm": "untreated",
                        "doris@d30": [0] * 10, "doris@d90": [1] + [0] * 9,
                        "numerically_failed": [0] * 10,
                        "relapse_free_survival.time": [5] + [np.nan] * 9,
                        "relapse_free_survival.event": [0] + [np.nan] * 9})
    return pd.concat([car, unt], ignore_index=True).astype({"doris@d30": float, "doris@d90": float})


def test_endpoint_table_has_the_documented_columns_and_exact_intervals(spec) -> None:
    t = endpoint_table(_patients(), spec)
    assert tuple(t.columns) == ENDPOINT_COLUMNS
    row = t[(t.arm == "car_t") & (t.endpoint == "doris") & (t.visit_day == 90)].iloc[0]
    lo, hi = (float(v) for v in clopper_pearson(9, 10))
    assert (row.estimate, row.ci_low, row.ci_high, row.n) == pytest.approx((0.9, lo, hi, 10))
    failed = t[(t.arm == "car_t") & (t.endpoint == "numerically_failed")].iloc[0]
    assert failed.estimate == pytest.approx(0.1)
    med = t[(t.arm == "car_t") & (t.endpoint == "relapse_free_survival_median")].iloc[0]
    assert np.isinf(med.estimate) and med.n == 9 and pd.isna(med.visit_day)
    km = t[(t.arm == "car_t") & (t.endpoint == "relapse_free_survival_km") & (t.visit_day == 30)].iloc[0]
    assert km.estimate == pytest.approx((8 / 9) * (6 / 7))


def test_wilson_intervals_when_asked(spec) -> None:
    t = endpoint_table(_patients(), dataclasses.replace(spec, interval="wilson"))
    row = t[(t.arm == "car_t") & (t.endpoint == "doris") & (t.visit_day == 30)].iloc[0]
    assert row.ci_low == pytest.approx(0.1078, abs=1e-4) and row.ci_high == pytest.approx(0.6032, abs=1e-4)


def test_paired_differences_use_newcombe_paired(spec) -> None:
    p = _patients()
    d = difference_table(p, spec)
    row = d[(d.endpoint == "doris") & (d.visit_day == 90)].iloc[0]
    car = p[p.arm == "car_t"]["doris@d90"].to_numpy() > 0.5
    unt = p[p.arm == "untreated"]["doris@d90"].to_numpy() > 0.5
    assert (row.estimate, row.ci_low, row.ci_high) == pytest.approx(newcombe_paired(car, unt))
    assert row.method == "newcombe_paired" and row.reference == "untreated" and row.n == 10


def test_unpaired_differences_use_newcombe_unpaired(spec) -> None:
    d = difference_table(_patients(), dataclasses.replace(spec, paired=False))
    row = d[(d.endpoint == "doris") & (d.visit_day == 90)].iloc[0]
    assert (row.estimate, row.ci_low, row.ci_high) == pytest.approx(newcombe_unpaired(9, 10, 1, 10))
    assert row.method == "newcombe_unpaired"
