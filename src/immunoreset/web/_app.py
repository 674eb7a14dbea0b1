"""The web app: Starlette routes, server-rendered pages (Jinja2), htmx for the progress bar.

Pages: ``/`` (the two views), ``/patient`` and ``/trial`` (forms generated from the spec
schema; POST validates and queues a run), ``/jobs/<id>`` (progress, cancel, then the
results), ``/runs/<id>/<file>`` (the files of a finished run), ``/runs`` (this browser's
runs). A browser is told apart by a random cookie set by the server; it sees only its own
runs. Requests must name this server as their host (no DNS rebinding), POSTs must come
from its own pages (same origin), request bodies are bounded, and responses carry a
content security policy that allows scripts from this server only.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import shutil
import tempfile
import tomllib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import tomli_w
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from immunoreset.errors import InputError
from immunoreset.web._forms import (
    Table,
    apply_action,
    error_path,
    form_tree,
    read_form,
    render_form,
)
from immunoreset.web._jobs import Busy, Job, JobQueue, Runner
from immunoreset.web._requests import (
    EXAMPLES_DIR,
    FORBIDDEN_KEYS,
    PatientRequest,
    ServeLimits,
    check_patient_document,
    check_trial_document,
    refuse_forbidden,
)
from immunoreset.web._runs import VIEW_FILE

__all__ = ["CLIENT_COOKIE", "LOOPBACK_HOSTS", "MAX_BODY_BYTES", "ServeOptions", "create_app"]

HERE = Path(__file__).parent
#: The cookie that tells browser clients apart (random, set by the server).
CLIENT_COOKIE = "immunoreset_client"
#: Largest request body accepted, bytes (a spec form is a few kB).
MAX_BODY_BYTES = 1 << 20
#: Host names of this machine's loopback interface.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
#: Reports are self-contained HTML (inline styles, data: images) with no scripts.
_REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
_TRIAL_OPEN = ("trial", "population", "schedule", "arm")
_PATIENT_OPEN = ("patient", "therapy")


@dataclass(frozen=True)
class ServeOptions:
    """How the app runs: ``host``/``port`` it is bound to (for the host check and the
    page header), ``runs`` (the folder of run folders; a fresh temporary folder, removed
    at shutdown, when ``None``), queue bounds, run limits, and the worker's ``runner``
    (tests) and warm-up."""

    host: str = "127.0.0.1"
    port: int = 8765
    runs: Path | None = None
    max_active: int = 4
    keep_per_client: int = 10
    limits: ServeLimits = field(default_factory=ServeLimits)
    warm: bool = True
    runner: Runner | None = None

    @property
    def allowed_hosts(self) -> list[str]:
        """Host names requests may carry: the bound one and, on loopback, its aliases;
        any for a server bound to all interfaces."""
        if self.host in ("0.0.0.0", "::", ""):
            return ["*"]
        hosts = [self.host]
        if self.host in LOOPBACK_HOSTS:
            hosts += [h for h in LOOPBACK_HOSTS if h not in hosts]
        return hosts


def _examples() -> dict[str, Path]:
    return {p.stem: p for p in sorted(EXAMPLES_DIR.glob("*.toml"))}


def _client(request: Request) -> str:
    return str(request.state.client)


class _App:
    """The routes of one app (its queue, templates and forms)."""

    def __init__(self, options: ServeOptions) -> None:
        from immunoreset import __version__
        from immunoreset.spec import TrialTable

        self.options = options
        import jinja2

        env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")),
                                 autoescape=True, undefined=jinja2.StrictUndefined)
        self.templates = Jinja2Templates(env=env)
        self.version = __version__
        skip = [".".join(k) for k in FORBIDDEN_KEYS]
        self.trial_tree = form_tree(TrialTable.model_json_schema(), skip=skip)
        self.patient_tree = form_tree(PatientRequest.model_json_schema())
        self.root: Path | None = None
        self.temporary = False
        self.queue: JobQueue | None = None

    # -- life cycle ---------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        if self.options.runs is None:
            self.root = Path(tempfile.mkdtemp(prefix="immunoreset-serve-"))
            self.temporary = True
        else:
            self.root = Path(self.options.runs).resolve()
            self.root.mkdir(parents=True, exist_ok=True)
        self.queue = JobQueue(self.root, max_active=self.options.max_active,
                              keep_per_client=self.options.keep_per_client,
                              runner=self.options.runner, warm=self.options.warm)
        self.queue.start()
        try:
            yield
        finally:
            await run_in_threadpool(self.queue.stop)
            if self.temporary:
                shutil.rmtree(self.root, ignore_errors=True)

    @property
    def jobs(self) -> JobQueue:
        if self.queue is None:
            raise RuntimeError("the app has not started (run it under its lifespan)")
        return self.queue

    # -- helpers ------------------------------------------------------------------------------

    def page(self, request: Request, name: str, context: Mapping[str, Any],
             status: int = 200) -> Response:
        ctx = {"bound": f"{self.options.host}:{self.options.port}", "version": self.version,
               **context}
        return self.templates.TemplateResponse(request, name, ctx, status_code=status)

    async def fields(self, request: Request) -> dict[str, str]:
        form = await request.form(max_files=0, max_fields=5000, max_part_size=MAX_BODY_BYTES)
        return {k: v for k, v in form.items() if isinstance(v, str)}

    def view(self, job: Job) -> dict[str, Any] | None:
        if job.state != "done":
            return None
        try:
            return dict(json.loads((job.folder / VIEW_FILE).read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return None

    def form_page(self, request: Request, *, kind: str, doc: Mapping[str, Any],
                  errors: Mapping[str, str] | None = None, notes: list[str] | None = None,
                  example: str | None = None, toml_open: bool = False,
                  status: int = 200) -> Response:
        tree: Table = self.trial_tree if kind == "trial" else self.patient_tree
        open_ = _TRIAL_OPEN if kind == "trial" else _PATIENT_OPEN
        form = Markup(render_form(tree, doc, errors=errors or {}, open_sections=open_))
        toml = None
        if kind == "trial":
            try:
                toml = tomli_w.dumps(dict(doc))
            except (TypeError, ValueError):
                toml = ""
        if kind == "trial":
            context = {"heading": "Trial view", "action": "/trial", "run_label": "Run the trial",
                       "intro": "A virtual trial as in `immunoreset trial`: every table and key of "
                                "the trial spec, with its unit and bounds. Arms are paired (the same "
                                "virtual patients in every arm) unless trial.paired is false.",
                       "examples": list(_examples()), "example": example}
        else:
            context = {"heading": "Patient view", "action": "/patient",
                       "run_label": "Run the patient",
                       "intro": "Describe a patient — leave a value empty when it is not known — "
                                "and choose a therapy. The model draws a pool of plausible virtual "
                                "patients, keeps those whose baseline read-outs are nearest to "
                                "your patient's, and treats them (and, to compare, leaves them "
                                "untreated).",
                       "examples": [], "example": None}
        return self.page(request, "form.html", {**context, "form": form, "notes": notes or [],
                                                "toml": toml, "toml_open": toml_open},
                         status=status)

    def refusal(self, message: str, tree: Table, doc: Mapping[str, Any]) -> dict[str, str]:
        path, text = error_path(message, tree, doc)
        return {path: text if path else message}

    # -- routes -------------------------------------------------------------------------------

    async def index(self, request: Request) -> Response:
        return self.page(request, "index.html", {"max_active": self.options.max_active,
                                                 "runs_root": str(self.root)})

    def _from_job(self, request: Request, kind: str) -> tuple[dict[str, Any], dict[str, str]] | None:
        job_id = request.query_params.get("from")
        if not job_id:
            return None
        job = self.jobs.job(job_id, _client(request))
        if job is None or job.kind != kind:
            return None
        tree = self.trial_tree if kind == "trial" else self.patient_tree
        errors = self.refusal(job.message, tree, job.document) if job.state == "refused" else {}
        return job.document, errors

    async def trial_get(self, request: Request) -> Response:
        back = self._from_job(request, "trial")
        if back is not None:
            return self.form_page(request, kind="trial", doc=back[0], errors=back[1])
        examples = _examples()
        name = request.query_params.get("example") or "erlangen_replication"
        if name not in examples:
            return self.form_page(request, kind="trial", doc={}, status=404,
                                  errors={"": f"example: got {name!r}, expected one of "
                                              f"{', '.join(examples)}"})
        doc = tomllib.loads(examples[name].read_text(encoding="utf-8"))
        return self.form_page(request, kind="trial", doc=doc, example=name)

    async def trial_post(self, request: Request) -> Response:
        fields = await self.fields(request)
        action = fields.get("action", "run")
        errors: dict[str, str] = {}
        if action == "toml":
            try:
                doc = tomllib.loads(fields.get("~toml", ""))
            except tomllib.TOMLDecodeError as exc:
                doc, _ = read_form(self.trial_tree, fields)
                return self.form_page(request, kind="trial", doc=doc, toml_open=True, status=422,
                                      errors={"": f"TOML: malformed ({exc})"})
            try:
                refuse_forbidden(doc)
            except InputError as exc:
                return self.form_page(request, kind="trial", doc=doc, toml_open=True, status=422,
                                      errors={"": str(exc)})
            return self.form_page(request, kind="trial", doc=doc)
        doc, problems = read_form(self.trial_tree, fields)
        if action != "run":
            return self.form_page(request, kind="trial", doc=apply_action(doc, action))
        if problems:
            return self.form_page(request, kind="trial", doc=doc, errors=problems, status=422)
        try:
            spec, notes = await run_in_threadpool(check_trial_document, doc,
                                                  limits=self.options.limits)
        except InputError as exc:
            errors = self.refusal(str(exc), self.trial_tree, doc)
            return self.form_page(request, kind="trial", doc=doc, errors=errors, status=422)
        try:
            job = self.jobs.submit(_client(request), "trial", spec.title, doc)
        except Busy as exc:
            return self.form_page(request, kind="trial", doc=doc, errors={"": str(exc)},
                                  notes=notes, status=429)
        return RedirectResponse(f"/jobs/{job.id}", status_code=303)

    async def patient_get(self, request: Request) -> Response:
        back = self._from_job(request, "patient")
        if back is not None:
            return self.form_page(request, kind="patient", doc=back[0], errors=back[1])
        doc = PatientRequest().model_dump(mode="json", exclude_none=True)
        return self.form_page(request, kind="patient", doc=doc)

    async def patient_post(self, request: Request) -> Response:
        fields = await self.fields(request)
        action = fields.get("action", "run")
        doc, problems = read_form(self.patient_tree, fields)
        if action != "run":
            return self.form_page(request, kind="patient", doc=apply_action(doc, action))
        if problems:
            return self.form_page(request, kind="patient", doc=doc, errors=problems, status=422)
        try:
            req = await run_in_threadpool(check_patient_document, doc)
        except InputError as exc:
            errors = self.refusal(str(exc), self.patient_tree, doc)
            return self.form_page(request, kind="patient", doc=doc, errors=errors, status=422)
        title = f"{req.therapy.label or req.therapy.name} in a patient like yours"
        try:
            job = self.jobs.submit(_client(request), "patient", title, doc)
        except Busy as exc:
            return self.form_page(request, kind="patient", doc=doc, errors={"": str(exc)},
                                  status=429)
        return RedirectResponse(f"/jobs/{job.id}", status_code=303)

    def _job(self, request: Request) -> Job | None:
        return self.jobs.job(str(request.path_params["job_id"]), _client(request))

    async def job_page(self, request: Request) -> Response:
        job = self._job(request)
        if job is None:
            return PlainTextResponse("no such run for this browser", status_code=404)
        return self.page(request, "job.html", {"job": job, "view": self.view(job)})

    async def job_status(self, request: Request) -> Response:
        job = self._job(request)
        if job is None:
            return PlainTextResponse("no such run for this browser", status_code=404)
        return self.page(request, "status.html", {"job": job, "view": self.view(job)})

    async def job_cancel(self, request: Request) -> Response:
        job = self._job(request)
        if job is None:
            return PlainTextResponse("no such run for this browser", status_code=404)
        self.jobs.cancel(job.id, _client(request))
        if request.headers.get("hx-request") == "true":
            return self.page(request, "status.html", {"job": job, "view": self.view(job)})
        return RedirectResponse(f"/jobs/{job.id}", status_code=303)

    async def favicon(self, request: Request) -> Response:
        return Response(status_code=204)

    async def runs(self, request: Request) -> Response:
        return self.page(request, "runs.html", {"jobs": self.jobs.jobs(_client(request))})

    async def run_file(self, request: Request) -> Response:
        job = self._job(request)
        view = None if job is None else self.view(job)
        name = str(request.path_params["name"])
        missing = PlainTextResponse("no such file in this run", status_code=404)
        if job is None or view is None:
            return missing
        allowed = {d["file"] for d in view.get("downloads", [])}
        allowed |= {f["file"] for f in view.get("figures", [])}
        if name not in allowed:
            return missing
        folder = job.folder.resolve()
        path = (folder / name).resolve()
        if not path.is_relative_to(folder) or not path.is_file():
            return missing
        if path.suffix == ".png":
            return FileResponse(path, media_type="image/png")
        if path.suffix == ".html":
            return FileResponse(path, media_type="text/html",
                                headers={"content-security-policy": _REPORT_CSP})
        return FileResponse(path, filename=path.name)


def _same_origin(request: Request, hosts: list[str]) -> bool:
    """Whether a POST comes from this server's own pages (Origin, else Referer)."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        return False
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return origin is None
    host = urlsplit(origin).hostname or ""
    return "*" in hosts or host in hosts or f"[{host}]" in hosts


