"""Forms generated from the spec schema: every field with its unit and bounds, a document
survives the form unchanged, posted text is typed as the schema says, and the spec's
one-line error lands next to the field it names."""

from __future__ import annotations

import copy
import html as html_module
import re
import tomllib
from typing import Annotated

import pytest
from pydantic import Field

from immunoreset.errors import InputError
from immunoreset.spec import ArmModel, TrialTable
from immunoreset.trial import TrialSpec
from immunoreset.web import (
    FORBIDDEN_KEYS,
    PatientRequest,
    check_patient_document,
    check_trial_document,
    error_path,
    form_tree,
    read_form,
    render_form,
)
from immunoreset.web._forms import Choice, Lines, Scalar, Table, Tables, apply_action, unit_of
from immunoreset.web._requests import EXAMPLES_DIR

from .helpers import error_places, posted_fields

SKIP = [".".join(k) for k in FORBIDDEN_KEYS]
TRIAL = form_tree(TrialTable.model_json_schema(), skip=SKIP)
PATIENT = form_tree(PatientRequest.model_json_schema())
EXAMPLES = sorted(EXAMPLES_DIR.glob("*.toml"))


def _scalars(node, path=""):
    if isinstance(node, Scalar):
        yield path, node
    elif isinstance(node, Table):
        for c in node.fields:
            yield from _scalars(c, f"{path}.{c.key}" if path else c.key)
    elif isinstance(node, Tables):
        yield from _scalars(node.item, path)
    elif isinstance(node, Choice):
        yield from _scalars(node.table, path)


def _roundtrip(tree, doc):
    html = render_form(tree, doc)
    fields = posted_fields(html)
    back, problems = read_form(tree, fields)
    assert problems == {}
    return back


@pytest.mark.parametrize("tree", [TRIAL, PATIENT], ids=["trial", "patient"])
def test_every_numeric_field_shows_a_unit(tree) -> None:
    numeric = [(p, s) for p, s in _scalars(tree) if s.kind in ("number", "integer")]
    assert len(numeric) > 20
    assert [p for p, s in numeric if not s.unit] == []


def test_bounds_are_the_schemas_in_words() -> None:
    fields = dict(_scalars(TRIAL))
    assert fields["arm.car_t.dose_per_kg"].bounds() == "> 0 and ≤ 1e+09"
    assert fields["arm.car_t.dose_per_kg"].unit == "cells/kg"
    assert fields["arm.car_t.dose_per_kg"].many == "either"  # one dose or a dose grid
    assert fields["population.n_per_arm"].bounds() == "≥ 1 and ≤ 1,000,000,000"
    assert fields["trial.confidence"].bounds() == "≥ 0.5 and < 1"
    assert fields["arm.lymphodepletion.fludarabine_mg_per_m2_per_day"].unit == "mg/m²/day"
    assert fields["trial.interval"].enum == ("clopper_pearson", "wilson")
    html = render_form(TRIAL, {})
    assert "cells/kg" not in html  # no arm yet: nothing rendered for it
    html = render_form(TRIAL, {"arm": [{"car_t": {"dose_per_kg": 1e6}}]})
    assert '<span class="unit">cells/kg</span> · <span class="bounds">&gt; 0 and ≤ 1e+09</span>' in html


def test_code_and_file_keys_are_not_in_the_form() -> None:
    assert "model" not in {c.key for c in TRIAL.fields}
    parameters = next(c for c in TRIAL.fields if c.key == "parameters")
    assert [c.key for c in parameters.fields] == ["values"]
    assert isinstance(parameters.fields[0], Lines)


