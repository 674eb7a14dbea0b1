"""The app's HTTP surface without a browser: safe by construction (host check, same-origin
POSTs, bounded bodies, a content security policy, files of a run only, each browser its own
runs), errors in the spec's words next to their field, and `immunoreset serve` refusals."""

from __future__ import annotations

import re
import time
import warnings

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

with warnings.catch_warnings():
    # Starlette >= 1.0 prefers the httpx2 package for its test client and warns about httpx;
    # both drive the app the same way, and httpx also serves the older Starlette allowed.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from immunoreset.web._app import CLIENT_COOKIE, MAX_BODY_BYTES, ServeOptions, create_app
from immunoreset.web._requests import EXAMPLES_DIR

from .helpers import error_places, posted_fields
from .runners import fake

BASE = "http://127.0.0.1:8765"


@pytest.fixture
def app(tmp_path):
    return create_app(ServeOptions(runs=tmp_path / "runs", runner=fake, warm=False, max_active=2))


@pytest.fixture
def client(app):
    with TestClient(app, base_url=BASE) as c:
        c.get("/")  # the server sets the client cookie
        yield c


def _form_of(client, path: str) -> dict[str, str]:
    page = client.get(path)
    assert page.status_code == 200
    (form,) = re.findall(r'<form method="post".*?</form>', page.text, flags=re.S)
    return posted_fields(form)


def _run(client, fields: dict[str, str], path: str = "/trial"):
    return client.post(path, data={**fields, "action": "run"}, follow_redirects=False)


def _wait_done(client, url: str, timeout: float = 20.0) -> str:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        html = client.get(url).text
        state = re.search(r'id="job-status" data-state="(\w+)"', html).group(1)
        if state not in ("queued", "running"):
            return html
        time.sleep(0.05)
    raise AssertionError("the run did not finish")


def test_pages_say_the_server_is_local_and_set_a_private_cookie(client) -> None:
    with TestClient(client.app, base_url=BASE) as fresh:
        r = fresh.get("/")
    assert r.status_code == 200
    assert "local app on 127.0.0.1:8765" in r.text
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{CLIENT_COOKIE}=") and "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert '<script src="/static/htmx.min.js"' in r.text  # vendored, no CDN
    assert "https://" not in r.text
    assert client.get("/static/htmx.min.js").status_code == 200


def test_another_host_name_is_refused(client) -> None:
    r = client.get("/", headers={"host": "attacker.example"})
    assert r.status_code == 400


