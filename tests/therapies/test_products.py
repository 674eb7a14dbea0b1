"""CD19 CAR-T product classes: the catalogue, the allogeneic and mRNA modules and anti-CAR
immunity, each on real values against its reference (the core's own laws, an analytic
solution, or the sourced parameter)."""

from __future__ import annotations

import math
import tomllib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from immunoreset.engine import EventSchedule, solve_batch
from immunoreset.model import build_model, default_model, extend_model, load_parameters
from immunoreset.population import sample_cohort
from immunoreset.simulation import DEFAULT_SOLVER, patient_events
from immunoreset.therapy import Dose, Lymphodepletion, Regimen

SRC = Path(__file__).resolve().parents[2] / "src" / "immunoreset"
THERAPIES = SRC / "model" / "therapies"
CATALOGUE = SRC / "therapy" / "data" / "products" / "cd19.toml"
MODULES = ("allo_car_t", "mrna_car_t", "car_t_anti_car", "mrna_car_t_anti_car")
TIGHT = replace(DEFAULT_SOLVER, rtol=1e-8, atol=1e-11)
#: Erlangen dose (cells/kg) and the Descartes-08 mRNA CAR-T dose per infusion (Granit 2023).
ERLANGEN_PER_KG = 1e6
DESCARTES_PER_KG = 52.5e6
LD = Regimen("flu_cy_only", Lymphodepletion.flu_cy(), None)
NONE = Regimen("nothing")
DAYS = np.arange(-7.0, 366.0)


@pytest.fixture(scope="module")
def ext():  # type: ignore[no-untyped-def]
    spec, params = extend_model(load_parameters(), [f"immunoreset.model.therapies.{m}" for m in MODULES],
                                [THERAPIES / f"{m}.toml" for m in MODULES])
    model = build_model(spec)
    cohort = sample_cohort(4, params, seed=5, model=model)
    assert cohort.plausible.all()
    return model, params, cohort


def _solve(cohort, regimen, extra=None, params=None, days=DAYS, settings=DEFAULT_SOLVER):  # type: ignore[no-untyped-def]
    ev = patient_events(cohort, regimen, flares=False, extra=extra)
    sol = solve_batch(cohort.model.rhs, cohort.y0, cohort.params if params is None else params, days,
                      t0=float(days[0]), events=EventSchedule.from_lists(ev), jac=cohort.model.jac,
                      settings=settings)
    assert (sol.status == 0).all()
    return sol.y


def _cells_per_ul(cohort, per_kg):  # type: ignore[no-untyped-def]
    """The core's dose convention: cells / (car_t_distribution_volume L x 1e6 uL/L)."""
    v = cohort.params[:, cohort.model.parameter_index["car_t_distribution_volume"]]
    return per_kg * cohort.weight_kg / (v * 1e6)


def _dose(cohort, state, per_kg, days=(0.0,)):  # type: ignore[no-untyped-def]
    amount = _cells_per_ul(cohort, per_kg)
    i = cohort.model.state_index[state]
    return [[(float(d), i, float(amount[p])) for d in days] for p in range(len(cohort))]


def _total(model, y, p):  # type: ignore[no-untyped-def]
    s = model.state_index
    return y[:, :, s[f"{p}_infused"]] + y[:, :, s[f"{p}_effector"]] + y[:, :, s[f"{p}_memory"]]


def _at(days, d):  # type: ignore[no-untyped-def]
    return int(np.flatnonzero(np.isclose(days, d))[0])


def _with(cohort, **values):  # type: ignore[no-untyped-def]
    p = cohort.params.copy()
    for name, v in values.items():
        p[:, cohort.model.parameter_index[name]] = v
    return p


def _value(params, name):  # type: ignore[no-untyped-def]
    return params.value(name)


# --- the catalogue --------------------------------------------------------------------------


