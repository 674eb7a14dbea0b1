"""``immunoreset model show`` and ``model export``."""

from __future__ import annotations

import pytest

from immunoreset.cli import main


def test_model_show_prints_every_state_equation_and_parameter(capsys):
    assert main(["model", "show"]) == 0
    out = capsys.readouterr().out
    from immunoreset.model import default_model, load_parameters

    for name in default_model().state_names:
        assert f"d {name} / dt =" in out
    for p in load_parameters().parameters:
        assert f"| {p.name} | {p.value:.6g} | {p.unit} | {p.status} |" in out
    assert "car_t_kills_per_cell = car_t_engagement*car_t_kill_rate" in out


def test_model_show_latex_writes_one_aligned_equation_per_state(capsys):
    assert main(["model", "show", "--format", "latex"]) == 0
    out = capsys.readouterr().out
    from immunoreset.model import default_model

    assert out.count(r"\frac{d\,") == default_model().n_states
    assert r"\frac{d\,\mathrm{naive\_b\_blood}}{dt}" in out


def test_model_export_writes_the_named_patient_as_sbml(tmp_path):
    libsbml = pytest.importorskip("libsbml")
    out = tmp_path / "p1.xml"
    assert main(["model", "export", "--scenario", "mackensen2022", "--format", "sbml",
                 "--patient", "erlangen_P1", "--arm", "car_t", "--out", str(out)]) == 0
    doc = libsbml.readSBMLFromFile(str(out))
    m = doc.getModel()
    assert doc.getNumErrors(libsbml.LIBSBML_SEV_ERROR) == 0
    from immunoreset.model import default_model

    assert m.getNumRules() == default_model().n_states
    # Flu on days -5, -4, -3 (Cy with it on -3), CAR-T on day 0, plus the patient's flares.
    times = sorted(float(libsbml.formulaToL3String(m.getEvent(i).getTrigger().getMath()).split(">=")[1])
                   for i in range(m.getNumEvents()))
    assert times[:4] == [-5.0, -4.0, -3.0, 0.0]
    assert list(tmp_path.iterdir()) == [out]


@pytest.mark.parametrize("argv, message", [
    (["--patient", "vp9999999", "--arm", "car_t"], "the study has virtual patients vp0000000 to vp0000199"),
    (["--patient", "erlangen_P9", "--arm", "car_t"], "expected one of vpNNNNNNN, erlangen_P1"),
    (["--patient", "vp0000001", "--arm", "rituximab"], "--arm: got 'rituximab', expected one of car_t, untreated"),
])
def test_model_export_refuses_bad_input_in_one_line_and_writes_nothing(tmp_path, capsys, argv, message):
    out = tmp_path / "x.xml"
    code = main(["model", "export", "--scenario", "mackensen2022", "--format", "sbml",
                 "--out", str(out), *argv])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and err.count("\n") == 1
    assert not out.exists()
