"""`immunoreset serve` refuses in one line, before starting anything."""

from __future__ import annotations

import importlib.util
import socket

import pytest

from immunoreset.cli import main


def _error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err.strip()


def test_without_the_web_extra_it_says_what_to_install(monkeypatch, capsys) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in ("starlette", "uvicorn") else real(name, *a))
    assert main(["serve"]) == 2
    assert _error(capsys) == ("immunoreset serve: error: the web app needs starlette, uvicorn: "
                              "pip install 'immunoreset[web]'")


@pytest.mark.parametrize(("argv", "message"), [
    (["--port", "0"], "--port: got 0, expected an integer 1-65535"),
    (["--max-active", "0"], "--max-active: got 0, expected an integer 1-100"),
    (["--host", "example.org"], "--host: got 'example.org', expected an IP address of this "
                                "machine (127.0.0.1, ::1, 0.0.0.0) or localhost"),
])
def test_bad_options_are_one_line(argv, message, capsys) -> None:
    assert main(["serve", *argv]) == 2
    assert _error(capsys) == f"immunoreset serve: error: {message}"


def test_a_port_in_use_is_refused(capsys) -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    assert _error(capsys).startswith(f"immunoreset serve: error: --port: cannot listen on "
                                     f"127.0.0.1:{port} (")


def test_runs_must_be_a_folder(tmp_path, capsys) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    assert main(["serve", "--runs", str(f)]) == 2
    assert _error(capsys) == f"immunoreset serve: error: --runs: {f} exists and is not a folder"
