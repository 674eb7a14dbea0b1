"""Adding a module is writing its maths: the example drug module composed with the SLE model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from immunoreset.errors import InputError
from immunoreset.model import build_model, extend_model, load_parameters
from immunoreset.population import sample_cohort
from immunoreset.simulation import simulate_arm
from immunoreset.therapy import Regimen

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "modules"
DOSE_MG_PER_L = 10.0


@pytest.fixture(scope="module")
def extended():  # type: ignore[no-untyped-def]
    spec, params = extend_model(load_parameters(), [EXAMPLE / "naive_b_drug.py"],
                                [EXAMPLE / "naive_b_drug.toml"])
    return build_model(spec), params


def test_the_composed_model_appends_the_new_state_and_parameters(extended):  # type: ignore[no-untyped-def]
    from immunoreset.model import default_model

    model, params = extended
    base = default_model()
    assert model.state_names == (*base.state_names, "naive_b_drug")
    assert model.parameter_names[-3:] == ("naive_b_drug_elimination_rate", "naive_b_drug_max_kill",
                                          "naive_b_drug_half_kill_concentration")
    assert params["naive_b_drug_half_kill_concentration"].unit == "mg/L"


def test_the_drug_decays_at_its_first_order_rate_and_depletes_naive_b_cells(extended):  # type: ignore[no-untyped-def]
    model, params = extended
    cohort = sample_cohort(4, params, seed=5, model=model)
    days = np.arange(-7.0, 29.0)
    dose = [[(0.0, model.state("naive_b_drug"), DOSE_MG_PER_L)] for _ in range(len(cohort))]
    treated = simulate_arm(cohort, Regimen("drug"), days=days, extra_events=dose, flares=False)
    control = simulate_arm(cohort, Regimen("none"), days=days, flares=False)
    assert treated.ok.all() and control.ok.all()
    # Analytic solution of the drug state: C(t) = C0 exp(-k t) after the dose.
    k_el = params.value("naive_b_drug_elimination_rate")
    from immunoreset.engine import EventSchedule, solve_batch
    from immunoreset.simulation import DEFAULT_SOLVER, patient_events

    ev = [a + b for a, b in zip(patient_events(cohort, Regimen("drug"), flares=False), dose, strict=True)]
    sol = solve_batch(model.rhs, cohort.y0, cohort.params, days, t0=-7.0,
                      events=EventSchedule.from_lists(ev), jac=model.jac, settings=DEFAULT_SOLVER)
    after = days >= 0
    want = DOSE_MG_PER_L * np.exp(-k_el * days[after])
    np.testing.assert_allclose(sol.y[:, after, model.state("naive_b_drug")], np.tile(want, (4, 1)),
                               rtol=1e-4)
    # Naive B cells fall in blood while the drug acts; before the dose nothing differs (to
    # rounding: the dose is an event, so the steps before day 0 are not the same).
    day14 = int(np.flatnonzero(days == 14)[0])
    b_treated, b_control = treated.values["b_cells_blood"], control.values["b_cells_blood"]
    np.testing.assert_allclose(b_treated[:, days < 0], b_control[:, days < 0], rtol=1e-9)
    assert np.all(b_treated[:, day14] < 0.7 * b_control[:, day14])


def test_without_a_dose_the_extended_model_reproduces_the_base_model(extended):  # type: ignore[no-untyped-def]
    model, params = extended
    base = sample_cohort(3, load_parameters(), seed=8)
    ext = sample_cohort(3, params, seed=8, model=model)
    np.testing.assert_allclose(ext.y0[:, :-1], base.y0, rtol=1e-12)
    # One more state changes the solver's error norm and so its steps: compare at a tight
    # tolerance, with the bound of the second-engine test (1e-5 relative; the CAR-T
    # expansion amplifies step-level differences by its growth).
    from dataclasses import replace

    from immunoreset.simulation import DEFAULT_SOLVER

    tight = replace(DEFAULT_SOLVER, rtol=1e-10, atol=1e-12)
    a = simulate_arm(base, Regimen.erlangen_car_t(), settings=tight)
    b = simulate_arm(ext, Regimen.erlangen_car_t(), settings=tight)
    for name in ("car_t_blood", "b_cells_blood", "anti_dsdna", "c3"):
        np.testing.assert_allclose(b.values[name], a.values[name], rtol=1e-5, atol=1e-3)


def test_a_module_parameter_file_must_declare_units_and_meanings(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[parameter]]\nname = "x_rate"\nvalue = 1.0\nunit = "1/day"\n'
                   'status = "assumed"\nsource = "s"\nreason = "r"\n')
    with pytest.raises(InputError, match=r"parameter\[0\]\.meaning: missing"):
        extend_model(load_parameters(), [EXAMPLE / "naive_b_drug.py"], [bad])
