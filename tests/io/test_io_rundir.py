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


def test_a_work_folder_of_an_earlier_run_needs_resume_or_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / WORK_DIR_NAME / "chunks").mkdir(parents=True)
    (out / WORK_DIR_NAME / "chunks" / "000000.done").write_text("ok\n")
    RunDirectory(out, resume=True).check()
    RunDirectory(out, overwrite=True).check()
    with pytest.raises(InputError, match=r"holds the unfinished work of an earlier run \(\.work, 1 "
                                         r"finished chunk\(s\)\); add --resume to continue it or "
                                         r"--overwrite to discard it$"):
        RunDirectory(out).check()
    assert (out / WORK_DIR_NAME / "chunks" / "000000.done").exists()


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


def test_open_with_overwrite_empties_a_stale_work_folder(tmp_path: Path) -> None:
    stale = tmp_path / "out" / WORK_DIR_NAME
    stale.mkdir(parents=True)
    (stale / "junk").write_text("x")
    with pytest.raises(InputError, match="add --resume"):
        RunDirectory(tmp_path / "out").open()
    assert (stale / "junk").exists()
    with RunDirectory(tmp_path / "out", overwrite=True) as run_dir:
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


def test_a_second_run_on_an_open_folder_is_refused_naming_the_first(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = RunDirectory(out, command="immunoreset simulate a.toml --out out")
    first.open()
    try:
        for second in (RunDirectory(out, resume=True), RunDirectory(out, overwrite=True)):
            with pytest.raises(InputError, match=rf"is in use by a running run \(pid {os.getpid()}, "
                                                 r"started .*: immunoreset simulate a\.toml --out out\)"):
                second.open()
        assert first.work.is_dir()
    finally:
        first.abort(keep_work=True)
    assert not (out / WORK_DIR_NAME / ".lock").exists()
    RunDirectory(out, resume=True).check()  # released: the folder can be resumed


def test_a_lock_left_by_a_killed_process_does_not_block(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / WORK_DIR_NAME).mkdir(parents=True)
    (out / WORK_DIR_NAME / ".lock").write_text('{"pid": 1, "command": "killed"}')  # nobody holds it
    with RunDirectory(out, resume=True) as run_dir:
        run_dir.path("a.csv").write_text("x")
    assert _snapshot(out) == {"a.csv"}


def test_impossible_output_paths_are_one_line_errors(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    cases: list[tuple[str | Path, str]] = [(tmp_path / "file" / "sub", "is not a folder"),
                         (tmp_path / ("x" * 300), "expected a folder name of at most 255 bytes"),
                         ("", "empty path")]
    for out, message in cases:
        with pytest.raises(InputError, match=message):
            RunDirectory(out).check()
