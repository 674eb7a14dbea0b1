"""Both views end to end in a real browser (the system Chromium, headless), against
`immunoreset serve` started as a user starts it. Each test writes a screenshot of its view
to tests/web/_screenshots/ and checks that the plots are there: loaded, of their size, and
not blank."""

from __future__ import annotations

import csv
import io

import pytest

pytestmark = pytest.mark.slow

#: In the page: an image's natural size and the fraction of its pixels that are not white.
_INK = """(img) => {
  const c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const g = c.getContext('2d'); g.drawImage(img, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  let ink = 0;
  for (let i = 0; i < d.length; i += 4) { if (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200) ink++; }
  return [img.naturalWidth, img.naturalHeight, ink / (d.length / 4)];
}"""


def _plots(page, selector: str) -> list[tuple[str, int, int, float]]:
    out = []
    for img in page.locator(selector).all():
        w, h, ink = img.evaluate(_INK)
        out.append((img.get_attribute("src"), w, h, ink))
    return out


def _assert_drawn(plots, n: int) -> None:
    assert len(plots) == n, plots
    for src, w, h, ink in plots:
        assert w >= 500 and h >= 300, src        # a rendered panel, not a broken image
        assert 0.02 < ink < 0.9, (src, ink)      # lines, bands and text on a white ground


def _download(page, link_text: str) -> list[list[str]]:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_text, exact=True).click()
    text = open(info.value.path(), encoding="utf-8").read()
    return list(csv.reader(io.StringIO(text)))


def test_serve_says_it_is_bound_to_this_machine_only(server) -> None:
    assert server["first_line"].strip() == (
        f"immunoreset serve: {server['url']}/ (bound to 127.0.0.1: this machine only; "
        "Ctrl-C stops)")


def test_patient_view_end_to_end(page, server, screenshots) -> None:
    page.goto(server["url"] + "/")
    page.click("#go-patient")
    for name, value in (("sex", "F"),):
        page.select_option(f'[name="patient.{name}"]', value)
    for name, value in (("age_years", "26"), ("weight_kg", "58"), ("height_cm", "165"),
                        ("sledai_2k", "14"), ("anti_dsdna_iu_per_ml", "250"),
                        ("c3_g_per_l", "0.6"), ("proteinuria_g_per_day", "2.5"),
                        ("b_cells_per_ul", "180")):
        page.fill(f'[name="patient.{name}"]', value)
    page.fill('[name="therapy.car_t.dose_per_kg"]', "5e5")   # a lower dose than Erlangen's
    page.click('details[data-path="schedule"] > summary')
    page.fill('[name="schedule.follow_up_days"]', "365")
    page.click('details[data-path="matching"] > summary')
    page.fill('[name="matching.pool"]', "100")
    page.screenshot(path=screenshots / "patient_form.png", full_page=True)
    page.click("#run")
    page.wait_for_selector("#patient-result")
    page.screenshot(path=screenshots / "patient_view.png", full_page=True)
    # the course of the matched patients: CAR-T, B cells, anti-dsDNA, C3, proteinuria,
    # SLEDAI-2K, DORIS, CRS
    _assert_drawn(_plots(page, "#time-courses img.plot"), 8)
    matching = page.locator("#matching tbody tr")
    assert matching.count() == 5
    assert matching.nth(0).locator("td").nth(2).inner_text() == "14"   # SLEDAI-2K as given
    visits = page.locator("#visits thead th").all_inner_texts()
    assert visits[:4] == ["read-out", "arm", "statistic", "day -7"] and visits[-1] == "day 365"
    assert page.locator("#crs tbody tr").count() == 3
    assert "in a patient like yours" in page.locator("h1").inner_text()
    rows = _download(page, "time_courses.csv")
    assert rows[0] == ["variable", "arm", "day", "n", "mean", "std", "q05", "q25", "median",
                       "q75", "q95"]
    assert {r[1] for r in rows[1:]} == {"car_t", "untreated"}
    assert {int(r[3]) for r in rows[1:]} == {20}   # the 20 matched patients


def test_trial_view_end_to_end(page, server, screenshots) -> None:
    page.goto(server["url"] + "/trial")
    page.select_option("#example", "dose_finding")
    page.click("#load-example")
    assert page.input_value('[name="arm[0].car_t.dose_per_kg"]') == "1e5, 3e5, 1e6, 3e6, 1e7"
    page.screenshot(path=screenshots / "trial_form.png", full_page=True)
    page.select_option("#example", "lymphodepletion")
    page.click("#load-example")
    page.fill('[name="population.n_per_arm"]', "20")
    page.click("#run")
    page.wait_for_selector("#trial-result")
    page.screenshot(path=screenshots / "trial_view.png", full_page=True)
    header = page.locator("#endpoints thead th").all_inner_texts()
    assert header[:2] == ["endpoint", "visit"] and len(header) == 2 + 4   # four arms
    assert page.locator("#endpoints tbody tr").count() > 30
    plots = _plots(page, "#trial-plots img.plot")
    kinds = page.locator("#trial-plots img.plot").evaluate_all("els => els.map(e => e.dataset.kind)")
    assert kinds[0] == "forest" and kinds.count("kaplan_meier") == 3
    _assert_drawn(plots, 4)
    rows = _download(page, "endpoints.csv")
    assert rows[0] == ["arm", "endpoint", "visit_day", "estimate", "ci_low", "ci_high", "n"]
    assert {r[0] for r in rows[1:]} == {"standard", "flu30_cy300", "cy_alone", "no_lymphodepletion"}


def test_a_bad_value_is_refused_next_to_its_field(page, server, screenshots) -> None:
    page.goto(server["url"] + "/trial")
    page.fill('[name="arm[0].car_t.dose_per_kg"]', "1e300")
    page.click("#run")
    error = page.locator('[data-path="arm[0].car_t.dose_per_kg"] p.error')
    assert error.inner_text() == "got 1e+300, expected a number <= 1e+09"
    assert page.locator("p.error").count() == 1
    error.scroll_into_view_if_needed()
    page.screenshot(path=screenshots / "trial_form_error.png")


def test_a_long_trial_shows_progress_and_can_be_cancelled(page, server, screenshots) -> None:
    page.goto(server["url"] + "/trial")
    page.fill('[name="population.n_per_arm"]', "2000")
    page.click("#run")
    page.wait_for_function("() => { const p = document.querySelector('#progress');"
                           " return p && p.value > 0; }")
    page.screenshot(path=screenshots / "trial_progress.png")
    stage = page.locator("#stage").inner_text()
    assert stage.startswith("simulated ") and stage.endswith(" of 4,000 arm-patients")
    page.click("#cancel")
    page.wait_for_selector('#job-status[data-state="cancelled"]')
    assert page.locator("#job-error").inner_text() == "cancelled while running"
    job = page.url.rsplit("/", 1)[-1]
    assert not (server["runs"] / job).exists()   # the cancelled run left nothing
    page.goto(server["url"] + "/runs")
    assert "cancelled" in page.locator("#runs").inner_text()
