"""Anti-CD20 antibodies (rituximab, obinutuzumab) composed with the SLE model.

PK against the published figures (terminal half-life, clearance, Cmax = dose / V1),
target-mediated clearance, CD20⁺ killing by compartment, CD20⁻ pools spared, and no effect
without a dose. The numbers and their sources: docs/therapies/anti_cd20.md.
"""

from __future__ import annotations

import math
import subprocess
import sys
import tomllib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from immunoreset.engine import EventSchedule, solve_batch
from immunoreset.model import build_model, extend_model, load_parameters
from immunoreset.population import sample_cohort
from immunoreset.simulation import DEFAULT_SOLVER, patient_events, simulate_arm
from immunoreset.therapy import Regimen, body_surface_area_m2

ROOT = Path(__file__).resolve().parents[2]
THERAPIES = ROOT / "src" / "immunoreset" / "model" / "therapies"
CATALOGUE = ROOT / "src" / "immunoreset" / "therapy" / "data" / "drugs" / "anti_cd20.toml"
MODULES = ("anti_cd20_targets", "rituximab", "obinutuzumab")
DRUGS = ("rituximab", "obinutuzumab")
CD20_POSITIVE = ("naive_b_blood", "autoreactive_b_blood", "naive_b_tissue",
                 "autoreactive_b_tissue", "b_precursors")
CD20_NEGATIVE = ("plasmablasts_autoreactive", "plasmablasts_other", "llpc_autoreactive",
                 "llpc_protective")
#: Published terminal half-lives (days): rituximab in RA, Ng 2006 (Ternant 2019 Table 3);
#: obinutuzumab, Gazyva label (CV 43 %).
HALF_LIFE = {"rituximab": 20.2, "obinutuzumab": 28.4}
#: Published linear clearances (L/day): Ng 2006; Gazyva label.
CLEARANCE = {"rituximab": 0.257, "obinutuzumab": 0.09}
TIGHT = replace(DEFAULT_SOLVER, rtol=1e-9, atol=1e-11)
DOSE_MG = 1000.0


@pytest.fixture(scope="module")
def extended():  # type: ignore[no-untyped-def]
    spec, params = extend_model(load_parameters(), [f"immunoreset.model.therapies.{m}" for m in MODULES],
                                [THERAPIES / f"{m}.toml" for m in MODULES])
    return build_model(spec), params


@pytest.fixture(scope="module")
def cohort(extended):  # type: ignore[no-untyped-def]
    model, params = extended
    return sample_cohort(4, params, seed=3, model=model)


def _dose_events(model, n: int, drug: str, days=(0.0, 14.0)):  # type: ignore[no-untyped-def]
    i = model.state(f"{drug}_central")
    return [[(float(d), i, DOSE_MG) for d in days] for _ in range(n)]


def _solve(model, cohort, days, events, *, y0=None, params=None, settings=TIGHT):  # type: ignore[no-untyped-def]
    y0 = cohort.y0 if y0 is None else y0
    params = cohort.params if params is None else params
    sol = solve_batch(model.rhs, y0, params, days, t0=float(days[0]),
                      events=EventSchedule.from_lists(events), jac=model.jac, settings=settings)
    assert (sol.status == 0).all()
    return sol.y


def _without_target(model, cohort):  # type: ignore[no-untyped-def]
    """The cohort with no CD20⁺ cells and no marrow output: the target stays 0."""
    y0 = cohort.y0.copy()
    for s in CD20_POSITIVE:
        y0[:, model.state(s)] = 0.0
    params = cohort.params.copy()
    params[:, model.parameter_index["b_precursor_production"]] = 0.0
    return y0, params


def _pk_days() -> np.ndarray:
    return np.concatenate([np.arange(0.0, 10.0, 0.02), np.arange(10.0, 601.0, 1.0)])


