"""``immunoreset simulate``: config validation before any output, and an end-to-end run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from immunoreset.cli import main
from immunoreset.engine._cuda import cuda_available
from immunoreset.errors import InputError
from immunoreset.simulation import load_study_config

GOOD = """
[run]
seed = 2
n = 6
last_day = 200

[parameters.values]
car_t_kill_rate = 15.0
[parameters.values.igg_elimination_rate]
value = 0.0011
unit = "1/hour"

[[arm]]
name = "car_t"
lymphodepletion = "flu_cy"
car_t_dose_per_kg = 1e6

[[arm]]
name = "ld_only"
lymphodepletion = "flu_cy"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "study.toml"
    path.write_text(text)
    return path


def test_good_config_is_parsed_with_units_converted(tmp_path: Path) -> None:
    spec, _, _ = load_study_config(_write(tmp_path, GOOD))
    assert list(spec.arms) == ["car_t", "ld_only"]
    assert spec.parameters.value("car_t_kill_rate") == 15.0
    assert spec.parameters.value("igg_elimination_rate") == pytest.approx(0.0264)
    assert spec.arms["ld_only"].car_t is None
    assert spec.days[0] == -7 and spec.days[-1] == 200


@pytest.mark.parametrize(("edit", "message"), [
    (("car_t_kill_rate = 15.0", "bogus_rate = 1.0"), r"parameters\.values\.bogus_rate: unknown parameter"),
    (("car_t_dose_per_kg = 1e6", "car_t_dose_per_kg = -1e6"), r"arm\[0\]\.car_t_dose_per_kg: got -1000000\.0"),
    (("n = 6\n", ""), r"run\.n: missing field"),
    (('unit = "1/hour"', 'unit = "g/L"'), r"igg_elimination_rate\.unit: got 'g/L'"),
    (("[run]", "[run"), r"malformed TOML"),
    (("seed = 2", "seed = 2\ncolour = 1"), r"run\.colour: unknown key"),
    (('lymphodepletion = "flu_cy"\ncar_t', 'lymphodepletion = "benda"\ncar_t'), r"arm\[0\]\.lymphodepletion: got 'benda'"),
])
def test_bad_config_is_one_clear_error(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    assert edit[0] in GOOD
    with pytest.raises(InputError, match=message):
        load_study_config(_write(tmp_path, GOOD.replace(edit[0], edit[1], 1)))


def test_cli_bad_config_exits_2_with_one_line_and_no_output(tmp_path: Path) -> None:
    cfg = _write(tmp_path, GOOD.replace("car_t_dose_per_kg = 1e6", "car_t_dose_per_kg = -1"))
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "immunoreset.cli", "simulate", str(cfg), "--out", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "car_t_dose_per_kg" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()


@pytest.mark.skipif(cuda_available(), reason="checks the refusal on a machine without a GPU")
def test_cli_cuda_solver_without_a_gpu_exits_2_before_any_output(tmp_path: Path) -> None:
    spec, _, _ = load_study_config(_write(tmp_path, GOOD + '\n[solver]\ndevice = "cpu"\n'))
    assert spec.solver.device == "cpu"
    cfg = _write(tmp_path, GOOD + '\n[solver]\ndevice = "cuda"\n')
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "immunoreset.cli", "simulate", str(cfg), "--out", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "solver.device: got 'cuda'" in proc.stderr
    assert not out.exists()


def test_simulate_runs_a_config_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(["simulate", str(_write(tmp_path, GOOD)), "--out", str(out)]) == 0
    assert {p.name for p in out.iterdir()} == {"trajectories.parquet", "patients.parquet",
                                              "report.html", "manifest.json"}
    patients = pd.read_parquet(out / "patients.parquet")
    assert len(patients) == 12 and set(patients["arm"]) == {"car_t", "ld_only"}
    # Lymphodepletion alone gives a far shorter B-cell aplasia than CAR-T.
    ld = patients[patients["arm"] == "ld_only"]
    car = patients[patients["arm"] == "car_t"]
    # (a patient never depleted below 10 cells/µL has no return day: zero days of aplasia)
    assert ld["b_cell_return_day"].fillna(0.0).median() + 30 < car["b_cell_return_day"].median()
