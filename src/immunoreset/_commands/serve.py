"""``immunoreset serve [--host 127.0.0.1] [--port 8765] [--runs DIR]``: the local web app.

A thin layer over :func:`immunoreset.web.create_app`, served by uvicorn. It binds to the
loopback interface by default and says so; the web extra (``pip install
'immunoreset[web]'``) is checked first, with a one-line error when it is missing.
"""

from __future__ import annotations

import argparse
import importlib.util
import ipaddress
from pathlib import Path
from typing import Any

__all__ = ["WEB_MODULES", "add_parser", "run"]

#: Modules of the web extra (``pip install 'immunoreset[web]'``).
WEB_MODULES = ("starlette", "uvicorn", "jinja2", "multipart")


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Register the ``serve`` sub-command on ``sub`` and return its parser."""
    p: argparse.ArgumentParser = sub.add_parser(
        "serve", help="start the local web app (patient view, trial view)",
        description="Start the local web app: the patient view (a patient and a therapy, the "
                    "expected course in similar virtual patients) and the trial view (a trial "
                    "spec in forms, run with progress, endpoint table, Kaplan-Meier and forest "
                    "plots, downloads). Binds to 127.0.0.1 (this machine only) by default. Needs "
                    "pip install 'immunoreset[web]'.")
    p.add_argument("--host", default="127.0.0.1",
                   help="interface to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.add_argument("--runs", default=None, metavar="DIR",
                   help="folder for the run folders (default: a temporary folder removed when "
                        "the server stops)")
    p.add_argument("--max-active", type=int, default=4,
                   help="runs queued or running at once, all browsers together (default 4)")
    p.set_defaults(run=run)
    return p


def _check_port_free(host: str, port: int) -> None:
    """Refuse, in one line, a port that another program holds."""
    import socket

    from immunoreset.errors import InputError

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host if host != "localhost" else "127.0.0.1", port))
        except OSError as exc:
            raise InputError(f"--port: cannot listen on {host}:{port} ({exc.strerror}); choose "
                             "another port with --port") from None


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted; returns the exit status."""
    from immunoreset.errors import InputError

    missing = [m for m in WEB_MODULES if importlib.util.find_spec(m) is None]
    if missing:
        raise InputError(f"the web app needs {', '.join(missing)}: pip install "
                         "'immunoreset[web]'")
    if not 1 <= args.port <= 65535:
        raise InputError(f"--port: got {args.port}, expected an integer 1-65535")
    if not 1 <= args.max_active <= 100:
        raise InputError(f"--max-active: got {args.max_active}, expected an integer 1-100")
    host = str(args.host)
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        raise InputError(f"--host: got {host!r}, expected an IP address of this machine "
                         "(127.0.0.1, ::1, 0.0.0.0) or localhost") from None
    runs = None
    if args.runs is not None:
        runs = Path(args.runs)
        if runs.exists() and not runs.is_dir():
            raise InputError(f"--runs: {runs} exists and is not a folder")
    _check_port_free(host.strip("[]"), args.port)
    import uvicorn

    from immunoreset.web._app import ServeOptions, create_app

    options = ServeOptions(host=host, port=args.port, runs=runs, max_active=args.max_active)
    shown = f"[{host}]" if ":" in host else host
    if loopback:
        print(f"immunoreset serve: http://{shown}:{args.port}/ (bound to {host}: this machine "
              "only; Ctrl-C stops)", flush=True)
    else:
        print(f"immunoreset serve: http://{shown}:{args.port}/ (bound to {host}: reachable from "
              "other machines; anyone who reaches it can run simulations; Ctrl-C stops)",
              flush=True)
    uvicorn.run(create_app(options), host=host.strip("[]"), port=args.port, log_level="warning")
    return 0
