"""write_table / write_csv and the run manifest."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from immunoreset.io import (
    MANIFEST_PACKAGES,
    build_manifest,
    read_table,
    to_jsonable,
    write_csv,
    write_manifest,
    write_table,
)


def test_write_table_preserves_categories_and_values(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "patient_id": pd.Categorical(["P1", "P2", "P3"]),
            "arm": pd.Categorical(["car_t", "untreated", "car_t"]),
            "age_years": [31.5, 27.0, np.nan],
            "n_steps": np.array([10, 20, 30], dtype=np.int64),
            "ok": [True, False, True],
        }
    )
    path = write_table(df, tmp_path / "patients.parquet")
    back = read_table(path)
    assert isinstance(back["arm"].dtype, pd.CategoricalDtype)
    assert list(back["arm"].cat.categories) == ["car_t", "untreated"]
    pd.testing.assert_frame_equal(back, df, check_categorical=False)


def test_write_csv_has_header_no_index_and_full_precision(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "target_id": ["b_cell_return_day"],
            "observed": [110.0],
            "acceptance": ["110 ± 32"],
            "model_value": [1 / 3],
            "passed": [True],
        }
    )
    path = write_csv(df, tmp_path / "calibration.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "target_id,observed,acceptance,model_value,passed"
    back = pd.read_csv(path)
    assert back.loc[0, "model_value"] == 1 / 3
    assert back.loc[0, "acceptance"] == "110 ± 32"


def test_manifest_records_versions_and_is_valid_json_with_numpy_values(tmp_path: Path) -> None:
    manifest = build_manifest(
        command="immunoreset reproduce mackensen2022 --out x",
        seed=np.int64(42),  # type: ignore[arg-type]
        config={"n": np.int32(200), "doses": np.array([1.0, 2.0]), "out": tmp_path, "tags": {"b"}},
        solver_settings={"rtol": np.float64(1e-6), "method": "LSODA"},
        timings={"simulate": np.float32(1.5), "total": 2.0},
        extra={"n_per_arm": {"car_t": np.int64(100)}, "bad": float("nan")},
    )
    assert set(MANIFEST_PACKAGES) <= set(manifest["versions"])
    assert manifest["versions"]["numpy"] == np.__version__
    assert manifest["versions"]["pandas"] == pd.__version__
    path = write_manifest(manifest, tmp_path / "manifest.json")
    text = path.read_text(encoding="utf-8")
    loaded = json.loads(text)  # strict: NaN was converted to null
    assert loaded["seed"] == 42
    assert loaded["config"] == {"n": 200, "doses": [1.0, 2.0], "out": str(tmp_path), "tags": ["b"]}
    assert loaded["solver_settings"]["rtol"] == 1e-6
    assert loaded["timings_s"] == {"simulate": 1.5, "total": 2.0}
    assert loaded["n_per_arm"] == {"car_t": 100}
    assert loaded["bad"] is None
    assert loaded["python"].count(".") == 2
    assert loaded["created_utc"].endswith("+00:00")
    assert list(loaded) == sorted(loaded)  # keys written sorted
    assert "NaN" not in text


def test_missing_packages_are_recorded_as_null() -> None:
    from immunoreset.io import package_versions

    versions = package_versions(("numpy", "surely-not-an-installed-package"))
    assert versions["surely-not-an-installed-package"] is None
    assert versions["numpy"] == np.__version__


def test_extra_may_not_overwrite_standard_keys() -> None:
    with pytest.raises(ValueError, match="may not overwrite seed"):
        build_manifest(
            command="c", seed=1, config={}, solver_settings={}, timings={}, extra={"seed": 2}
        )


def test_to_jsonable_converts_nested_numpy_and_dataclasses() -> None:
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Dose:
        mg: float

    out = to_jsonable({"d": Dose(np.float64(2.5)), 3: (np.bool_(True), np.inf)})
    assert out == {"d": {"mg": 2.5}, "3": [True, None]}
    json.dumps(out, allow_nan=False)


def test_manifest_records_the_git_revision_or_says_there_is_none(tmp_path: Path, monkeypatch) -> None:
    import subprocess

    from immunoreset.io import build_manifest, source_revision

    rev = source_revision()
    head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                          cwd=Path(__file__).parent)
    if head.returncode == 0:
        assert rev.split("+")[0] == head.stdout.strip()
    else:
        assert rev == "not a git checkout"
    manifest = build_manifest(command="x", seed=1, config={}, solver_settings={}, timings={})
    assert manifest["source_revision"] == rev
    assert {"pydantic", "llvmlite", "lifelines", "numba-cuda"} <= set(manifest["versions"])
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: (_ for _ in ()).throw(OSError("no git")))
    assert source_revision() == "not a git checkout"
