"""Bad therapy input in a trial spec: one line naming the field, exit status 2, nothing
written; and ``immunoreset parameters --therapies`` lists every therapy parameter."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from immunoreset.cli import main
from immunoreset.model import module_parameter_file
from immunoreset.model.therapies import THERAPY_FOLDER

BASE = """[trial]
name = "t"
seed = 1
[population]
n_per_arm = 4
[schedule]
follow_up_days = 90
visits = [28, 90]
[[arm]]
name = "a"
background = "none"
"""


@pytest.mark.parametrize(("arm", "message"), [
    ('drugs = ["rituximab_forever"]', "arm[0].drugs[0]: got 'rituximab_forever', expected a named drug regimen"),
    ('drugs = [{ drug = "aspirin", doses = [1], days = [0] }]', "arm[0].drugs[0].drug: got 'aspirin', expected a drug of the catalogue"),
    ('drugs = [{ drug = "rituximab", doses = [1000], days = [0], unit = "g" }]', "arm[0].drugs[0].unit: got 'g', expected one of 'mg', 'mg/m2' or 'mg/kg'"),
    ('drugs = [{ drug = "rituximab", doses = [1000, 1000], days = [0] }]', "arm[0].drugs[0].days: got 1 days for 2 doses"),
    ('drugs = [{ drug = "glucocorticoid", doses = [10], days = [0] }]', "arm[0].drugs[0].doses: glucocorticoid is not given as a bolus"),
    ('drugs = ["gc_lunar", "gc_regency"]', "give glucocorticoid at the same time"),
    ('car_t = { product = "CAR-X", dose_per_kg = 1e6 }', "arm[0].car_t.product: got 'CAR-X', expected a product of the catalogue"),
    ('car_t = { product = "ALLO-501", flat_dose = 1e8, anti_car_immunity = true }', "offers no anti-CAR immunity"),
    ('co_infusion = [{ product = "CT103A", dose_per_kg = 1e6 }]', "arm[0].co_infusion: given without car_t"),
])
def test_bad_therapy_input_is_one_line_exit_2_nothing_written(
        tmp_path: Path, arm: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "t.toml"
    spec.write_text(BASE + arm + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["trial", str(spec), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err, err
    assert not out.exists()


def test_parameters_therapies_lists_every_therapy_parameter_with_a_source(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parameters", "--therapies", "--status", "assumed", "--format", "csv"]) == 0
    assumed = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert assumed["reason"].str.len().gt(0).all()
    assert main(["parameters", "--therapies", "--format", "csv"]) == 0
    text = capsys.readouterr().out
    table = pd.read_csv(io.StringIO(text.split("\n\n")[0]))
    files = sorted(THERAPY_FOLDER.glob("*.toml"))
    expected = {p.name for f in files for p in module_parameter_file(f).parameters}
    assert expected and expected <= set(table["name"])
    assert table["source"].notna().all()
    assert "rituximab_ra" in text and "MB-CART19.1" in text and "flu40_cy500" in text