def test_a_field_the_schema_gains_appears_without_web_code() -> None:
    class ArmWithANewDrug(ArmModel):
        anifrolumab_mg_per_day: Annotated[float, Field(gt=0, le=900)] | None = None

    tree = form_tree(ArmWithANewDrug.model_json_schema())
    new = next(c for c in tree.fields if c.key == "anifrolumab_mg_per_day")
    assert isinstance(new, Scalar)
    assert (new.unit, new.bounds(), new.nullable) == ("mg/day", "> 0 and ≤ 900", True)
    html = render_form(tree, {"name": "x", "anifrolumab_mg_per_day": 300.0})
    assert posted_fields(html)["anifrolumab_mg_per_day"] == "300.0"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_an_example_spec_survives_the_form_unchanged(path) -> None:
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    back = _roundtrip(TRIAL, doc)
    assert TrialSpec.from_dict(back) == TrialSpec.from_dict(doc)


def test_tables_of_their_own_and_lists_survive_the_form() -> None:
    doc = tomllib.loads((EXAMPLES_DIR / "lymphodepletion.toml").read_text(encoding="utf-8"))
    doc["arm"][0]["lymphodepletion"] = {"name": "flu40", "fludarabine_mg_per_m2_per_day": 40.0,
                                        "fludarabine_days": [-6, -5, -4.5]}
    doc["arm"][0]["background"] = {"name": "pred", "prednisone_mg_per_day": 7.5,
                                   "antimalarial": True}
    doc["arm"][0]["dose"] = [{"state": "cyclophosphamide_exposure", "day": -3.0, "amount": 500.0,
                              "every_days": 1.0, "count": 2}]
    doc["parameters"] = {"values": {"car_t_kill_rate": 15.0,
                                    "igg_elimination_rate": {"value": 0.0289, "unit": "1/day"}}}
    doc["population"]["correlation"] = [{"parameters": ["car_t_antigen_expansion_rate",
                                                        "il6_production_per_car_t"], "r": 0.3}]
    doc["solver"] = {"method": "rodas", "rtol": 1e-6}
    back = _roundtrip(TRIAL, doc)
    assert back["arm"][0] == doc["arm"][0]
    assert back["parameters"] == doc["parameters"]
    assert TrialSpec.from_dict(back) == TrialSpec.from_dict(doc)


def test_the_default_patient_request_survives_the_form() -> None:
    doc = PatientRequest().model_dump(mode="json", exclude_none=True)
    doc["patient"] = {"sex": "F", "age_years": 31.0, "weight_kg": 64.5, "sledai_2k": 14,
                      "c3_g_per_l": 0.55}
    back = _roundtrip(PATIENT, doc)
    assert check_patient_document(back) == check_patient_document(doc)
    assert back["patient"]["sledai_2k"] == 14  # typed as the schema says (a number)


def test_posted_text_is_typed_by_the_schema_and_bad_text_is_the_spec_s_to_refuse() -> None:
    doc = tomllib.loads((EXAMPLES_DIR / "erlangen_replication.toml").read_text(encoding="utf-8"))
    fields = posted_fields(render_form(TRIAL, doc))
    fields["arm[0].car_t.dose_per_kg"] = "1e5, 3e5"   # a dose grid
    fields["population.n_per_arm"] = "25"
    fields["schedule.visits"] = "28 90 180"
    fields["trial.paired"] = "false"
    back, _ = read_form(TRIAL, fields)
    assert back["arm"][0]["car_t"]["dose_per_kg"] == [1e5, 3e5]
    assert back["population"]["n_per_arm"] == 25
    assert back["schedule"]["visits"] == [28, 90, 180]
    assert back["trial"]["paired"] is False
    fields["population.n_per_arm"] = "twenty"
    back, _ = read_form(TRIAL, fields)
    with pytest.raises(InputError, match=r"^population\.n_per_arm: got 'twenty', expected an integer$"):
        check_trial_document(back)
    fields["population.n_per_arm"] = ""   # a required field left empty
    back, _ = read_form(TRIAL, fields)
    with pytest.raises(InputError, match=r"^population\.n_per_arm: missing field$"):
        check_trial_document(back)


