"""Data tables: units converted with pint, bad rows refused with file, line, column, value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from immunoreset.errors import InputError
from immunoreset.estimation import (
    observable_catalogue,
    read_covariates,
    read_dosing,
    read_observations,
)

from .toy import toy


def _table(**changes: object) -> pd.DataFrame:
    row = {"patient_id": "a", "day": "7", "observable": "toy_cells", "value": "12", "unit": "cells/uL"}
    row.update({k: str(v) for k, v in changes.items()})
    return pd.DataFrame([row])


def _read(df: pd.DataFrame):  # type: ignore[no-untyped-def]
    return read_observations(df, observable_catalogue(toy()[0]), name="obs.csv")


def test_values_are_converted_to_the_observables_unit() -> None:
    obs = _read(_table(value="3", unit="10^3 cells/mL"))  # 3000 cells/mL = 3 cells/uL
    assert obs.table["value"].iloc[0] == pytest.approx(3.0)
    obs = _read(_table(value="2", unit="cells/nL"))
    assert obs.table["value"].iloc[0] == pytest.approx(2000.0)


def test_values_below_the_limit_are_censored() -> None:
    obs = _read(pd.concat([_table(value="", lloq="1"), _table(value="0.4", lloq="1", day="8"),
                           _table(value="5", lloq="1", day="9")]))
    assert obs.table["blq"].tolist() == [True, True, False]
    assert np.isnan(obs.table["value"].iloc[0]) and obs.table["lloq"].iloc[1] == 1.0


@pytest.mark.parametrize(("change", "message"), [
    ({"value": "abc"}, r"obs.csv line 2, column 'value': got 'abc', expected a number"),
    ({"unit": "g/L"}, r"line 2, column 'unit': got 'g/L' for toy_cells, expected a unit convertible to 'cell/uL'"),
    ({"observable": "b_cell"}, r"column 'observable': got 'b_cell', expected an observable"),
    ({"observable": "sledai_2k"}, r"a clinical score"),
    ({"day": "99999"}, r"column 'day': got 99999"),
    ({"value": "-3"}, r"column 'value': got -3, expected a value >= 0"),
    ({"value": ""}, r"empty and no lloq"),
])
def test_a_bad_row_is_one_line_naming_line_column_and_value(change, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match=message):
        _read(_table(**change))


def test_a_missing_column_is_named() -> None:
    with pytest.raises(InputError, match=r"missing column 'unit'"):
        _read(_table().drop(columns="unit"))


def test_covariates_and_dosing_are_checked() -> None:
    cov = read_covariates(pd.DataFrame([{"patient_id": "a", "height_cm": "170", "weight_kg": "70"}]))
    assert cov.row("a")["weight_kg"] == 70.0
    with pytest.raises(InputError, match=r"column 'weight_kg': got 7000"):
        read_covariates(pd.DataFrame([{"patient_id": "a", "height_cm": "170", "weight_kg": "7000"}]))
    model = toy()[0]
    dos = read_dosing(pd.DataFrame([{"patient_id": "a", "day": "0", "state": "toy_drug",
                                     "amount": "2", "unit": "g/L"}]), model)
    assert dos.of("a") == ((0.0, model.state_index["toy_drug"], 2000.0),)
    with pytest.raises(InputError, match=r"column 'state': got 'drug'"):
        read_dosing(pd.DataFrame([{"patient_id": "a", "day": "0", "state": "drug",
                                   "amount": "2", "unit": "mg/L"}]), model)