def test_every_catalogue_product_names_existing_modules_states_and_sources(ext):  # type: ignore[no-untyped-def]
    model, _, _ = ext
    products = tomllib.loads(CATALOGUE.read_text(encoding="utf-8"))["product"]
    names = [p["name"] for p in products]
    assert len(set(names)) == len(names)
    assert {"MB-CART19.1", "KYV-101", "rese-cel", "obe-cel", "TyU19", "ALLO-501", "RNA-CART19"} <= set(names)
    kinds = {p["kind"] for p in products}
    assert kinds == {"autologous", "allogeneic", "mrna"}
    for p in products:
        assert p["target"] == "CD19" and p["label"] and p["source"] and p["kinetics"]
        for m in (*p["modules"], *p["anti_car_modules"]):
            assert (THERAPIES / f"{m}.py").is_file() and (THERAPIES / f"{m}.toml").is_file(), m
        assert p["dose_state"] in model.state_names
        assert (p["redose_state"] in model.state_names) == bool(p["anti_car_modules"])
        assert p["anti_car_immunity"] is False  # off by default
        assert p["dose_unit"] in ("cells/kg", "cells")
        assert p["dose_range"] == [] or (len(p["dose_range"]) == 2
                                         and 0 < p["dose_range"][0] <= p["dose_range"][1])
        # the class of a product is the state set it doses
        if p["modules"] == []:
            assert p["dose_state"] == "car_t_infused"  # the core's kinetics
    by = {p["name"]: p for p in products}
    assert by["MB-CART19.1"]["dose_range"] == [1e5, 1e6]
    assert by["rese-cel"]["dose_range"] == [1e6, 1e6] and by["rese-cel"]["dose_unit"] == "cells/kg"
    assert by["KYV-101"]["dose_range"] == [5e7, 1e8] and by["KYV-101"]["dose_unit"] == "cells"
    assert by["RNA-CART19"]["schedule_days"] == [0, 7, 14, 21, 28, 35]


def test_the_cache_key_follows_the_shared_laws_file(tmp_path):
    """The generated-code cache key hashes the private helper files beside the modules
    (``_cell_laws.py``), so a change of the shared laws rebuilds every module using them."""
    import shutil

    from immunoreset.model import SLE_CD19_CART

    for name in ("allo_car_t.py", "_cell_laws.py", "__init__.py"):
        shutil.copy(THERAPIES / name, tmp_path / name)
    spec = SLE_CD19_CART.with_modules([str(tmp_path / "allo_car_t.py")], [])
    before = spec.key
    (tmp_path / "_cell_laws.py").write_text((THERAPIES / "_cell_laws.py").read_text() + "\n# edited\n")
    assert SLE_CD19_CART.with_modules([str(tmp_path / "allo_car_t.py")], []).key != before


# --- no effect without a dose -------------------------------------------------------------


def test_without_a_dose_the_extended_model_is_the_default_model(ext):  # type: ignore[no-untyped-def]
    model, _, cohort = ext
    base_model = default_model()
    base = sample_cohort(4, load_parameters(), seed=5)
    nb = base_model.n_states
    np.testing.assert_allclose(cohort.y0[:, :nb], base.y0, rtol=1e-12)
    cells = [n for n in model.state_names[nb:] if not n.endswith("_stimulation")]
    np.testing.assert_array_equal(cohort.y0[:, [model.state_index[n] for n in cells]], 0.0)
    # The right-hand side of every core state, along an Erlangen trajectory (anti-CAR
    # immunity primes there, as in any CAR-T arm), is the default model's to rounding (the
    # generated code shares subexpressions differently, so sums may associate otherwise).
    yb = _solve(base, Regimen.erlangen_car_t())
    ye = _solve(cohort, Regimen.erlangen_car_t())
    for i in range(len(cohort)):
        for j in range(0, DAYS.size, 15):
            fb, fe = np.empty(nb), np.empty(model.n_states)
            base_model.rhs(DAYS[j], yb[i, j], base.params[i], fb)
            y = ye[i, j].copy()
            y[:nb] = yb[i, j]
            model.rhs(DAYS[j], y, cohort.params[i], fe)
            assert np.all(np.abs(fe[:nb] - fb) <= 1e-12 * (np.abs(fb) + np.abs(yb[i, j]) + 1.0))
    # Trajectories: more states change the solver's error norm and so its steps; at a
    # tight tolerance they agree to the bound of tests/model/test_new_module.py.
    tight_b = _solve(base, Regimen.erlangen_car_t(), settings=TIGHT)
    tight_e = _solve(cohort, Regimen.erlangen_car_t(), settings=TIGHT)
    np.testing.assert_allclose(tight_e[:, :, :nb], tight_b, rtol=1e-5, atol=1e-3)
    for n in cells:
        if n != "car_t_anti_car_immunity":  # primed by the core CAR-T, acting on nothing
            np.testing.assert_array_equal(tight_e[:, :, model.state_index[n]], 0.0)
    assert tight_e[:, -1, model.state_index["car_t_anti_car_immunity"]].min() > 0.9


