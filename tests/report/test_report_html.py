"""write_report: one self-contained HTML file a clinician can read."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from immunoreset.errors import InputError
from immunoreset.io import build_manifest
from immunoreset.report import MACKENSEN2022_MARKERS, Marker, write_report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def report(synthetic_run, tmp_path_factory) -> tuple[str, Path]:
    trajectories, patients, calibration = synthetic_run
    folder = tmp_path_factory.mktemp("report")
    manifest = build_manifest(
        command="immunoreset reproduce mackensen2022 --out x --seed 11",
        seed=11,
        config={"study": "mackensen2022"},
        solver_settings={"method": "LSODA"},
        timings={"simulate": 1.0},
    )
    path = write_report(
        folder / "report.html",
        title="Mackensen 2022 <reproduction>",
        trajectories=trajectories,
        patients=patients,
        calibration=calibration,
        manifest=manifest,
        markers=MACKENSEN2022_MARKERS,
        figures_dir=folder / "figures",
    )
    return path.read_text(encoding="utf-8"), folder


def test_report_is_one_self_contained_file_with_embedded_png(report) -> None:
    text, _ = report
    assert text.startswith("<!DOCTYPE html>")
    assert 'src="http' not in text and "<script" not in text and "<link" not in text
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', text)
    # 17 variables, plus close-ups of CAR-T, IL-6 and CRS grade.
    assert len(images) == 20
    assert all(base64.b64decode(data).startswith(PNG_MAGIC) for data in images)
    assert not re.search(r'src="(?!data:)', text)


def test_report_shows_calibration_rows_coloured_by_result(report, synthetic_run) -> None:
    text, _ = report
    _, _, calibration = synthetic_run
    for target in calibration["target_id"]:
        assert f"<td>{target}</td>" in text
    assert text.count('<tr class="pass">') == 3
    assert text.count('<tr class="fail">') == 1
    assert "3 of 4 calibration targets met" in text


def test_report_header_names_seed_version_and_arms(report) -> None:
    text, _ = report
    assert "<h1>Mackensen 2022 &lt;reproduction&gt;</h1>" in text  # escaped
    assert "seed 11" in text
    assert "virtual patients, CAR-T" in text and "virtual patients, Untreated" in text
    assert "<details>" in text and "solver_settings" in text  # manifest, collapsible
    assert "Mackensen et al., Nat Med 2022" in text  # source of the marked values
    assert "DORIS remission" in text and "B cells in blood (CD19⁺)" in text


def test_figures_are_also_saved_as_png_files_when_asked(report) -> None:
    _, folder = report
    files = sorted(p.name for p in (folder / "figures").iterdir())
    assert "b_cells_blood.png" in files and "car_t_blood_early.png" in files
    assert (folder / "figures" / "c3.png").read_bytes().startswith(PNG_MAGIC)


def test_report_works_for_a_subset_and_unknown_variables(tmp_path: Path) -> None:
    days = np.arange(0, 10)
    rows = []
    for i, arm in enumerate(["car_t", "car_t", "untreated"]):
        for variable, values in (("c3", 0.5 + 0.05 * days), ("ferritin", 100.0 - days)):
            rows.append(
                pd.DataFrame(
                    {
                        "patient_id": f"P{i}",
                        "arm": arm,
                        "day": days,
                        "variable": variable,
                        "value": values * (1 + i),
                        "unit": "g/L" if variable == "c3" else "ng/mL",
                    }
                )
            )
    trajectories = pd.concat(rows, ignore_index=True)
    patients = pd.DataFrame(
        {"patient_id": ["P0", "P1", "P2"], "arm": ["car_t", "car_t", "untreated"]}
    )
    path = write_report(
        tmp_path / "r.html",
        title="subset",
        trajectories=trajectories,
        patients=patients,
        calibration=None,
        manifest={"seed": None},
        markers={"c3": [Marker("hline", 0.9, "C3 LLN")]},
    )
    text = path.read_text(encoding="utf-8")
    assert text.count("data:image/png;base64,") == 2
    assert "Ferritin (ng/mL)" in text  # generic label and the unit from the data
    assert 'id="calibration"' not in text


def test_report_rejects_a_non_long_table_before_writing(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="missing column"):
        write_report(
            tmp_path / "r.html",
            title="x",
            trajectories=pd.DataFrame({"patient_id": ["a"], "value": [1.0]}),
            patients=pd.DataFrame(),
            calibration=None,
            manifest={},
        )
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"kind": "band", "value": 1.0}, "kind"),
        ({"kind": "hline", "value": (1.0, 2.0)}, "one finite number"),
        ({"kind": "vspan", "value": (10.0, 7.0)}, "low < high"),
        ({"kind": "hline", "value": 1.0, "xerr": 2.0}, "only for kind='point'"),
    ],
)
def test_marker_rejects_inconsistent_values(kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        Marker(label="x", **kwargs)