@pytest.mark.parametrize("drug", DRUGS)
def test_terminal_half_life_at_low_target_is_the_published_one(extended, cohort, drug):  # type: ignore[no-untyped-def]
    """Without CD20⁺ cells only the linear clearance acts. Rituximab's V2 is derived so that
    the linear model has Ng 2006's 20.2 days exactly (scripts/derive_anti_cd20_pk.py): 1 %
    allows for the integrator and the fading distribution phase. Obinutuzumab's volumes
    are Gibiansky 2014's and its clearance the label's: their terminal half-life, 29.2 days,
    is within 5 % of the label's 28.4 days (a population geometric mean, CV 43 %)."""
    model, _ = extended
    y0, params = _without_target(model, cohort)
    days = np.arange(0.0, 301.0)
    y = _solve(model, cohort, days, _dose_events(model, len(cohort), drug, days=(0.0,)),
               y0=y0, params=params)
    conc = y[:, :, model.state(f"{drug}_central")] / params[:, model.parameter_index[f"{drug}_central_volume"]][:, None]
    a, b = int(np.flatnonzero(days == 150)[0]), int(np.flatnonzero(days == 300)[0])
    half_life = math.log(2.0) * (days[b] - days[a]) / np.log(conc[:, a] / conc[:, b])
    tol = 0.01 if drug == "rituximab" else 0.05
    np.testing.assert_allclose(half_life, HALF_LIFE[drug], rtol=tol)


@pytest.mark.parametrize("drug", DRUGS)
def test_clearance_from_dose_over_auc_is_the_published_linear_clearance(extended, cohort, drug):  # type: ignore[no-untyped-def]
    """CL = dose / AUC(0-∞) in the target-free patient (trapezoid on a 0.02-day grid over
    the distribution phase, then daily to day 600, where < 1e-8 of the dose is left): within
    1 % of Ng 2006's 0.257 L/day and the label's 0.09 L/day."""
    model, _ = extended
    y0, params = _without_target(model, cohort)
    days = _pk_days()
    y = _solve(model, cohort, days, _dose_events(model, len(cohort), drug, days=(0.0,)),
               y0=y0, params=params)
    v1 = params[:, model.parameter_index[f"{drug}_central_volume"]]
    conc = y[:, :, model.state(f"{drug}_central")] / v1[:, None]
    auc = np.trapezoid(conc, days, axis=1)
    np.testing.assert_allclose(DOSE_MG / auc, CLEARANCE[drug], rtol=0.01)


@pytest.mark.parametrize("drug", DRUGS)
def test_cmax_after_1000_mg_is_dose_over_central_volume(extended, cohort, drug):  # type: ignore[no-untyped-def]
    """An infusion entered as a bolus: C(0+) = 1,000 mg / V1 (rituximab 2.98 L → 335.6 mg/L;
    obinutuzumab 2.76 L → 362.3 mg/L)."""
    model, params = extended
    days = np.array([-1.0, 0.0, 1.0])
    result = simulate_arm(cohort, Regimen(drug), days=days, flares=False, settings=TIGHT,
                          extra_events=_dose_events(model, len(cohort), drug, days=(0.0,)))
    v1 = params.value(f"{drug}_central_volume")
    c = result.values[f"{drug}_concentration"]
    np.testing.assert_allclose(c[:, 1], DOSE_MG / v1, rtol=1e-9)
    assert (c[:, 0] == 0).all()
    assert (c[:, 2] < c[:, 1]).all()  # distribution and elimination after the bolus


