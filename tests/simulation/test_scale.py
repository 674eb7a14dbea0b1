"""Studies at scale: determinism across workers, chunk sizes and Dask; resume after a kill;
failure isolation; inclusion criteria; matched covariates; bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from immunoreset.cli import main
from immunoreset.model import PARAMETER_INDEX, load_parameters
from immunoreset.population import CohortSpec, InclusionCriteria, sample_cohort
from immunoreset.simulation import (
    FAULT_ENV,
    RunOptions,
    load_study_config,
    patient_readouts,
    run_study,
    simulate_arm,
)
from immunoreset.therapy import Regimen

CONFIG = """
[run]
seed = 4
n = 30
last_day = 120
visit_days = [-7, 0, 14, 90]

[[arm]]
name = "car_t"
lymphodepletion = "flu_cy"
car_t_dose_per_kg = 1e6

[[arm]]
name = "untreated"
prednisone_mg_per_day = 5.0
"""


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cfg") / "study.toml"
    path.write_text(CONFIG)
    return path


def _run(config: Path, out: Path, **options: object) -> Path:
    spec, cfg, base = load_study_config(config)
    opts = RunOptions(**{"chunk_size": base.chunk_size, "save": "visits", "progress": False, **options})  # type: ignore[arg-type]
    return run_study(out, spec, command="test", config=cfg, options=opts)


@pytest.fixture(scope="module")
def baseline(config: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _run(config, tmp_path_factory.mktemp("base") / "run", chunk_size=12)


def test_two_worker_processes_give_byte_identical_outputs(config: Path, baseline: Path, tmp_path: Path) -> None:
    out = _run(config, tmp_path / "w2", chunk_size=12, workers=2)
    for name in ("patients.parquet", "trajectories.parquet"):
        assert (out / name).read_bytes() == (baseline / name).read_bytes(), name


def test_chunk_size_does_not_change_any_value(config: Path, baseline: Path, tmp_path: Path) -> None:
    out = _run(config, tmp_path / "c7", chunk_size=7)
    a = pd.read_parquet(baseline / "patients.parquet")
    b = pd.read_parquet(out / "patients.parquet")
    pd.testing.assert_frame_equal(a, b)
    ta = pd.read_parquet(baseline / "trajectories.parquet")
    tb = pd.read_parquet(out / "trajectories.parquet")
    pd.testing.assert_frame_equal(ta, tb)
    assert sorted(ta["day"].unique()) == [-7, 0, 14, 90]


def test_dask_local_cluster_gives_the_same_patients(config: Path, baseline: Path, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp",
                                  host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        out = _run(config, tmp_path / "dask", chunk_size=12, scheduler=cluster.scheduler_address)
        # 15 chunks through a window of 4 submitted at a time (chunk ids stay lazy)
        small = _run(config, tmp_path / "dask_small", chunk_size=2, scheduler=cluster.scheduler_address)
    assert (out / "patients.parquet").read_bytes() == (baseline / "patients.parquet").read_bytes()
    manifest = pd.read_json(small / "manifest.json", typ="series")
    assert manifest["chunks_total"] == 15 and manifest["chunks_solved_this_run"] == 15
    pd.testing.assert_frame_equal(pd.read_parquet(small / "patients.parquet"),
                                  pd.read_parquet(baseline / "patients.parquet"))


def test_resume_after_kill_solves_only_missing_chunks(config: Path, baseline: Path, tmp_path: Path) -> None:
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "immunoreset.cli", "simulate", str(config), "--out", str(out),
           "--chunk-size", "12"]
    env = {**os.environ, FAULT_ENV: "1"}
    first = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert first.returncode == -9  # killed with SIGKILL after one chunk
    assert sorted(p.name for p in out.iterdir()) == [".work"]
    assert len(list((out / ".work" / "chunks").glob("*.done"))) == 1
    second = subprocess.run([*cmd, "--resume"], capture_output=True, text=True)
    assert second.returncode == 0, second.stderr
    manifest = pd.read_json(out / "manifest.json", typ="series")
    assert manifest["chunks_total"] == 3 and manifest["chunks_solved_this_run"] == 2
    for name in ("patients.parquet", "trajectories.parquet"):
        assert (out / name).read_bytes() == (baseline / name).read_bytes(), name
    assert not (out / ".work").exists()


def test_one_impossible_patient_does_not_stop_the_others() -> None:
    cohort = sample_cohort(6, load_parameters(), seed=8)
    params = cohort.params.copy()
    params[2, PARAMETER_INDEX["stimulation_half_ic"]] = 0.0  # IC / 0: non-finite stimulation
    from dataclasses import replace

    broken = replace(cohort, params=params)
    res = simulate_arm(broken, Regimen.erlangen_car_t())
    good = simulate_arm(cohort, Regimen.erlangen_car_t())
    assert res.status[2] != 0 and np.isnan(res.values["anti_dsdna"][2, -1])
    others = [0, 1, 3, 4, 5]
    assert (res.status[others] == 0).all()
    np.testing.assert_array_equal(res.values["anti_dsdna"][others], good.values["anti_dsdna"][others])
    rows = patient_readouts(res)
    assert rows.loc[2, "solver_status"] != "ok" and (rows.loc[others, "solver_status"] == "ok").all()


def test_inclusion_criteria_are_respected() -> None:
    from immunoreset.diseases import baseline_sledai_2k

    spec = CohortSpec(inclusion=InclusionCriteria(min_sledai_2k=14, min_anti_dsdna_iu_per_ml=200.0))
    cohort = sample_cohort(40, load_parameters(), seed=5, spec=spec)
    assert cohort.plausible.all()
    assert (baseline_sledai_2k(cohort.y0, cohort.params, cohort.thresholds) >= 14).all()
    assert (cohort.covariates()["baseline_anti_dsdna"] >= 200.0).all()


def test_matched_cohort_marginals_match_the_erlangen_table() -> None:
    # Mackensen 2022: 4 of 5 female, median age 22 years (range 18-24).
    cohort = sample_cohort(400, load_parameters(), seed=11)
    female = np.mean(np.array(cohort.sex) == "F")
    assert abs(female - 0.8) < 3 * np.sqrt(0.8 * 0.2 / 400)  # within 3 binomial SEs
    assert abs(np.median(cohort.age) - 22.0) < 0.5


@pytest.mark.parametrize(("args", "message"), [
    (["--n", "-5"], "--n: got -5"),
    (["--workers", "0"], "--workers: got 0"),
    (["--scheduler", "tcp://127.0.0.1:9"], "--scheduler: cannot connect"),
])
def test_bad_run_options_are_one_line_exit_2_no_output(config: Path, tmp_path: Path, args: list[str],
                                                      message: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "never"
    assert main(["simulate", str(config), "--out", str(out), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not out.exists()


def test_unknown_config_key_is_rejected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text(CONFIG.replace("seed = 4", "seed = 4\nworkers = 3"))
    assert main(["simulate", str(cfg), "--out", str(tmp_path / "o")]) == 2
    assert "run.workers: unknown key" in capsys.readouterr().err
