"""BCMA CAR-T, the compound CD19+BCMA CAR-T and anti-Ro60: kinetics against the published
figures (shared/science/therapies.md 1.5), who is killed and who is spared, and the
invariants (no effect without a dose, one per-cell hazard for the protective plasma cells,
the shared lymphocyte space, non-negativity).

One cohort (30 patients, seed 1, no flares) of the SLE model with the four modules, every
arm solved once (module fixture); read-outs are cohort medians."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from immunoreset.engine import EventSchedule, solve_batch
from immunoreset.model import build_model, extend_model, load_parameters
from immunoreset.model.therapies import therapy_files
from immunoreset.population import sample_cohort
from immunoreset.simulation import DEFAULT_SOLVER, patient_events, simulate_arm
from immunoreset.therapy import CarTProduct, Lymphodepletion, Regimen, catalogue

N, SEED = 30, 1
DAYS = np.arange(-7.0, 401.0)
PRODUCTS = ("cilta-cel", "CT103A", "CD19-BCMA compound")
#: Cilta-cel, shared/science/therapies.md 1.5 (CARTITUDE-1 label-derived): Tmax median
#: 12.71 d (8.73-329.77); persistence half-life mean 23.5 d (SD 24.2, n = 41).
CILTA_TMAX_D, CILTA_HALF_LIFE_D = 12.71, 23.5
#: CT103A (Blood 2021;137:2890): median CAR transgene persistence 307.5 d.
CT103A_PERSISTENCE_D = 307.5


def _flu30_cy300() -> Lymphodepletion:
    return catalogue().lymphodepletion_regimen("flu30_cy300")


def _product(name: str, per_kg: float) -> CarTProduct:
    p = catalogue().product(name)
    return CarTProduct(name=p.name, target=p.target, dose_per_kg=per_kg, dose_state=p.dose_state,
                       modules=p.modules, kind=p.kind)


#: Arms: CD19 CAR-T (Erlangen), cilta-cel at its label dose after its label
#: lymphodepletion, lymphodepletion alone, the compound CAR at its SLE dose (Wang 2024), and
#: the co-infusion of CD19 CAR-T and a BCMA CAR-T (Feng 2025), each 1e6/kg after Flu/Cy.
ARMS = {
    "untreated": Regimen("untreated"),
    "cd19": Regimen.erlangen_car_t(),
    "bcma": Regimen("bcma", _flu30_cy300(), _product("cilta-cel", 0.75e6)),
    "ld_alone": Regimen("ld_alone", _flu30_cy300()),
    "compound": Regimen("compound", Lymphodepletion.flu_cy(), _product("CD19-BCMA compound", 3e6)),
    "co_infusion": Regimen("co_infusion", Lymphodepletion.flu_cy(), CarTProduct(dose_per_kg=1e6),
                           co_infusions=(_product("cilta-cel", 1e6),)),
}


@pytest.fixture(scope="module")
def world():  # type: ignore[no-untyped-def]
    names = catalogue().modules_of(products=PRODUCTS)
    modules, files = therapy_files(names)
    spec, params = extend_model(load_parameters(), modules, files)
    model = build_model(spec)
    cohort = sample_cohort(N, params, seed=SEED, model=model)
    runs = {}
    for arm, regimen in ARMS.items():
        events = patient_events(cohort, regimen, flares=False)
        sol = solve_batch(model.rhs, cohort.y0, cohort.params, DAYS, t0=float(DAYS[0]),
                          events=EventSchedule.from_lists(events), settings=DEFAULT_SOLVER,
                          jac=model.jac)
        assert (sol.status == 0).all(), arm
        runs[arm] = sol.y
    return model, params, cohort, runs


def _state(world, arm: str, name: str) -> np.ndarray:  # type: ignore[no-untyped-def]
    model, _, _, runs = world
    return runs[arm][:, :, model.state(name)]


def _relative(world, arm: str, name: str) -> np.ndarray:  # type: ignore[no-untyped-def]
    """A state over its pre-treatment value (day -7)."""
    v = _state(world, arm, name)
    return v / v[:, :1]


def _observed(world, arm: str, name: str) -> np.ndarray:  # type: ignore[no-untyped-def]
    model, _, cohort, runs = world
    return model.observe(np.maximum(runs[arm], 0.0), cohort.params)[name]


def _day(d: float) -> int:
    return int(np.flatnonzero(DAYS == d)[0])


def _median_at(values: np.ndarray, day: float) -> float:
    return float(np.median(values[:, _day(day)]))


def _tmax(values: np.ndarray) -> np.ndarray:
    after = DAYS >= 0
    return DAYS[after][np.argmax(values[:, after], axis=1)]


# --- the catalogue and the composition ------------------------------------------------


def test_each_product_doses_its_own_infused_state_in_the_core_convention(world):  # type: ignore[no-untyped-def]
    model, _, cohort, _ = world
    v_dist = cohort.params[:, model.parameter_index["car_t_distribution_volume"]]
    for name, state in (("cilta-cel", "bcma_car_t_infused"), ("CT103A", "bcma_car_t_infused"),
                        ("CD19-BCMA compound", "cd19_bcma_car_t_infused")):
        entry = catalogue().product(name)
        assert entry.dose_state == state and entry.kind == "autologous"
        assert entry.target == ("CD19+BCMA" if "compound" in name else "BCMA")
        ev = Regimen("x", car_t=_product(name, 1e6)).events(
            height_cm=float(cohort.height_cm[0]), weight_kg=float(cohort.weight_kg[0]),
            car_t_distribution_volume_l=float(v_dist[0]), state_index=model.state_index)
        assert ev == [(0.0, model.state(state),
                       pytest.approx(1e6 * cohort.weight_kg[0] / (v_dist[0] * 1e6), rel=1e-12))]


def test_co_infusion_is_two_doses_one_into_each_product(world):  # type: ignore[no-untyped-def]
    model = world[0]
    ev = ARMS["co_infusion"].events(height_cm=170.0, weight_kg=70.0,
                                    car_t_distribution_volume_l=500.0,
                                    state_index=model.state_index)
    car = [e for e in ev if e[0] == 0.0]
    assert sorted(e[1] for e in car) == sorted([model.state("car_t_infused"),
                                                model.state("bcma_car_t_infused")])
    assert all(e[2] == pytest.approx(1e6 * 70.0 / 500e6) for e in car)


def test_without_a_dose_the_extended_model_reproduces_the_default_model(world):  # type: ignore[no-untyped-def]
    """The same virtual patients (every module parameter has iiv_cv = 0), the same
    pre-treatment state, and the same trajectories under CD19 CAR-T: the added states enter
    the solver's error norm, so compare at a tight tolerance with the bound of
    tests/model/test_new_module.py (1e-5 relative)."""
    model, _, cohort, _ = world
    base = sample_cohort(N, load_parameters(), seed=SEED)
    n_base = base.model.n_states
    assert model.state_names[:n_base] == base.model.state_names
    np.testing.assert_allclose(cohort.y0[:, :n_base], base.y0, rtol=1e-12)
    tight = replace(DEFAULT_SOLVER, rtol=1e-10, atol=1e-12)
    few = range(6)
    a = simulate_arm(base.subset(few), Regimen.erlangen_car_t(), settings=tight, flares=False,
                     days=DAYS)
    b = simulate_arm(cohort.subset(few), Regimen.erlangen_car_t(), settings=tight, flares=False,
                     days=DAYS)
    for name in ("car_t_blood", "b_cells_blood", "anti_dsdna", "vaccine_igg", "total_igg", "c3",
                 "t_cells_blood", "il6"):
        np.testing.assert_allclose(b.values[name], a.values[name], rtol=1e-5, atol=1e-6)
    # The products' states stay exactly 0 where they are not given; anti-Ro60 rests at its
    # baseline without treatment.
    for arm in ("untreated", "cd19", "ld_alone"):
        for prefix in ("bcma_car_t", "cd19_bcma_car_t"):
            for part in ("infused", "effector", "memory"):
                assert np.all(_state(world, arm, f"{prefix}_{part}") == 0.0)
    np.testing.assert_allclose(_relative(world, "untreated", "anti_ro"), 1.0, rtol=1e-6)


# --- BCMA CAR-T kinetics against shared/science/therapies.md 1.5 -----------------------


def test_bcma_car_t_peak_near_the_cilta_cel_tmax_and_later_than_cd19_car_t(world):  # type: ignore[no-untyped-def]
    """Median Tmax within ±30% of cilta-cel's 12.71 d (its range is 8.73-329.77 d), and
    not before the CD19 CAR-T's (liso-cel 9.29 d against cilta-cel 12.71 d in 1.5: the
    BCMA⁺ target mass is smaller, so engagement drives expansion less)."""
    bcma = _tmax(_observed(world, "bcma", "bcma_car_t_blood"))
    cd19 = _tmax(_state(world, "cd19", "car_t_effector") + _state(world, "cd19", "car_t_memory"))
    assert 0.7 * CILTA_TMAX_D <= np.median(bcma) <= 1.3 * CILTA_TMAX_D
    assert np.median(bcma) >= np.median(cd19)


def test_bcma_car_t_declines_with_the_cilta_cel_persistence_half_life(world):  # type: ignore[no-untyped-def]
    """Half-life of the log-linear decline from the peak to day 100 (the median time to
    below quantification of cilta-cel): median within 0.5-2x of the 23.5 d mean (SD 24.2)."""
    blood = _observed(world, "bcma", "bcma_car_t_blood")
    end = _day(100.0)
    half = []
    for row in blood:
        peak = int(np.argmax(row))
        slope = np.polyfit(DAYS[peak:end + 1], np.log(row[peak:end + 1]), 1)[0]
        half.append(np.log(2.0) / -slope)
    assert 0.5 * CILTA_HALF_LIFE_D <= np.median(half) <= 2.0 * CILTA_HALF_LIFE_D


def test_bcma_car_t_still_present_at_the_ct103a_median_persistence(world):  # type: ignore[no-untyped-def]
    """At day 307.5 the median patient's BCMA CAR-T are within 4 log10 of their peak (a
    transgene qPCR spans about that below the cilta-cel Cmax of ~5e4 copies/ug gDNA,
    assumed) and above one CAR-T cell in the body (the model's extinction threshold)."""
    model, _, cohort, _ = world
    blood = _observed(world, "bcma", "bcma_car_t_blood")
    at = 0.5 * (blood[:, _day(307.0)] + blood[:, _day(308.0)])
    assert np.median(at / blood.max(axis=1)) >= 1e-4
    v_dist = cohort.params[:, model.parameter_index["car_t_distribution_volume"]]
    assert np.median(at * v_dist * 1e6) > 1.0


# --- who is killed, who is spared ------------------------------------------------------


def test_bcma_car_t_removes_long_lived_plasma_cells_and_anti_ro_that_cd19_car_t_leaves(world):  # type: ignore[no-untyped-def]
    """Under BCMA CAR-T the marrow plasma cells are gone within a month and anti-Ro60 falls
    with the IgG half-life (21 d: < 1% five months later). Under CD19 CAR-T they stay:
    anti-Ro60 'generally unchanged' a year after B-cell depletion (Cambridge 2006) — at
    least 80% of baseline — but below 95%, its plasmablast share (0.1) being gone; the
    protective plasma cells as the core keeps them (>= 90%)."""
    assert _median_at(_relative(world, "bcma", "llpc_protective"), 28) < 0.05
    assert _median_at(_relative(world, "bcma", "anti_ro_llpc"), 28) < 0.05
    assert _median_at(_relative(world, "bcma", "anti_ro"), 180) < 0.1
    assert _median_at(_relative(world, "bcma", "llpc_autoreactive"), 28) < 0.05

    ro_cd19 = _relative(world, "cd19", "anti_ro")
    assert 0.8 <= _median_at(ro_cd19, 365) <= 0.95
    assert np.all(ro_cd19[:, _day(365)] >= 0.75)
    assert _median_at(_state(world, "cd19", "llpc_protective"), 365) >= 0.9
    # ... while anti-dsDNA, made by CD19⁺ plasmablasts, is cleared by both.
    for arm in ("cd19", "bcma"):
        assert _median_at(_relative(world, arm, "anti_dsdna"), 180) < 0.1


def test_vaccine_igg_falls_under_bcma_car_t_with_the_igg_half_life(world):  # type: ignore[no-untyped-def]
    """The core's vaccine IgG follows its protective plasma cells: once BCMA CAR-T have
    cleared them, it decays as exp(-k_IgG t) (IgG1 half-life 21 d); under CD19 CAR-T it
    is kept (the core's >= 0.8 at day 365)."""
    _, params, _, _ = world
    v = _state(world, "bcma", "vaccine_igg")
    assert _median_at(v, 180) < 0.05
    k_igg = params.value("igg_elimination_rate")
    ratio = v[:, _day(120)] / v[:, _day(60)]
    catabolism = np.exp(-k_igg * 60.0)  # what is left with no production at all
    assert np.all(ratio >= catabolism * (1 - 1e-3))
    assert np.median(ratio) == pytest.approx(catabolism, rel=0.02)
    assert _median_at(_state(world, "cd19", "vaccine_igg"), 365) >= 0.9


def test_b_cells_and_their_precursors_are_spared_by_bcma_car_t(world):  # type: ignore[no-untyped-def]
    """BCMA CAR-T kill no B cell: naive B cells and marrow precursors follow the same
    lymphodepletion given alone (within 10% at every day), where CD19 CAR-T clear them."""
    after = DAYS >= 0
    for name in ("naive_b_blood", "naive_b_tissue", "b_precursors"):
        ratio = _state(world, "bcma", name)[:, after] / _state(world, "ld_alone", name)[:, after]
        assert np.all((ratio > 0.9) & (ratio < 1.1)), name
    assert _median_at(_relative(world, "cd19", "naive_b_blood"), 28) < 0.05


def test_the_compound_car_kills_both_sets_and_is_engaged_by_both(world):  # type: ignore[no-untyped-def]
    """One population, both antigens: blood and tissue B cells cleared as by CD19 CAR-T,
    marrow plasma cells
    and anti-Ro60 as by BCMA CAR-T; its engagement before treatment exceeds either
    single-antigen product's (the CD19⁺ and BCMA⁺ mass together)."""
    assert _median_at(_relative(world, "compound", "naive_b_blood"), 28) < 0.05
    assert _median_at(_relative(world, "compound", "naive_b_tissue"), 28) < 0.05
    assert _median_at(_state(world, "compound", "llpc_protective"), 28) < 0.05
    assert _median_at(_relative(world, "compound", "anti_ro"), 180) < 0.1
    g = {n: _observed(world, "untreated", n)[:, 0]
         for n in ("car_t_engagement", "bcma_car_t_engagement", "cd19_bcma_car_t_engagement")}
    assert np.all(g["cd19_bcma_car_t_engagement"] > g["car_t_engagement"])
    assert np.all(g["cd19_bcma_car_t_engagement"] > g["bcma_car_t_engagement"])


def test_co_infused_cd19_and_bcma_car_t_both_expand_and_kill_both_sets(world):  # type: ignore[no-untyped-def]
    """Co-infusion (Feng 2025) in one arm: each product expands from its own dose (peak at
    least 10x its infused level) and together they clear B cells and plasma cells."""
    dose = 1e6 * 70.0 / 500e6  # a 70-kg patient's infused level, cells/µL (order of magnitude)
    cd19 = _state(world, "co_infusion", "car_t_effector") + _state(world, "co_infusion", "car_t_memory")
    bcma = _observed(world, "co_infusion", "bcma_car_t_blood")
    assert np.median(cd19.max(axis=1)) > 10 * dose and np.median(bcma.max(axis=1)) > 10 * dose
    assert _median_at(_relative(world, "co_infusion", "naive_b_blood"), 28) < 0.05
    assert _median_at(_state(world, "co_infusion", "llpc_protective"), 28) < 0.05


# --- the law's invariants ---------------------------------------------------------------


def _rhs(model, y: np.ndarray, p: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    out = np.zeros_like(y)
    model.rhs(0.0, np.ascontiguousarray(y), np.ascontiguousarray(p), out)
    return out


def test_protective_plasma_cells_take_the_marrow_hazard_per_cell(world):  # type: ignore[no-untyped-def]
    """The fraction-of-baseline state loses h·p per day for the marrow hazard h per cell,
    the same relative rate as the autoreactive and anti-Ro60 long-lived cells, and counts
    N·p cells in the target mass: h = k C_m / (K + T_m + C_m) by hand."""
    model, _, cohort, _ = world
    y = cohort.y0[0].copy()
    p = cohort.params[0]
    y[model.state("bcma_car_t_effector")] = 20.0  # cells/µL of blood
    with_car = _rhs(model, y, p)
    y_none = y.copy()
    y_none[model.state("bcma_car_t_effector")] = 0.0
    without = _rhs(model, y_none, p)
    rel = {n: (with_car[model.state(n)] - without[model.state(n)]) / y[model.state(n)]
           for n in ("llpc_protective", "llpc_autoreactive", "anti_ro_llpc")}

    def v(name: str) -> float:
        return float(p[model.parameter_index[name]])

    c_m = (v("car_t_marrow_share") * v("bcma_car_t_marrow_access")
           * 20.0 * v("car_t_distribution_volume") / v("blood_volume"))
    t_m = (y[model.state("llpc_autoreactive")] + y[model.state("anti_ro_llpc")]
           + v("llpc_protective_count") * y[model.state("llpc_protective")])
    h = v("car_t_kill_rate") * c_m / (v("car_t_kill_half_saturation") + t_m + c_m)
    for name, r in rel.items():
        assert r == pytest.approx(-h, rel=1e-9), name


def test_product_cells_share_the_homeostatic_lymphocyte_space(world):  # type: ignore[no-untyped-def]
    """With B BCMA CAR-T cells/µL, T-cell reconstitution and IL-7/IL-15 consumption are the
    core formulas with B added to the lymphocytes (Kimmel 2021; docs/core.md)."""
    model, _, cohort, _ = world
    y = cohort.y0[0].copy()
    p = cohort.params[0]
    y[model.state("t_cells")] *= 0.1  # after lymphodepletion
    y[model.state("homeostatic_cytokine")] = 3.0
    b = 50.0
    y_car = y.copy()
    y_car[model.state("bcma_car_t_effector")] = b
    d = _rhs(model, y_car, p) - _rhs(model, y, p)

    def v(name: str) -> float:
        return float(p[model.parameter_index[name]])

    t, t0, h = y[model.state("t_cells")], v("t_cells_baseline"), y[model.state("homeostatic_cytokine")]
    assert d[model.state("t_cells")] == pytest.approx(
        v("t_cell_reconstitution_rate") * t * np.log(t / (t + b)), rel=1e-9)
    assert d[model.state("homeostatic_cytokine")] == pytest.approx(
        -v("homeostatic_cytokine_turnover_rate") * h * (1 - v("homeostatic_cytokine_other_sink"))
        * b / t0, rel=1e-9)


def test_every_state_stays_non_negative(world):  # type: ignore[no-untyped-def]
    """Raw solver output (before the read-outs clip), every arm, state and day: no value
    below -1e-6 of the state's own largest magnitude (solver tolerance)."""
    model, _, _, runs = world
    for arm, y in runs.items():
        scale = np.maximum(np.abs(y).max(axis=(0, 1)), 1e-300)
        worst = (y.min(axis=(0, 1)) / scale).min()
        assert worst >= -1e-6, (arm, model.state_names[int(np.argmin(y.min(axis=(0, 1)) / scale))])


def test_a_study_naming_the_products_composes_their_modules(tmp_path, world):  # type: ignore[no-untyped-def]
    """A study config names products by catalogue name or alias; its model composes their
    modules (each once) and each arm doses its products' infused states."""
    from immunoreset.simulation import load_study_config

    config = tmp_path / "study.toml"
    config.write_text(
        '[run]\ntitle = "BCMA products"\nseed = 1\nn = 2\n\n'
        '[schedule]\nfirst_day = -7\nfollow_up_days = 30\n\n'
        '[[arm]]\nname = "bcma"\nlymphodepletion = "flu30_cy300"\n'
        'car_t = { product = "Carvykti", dose_per_kg = 0.75e6 }\n\n'
        '[[arm]]\nname = "co"\nlymphodepletion = "flu_cy"\n'
        'car_t = { product = "MB-CART19.1", dose_per_kg = 1e6 }\n'
        'co_infusion = [{ product = "CT103A", dose_per_kg = 1e6 }]\n\n'
        '[[arm]]\nname = "ccar"\nlymphodepletion = "flu_cy"\n'
        'car_t = { product = "cCAR", dose_per_kg = 3e6 }\n')
    spec, _, _ = load_study_config(config)
    therapies = [m.rsplit(".", 1)[-1] for m in spec.model.modules
                 if m.startswith("immunoreset.model.therapies.")]
    assert therapies == ["anti_ro", "bcma_targets", "bcma_car_t", "cd19_bcma_car_t"]
    model = world[0]
    assert spec.model.key == model.spec.key  # the same composition as this file's model
    dosed = {arm: sorted(model.state_names[e[1]] for e in r.events(
        height_cm=170.0, weight_kg=70.0, car_t_distribution_volume_l=500.0,
        state_index=model.state_index) if e[0] == 0.0)
        for arm, r in spec.arms.items()}
    assert dosed == {"bcma": ["bcma_car_t_infused"], "co": ["bcma_car_t_infused", "car_t_infused"],
                     "ccar": ["cd19_bcma_car_t_infused"]}