def test_a_post_from_another_origin_or_too_big_is_refused(client) -> None:
    fields = _form_of(client, "/trial")
    r = client.post("/trial", data={**fields, "action": "run"},
                    headers={"origin": "http://attacker.example"})
    assert (r.status_code, r.text) == (403, "cross-origin request refused")
    r = client.post("/trial", content=b"x" * (MAX_BODY_BYTES + 1),
                    headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413

    def stream():
        yield b"action=run"

    r = client.post("/trial", content=stream(),
                    headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 411


def test_the_trial_form_is_the_example_and_a_run_gives_its_results(client) -> None:
    fields = _form_of(client, "/trial?example=erlangen_replication")
    assert fields["population.n_per_arm"] == "40"
    assert fields["arm[0].car_t.dose_per_kg"] == "1e6"
    r = _run(client, fields)
    assert r.status_code == 303
    job_url = r.headers["location"]
    html = _wait_done(client, job_url)
    assert 'data-state="done"' in html and 'id="endpoints"' in html
    job_id = job_url.rsplit("/", 1)[-1]
    f = client.get(f"/runs/{job_id}/a.csv")
    assert f.status_code == 200 and f.text == "x\n1\n"
    assert 'attachment; filename="a.csv"' in f.headers["content-disposition"]
    runs = client.get("/runs").text
    assert job_id in runs and "done" in runs


def test_only_the_files_a_run_lists_are_served_and_only_to_its_browser(client) -> None:
    r = _run(client, _form_of(client, "/trial"))
    job_url = r.headers["location"]
    _wait_done(client, job_url)
    job_id = job_url.rsplit("/", 1)[-1]
    assert client.get(f"/runs/{job_id}/a.csv").status_code == 200
    for name in ("view.json", "%2e%2e/%2e%2e/etc/passwd", "..%2fview.json", "figures/x.png"):
        assert client.get(f"/runs/{job_id}/{name}").status_code == 404, name
    with TestClient(client.app, base_url=BASE) as other:
        other.get("/")
        assert other.get(job_url).status_code == 404
        assert other.get(f"/runs/{job_id}/a.csv").status_code == 404
        assert other.post(f"{job_url}/cancel").status_code == 404


def test_a_bad_value_comes_back_with_the_spec_s_error_next_to_its_field(client) -> None:
    fields = _form_of(client, "/trial")
    fields["arm[0].car_t.dose_per_kg"] = "1e300"
    r = _run(client, fields)
    assert r.status_code == 422
    assert "arm[0].car_t.dose_per_kg: got 1e+300" not in r.text  # the location is the field
    assert "got 1e+300, expected a number &lt;= 1e+09" in r.text
    assert error_places(r.text) == ["arm[0].car_t.dose_per_kg"]
    assert 'value="1e300"' in r.text  # what was typed stays


def test_toml_is_applied_to_the_form_and_code_keys_in_it_are_refused(client) -> None:
    text = (EXAMPLES_DIR / "dose_finding.toml").read_text(encoding="utf-8")
    r = client.post("/trial", data={"action": "toml", "~toml": text})
    assert r.status_code == 200
    fields = posted_fields(re.search(r'<form method="post".*?</form>', r.text, re.S)[0])
    assert fields["trial.name"] == "dose_finding"
    assert fields["arm[0].car_t.dose_per_kg"] == "1e5, 3e5, 1e6, 3e6, 1e7"
    r = client.post("/trial", data={"action": "toml",
                                    "~toml": text + '\n[model]\nmodules = ["x.py"]\n'})
    assert r.status_code == 422
    assert error_places(r.text) == [None]  # at the top: the form has no such field
    assert "model: not accepted by the web app (extra model modules are Python code)" in r.text
    r = client.post("/trial", data={"action": "toml", "~toml": "[trial\nname="})
    assert r.status_code == 422 and "TOML: malformed" in r.text


def test_add_and_remove_rebuild_the_form(client) -> None:
    fields = _form_of(client, "/trial")
    r = client.post("/trial", data={**fields, "action": "add:arm"})
    again = posted_fields(re.search(r'<form method="post".*?</form>', r.text, re.S)[0])
    assert again["arm~n"] == "3" and again["arm[2].name"] == ""
    r = client.post("/trial", data={**again, "action": "remove:arm[0]"})
    again = posted_fields(re.search(r'<form method="post".*?</form>', r.text, re.S)[0])
    assert again["arm~n"] == "2" and again["arm[0].name"] == "untreated"


def test_one_run_per_browser_and_cancel(client) -> None:
    fields = _form_of(client, "/trial")
    fields["trial.name"] = "sleep"   # the stand-in runner sleeps
    first = _run(client, fields)
    assert first.status_code == 303
    second = _run(client, fields)
    assert second.status_code == 429 and "you already have a run in progress" in second.text
    r = client.post(f"{first.headers['location']}/cancel", follow_redirects=False)
    assert r.status_code == 303
    html = _wait_done(client, first.headers["location"])
    assert 'data-state="cancelled"' in html


def test_a_refusal_from_the_worker_goes_back_to_the_form_with_the_error_placed(client) -> None:
    fields = _form_of(client, "/trial")
    fields["trial.name"] = "refuse"   # refused in the worker, as the pilot draw would
    r = _run(client, fields)
    html = _wait_done(client, r.headers["location"])
    assert 'data-state="refused"' in html and "population.n_per_arm: got 0" in html
    back = re.search(r'href="(/trial\?from=\w+)"', html).group(1)
    form = client.get(back).text
    assert error_places(form) == ["population.n_per_arm"]
    assert posted_fields(re.search(r'<form method="post".*?</form>', form, re.S)[0])[
        "trial.name"] == "refuse"


def test_the_patient_form_refuses_in_the_spec_s_words(client) -> None:
    fields = _form_of(client, "/patient")
    assert fields["therapy.lymphodepletion"] == "flu_cy"
    assert fields["therapy.car_t.dose_per_kg"] == "1e6"
    fields["patient.weight_kg"] = "0"
    r = _run(client, fields, "/patient")
    assert r.status_code == 422 and error_places(r.text) == ["patient.weight_kg"]
    assert "got 0, expected a number &gt; 0" in r.text
    fields["patient.weight_kg"] = "70"
    r = _run(client, fields, "/patient")
    assert r.status_code == 303


def test_an_unknown_example_or_run_is_not_found(client) -> None:
    assert client.get("/trial?example=nope").status_code == 404
    assert client.get("/jobs/0123456789abcdef").status_code == 404
    assert client.get("/runs/0123456789abcdef/a.csv").status_code == 404