def test_an_unticked_optional_table_is_left_out() -> None:
    doc = tomllib.loads((EXAMPLES_DIR / "erlangen_replication.toml").read_text(encoding="utf-8"))
    fields = posted_fields(render_form(TRIAL, doc))
    assert fields["arm[0].car_t~on"] == "on" and "arm[1].car_t~on" not in fields
    del fields["arm[0].car_t~on"]
    back, _ = read_form(TRIAL, fields)
    assert "car_t" not in back["arm"][0]


def test_malformed_toml_lines_are_a_problem_of_their_field() -> None:
    fields = posted_fields(render_form(TRIAL, {}))
    fields["parameters.values"] = "car_t_kill_rate = = 3"
    _, problems = read_form(TRIAL, fields)
    assert list(problems) == ["parameters.values"]
    assert problems["parameters.values"].startswith("malformed TOML lines")


@pytest.mark.parametrize(("edit", "where", "text"), [
    (lambda d: d["arm"][0]["car_t"].update(dose_per_kg=1e300), "arm[0].car_t.dose_per_kg",
     "got 1e+300, expected a number <= 1e+09"),
    (lambda d: d["schedule"].update(visits=[28, 900]), "schedule.visits",
     "got 900, expected days within follow-up 1-365 (schedule.follow_up_days)"),
    (lambda d: d["arm"][1].update(lymphodepletion="flu_cyy"), "arm[1].lymphodepletion",
     "got 'flu_cyy', expected one of 'flu_cy', 'flu30_cy300', 'flu30_cy500', 'flu40_cy500', 'cyclophosphamide' or 'none'"),
    (lambda d: d["population"]["inclusion"].update(max_proteinuria_g_per_day=0.2),
     "population.inclusion.max_proteinuria_g_per_day",
     "got 0.2, expected a value above min_proteinuria_g_per_day (0.5)"),
    (lambda d: d.update(extra={}), "", "spec.extra: unknown key (expected one of arm, endpoints, "
     "model, parameters, population, replicates, schedule, solver, trial)"),
])
def test_the_spec_s_error_is_shown_next_to_the_field_it_names(edit, where, text) -> None:
    doc = tomllib.loads((EXAMPLES_DIR / "erlangen_replication.toml").read_text(encoding="utf-8"))
    edit(doc)
    with pytest.raises(InputError) as caught:
        check_trial_document(doc)
    path, message = error_path(str(caught.value), TRIAL, doc)
    assert (path, message) == (where, text)
    html = render_form(TRIAL, doc, errors={path: message})
    (shown,) = re.findall(r'<p class="error" role="alert" data-error-for="([^"]*)">([^<]*)</p>', html)
    assert (shown[0], html_module.unescape(shown[1])) == (where, text)
    # inside the element of that field or table; at the top (outside every field) for ""
    assert error_places(html) == [where or None]


def test_add_and_remove_change_the_lists_of_tables() -> None:
    doc = tomllib.loads((EXAMPLES_DIR / "erlangen_replication.toml").read_text(encoding="utf-8"))
    before = copy.deepcopy(doc)
    apply_action(doc, "add:arm")
    assert len(doc["arm"]) == 3 and doc["arm"][2] == {}
    apply_action(doc, "add:arm[0].dose")
    assert doc["arm"][0]["dose"] == [{}]
    apply_action(doc, "remove:arm[0].dose[0]")
    apply_action(doc, "remove:arm[2]")
    doc["arm"][0].pop("dose")
    assert doc == before
    apply_action(doc, "remove:arm[9]")      # out of range: nothing happens
    apply_action(doc, "add:../../etc")      # not a path: nothing happens
    assert doc == before


def test_units_come_from_the_schema_first_then_the_key() -> None:
    assert unit_of("weight_kg", {"unit": "kg"}) == "kg"
    assert unit_of("min_anti_dsdna_iu_per_ml") == "IU/mL"
    assert unit_of("cyclophosphamide_days") == "days"
    assert unit_of("label") == ""
