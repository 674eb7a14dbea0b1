"""Standard lupus drugs (glucocorticoids, mycophenolate, hydroxychloroquine): exposure
figures against their sources, no effect without the drug, dose-dependence, the refractory
population staying active and the lupus-nephritis population's standard-of-care renal
responses against the trials' placebo arms."""

from __future__ import annotations

import importlib.util
import itertools
import math
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

from immunoreset.engine import EventSchedule, solve_batch
from immunoreset.model import extend_model, load_parameters
from immunoreset.population import Cohort, named_population
from immunoreset.simulation import DEFAULT_SOLVER, simulate_arm
from immunoreset.therapy import Regimen

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "src" / "immunoreset" / "therapy" / "data" / "drugs" / "lupus_drugs.toml"
SEED = 1  # the calibration's seed: the cohorts below are its first patients


def _calibration():  # type: ignore[no-untyped-def]
    path = ROOT / "calibration" / "standard_of_care.py"
    spec = importlib.util.spec_from_file_location("standard_of_care", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["standard_of_care"] = mod
    spec.loader.exec_module(mod)
    return mod


soc = _calibration()


@pytest.fixture(scope="module")
def drugs():  # type: ignore[no-untyped-def]
    """The SLE model with the lupus-drug modules, and its parameter set."""
    return soc.lupus_drug_model()


def _solve(cohort: Cohort, regimens: tuple[str, ...], days: np.ndarray, *, flares: bool = False,
           settings=DEFAULT_SOLVER):  # type: ignore[no-untyped-def]
    """States ``(n, len(days), n_states)`` of ``cohort`` under the named regimens from day 0."""
    model = cohort.model
    fl = model.state_index["flare_trigger"]
    ev = []
    for i in range(len(cohort)):
        e = soc.regimen_events(regimens, dict(model.state_index), float(cohort.weight_kg[i]))
        if flares:
            e += [(d, fl, a) for d, a in cohort.flares[i]]
        ev.append(sorted(e, key=lambda x: (x[0], x[1])))
    sol = solve_batch(model.rhs, cohort.y0, cohort.params, days, t0=float(days[0]),
                      events=EventSchedule.from_lists(ev), jac=model.jac, settings=settings)
    assert np.all(sol.status == 0)
    return sol.y


def _observed(cohort: Cohort, y: np.ndarray, name: str) -> np.ndarray:
    return cohort.model.observe(y, cohort.params)[name]


def _state(cohort: Cohort, y: np.ndarray, name: str) -> np.ndarray:
    return y[:, :, cohort.model.state_index[name]]


@pytest.fixture(scope="module")
def ln_cohort(drugs) -> Cohort:  # type: ignore[no-untyped-def]
    model, params = drugs
    c = named_population("lupus_nephritis").sample(50, params, seed=SEED, model=model)
    assert c.plausible.all()
    return c


@pytest.fixture(scope="module")
def refractory_cohort(drugs) -> Cohort:  # type: ignore[no-untyped-def]
    model, params = drugs
    c = named_population("erlangen_like").sample(30, params, seed=SEED, model=model)
    assert c.plausible.all()
    return c


# --- exposure figures against their sources ----------------------------------------------


def test_mpa_exposure_per_gram_of_mmf_and_half_life_match_their_sources(drugs, ln_cohort):  # type: ignore[no-untyped-def]
    model, params = drugs
    one = ln_cohort.subset([0])
    days = np.array([-1.0, 0.0, 20.0, 20.0 + 17.9 / 24.0])
    regimen = ("mmf_2g",)
    # stop the dose at day 20 to read the half-life
    ev = soc.regimen_events(regimen, dict(model.state_index), 70.0)
    ev = [(d, s, a) for d, s, a in ev if d < 20.0] + [(20.0, model.state_index["mycophenolate_dose_rate"], -2000.0)]
    sol = solve_batch(model.rhs, one.y0, one.params, days, t0=-1.0, events=EventSchedule.from_lists([ev]),
                      jac=model.jac, settings=DEFAULT_SOLVER)
    c = _observed(one, sol.y, "mpa_concentration")[0]
    p = dict(zip(model.parameter_names, one.params[0], strict=False))
    # Steady state F f D / CL (mean over a dosing interval): AUC0-12 = 12 h x C_ss, 0.030
    # mg*h/L per mg of daily dose in lupus nephritis (J Pharm Health Care Sci 2022 Table 4).
    css = p["mpa_bioavailability"] * p["mpa_mass_fraction"] * 2000.0 / p["mpa_clearance"]
    assert c[2] == pytest.approx(css, rel=1e-4)
    auc12_per_mg = c[2] * 12.0 / 2000.0
    typical = params.value("mpa_clearance")
    assert auc12_per_mg * p["mpa_clearance"] / typical == pytest.approx(0.030, rel=2e-3)
    # 2 g/day: AUC0-12 in the 30-60 mg*h/L target window (Zahr 2014) for the typical patient
    assert 30.0 <= 0.030 * 2000.0 <= 60.0 + 1e-9
    # half-life 17.9 h after the last dose (CellCept label)
    assert c[3] / c[2] == pytest.approx(0.5, rel=1e-3)


def test_hcq_steady_state_and_its_six_months_approach_match_tett_1989(drugs, ln_cohort):  # type: ignore[no-untyped-def]
    _model, params = drugs
    one = ln_cohort.subset([0])
    days = np.array([-1.0, 0.0, 41.0, 183.0, 3000.0])
    y = _solve(one, ("hcq_400",), days)
    c = _observed(one, y, "hcq_concentration")[0]
    css = (params.value("hcq_bioavailability") * params.value("hcq_base_fraction") * 400.0
           / params.value("hcq_blood_clearance"))
    assert css == pytest.approx(1.659, rel=1e-3)  # 0.74 x 310 mg base / 138 L/day
    assert c[4] == pytest.approx(css, rel=1e-4)
    assert c[2] / css == pytest.approx(0.5, rel=1e-3)  # terminal half-life 41 days
    assert 0.94 <= c[3] / css <= 0.97  # ~96% of steady state after 6 months (Tett 1989)


def test_glucocorticoid_receptor_saturation_follows_the_eular_dose_categories(drugs, ln_cohort):  # type: ignore[no-untyped-def]
    model, _ = drugs
    one = ln_cohort.subset([0])
    sat = {}
    for dose in (5.0, 7.5, 30.0, 100.0):
        y0 = one.y0.copy()
        y0[0, model.state_index["prednisone_dose_rate"]] = dose
        y0[0, model.state_index["glucocorticoid_effect_dose"]] = dose
        sat[dose] = model.observe(y0[:, None, :], one.params)["glucocorticoid_receptor_saturation"][0, 0]
    # Buttgereit 2002: <= 7.5 mg/day < 50% saturation, 7.5-30 mg 50 to < 100%, 30-100 mg
    # almost complete.
    assert sat[5.0] < 0.5 and sat[7.5] == pytest.approx(0.5)
    assert 0.5 < sat[30.0] < 1.0 and sat[100.0] > 0.9
    # the effect compartment: 1 − 1/e of a step after 4 hours (Ferron 2002 transduction delay)
    days = np.array([-1.0, 0.0, 1.0 + 4.0 / 24.0])
    y = _solve(one, ("prednisone_5mg",), days)
    ce = _state(one, y, "glucocorticoid_effect_dose")[0]
    # the regimen starts on day 0; read 4 h after a day at 5 mg: 1 − e^{-6 (1 + 1/6)}
    assert ce[2] / 5.0 == pytest.approx(1 - math.exp(-6.0 * (1.0 + 4.0 / 24.0)), rel=1e-4)


# --- no effect without the drug ----------------------------------------------------------


def _base_cohort(cohort: Cohort) -> Cohort:
    """The same patients in the model without drug modules (base states and parameters)."""
    from dataclasses import replace

    from immunoreset.model import default_model

    base = default_model()
    ext = cohort.model
    nb, nf = base.spec.base_parameters, len(ext.spec.parameters)
    params = np.concatenate([cohort.params[:, :nb], cohort.params[:, nf:]], axis=1)
    return replace(cohort, params=params, y0=cohort.y0[:, : base.n_states], model=base)


def test_without_a_dose_the_drug_modules_change_nothing(ln_cohort):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    cohort = ln_cohort.subset(range(6))
    base = _base_cohort(cohort)
    np.testing.assert_array_equal(cohort.y0[:, base.model.n_states:], 0.0)
    tight = replace(DEFAULT_SOLVER, rtol=1e-10, atol=1e-12)
    days = np.arange(-7.0, 366.0, 7.0)
    a = simulate_arm(base, Regimen("none"), days=days, settings=tight, score_days=days[:1])
    b = simulate_arm(cohort, Regimen("none"), days=days, settings=tight, score_days=days[:1])
    for name in ("b_cells_blood", "t_cells_blood", "anti_dsdna", "c3", "proteinuria_g_per_day"):
        np.testing.assert_allclose(b.values[name], a.values[name], rtol=1e-6, atol=1e-6)


def test_the_default_population_is_sampled_as_before_when_the_drug_modules_are_composed(drugs):  # type: ignore[no-untyped-def]
    model, params = drugs
    from immunoreset.population import sample_cohort

    ext = sample_cohort(4, params, seed=3, model=model)
    base = sample_cohort(4, load_parameters(), seed=3)
    np.testing.assert_allclose(ext.y0[:, : base.model.n_states], base.y0, rtol=1e-12)
    assert ext.flares == base.flares
    np.testing.assert_array_equal(ext.thresholds, base.thresholds)


# --- dose-dependence ---------------------------------------------------------------------


def _steady_inhibition(cohort: Cohort, regimens: tuple[str, ...], scale: float) -> float:
    """Steady-state ``b_activation_inhibited_fraction`` of patient 0 at ``scale`` x the
    regimen's dose (day 300: MPA and glucocorticoids long at steady state)."""
    model = cohort.model
    ev = [(d, s, a * scale) for d, s, a in soc.regimen_events(regimens, dict(model.state_index), 70.0)]
    days = np.array([-1.0, 0.0, 300.0])
    sol = solve_batch(model.rhs, cohort.y0, cohort.params, days, t0=-1.0,
                      events=EventSchedule.from_lists([ev]), jac=model.jac, settings=DEFAULT_SOLVER)
    return float(_observed(cohort, sol.y, "b_activation_inhibited_fraction")[0, 2])


@pytest.mark.parametrize(("regimen", "scales"), [
    (("mmf_2g",), (0.25, 0.5, 1.0, 1.5, 3.0)),           # 0.5-6 g/day
    (("prednisone_5mg",), (0.5, 1.0, 2.0, 6.0, 20.0)),  # 2.5-100 mg/day
    (("hcq_400",), (0.25, 0.5, 1.0, 2.0)),              # 100-800 mg/day
])
def test_a_higher_dose_inhibits_more_and_the_effect_saturates(ln_cohort, regimen, scales):  # type: ignore[no-untyped-def]
    one = ln_cohort.subset([0])
    e = np.array([_steady_inhibition(one, regimen, s) for s in scales])
    assert np.all(np.diff(e) > 0)                  # higher dose, larger effect
    per_dose = np.diff(e) / np.diff(np.array(scales))
    assert np.all(np.diff(per_dose) < 0)          # ... with diminishing returns
    assert e[-1] < 1.0


def test_more_mycophenolate_lowers_proteinuria_more_in_lupus_nephritis(ln_cohort):  # type: ignore[no-untyped-def]
    cohort = ln_cohort.subset(range(20))
    days = np.array([-7.0, 0.0, 182.0])
    low = _state(cohort, _solve(cohort, ("mmf_2g",), days), "proteinuria")[:, 2]
    high = _state(cohort, _solve(cohort, ("mmf_3g",), days), "proteinuria")[:, 2]
    assert np.all(high <= low + 1e-9)
    assert np.mean(high) < 0.95 * np.mean(low)


# --- refractory vs lupus nephritis --------------------------------------------------------


def test_the_refractory_population_stays_active_on_mmf_glucocorticoids_and_hcq(refractory_cohort):  # type: ignore[no-untyped-def]
    cohort = refractory_cohort
    days = np.array([-7.0, 0.0, 182.0, 364.0])
    regimens = ("mmf_3g", "gc_lunar", "hcq_400")
    y = _solve(cohort, regimens, days, flares=True)
    upcr = _state(cohort, y, "proteinuria")
    base = cohort.y0[:, cohort.model.state_index["proteinuria"]]
    _crr, orr = soc.renal_response(base, upcr[:, 3])
    assert not orr.any()                                   # no renal response at week 52
    assert np.all(upcr[:, 2:] > 0.5)                       # active nephritis (SLEDAI-2K)
    assert np.all(_state(cohort, y, "anti_dsdna")[:, 3] >= 30.0)
    # the drugs are there and act pharmacologically (MPA inhibits IMPDH) ...
    assert np.all(_observed(cohort, y, "mpa_impdh_inhibition")[:, 3] > 0.5)
    # ... but the disease pathways of these patients do not respond
    np.testing.assert_array_equal(_observed(cohort, y, "b_activation_inhibited_fraction"), 0.0)


def test_the_same_patients_with_the_lupus_nephritis_responsiveness_do_respond(drugs, refractory_cohort):  # type: ignore[no-untyped-def]
    """The responsiveness is what keeps the refractory patients active, not their disease."""
    from dataclasses import replace

    model, _ = drugs
    rho = named_population("lupus_nephritis").changes()["lupus_drug_responsiveness"]["value"]
    params = refractory_cohort.params.copy()
    params[:, model.parameter_index["lupus_drug_responsiveness"]] = rho
    cohort = replace(refractory_cohort, params=params)
    days = np.array([-7.0, 0.0, 364.0])
    y = _solve(cohort, ("mmf_3g", "gc_lunar", "hcq_400"), days, flares=True)
    base = cohort.y0[:, model.state_index["proteinuria"]]
    _, orr = soc.renal_response(base, _state(cohort, y, "proteinuria")[:, 2])
    assert orr.mean() >= 0.15


def test_the_lupus_nephritis_population_is_the_trials_inclusion(ln_cohort):  # type: ignore[no-untyped-def]
    s = ln_cohort.model.state_index
    assert np.all(ln_cohort.y0[:, s["proteinuria"]] > 1.0)      # UPCR > 1 g/g
    assert np.all(ln_cohort.y0[:, s["anti_dsdna"]] >= 30.0)
    assert np.all(ln_cohort.y0[:, s["inflammation"]] > 0.1)     # active renal inflammation
    assert np.all((ln_cohort.age >= 18) & (ln_cohort.age <= 75))
    assert all(pid.startswith("ln") for pid in ln_cohort.patient_id)


def test_a_population_skips_changes_to_parameters_the_model_does_not_have():
    params = load_parameters()
    assert named_population("lupus_nephritis").parameters(params) == params


@pytest.mark.parametrize("target", soc.TARGETS, ids=lambda t: f"{t.trial}-{t.endpoint}")
def test_standard_of_care_renal_response_is_within_the_placebo_arms_interval(ln_cohort, target):  # type: ignore[no-untyped-def]
    """The calibrated model on 50 patients (the calibration cohort's first): the response
    rate of each placebo arm within its exact binomial 95% interval (n from the CSV)."""
    (rate,) = soc.model_rates(ln_cohort, {}, targets=(target,))
    lo, hi = soc.binomial_interval(target.k, target.n)
    assert lo <= rate <= hi, f"{target.trial} {target.endpoint}: model {rate:.3f}, trial [{lo:.3f}, {hi:.3f}]"


def test_the_targets_are_the_standard_of_care_arms_of_the_shared_csv():
    import csv

    path = Path("/work/shared/data/standard_of_care_arms.csv")
    if not path.is_file():
        pytest.skip("shared data not on this machine")
    rows = list(csv.DictReader(path.open()))
    for tg in soc.TARGETS:
        row = next(r for r in rows if r["trial"] == tg.trial
                   and ("complete" if tg.endpoint == "crr" else "overall") in r["endpoint"])
        assert float(row["value"].split("%")[0]) / 100 == pytest.approx(tg.rate)
        if row["n"]:
            assert int(row["n"]) == tg.n


# --- regimen catalogue --------------------------------------------------------------------


def _catalogue() -> dict:  # type: ignore[type-arg]
    return tomllib.loads(CATALOGUE.read_text(encoding="utf-8"))


def _rate_on(regimen: dict, day: float) -> float:  # type: ignore[type-arg]
    return sum(s["rate"] for s in regimen["segment"] if s["start"] <= day < s["stop"])


def test_every_regimen_is_a_sourced_run_of_segments_on_a_catalogued_drug(drugs):  # type: ignore[no-untyped-def]
    model, _ = drugs
    doc = _catalogue()
    drugs_by_name = {d["name"]: d for d in doc["drug"]}
    for d in doc["drug"]:
        assert d["infusion_state"] in model.state_index and d["source"]
        for m in d["modules"]:
            assert (ROOT / "src" / "immunoreset" / "model" / "therapies" / f"{m}.py").is_file()
    for r in doc["regimen"]:
        assert r["drug"] in drugs_by_name and r["source"] and r["label"]
        segs = r["segment"]
        assert all(s["unit"] == "mg/day" and s["rate"] > 0 and s["stop"] > s["start"] for s in segs)
        assert all(a["stop"] == b["start"] for a, b in itertools.pairwise(segs))


def test_the_trial_glucocorticoid_courses_meet_their_protocol_targets():
    regimens = {r["name"]: r for r in _catalogue()["regimen"]}
    lunar, regency = regimens["gc_lunar"], regimens["gc_regency"]
    assert _rate_on(lunar, 0) == pytest.approx(1000 * 1.25)        # methylprednisolone 1 g
    assert max(_rate_on(lunar, d) for d in range(1, 365)) <= 60.0   # prednisone <= 60 mg/day
    assert _rate_on(lunar, 112) <= 10.0                              # <= 10 mg/day by week 16
    assert _rate_on(regency, 84) <= 7.5 and _rate_on(regency, 168) <= 5.0
    for name, dose in (("mmf_2g", 2000), ("mmf_2_5g", 2500), ("mmf_3g", 3000), ("hcq_400", 400)):
        assert _rate_on(regimens[name], 100) == dose
    assert _rate_on(regimens["mmf_lunar"], 28) == 3000           # 3 g/day by week 4


def test_the_glucocorticoid_taper_is_a_daily_rate_that_doris_can_read():
    """The dose on each visit day is the rate of the segment that covers it: DORIS
    (prednisone <= 5 mg/day) and LLDAS (<= 7.5 mg/day) read it per visit."""
    regency = {r["name"]: r for r in _catalogue()["regimen"]}["gc_regency"]
    doses = {week: _rate_on(regency, 7 * week) for week in (2, 12, 24, 52)}
    assert doses == {2: 35.0, 12: 7.5, 24: 5.0, 52: 5.0}
    assert [w for w, d in doses.items() if d <= 5.0] == [24, 52]      # DORIS-compatible
    assert [w for w, d in doses.items() if d <= 7.5] == [12, 24, 52]  # LLDAS-compatible


def test_each_drug_composes_with_only_the_shared_response_module():
    """Each drug with lupus_drug_response alone (as the catalogue composes it) is a valid,
    unit-checked model."""
    from immunoreset.model._build import compose_spec

    therapies = ROOT / "src" / "immunoreset" / "model" / "therapies"
    for drug in ("glucocorticoids", "mycophenolate", "hydroxychloroquine"):
        mods = ["lupus_drug_response", drug]
        spec, _ = extend_model(load_parameters(), [f"immunoreset.model.therapies.{m}" for m in mods],
                               [therapies / f"{m}.toml" for m in mods])
        states = [s.name for s in compose_spec(spec).states]
        assert states[-4:-2] == ["b_activation_inhibition", "inflammation_inhibition"]