# --- allogeneic -----------------------------------------------------------------------------


def test_allogeneic_cells_follow_the_core_laws_exactly_when_rejection_is_off(ext):  # type: ignore[no-untyped-def]
    model, _, cohort = ext
    auto = _solve(cohort, Regimen.erlangen_car_t(), settings=TIGHT)
    allo = _solve(cohort, LD, _dose(cohort, "allo_car_t_infused", ERLANGEN_PER_KG),
                  params=_with(cohort, allo_car_t_rejection_rate=0.0), settings=TIGHT)
    a, b = _total(model, auto, "car_t"), _total(model, allo, "allo_car_t")
    assert a.max() > 100.0  # the Erlangen expansion, not a trivial comparison
    np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
    s = model.state_index
    for name in ("t_cells", "homeostatic_cytokine", "naive_b_blood", "naive_b_tissue",
                 "b_precursors", "il6", "anti_dsdna"):
        np.testing.assert_allclose(allo[:, :, s[name]], auto[:, :, s[name]], rtol=1e-5, atol=1e-6)


def test_host_t_cells_at_their_set_point_reject_allogeneic_cells_with_a_12_day_mean_survival(ext):  # type: ignore[no-untyped-def]
    """Without lymphodepletion the host T cells stay at their set point, so rejection is
    the sourced hazard k_rej = 1/12 per day (mean survival 12 days, first-set allograft
    rejection in healthy humans): allogeneic / autologous = exp(-k_rej t)."""
    model, params, cohort = ext
    k_rej = _value(params, "allo_car_t_rejection_rate")
    assert k_rej == pytest.approx(1 / 12)
    car = Regimen("car_t_no_ld", Lymphodepletion.none(), Regimen.erlangen_car_t().car_t)
    auto = _total(model, _solve(cohort, car, settings=TIGHT), "car_t")
    allo = _total(model, _solve(cohort, NONE, _dose(cohort, "allo_car_t_infused", ERLANGEN_PER_KG),
                                settings=TIGHT), "allo_car_t")
    # (to 0.5%: the CAR-T in the shared space move the host T cells off their set point)
    for d in (6, 12, 24):
        j = _at(DAYS, d)
        np.testing.assert_allclose(allo[:, j] / auto[:, j], math.exp(-k_rej * d), rtol=5e-3)


def test_after_lymphodepletion_allogeneic_cells_expand_then_persist_far_shorter(ext):  # type: ignore[no-untyped-def]
    model, _, cohort = ext
    auto_y = _solve(cohort, Regimen.erlangen_car_t())
    allo_y = _solve(cohort, LD, _dose(cohort, "allo_car_t_infused", ERLANGEN_PER_KG))
    auto, allo = _total(model, auto_y, "car_t"), _total(model, allo_y, "allo_car_t")
    t_fill = allo_y[:, :, model.state_index["t_cells"]] / cohort.params[
        :, model.parameter_index["t_cells_baseline"]][:, None]
    # Lymphodepletion empties the host T cells, so rejection is weak while the cells expand
    assert np.all(t_fill[:, _at(DAYS, 7)] < 0.5)
    assert np.all(allo.max(axis=1) > 0.8 * auto.max(axis=1))
    # ... and strong once they have reconstituted (day 60): persistence ends within months.
    assert np.all(t_fill[:, _at(DAYS, 60)] > 0.95)
    d90, d180 = _at(DAYS, 90), _at(DAYS, 180)
    assert np.all(allo[:, d90] < 0.01 * auto[:, d90])
    assert np.all(allo[:, d180] < 1e-3) and np.all(auto[:, d180] > 0.1)


# --- mRNA -------------------------------------------------------------------------------------