@pytest.mark.parametrize("drug", DRUGS)
def test_target_mediated_clearance_is_largest_at_the_start_and_with_a_b_cell_load(extended, cohort, drug):  # type: ignore[no-untyped-def]
    """At the first dose the clearance is CL + CL_T M / M_ref (M the CD20⁺ mass), above the
    linear clearance; it falls as the antibody depletes the target; a patient with no
    CD20⁺ cells clears the drug at the linear clearance, so his day-14 level is higher."""
    model, params = extended
    cl, cl_t = params.value(f"{drug}_linear_clearance"), params.value(f"{drug}_target_clearance")
    m_ref = params.value("anti_cd20_target_reference")
    days = np.arange(0.0, 29.0)
    events = _dose_events(model, len(cohort), drug, days=(0.0,))
    loaded = _solve(model, cohort, days, events)
    y0, p0 = _without_target(model, cohort)
    empty = _solve(model, cohort, days, events, y0=y0, params=p0)
    obs = model.observe(loaded, cohort.params)
    target0 = obs["anti_cd20_target"][:, 0]
    np.testing.assert_allclose(obs[f"{drug}_clearance"][:, 0], cl + cl_t * target0 / m_ref, rtol=1e-12)
    assert (obs[f"{drug}_clearance"][:, 0] > cl).all()
    assert (obs[f"{drug}_clearance"][:, 28] < obs[f"{drug}_clearance"][:, 0]).all()
    np.testing.assert_allclose(model.observe(empty, p0)[f"{drug}_clearance"], cl, rtol=1e-12)
    central = model.state(f"{drug}_central")
    assert (loaded[:, 14, central] < empty[:, 14, central]).all()


@pytest.fixture(scope="module")
def treated(extended, cohort):  # type: ignore[no-untyped-def]
    """Each drug, 1,000 mg on days 0 and 14, and no treatment, on the same patients."""
    model, _ = extended
    days = np.arange(-7.0, 57.0)
    out = {"none": simulate_arm(cohort, Regimen("none"), days=days, flares=False)}
    for drug in DRUGS:
        out[drug] = simulate_arm(cohort, Regimen(drug), days=days, flares=False,
                                 extra_events=_dose_events(model, len(cohort), drug))
        assert out[drug].ok.all()
    return days, out


def _fraction(treated, drug, name, day):  # type: ignore[no-untyped-def]
    days, out = treated
    i = int(np.flatnonzero(days == day)[0])
    return out[drug].values[name][:, i] / out["none"].values[name][:, i]


@pytest.mark.xfail(strict=True, reason=(
    "known limit of the core's B-cell traffic (docs/therapies/anti_cd20.md, 'Depth of blood "
    "depletion'): blood B cells are a 2 % transit share of the lymphoid pool (in at 49/day, "
    "out at 1/day), so with the sourced hazards (0.68/day in blood, 0.031/day in tissue) blood "
    "falls only with the tissue: to 0.70 of untreated at day 15 with rituximab (0.52 with "
    "obinutuzumab), not below 10 cells/µL"))
def test_blood_b_cells_are_depleted_by_day_15_after_rituximab(treated):  # type: ignore[no-untyped-def]
    """Breedveld 2007 (RA, 1,000 mg days 1 and 15): peripheral B cells depleted by day 15
    in all patients; depleted read as below 10 cells/µL (the GPA/MPA label's definition)."""
    days, out = treated
    i = int(np.flatnonzero(days == 15)[0])
    assert (out["rituximab"].values["b_cells_blood"][:, i] < 10.0).all()


@pytest.mark.parametrize("drug", DRUGS)
def test_blood_b_cells_follow_the_tissue_pool_they_return_from(extended, cohort, drug):  # type: ignore[no-untyped-def]
    """What bounds the depth of blood depletion: blood B cells turn over in minutes (out to
    tissue at 49/day), so they sit at the quasi-steady level their inflow sets,
    (k_tb T + k_mat P) / (k_bt + δ + h_blood) for naive B (return from tissue and marrow
    maturation). The antibody's blood hazard (≤ 0.68/day rituximab, 1.36/day obinutuzumab) is small against
    49/day, so blood follows the tissue pool. Checked within 0.5 % on day 15 and 28."""
    model, _ = extended
    days = np.arange(0.0, 29.0)
    y = _solve(model, cohort, days, _dose_events(model, len(cohort), drug))
    obs = model.observe(y, cohort.params)
    pi = model.parameter_index
    k_bt, k_tb = (cohort.params[:, pi[n]] for n in ("b_blood_to_tissue_rate", "b_tissue_to_blood_rate"))
    k_mat, death = (cohort.params[:, pi[n]] for n in ("b_precursor_maturation_rate", "naive_b_death_rate"))
    for day in (15, 28):
        s = lambda n, d=day: y[:, d, model.state(n)]  # noqa: E731
        h = obs[f"{drug}_kill_hazard_blood"][:, day]
        want = (k_tb * s("naive_b_tissue") + k_mat * s("b_precursors")) / (k_bt + death + h)
        np.testing.assert_allclose(s("naive_b_blood"), want, rtol=5e-3)
        assert (h < 0.03 * k_bt).all()  # at most 3 % of the outflow to tissue


