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


def test_the_example_module_runs_through_immunoreset_simulate(tmp_path):
    """The example study config names the module and its parameter file in [model] and doses
    its state in one arm; nothing in the engine, simulation, trial or report code knows it."""
    import pandas as pd

    from immunoreset.cli import main

    out = tmp_path / "run"
    assert main(["simulate", str(EXAMPLE / "naive_b_drug_study.toml"), "--out", str(out),
                 "--n", "6"]) == 0
    traj = pd.read_parquet(out / "trajectories.parquet")
    b = traj[traj["variable"] == "b_cells_blood"].pivot_table(index=["patient_id", "day"],
                                                              columns="arm", values="value",
                                                              observed=True)
    day14 = b.xs(14, level="day")
    assert len(day14) == 6
    assert (day14["drug"] < 0.7 * day14["none"]).all()
    baseline = b.xs(-7, level="day")
    np.testing.assert_allclose(baseline["drug"], baseline["none"], rtol=1e-12)
    assert (out / "report.html").is_file()


def test_a_module_with_a_unit_error_is_refused_by_simulate_in_one_line(tmp_path, capsys):
    from immunoreset.cli import main

    text = (EXAMPLE / "naive_b_drug.py").read_text()
    (tmp_path / "naive_b_drug.py").write_text(
        text.replace("-k.naive_b_drug_elimination_rate * x.naive_b_drug,",
                     "-k.naive_b_drug_elimination_rate * x.naive_b_drug * x.naive_b_drug,"))
    for name in ("naive_b_drug.toml", "naive_b_drug_study.toml"):
        (tmp_path / name).write_text((EXAMPLE / name).read_text())
    out = tmp_path / "run"
    assert main(["simulate", str(tmp_path / "naive_b_drug_study.toml"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "module naive_b_drug, state naive_b_drug, term 'elimination': term is in" in err
    assert not out.exists()


def test_a_parameter_set_of_another_model_is_refused(extended):  # type: ignore[no-untyped-def]
    model, _ = extended
    with pytest.raises(InputError, match="parameters do not match model sle_cd19_cart: missing "
                       "'naive_b_drug_elimination_rate'"):
        sample_cohort(2, load_parameters(), seed=1, model=model)


def test_an_observed_expression_is_evaluated_on_saved_states(extended):  # type: ignore[no-untyped-def]
    """``observe=True`` read-outs: the generated function against the formula by hand."""
    model, params = extended
    assert model.observed_names[-1] == "naive_b_drug_kill"  # after the base model's
    cohort = sample_cohort(3, params, seed=2, model=model)
    conc = np.array([0.0, 0.5, 4.0, 40.0])
    y = np.repeat(cohort.y0[:, None, :], conc.size, axis=1)
    y[:, :, model.state("naive_b_drug")] = conc
    got = model.observe(y, cohort.params)["naive_b_drug_kill"]
    kmax = cohort.params[:, model.parameter_index["naive_b_drug_max_kill"]]
    c50 = cohort.params[:, model.parameter_index["naive_b_drug_half_kill_concentration"]]
    want = kmax[:, None] * conc[None, :] / (conc[None, :] + c50[:, None])
    np.testing.assert_allclose(got, want, rtol=1e-14)
    assert got.shape == (3, conc.size)