def test_mrna_cells_do_not_expand_and_lose_the_car_at_the_sourced_half_life(ext):  # type: ignore[no-untyped-def]
    model, params, cohort = ext
    k_loss = _value(params, "mrna_car_t_expression_loss_rate")
    assert math.log(2) / k_loss == pytest.approx(1.68, abs=0.01)  # ln(90/5) / 7 days
    days = np.arange(-1.0, 29.0, 0.25)
    y = _solve(cohort, NONE, _dose(cohort, "mrna_car_t", DESCARTES_PER_KG), days=days, settings=TIGHT)
    m = y[:, :, model.state_index["mrna_car_t"]]
    m0 = _cells_per_ul(cohort, DESCARTES_PER_KG)
    after = days >= 0
    # no lymphodepletion: M(t) = M0 exp(-k_loss t), with targets being killed meanwhile
    np.testing.assert_allclose(m[:, after], m0[:, None] * np.exp(-k_loss * days[after]), rtol=1e-6)
    assert np.all(m.max(axis=1) <= m0 * (1 + 1e-9))
    # the half-life read off the trajectory: ln 2 / log-slope over the first week
    week = (days >= 0) & (days <= 7)
    for i in range(len(cohort)):
        slope = np.polyfit(days[week], np.log(m[i, week]), 1)[0]
        assert math.log(2) / -slope == pytest.approx(math.log(2) / k_loss, rel=1e-5)
    # the kill: blood B cells fall while the CAR is expressed
    b = y[:, :, model.state_index["naive_b_blood"]]
    assert np.all(b[:, _at(days, 3)] < 0.8 * b[:, 0])


def test_weekly_mrna_doses_give_one_peak_per_dose_with_geometric_carry_over(ext):  # type: ignore[no-untyped-def]
    """Six weekly infusions (the Descartes-08 schedule): just after dose n the level is
    D sum_j exp(-7 k j) — no expansion, only the previous doses' remainder."""
    model, params, cohort = ext
    k_loss = _value(params, "mrna_car_t_expression_loss_rate")
    weeks = [7.0 * w for w in range(6)]
    days = np.arange(-1.0, 50.0, 0.25)
    y = _solve(cohort, NONE, _dose(cohort, "mrna_car_t", DESCARTES_PER_KG, weeks), days=days,
               settings=TIGHT)
    m = y[:, :, model.state_index["mrna_car_t"]]
    d = _cells_per_ul(cohort, DESCARTES_PER_KG)
    carry = math.exp(-7.0 * k_loss)
    for n, day in enumerate(weeks):
        want = d * sum(carry**j for j in range(n + 1))
        np.testing.assert_allclose(m[:, _at(days, day)], want, rtol=1e-6)
    # one local maximum per dose, each at the dose day, none above D / (1 - carry)
    for i in range(len(cohort)):
        rising = np.flatnonzero((m[i, 1:-1] > m[i, :-2]) & (m[i, 1:-1] >= m[i, 2:])) + 1
        np.testing.assert_allclose(days[rising], weeks)
    assert np.all(m.max(axis=1) < d / (1 - carry))
    untreated = _solve(cohort, NONE, days=days)
    b, b0 = (v[:, :, model.state_index["naive_b_blood"]] for v in (y, untreated))
    assert np.all(b[:, _at(days, 36)] < 0.7 * b0[:, _at(days, 36)])


# --- anti-CAR immunity ----------------------------------------------------------------------