@pytest.mark.parametrize("drug", DRUGS)
def test_blood_and_tissue_b_cells_fall_below_the_untreated_level(treated, drug):  # type: ignore[no-untyped-def]
    """Both compartments are depleted on day 28 (1,000 mg days 0 and 14): blood to < 0.8
    (rituximab 0.71, obinutuzumab 0.56 of untreated), tissue to < 0.8."""
    for name in ("b_cells_blood", "b_cells_tissue"):
        assert (_fraction(treated, drug, name, 28) < 0.8).all()


@pytest.mark.xfail(strict=True, reason=(
    "same limit as the day-15 depletion (docs/therapies/anti_cd20.md, 'Depth of blood "
    "depletion'): blood follows the tissue pool it returns from and also receives the marrow "
    "output, which the feedback raises as B cells fall, so on day 28 blood keeps 0.71 of "
    "untreated against 0.69 in tissue (rituximab; obinutuzumab 0.56 against 0.53)"))
@pytest.mark.parametrize("drug", DRUGS)
def test_tissue_b_cells_are_less_depleted_than_blood_b_cells(treated, drug):  # type: ignore[no-untyped-def]
    """Vos 2007 / Teng 2007 / Kamburova 2013: blood depleted, synovium, marrow and lymph
    nodes only partly: the tissue pool should keep more of its cells than blood (day 28)."""
    assert (_fraction(treated, drug, "b_cells_tissue", 28)
            > _fraction(treated, drug, "b_cells_blood", 28)).all()


def test_obinutuzumab_depletes_deeper_than_rituximab(treated):  # type: ignore[no-untyped-def]
    """Twice the maximal hazard (type II, Reddy 2015) and a longer half-life: at every day
    from day 7 to 56 blood B cells are lower after obinutuzumab than after rituximab."""
    for day in range(7, 57, 7):
        assert (_fraction(treated, "obinutuzumab", "b_cells_blood", day)
                < _fraction(treated, "rituximab", "b_cells_blood", day)).all()


@pytest.mark.parametrize("drug", DRUGS)
def test_plasmablasts_and_plasma_cells_are_not_killed(extended, cohort, drug):  # type: ignore[no-untyped-def]
    """CD20⁻ pools: no antibody module adds a term to them, and their derivative does not
    change with the drug amount (bit for bit), while the CD20⁺ pools' derivatives fall."""
    model, _ = extended
    symbolic = model.symbolic()
    touched = {c.state for c in symbolic.contributions if c.module in MODULES}
    assert not touched & set(CD20_NEGATIVE)
    assert set(CD20_POSITIVE) <= touched
    y = cohort.y0[0].copy()
    p = cohort.params[0].copy()
    low, high = np.zeros_like(y), np.zeros_like(y)
    for amount, out in ((0.0, low), (500.0, high)):
        y[model.state(f"{drug}_central")] = amount
        y[model.state(f"{drug}_peripheral")] = amount
        model.rhs(0.0, y, p, out)
    for s in CD20_NEGATIVE:
        assert high[model.state(s)] == low[model.state(s)]
    for s in CD20_POSITIVE:
        assert high[model.state(s)] < low[model.state(s)]


