"""Spec validation: one-line InputError messages naming field, value and expectation."""

from __future__ import annotations

import dataclasses

import pytest

from immunoreset.errors import InputError
from immunoreset.trial import ENDPOINTS, TrialSpec, load_trial_spec

from .helpers import EXAMPLES, MINIMAL


def test_minimal_spec_defaults(write_spec) -> None:
    spec = load_trial_spec(write_spec(MINIMAL))
    assert spec.arm_names == ("car_t", "untreated")
    assert spec.reference == "untreated"  # first arm without CAR-T
    assert spec.paired and spec.interval == "clopper_pearson"
    assert spec.endpoints == tuple(ENDPOINTS)
    assert spec.arm("untreated").regimen.prednisone_mg_per_day == 5.0
    assert spec.arm("car_t").regimen.car_t is not None


@pytest.mark.parametrize("name", ["erlangen_replication", "dose_finding", "lymphodepletion"])
def test_examples_are_valid_specs(name: str) -> None:
    spec = TrialSpec.from_toml(EXAMPLES / f"{name}.toml")
    assert spec.name == name


def test_dose_grid_expands_into_one_arm_per_dose() -> None:
    spec = load_trial_spec(EXAMPLES / "dose_finding.toml")
    grid = [a for a in spec.arms if a.family == "car_t"]
    assert [a.dose for a in grid] == [(d, "cells/kg") for d in (1e5, 3e5, 1e6, 3e6, 1e7)]
    assert grid[0].name == "car_t_0.1M_per_kg"


def test_lymphodepletion_regimens_are_as_published() -> None:
    spec = load_trial_spec(EXAMPLES / "lymphodepletion.toml")
    doses = {a.name: sorted((d.drug, d.day, d.amount_mg_per_m2) for d in a.lymphodepletion.doses)
             for a in spec.arms}
    assert doses["standard"] == [("cyclophosphamide", -3.0, 1000.0)] + [
        ("fludarabine", float(d), 25.0) for d in (-5, -4, -3)]
    assert doses["flu30_cy300"] == sorted(
        [("fludarabine", float(d), 30.0) for d in (-5, -4, -3)]
        + [("cyclophosphamide", float(d), 300.0) for d in (-5, -4, -3)])
    assert doses["cy_alone"] == [("cyclophosphamide", -3.0, 1000.0)]
    assert doses["no_lymphodepletion"] == []


BAD = [
    (MINIMAL + '\n[endpoints]\ninclude = ["dors"]\n',
     r"^endpoints\.include: unknown endpoint 'dors' \(expected one of doris, "),
    (MINIMAL.replace("dose_per_kg = 1e6", "dose_per_kg = 0"),
     r"^arm\[0\]\.car_t\.dose_per_kg: got 0, expected a number > 0"),
    (MINIMAL.replace("dose_per_kg = 1e6", "dose_per_kg = [1e5, -1e6]"),
     r"^arm\[0\]\.car_t\.dose_per_kg\[1\]: got -1000000.0, expected a number > 0"),
    (MINIMAL.replace("visits = [30, 90]", "visits = [30, 400]"),
     r"^schedule\.visits: got 400, expected days within follow-up 1-120"),
    (MINIMAL.replace("visits = [30, 90]", "visits = [0, 90]"),
     r"^schedule\.visits: got 0, expected days within follow-up"),
    (MINIMAL.replace("seed = 3", "seed = 3\ncolour = 1"), r"^trial\.colour: unknown key"),
    (MINIMAL.replace('background = "refractory_standard_of_care"', ""),
     r"^arm\[1\]\.background: missing field"),
    (MINIMAL.replace('"flu_cy"', '"bendamustine"'), r"^arm\[0\]\.lymphodepletion: got 'bendamustine'"),
    (MINIMAL.replace("n_per_arm = 4", "n_per_arm = 0"), r"^population\.n_per_arm: got 0"),
    (MINIMAL + '\n[[arm]]\nname = "car_t"\nbackground = "none"\n', r"^arm\.name: 'car_t' is used twice"),
    (MINIMAL + '\n[replicates]\nn = 2\n[[replicates.success]]\nendpoint = "doris"\narm = "car_t"\n'
     'visit_day = 60\nat_least = 0.9\n', r"^replicates\.success\.visit_day: got 60, expected a scheduled visit"),
    (MINIMAL + '\n[replicates]\nn = 2\n[[replicates.success]]\nendpoint = "doris"\narm = "car_t"\n'
     "visit_day = 90\n", r"^replicates\.success\[0\]: give exactly one of at_least"),
    (MINIMAL.replace("[trial]", "[trail]"), r"^spec\.trail: unknown key"),
    ("[trial\nname=1", r"^SPEC: malformed TOML"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_bad_specs_are_one_line_input_errors(write_spec, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        load_trial_spec(write_spec(text))
    assert "\n" not in str(info.value)


def test_missing_file_is_an_input_error(tmp_path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_trial_spec(tmp_path / "nope.toml")


def test_replace_revalidates(write_spec) -> None:
    spec = load_trial_spec(write_spec(MINIMAL))
    with pytest.raises(InputError, match=r"trial\.reference_arm"):
        dataclasses.replace(spec, reference_arm="placebo")


def test_inclusion_criteria_are_passed_to_the_cohort(write_spec) -> None:
    text = MINIMAL.replace("n_per_arm = 4", "n_per_arm = 4\n[population.inclusion]\n"
                                            "min_proteinuria_g_per_day = 1.0")
    spec = load_trial_spec(write_spec(text))
    inclusion = getattr(spec.population.cohort, "inclusion", None)
    if inclusion is None:
        pytest.skip("CohortSpec has no inclusion criteria in this version")
    assert inclusion.min_proteinuria_g_per_day == 1.0
    with pytest.raises(InputError, match=r"^population\.inclusion\.colour: unknown key"):
        load_trial_spec(write_spec(text.replace("= 1.0", "= 1.0\ncolour = 2")))