def test_anti_car_immunity_lowers_a_second_mrna_dose_by_its_clearance_along_the_primed_response(ext):  # type: ignore[no-untyped-def]
    """Second dose R(t) = R0 exp(-k_loss (t - 7) - k_clear ∫ I dt): the stated effect,
    computed from the model's own primed response I(t)."""
    model, params, cohort = ext
    s = model.state_index
    k_loss = _value(params, "mrna_car_t_expression_loss_rate")
    k_clear = _value(params, "mrna_car_t_anti_car_clearance_rate")
    days = np.arange(-1.0, 28.0, 0.05)
    doses = [a + b for a, b in zip(_dose(cohort, "mrna_car_t", DESCARTES_PER_KG),
                                   _dose(cohort, "mrna_car_t_redose", DESCARTES_PER_KG, (7.0,)),
                                   strict=True)]
    y = _solve(cohort, NONE, doses, days=days, settings=TIGHT)
    y0 = _solve(cohort, NONE, doses, days=days, settings=TIGHT,
                params=_with(cohort, mrna_car_t_anti_car_clearance_rate=0.0))
    r, r_off = y[:, :, s["mrna_car_t_redose"]], y0[:, :, s["mrna_car_t_redose"]]
    immunity = y[:, :, s["mrna_car_t_anti_car_immunity"]]
    after = days >= 7.0
    tau = days[after] - 7.0
    r0 = _cells_per_ul(cohort, DESCARTES_PER_KG)[:, None]
    np.testing.assert_allclose(r_off[:, after], r0 * np.exp(-k_loss * tau), rtol=1e-6)
    integral = np.concatenate([np.zeros((len(cohort), 1)), np.cumsum(
        0.5 * (immunity[:, after][:, 1:] + immunity[:, after][:, :-1]) * 0.05, axis=1)], axis=1)
    np.testing.assert_allclose(r[:, after], r0 * np.exp(-k_loss * tau - k_clear * integral), rtol=1e-4)
    # the first dose primed the response, and the second dose's exposure falls by more than half
    assert np.all(immunity[:, _at(days, 7.0)] > 0.3)
    exposure = r[:, after].sum(axis=1) / r_off[:, after].sum(axis=1)
    assert np.all(exposure < 0.5)
    # the first dose itself is not cleared
    np.testing.assert_allclose(y[:, :, s["mrna_car_t"]], y0[:, :, s["mrna_car_t"]], rtol=1e-6)


def test_a_primed_host_keeps_a_redose_of_the_core_product_from_expanding(ext):  # type: ignore[no-untyped-def]
    """Re-infusion with full lymphodepletion 9 months after the first dose (the Erlangen
    case, Müller 2025): without immunity the re-dose expands, with it it does not."""
    model, _, cohort = ext
    s = model.state_index
    ld = Lymphodepletion.flu_cy()
    second = Lymphodepletion("flu_cy_twice", ld.doses + tuple(Dose(d.drug, d.day + 270.0, d.amount_mg_per_m2)
                                                              for d in ld.doses))
    regimen = Regimen("redose", second, Regimen.erlangen_car_t().car_t)
    redose = _dose(cohort, "car_t_redose_infused", ERLANGEN_PER_KG, (270.0,))
    y = _solve(cohort, regimen, redose)
    y_off = _solve(cohort, regimen, redose, params=_with(cohort, car_t_anti_car_clearance_rate=0.0))
    r, r_off = _total(model, y, "car_t_redose"), _total(model, y_off, "car_t_redose")
    infused = _cells_per_ul(cohort, ERLANGEN_PER_KG)
    assert np.all(y[:, _at(DAYS, 269), s["car_t_anti_car_immunity"]] > 0.95)
    assert np.all(r.max(axis=1) <= infused * (1 + 1e-6))
    assert np.all(r_off.max(axis=1) > 2 * infused)
    # the first dose's cells are not cleared: with the re-dose cleared they are those of the
    # same regimen without a re-dose (the re-dosed cells compete for targets only briefly)
    alone = _solve(cohort, regimen)
    np.testing.assert_allclose(_total(model, y, "car_t"), _total(model, alone, "car_t"), rtol=1e-2,
                               atol=1e-6)


# --- invariants -----------------------------------------------------------------------------


def test_every_state_stays_non_negative_under_every_class(ext):  # type: ignore[no-untyped-def]
    _, _, cohort = ext
    weeks = [7.0 * w for w in range(6)]
    runs = [
        _solve(cohort, LD, _dose(cohort, "allo_car_t_infused", ERLANGEN_PER_KG)),
        _solve(cohort, NONE, [a + b for a, b in zip(
            _dose(cohort, "mrna_car_t", DESCARTES_PER_KG, weeks[:1]),
            _dose(cohort, "mrna_car_t_redose", DESCARTES_PER_KG, weeks[1:]), strict=True)]),
        _solve(cohort, Regimen.erlangen_car_t(), _dose(cohort, "car_t_redose_infused",
                                                       ERLANGEN_PER_KG, (120.0,))),
    ]
    for y in runs:
        scale = np.maximum(np.abs(y).max(axis=1, keepdims=True), 1.0)
        assert (y / scale).min() > -1e-7
