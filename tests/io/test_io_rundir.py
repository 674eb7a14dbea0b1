"""RunDirectory: validate without side effects, write in .work, commit or clean up."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from immunoreset.errors import InputError
from immunoreset.io import WORK_DIR_NAME, RunDirectory


def _snapshot(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_check_creates_nothing(tmp_path: Path) -> None:
    before = _snapshot(tmp_path)
    RunDirectory(tmp_path / "a" / "b" / "out").check()
    RunDirectory(tmp_path / "out").check()
    assert _snapshot(tmp_path) == before


def test_check_rejects_a_folder_that_holds_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "old_report.html").write_text("x")
    with pytest.raises(InputError, match=r"already holds 1 item\(s\) \(old_report.html\)") as info:
        RunDirectory(out).check()
    assert "\n" not in str(info.value)


def test_check_rejects_a_file_in_place_of_the_folder(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.write_text("x")
    with pytest.raises(InputError, match="is not a folder"):
        RunDirectory(target).check()
    with pytest.raises(InputError, match="is not a folder"):
        RunDirectory(target / "sub").check()


def test_check_accepts_an_empty_folder_or_one_with_only_a_work_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / WORK_DIR_NAME).mkdir(parents=True)
    RunDirectory(out).check()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores permissions")
def test_check_rejects_an_unwritable_parent(tmp_path: Path) -> None:
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o500)
    try:
        with pytest.raises(InputError, match="not writable"):
            RunDirectory(parent / "out").check()
    finally:
        parent.chmod(0o700)


def test_commit_moves_files_and_removes_the_work_folder(tmp_path: Path) -> None:
    out = tmp_path / "new" / "out"
    with RunDirectory(out) as run_dir:
        run_dir.path("patients.parquet").write_bytes(b"p")
        run_dir.path("manifest.json").write_text("{}")
        run_dir.path("figures/c3.png").write_bytes(b"png")
        assert not (out / "patients.parquet").exists()  # nothing final before commit
        assert (out / WORK_DIR_NAME / "patients.parquet").exists()
    assert _snapshot(out) == {"patients.parquet", "manifest.json", "figures", "figures/c3.png"}
    assert (out / "patients.parquet").read_bytes() == b"p"


def test_commit_publishes_only_the_named_files_and_manifest_last(tmp_path: Path) -> None:
    run_dir = RunDirectory(tmp_path / "out")
    run_dir.open()
    for name in ("manifest.json", "a.csv", "z.csv", "chunk_0001.parquet"):
        run_dir.path(name).write_text(name)
    moved = run_dir.commit(["z.csv", "manifest.json", "a.csv"])
    assert [p.name for p in moved] == ["a.csv", "z.csv", "manifest.json"]
    assert _snapshot(tmp_path / "out") == {"a.csv", "z.csv", "manifest.json"}


def test_an_exception_in_the_block_leaves_nothing_when_out_was_new(tmp_path: Path) -> None:
    out = tmp_path / "parent" / "out"
    with pytest.raises(ZeroDivisionError), RunDirectory(out) as run_dir:
        run_dir.path("trajectories.parquet").write_bytes(b"half")
        _ = 1 / 0
    assert not out.exists()
    assert not (tmp_path / "parent").exists()  # the parent we created is gone too
    assert _snapshot(tmp_path) == set()


def test_an_exception_keeps_an_existing_out_folder_but_removes_work(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(KeyError), RunDirectory(out) as run_dir:
        run_dir.path("calibration.csv").write_text("x")
        {}["missing"]
    assert out.is_dir()
    assert _snapshot(out) == set()


def test_keep_work_on_error_keeps_finished_chunks_for_resume(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(RuntimeError), RunDirectory(out, keep_work_on_error=True) as run_dir:
        run_dir.path("chunks/0000.parquet").write_bytes(b"done")
        raise RuntimeError("killed")
    assert (out / WORK_DIR_NAME / "chunks" / "0000.parquet").read_bytes() == b"done"
    resumed = RunDirectory(out, resume=True)
    resumed.check()  # a folder holding only .work is a valid target
    with resumed:
        assert resumed.path("chunks/0000.parquet").read_bytes() == b"done"
        resumed.path("trajectories.parquet").write_bytes(b"t")
        resumed.commit(["trajectories.parquet"])
    assert _snapshot(out) == {"trajectories.parquet"}


def test_open_without_resume_empties_a_stale_work_folder(tmp_path: Path) -> None:
    stale = tmp_path / "out" / WORK_DIR_NAME
    stale.mkdir(parents=True)
    (stale / "junk").write_text("x")
    with RunDirectory(tmp_path / "out") as run_dir:
        assert not run_dir.path("junk").exists()
        run_dir.path("report.html").write_text("ok")
    assert _snapshot(tmp_path / "out") == {"report.html"}


def test_path_refuses_names_outside_the_work_folder(tmp_path: Path) -> None:
    with RunDirectory(tmp_path / "out") as run_dir:
        with pytest.raises(ValueError, match="relative name"):
            run_dir.path("../escape.txt")
        with pytest.raises(ValueError, match="relative name"):
            run_dir.path(tmp_path / "abs.txt")


def test_check_reports_an_unwritable_parent_even_when_run_as_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)
    with pytest.raises(InputError, match=rf"cannot create .*: folder {tmp_path} is not writable"):
        RunDirectory(tmp_path / "out").check()