def test_without_a_dose_the_extended_model_reproduces_the_default_model(extended):  # type: ignore[no-untyped-def]
    """Same patients (the new parameters have no inter-individual variability), the same
    initial state, and the same trajectory of every core state, untreated and after CAR-T.
    Four more states change the solver's error norm and so its steps: compared at a tight
    tolerance (rtol 1e-10) within 1e-6 relative. The antibody states stay exactly 0."""
    model, params = extended
    from immunoreset.model import default_model

    base_model = default_model()
    base = sample_cohort(3, load_parameters(), seed=8)
    ext = sample_cohort(3, params, seed=8, model=model)
    n = base_model.n_states
    assert model.state_names[:n] == base_model.state_names
    np.testing.assert_allclose(ext.y0[:, :n], base.y0, rtol=1e-12)
    np.testing.assert_array_equal(ext.y0[:, n:], 0.0)
    settings = replace(DEFAULT_SOLVER, rtol=1e-10, atol=1e-12)
    days = np.arange(-7.0, 366.0, 7.0)
    for regimen in (Regimen("none"), Regimen.erlangen_car_t()):
        a = solve_batch(base_model.rhs, base.y0, base.params, days, t0=-7.0, settings=settings,
                        events=EventSchedule.from_lists(patient_events(base, regimen)),
                        jac=base_model.jac)
        b = solve_batch(model.rhs, ext.y0, ext.params, days, t0=-7.0, settings=settings,
                        events=EventSchedule.from_lists(patient_events(ext, regimen)), jac=model.jac)
        assert (a.status == 0).all() and (b.status == 0).all()
        scale = np.abs(a.y).max(axis=1, keepdims=True) + 1e-300  # each state's own size
        assert (np.abs(b.y[:, :, :n] - a.y) / scale).max() < 1e-6
        np.testing.assert_array_equal(b.y[:, :, n:], 0.0)


def test_derived_parameters_match_their_derivation_script():
    """scripts/derive_anti_cd20_pk.py recomputes every derived value from the published
    inputs and compares it with the parameter files."""
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "derive_anti_cd20_pk.py"), "--check"],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout + out.stderr


def test_catalogue_regimens_dose_their_drug_state(extended, cohort):  # type: ignore[no-untyped-def]
    """Every regimen of anti_cd20.toml names a catalogued drug whose modules exist with a
    parameter file beside them; its doses (mg, or mg/m² × Mosteller BSA) enter the drug's
    central compartment, and the days are those of the protocols."""
    model, _ = extended
    doc = tomllib.loads(CATALOGUE.read_text(encoding="utf-8"))
    drugs = {d["name"]: d for d in doc["drug"]}
    assert set(drugs) == set(DRUGS)
    for d in drugs.values():
        assert d["modules"][0] == "anti_cd20_targets" and d["modules"][-1] == d["name"]
        for m in d["modules"]:
            assert (THERAPIES / f"{m}.py").is_file() and (THERAPIES / f"{m}.toml").is_file()
        assert d["dose_state"] in model.state_names and d["infusion_state"] == ""
        assert d["source"].strip()
    regimens = {r["name"]: r for r in doc["regimen"]}
    expected = {"rituximab_ra": [0, 14], "rituximab_ra_repeat_6_months": [0, 14, 182, 196],
                "rituximab_375_weekly_x4": [0, 7, 14, 21], "obinutuzumab_nobility": [0, 14, 168, 182]}
    assert {n: r["days"] for n, r in regimens.items()} == expected
    for r in regimens.values():
        assert r["drug"] in drugs and len(r["doses"]) == len(r["days"]) and r["source"].strip()
        state = model.state(drugs[r["drug"]]["dose_state"])
        events = []
        for i in range(len(cohort)):
            bsa = body_surface_area_m2(float(cohort.height_cm[i]), float(cohort.weight_kg[i]))
            scale = {"mg": 1.0, "mg/m2": bsa}[r["unit"]]
            events.append([(float(day), state, dose * scale) for day, dose in zip(r["days"], r["doses"], strict=True)])
        days = np.array([-1.0, *[float(d) for d in r["days"]]])
        y = _solve(model, cohort, days, events, settings=DEFAULT_SOLVER)
        first = events[0][0][2]
        np.testing.assert_allclose(y[0, 1, state], first, rtol=1e-9)  # the bolus at day 0
        assert (y[:, -1, state] > y[:, 1, state]).all()  # later doses add to what is left
