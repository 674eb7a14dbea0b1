"""Work is never destroyed, and runs are sized to the machine before any work."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from immunoreset.cli import main
from immunoreset.io import RunDirectory
from immunoreset.simulation import _resources as resources
from immunoreset.simulation import load_study_config

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
VISITS = EXAMPLES / "visits" / "example_visits.csv"

STUDY = """
[run]
n = 4
[schedule]
follow_up_days = 30
visits = [-7, 0, 30]
[[arm]]
name = "car_t"
lymphodepletion = "flu_cy"
car_t = { dose_per_kg = 1e6 }
"""


@pytest.fixture
def study(tmp_path: Path) -> Path:
    p = tmp_path / "study.toml"
    p.write_text(STUDY)
    return p


def _err(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_a_second_run_on_a_folder_in_use_is_refused(study: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    running = RunDirectory(out, command="immunoreset simulate first.toml")
    running.open()
    (running.work / "chunks").mkdir()
    (running.work / "chunks" / "000000.done").write_text("ok\n")
    try:
        for extra in ([], ["--resume"], ["--overwrite"]):
            assert main(["simulate", str(study), "--out", str(out), *extra]) == 2
            assert "is in use by a running run" in _err(capsys)
        assert (running.work / "chunks" / "000000.done").exists()
    finally:
        running.abort(keep_work=True)


def test_an_earlier_runs_work_is_kept_unless_resume_or_overwrite(study: Path, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    (out / ".work" / "chunks").mkdir(parents=True)
    (out / ".work" / "chunks" / "000007.done").write_text("ok\n")
    assert main(["simulate", str(study), "--out", str(out)]) == 2
    assert "add --resume to continue it or --overwrite to discard it" in _err(capsys)
    assert (out / ".work" / "chunks" / "000007.done").exists()
    assert main(["simulate", str(study), "--out", str(out), "--resume", "--overwrite"]) == 2
    assert "--resume and --overwrite: got both" in _err(capsys)
    assert main(["simulate", str(study), "--out", str(out), "--overwrite", "--chunk-size", "2"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "patients.parquet",
                                                     "report.html", "trajectories.parquet"]


def test_chunk_size_zero_is_refused(study: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", str(study), "--out", str(tmp_path / "o"), "--chunk-size", "0"]) == 2
    assert "--chunk-size: got 0, expected an integer >= 1" in _err(capsys)
    assert not (tmp_path / "o").exists()


def test_workers_are_capped_at_the_cores_and_chunks(study: Path, tmp_path: Path) -> None:
    spec, _, _ = load_study_config(study)
    with pytest.warns(Warning, match=r"^--workers 1000 capped at 1 \(1 chunk\(s\) to solve\)$"):
        assert resources.check_study_resources(spec, tmp_path, chunk_size=250, save="visits",
                                               workers=1000) == 1
    cores = resources.available_cores()
    big, _, _ = load_study_config(study, n=100_000)
    if cores < 400:
        with pytest.warns(Warning, match=rf"capped at {cores} \({cores} core\(s\) available\)"):
            assert resources.check_study_resources(big, tmp_path, chunk_size=250, save="summary",
                                                   workers=1000) == cores


def test_too_many_patients_for_the_disk_are_refused_before_any_work(study: Path, tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "big"
    assert main(["simulate", str(study), "--out", str(out), "--n", "1000000000", "--save", "full"]) == 2
    err = _err(capsys)
    assert "--n: 1,000,000,000 patients × 1 arms with --save full need about" in err and "of disk" in err
    assert not out.exists()
    assert main(["simulate", str(study), "--out", str(out), "--n", "1000000000000"]) == 2
    assert "--n: got 1000000000000, expected an integer 0-1,000,000,000" in _err(capsys)


def test_too_little_memory_is_refused(study: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec, _, _ = load_study_config(study, n=10_000)
    monkeypatch.setattr(resources, "available_memory_bytes", lambda: 400 * 2**20)
    from immunoreset.errors import InputError

    with pytest.raises(InputError, match=r"^--chunk-size: 5000 patients × 38 days × 1 arms × 1 worker\(s\) "
                                         r"with --save full need about 0\.4 GB"):
        resources.check_study_resources(spec, tmp_path, chunk_size=5000, save="full", workers=1)
    assert resources.check_study_resources(spec, tmp_path, chunk_size=250, save="full", workers=1) == 1
    with pytest.raises(InputError, match=r"^population\.n_per_arm: 1,000,000 patients × 2 arms need about"):
        resources.check_trial_resources(1_000_000, 2, 373)


def test_chunk_ids_are_generated_lazily() -> None:
    from itertools import islice

    from immunoreset.simulation import _study

    spec, _, _ = load_study_config(EXAMPLES / "populations" / "erlangen_like.toml", n=1_000_000_000)
    ids = _study._chunk_ids(spec, 1)
    assert list(islice(ids, 3)) == ["000000", "000001", "000002"]
    assert _study._chunk_count(spec, 1) == 1_000_000_000


def test_score_refuses_to_overwrite_its_input_and_folders(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    visits = tmp_path / "visits.csv"
    shutil.copy(VISITS, visits)
    before = visits.read_bytes()
    assert main(["score", str(visits), "--out", str(visits)]) == 2
    assert "is the input VISITS file, expected another file name" in _err(capsys)
    assert visits.read_bytes() == before
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    assert main(["score", str(visits), "--out", str(folder)]) == 2
    assert "is a folder, expected a .csv or .parquet file name" in _err(capsys)
    assert main(["score", str(visits), "--out", str(tmp_path / ("x" * 300 + ".csv"))]) == 2
    assert "(File name too long)" in _err(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.csv", "visits.csv"]
