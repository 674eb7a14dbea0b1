"""What the web app accepts: the trial spec without code or file keys and within the run
limit; a patient request made of the spec's own tables."""

from __future__ import annotations

import tomllib

import pytest

from immunoreset.errors import InputError
from immunoreset.spec import ArmModel
from immunoreset.web import (
    PatientRequest,
    ServeLimits,
    check_patient_document,
    check_trial_document,
)
from immunoreset.web._requests import EXAMPLES_DIR


def _erlangen() -> dict:
    return tomllib.loads((EXAMPLES_DIR / "erlangen_replication.toml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("key", "value", "message"), [
    ("model", {"modules": ["evil.py"]},
     r"^model: not accepted by the web app \(extra model modules are Python code\); remove it, "
     r"or run the spec with `immunoreset trial`$"),
    ("parameters", {"file": "/etc/passwd"},
     r"^parameters\.file: not accepted by the web app \(it names a file on the server\)"),
])
def test_keys_that_reach_code_or_files_are_refused(key, value, message) -> None:
    doc = _erlangen()
    doc[key] = value
    with pytest.raises(InputError, match=message):
        check_trial_document(doc)


def test_a_valid_example_is_the_spec_the_cli_reads() -> None:
    from immunoreset.trial import load_trial_spec

    spec, notes = check_trial_document(_erlangen())
    cli = load_trial_spec(EXAMPLES_DIR / "erlangen_replication.toml")
    assert spec == cli.__class__(**{**cli.__dict__, "source": "web"})
    assert notes == []


def test_old_keys_still_work_and_give_a_note() -> None:
    doc = _erlangen()
    doc["parameters"] = {"car_t_kill_rate": 15.0}
    spec, notes = check_trial_document(doc)
    assert dict(spec.parameter_values) == {"car_t_kill_rate": 15.0}
    (note,) = notes
    assert "parameters.car_t_kill_rate" in note and "[parameters.values]" in note


def test_a_run_beyond_the_web_limit_is_refused_with_its_size() -> None:
    doc = _erlangen()
    doc["population"]["n_per_arm"] = 600
    doc["replicates"] = {"n": 4, "n_per_arm": 100}   # 2 × (600 + 4 × 100) = 2,000
    check_trial_document(doc, limits=ServeLimits(max_arm_patients=2000))
    with pytest.raises(InputError, match=r"^population\.n_per_arm: got 600 per arm with 2 arm\(s\) "
                       r"and 4 replicate\(s\), 2,000 arm-patients, expected at most 1,999 in the "
                       r"web app \(use `immunoreset trial` for larger runs\)$"):
        check_trial_document(doc, limits=ServeLimits(max_arm_patients=1999))


def test_the_default_patient_request_is_the_erlangen_therapy() -> None:
    req = check_patient_document({})
    assert req == PatientRequest()
    (built,) = req.therapy.build()
    assert built.regimen.car_t is not None and built.regimen.car_t.dose_per_kg == 1e6
    assert [d.drug for d in built.regimen.lymphodepletion.doses] == ["fludarabine"] * 3 + [
        "cyclophosphamide"]
    assert isinstance(req.therapy, ArmModel)   # the spec's own arm table


@pytest.mark.parametrize(("doc", "message"), [
    ({"therapy": {"name": "car_t", "car_t": {"dose_per_kg": [1e5, 1e6]}}},
     r"^therapy\.car_t\.dose_per_kg: got a list of doses, expected one dose \(a dose grid is a "
     r"trial: use the trial view\)$"),
    ({"matching": {"pool": 50, "similar": 60}},
     r"^matching\.similar: got 60, expected at most matching\.pool \(50\)$"),
    ({"patient": {"weight_kg": 0}}, r"^patient\.weight_kg: got 0, expected a number > 0$"),
    ({"patient": {"c3_g_per_l": "low"}}, r"^patient\.c3_g_per_l: got 'low', expected a number$"),
    ({"patient": {"sex": "female"}}, r"^patient\.sex: got 'female', expected one of 'F' or 'M'$"),
    ({"therapy": {"name": "untreated"}},
     r"^therapy\.name: got 'untreated', expected another name"),
    ({"therapy": {"name": "x", "dose": [{"state": "no_such_state", "day": 1, "amount": 1}]}},
     r"dose\[0\]\.state: got 'no_such_state', expected a model state"),
    ({"schedule": {"first_day": -2}},
     r"^schedule\.first_day: got -2, expected a day before the first dose \(day -5\)$"),
    ({"patient": {"height": 170}}, r"^patient\.height: unknown key \(expected one of age_years, "),
])
def test_bad_patient_requests_are_refused_in_the_spec_s_words(doc, message) -> None:
    with pytest.raises(InputError, match=message):
        check_patient_document(doc)


def test_the_patient_table_builds_the_profile() -> None:
    req = check_patient_document({"patient": {"sex": "M", "weight_kg": 80, "sledai_2k": 12}})
    profile = req.patient.build()
    assert (profile.sex, profile.weight_kg, profile.sledai_2k, profile.c3_g_per_l) == (
        "M", 80.0, 12.0, None)
