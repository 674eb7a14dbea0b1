"""``immunoreset parameters`` lists the packaged parameters with their provenance."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from immunoreset.cli import main
from immunoreset.model import SPECS, load_parameters


def test_csv_lists_every_parameter_with_value_and_source(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parameters", "--format", "csv"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert list(table["name"]) == [s.name for s in SPECS]
    ps = load_parameters()
    assert table.set_index("name")["value"].to_dict() == pytest.approx({p.name: p.value for p in ps.parameters})
    assert table["source"].notna().all()


def test_status_filter_keeps_only_assumed_values_with_reasons(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parameters", "--status", "assumed", "--format", "csv"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert set(table["status"]) == {"assumed"}
    assert len(table) == len(load_parameters().by_status("assumed"))
    assert table["reason"].str.len().gt(0).all()