def create_app(options: ServeOptions | None = None) -> Starlette:
    """The Starlette app of ``immunoreset serve`` (run it with an ASGI server, e.g.
    ``uvicorn``; its lifespan starts and stops the worker)."""
    options = ServeOptions() if options is None else options
    app_ = _App(options)
    hosts = options.allowed_hosts

    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]
                    ) -> Response:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            return PlainTextResponse("request body too large", status_code=413)
        if request.method == "POST" and length is None:  # a streamed body of unknown size
            return PlainTextResponse("a POST needs a Content-Length", status_code=411)
        if request.method == "POST" and not _same_origin(request, hosts):
            return PlainTextResponse("cross-origin request refused", status_code=403)
        client = request.cookies.get(CLIENT_COOKIE, "")
        fresh = not (len(client) == 32 and all(c in "0123456789abcdef" for c in client))
        if fresh:
            client = secrets.token_hex(16)
        request.state.client = client
        response = await call_next(request)
        if fresh:
            response.set_cookie(CLIENT_COOKIE, client, httponly=True, samesite="strict", path="/")
        response.headers.setdefault("content-security-policy", _CSP)
        response.headers["x-content-type-options"] = "nosniff"
        response.headers["referrer-policy"] = "same-origin"
        return response

    from starlette.middleware.base import BaseHTTPMiddleware

    routes = [
        Route("/", app_.index),
        Route("/patient", app_.patient_get, methods=["GET"]),
        Route("/patient", app_.patient_post, methods=["POST"]),
        Route("/trial", app_.trial_get, methods=["GET"]),
        Route("/trial", app_.trial_post, methods=["POST"]),
        Route("/runs", app_.runs),
        Route("/favicon.ico", app_.favicon),
        Route("/jobs/{job_id:str}", app_.job_page),
        Route("/jobs/{job_id:str}/status", app_.job_status),
        Route("/jobs/{job_id:str}/cancel", app_.job_cancel, methods=["POST"]),
        Route("/runs/{job_id:str}/{name:path}", app_.run_file),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    middleware = [Middleware(TrustedHostMiddleware, allowed_hosts=hosts),
                  Middleware(BaseHTTPMiddleware, dispatch=guard)]
    app = Starlette(routes=routes, middleware=middleware, lifespan=app_.lifespan)
    app.state.web = app_
    return app
