"""``immunoreset trial``: outputs, and bad input as one line with exit status 2 and no output."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import immunoreset.cli as cli

from .helpers import EXAMPLES, MINIMAL


@pytest.fixture(autouse=True)
def _trial_command(monkeypatch) -> None:
    # Until "trial" is in cli.COMMANDS, register it for these tests.
    if "trial" not in cli.COMMANDS:
        monkeypatch.setattr(cli, "COMMANDS", (*cli.COMMANDS, "trial"))


def test_trial_command_writes_every_output(tmp_path, capsys) -> None:
    out = tmp_path / "run"
    rc = cli.main(["trial", str(EXAMPLES / "erlangen_replication.toml"), "--out", str(out),
                   "--n", "8", "--replicates", "1"])
    assert rc == 0
    for f in ("endpoints.csv", "differences.csv", "patients.parquet", "km_curves.csv",
              "replicates.csv", "success.csv", "report.html", "manifest.json"):
        assert (out / f).is_file(), f
    ep = pd.read_csv(out / "endpoints.csv")
    assert list(ep.columns) == ["arm", "endpoint", "visit_day", "estimate", "ci_low", "ci_high", "n"]
    assert {"time_to_b_cell_return_median", "numerically_failed"} <= set(ep["endpoint"])
    diff = pd.read_csv(out / "differences.csv")
    assert set(diff["arm"]) == {"car_t"} and set(diff["reference"]) == {"untreated"}
    patients = pd.read_parquet(out / "patients.parquet")
    assert len(patients) == 16 and {"doris@d90", "solver_status"} <= set(patients.columns)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 1 and manifest["n_per_arm"] == 8
    assert "--n 8" in manifest["command"]
    report = (out / "report.html").read_text()
    assert "Kaplan–Meier" in report and "Forest plot" in report and "manifest.json" in report
    assert "http://" not in report and "<script" not in report
    assert "DORIS remission" in capsys.readouterr().out


@pytest.mark.parametrize(("edit", "message"), [
    (lambda s: s + '\n[endpoints]\ninclude = ["dors"]\n', "unknown endpoint 'dors'"),
    (lambda s: s.replace("dose_per_kg = 1e6", "dose_per_kg = -1"), "expected a number > 0"),
    (lambda s: s.replace("visits = [30, 90]", "visits = [30, 121]"), "within follow-up"),
])
def test_bad_spec_exits_2_with_one_line_and_creates_nothing(tmp_path, capsys, edit, message) -> None:
    spec = tmp_path / "bad.toml"
    spec.write_text(edit(MINIMAL), encoding="utf-8")
    out = tmp_path / "run"
    assert cli.main(["trial", str(spec), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and err.startswith("immunoreset trial: error:")
    assert not out.exists()


def test_non_empty_output_folder_is_refused_before_simulating(tmp_path, capsys) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "x").write_text("keep")
    spec = tmp_path / "ok.toml"
    spec.write_text(MINIMAL, encoding="utf-8")
    assert cli.main(["trial", str(spec), "--out", str(out)]) == 2
    assert sorted(p.name for p in out.iterdir()) == ["x"]
