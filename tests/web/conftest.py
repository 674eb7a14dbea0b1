"""Fixtures of the browser tests: `immunoreset serve` in a subprocess, the system Chromium
driven by Playwright, and the folder the screenshots are written to."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

#: Where the browser tests write their screenshots (git-ignored; kept after the run).
SCREENSHOTS = Path(__file__).parent / "_screenshots"
#: Chromium executables tried, in order (Debian's package installs /usr/bin/chromium);
#: IMMUNORESET_CHROMIUM names another one.
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "/usr/bin/chromium")


def chromium_executable() -> str | None:
    """The system Chromium, or ``None`` (Playwright's own browsers are never downloaded)."""
    named = os.environ.get("IMMUNORESET_CHROMIUM")
    if named:
        return named if Path(named).is_file() else None
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def chromium() -> str:
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    path = chromium_executable()
    if path is None:
        pytest.skip("no Chromium on this machine (apt-get install chromium; .ci/run installs it)")
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory, chromium) -> Iterator[dict]:
    """`immunoreset serve` on a free port, as a user starts it; stopped with Ctrl-C (SIGINT)."""
    pytest.importorskip("uvicorn")
    runs = tmp_path_factory.mktemp("serve") / "runs"
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "immunoreset.cli", "serve", "--port", str(port),
                             "--runs", str(runs)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        first = proc.stdout.readline()  # type: ignore[union-attr]
        url = f"http://127.0.0.1:{port}"
        end = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > end:
                    raise AssertionError(f"the server did not start: {proc.stderr.read()}"
                                         ) from None  # type: ignore[union-attr]
                time.sleep(0.1)
        yield {"url": url, "first_line": first, "runs": runs, "process": proc}
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="module")
def browser(chromium) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser, server) -> Iterator[object]:
    """A page of a fresh browser context (its own cookie: a client of its own); fails the
    test on any console error (a script the content security policy blocked, a 404) except
    Chromium's note on a refused form, which the server answers with status 422."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(90_000)
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    try:
        yield pg
    finally:
        context.close()
    assert [e for e in errors if "status of 422" not in e] == []


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS
