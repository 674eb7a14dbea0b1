"""One spec language: bounds, cross-field rules, old keys, files and the JSON Schema."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from immunoreset.cli import main
from immunoreset.errors import InputError, SpecDeprecationWarning
from immunoreset.model import SLE_CD19_CART
from immunoreset.simulation import load_study_config
from immunoreset.spec import PLAUSIBLE_RANGES
from immunoreset.therapy import Regimen, StateDose
from immunoreset.trial import load_trial_spec

STUDY = """
[run]
seed = 2
n = 6

[schedule]
follow_up_days = 200

[[arm]]
name = "car_t"
lymphodepletion = "flu_cy"
car_t = { dose_per_kg = 1e6 }

[[arm]]
name = "untreated"
background = "refractory_standard_of_care"
"""

TRIAL = """
[trial]
name = "t"
seed = 3

[population]
n_per_arm = 4

[schedule]
follow_up_days = 120
visits = [30, 90]

[[arm]]
name = "car_t"
lymphodepletion = "flu_cy"
car_t = { dose_per_kg = 1e6 }

[[arm]]
name = "untreated"
background = "refractory_standard_of_care"
"""


def _write(tmp_path: Path, text: str, name: str = "spec.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _study(tmp_path: Path, text: str):
    with warnings.catch_warnings():
        warnings.simplefilter("error", SpecDeprecationWarning)
        return load_study_config(_write(tmp_path, text))[0]


def test_new_form_study_config_is_read_without_a_note(tmp_path: Path) -> None:
    spec = _study(tmp_path, STUDY)
    assert list(spec.arms) == ["car_t", "untreated"]
    assert spec.arms["car_t"].car_t is not None and spec.arms["car_t"].car_t.dose_per_kg == 1e6
    assert spec.arms["untreated"].prednisone_mg_per_day == 5.0
    assert spec.days[0] == -7 and spec.days[-1] == 200
    assert spec.model.modules == SLE_CD19_CART.modules


def test_old_flat_keys_give_the_same_regimens_with_one_line_note(tmp_path: Path) -> None:
    old = """
[run]
seed = 2
n = 6
first_day = -7
last_day = 200
[[arm]]
name = "car_t"
lymphodepletion = "flu_cy"
fludarabine_mg_per_m2_per_day = 30.0
car_t_dose_per_kg = 1e6
[[arm]]
name = "untreated"
prednisone_mg_per_day = 5.0
antimalarial = true
immunosuppressant = true
"""
    with pytest.warns(SpecDeprecationWarning) as record:
        spec_old = load_study_config(_write(tmp_path, old))[0]
    (w,) = record
    assert "\n" not in str(w.message)
    assert "car_t_dose_per_kg (now car_t = { dose_per_kg = ... })" in str(w.message)
    assert "run.last_day (now schedule.follow_up_days)" in str(w.message)
    new = STUDY.replace('lymphodepletion = "flu_cy"\n',
                        'lymphodepletion = { name = "flu_cy", fludarabine_mg_per_m2_per_day = 30.0, '
                        "fludarabine_days = [-5, -4, -3], cyclophosphamide_mg_per_m2_per_day = 1000.0, "
                        "cyclophosphamide_days = [-3] }\n")
    spec_new = _study(tmp_path, new)
    for arm in ("car_t", "untreated"):
        ev = {"height_cm": 170.0, "weight_kg": 70.0, "car_t_distribution_volume_l": 5.0}
        assert spec_old.arms[arm].events(**ev) == spec_new.arms[arm].events(**ev)
    assert spec_old.arms["untreated"].antimalarial and spec_old.arms["untreated"].immunosuppressant
    assert sorted(d.amount_mg_per_m2 for d in spec_old.arms["car_t"].lymphodepletion.doses) == [
        30.0, 30.0, 30.0, 1000.0]


def test_old_key_errors_name_the_key_the_user_wrote(tmp_path: Path) -> None:
    old = STUDY.replace("car_t = { dose_per_kg = 1e6 }", "car_t_dose_per_kg = -1e6")
    with pytest.raises(InputError, match=r"^arm\[0\]\.car_t_dose_per_kg: got -1000000\.0, expected a number > 0$"):
        load_study_config(_write(tmp_path, old))


@pytest.mark.parametrize(("edit", "message"), [
    # physical bounds
    (("dose_per_kg = 1e6", "dose_per_kg = 1e300"), r"^arm\[0\]\.car_t\.dose_per_kg: got 1e\+300, expected a number <= 1e\+09$"),
    (('lymphodepletion = "flu_cy"', "lymphodepletion = { cyclophosphamide_mg_per_m2_per_day = 1e12, cyclophosphamide_days = [-3] }"),
     r"^arm\[0\]\.lymphodepletion\.cyclophosphamide_mg_per_m2_per_day: got 1000000000000\.0, expected a number <= 7000$"),
    (("n = 6", "n = 6\n[population]\nage_mean = 1000"), r"^population\.age_mean: got 1000, expected a number <= 120$"),
    (("n = 6", "n = 6\n[population]\nage_sd = -2"), r"^population\.age_sd: got -2, expected a number > 0$"),
    (("n = 6", "n = 6\n[population]\nage_min = 60\nage_max = 20\nage_mean = 40"),
     r"^population\.age_max: got 20, expected a value above population\.age_min \(60\)$"),
    (("n = 6", "n = 6\n[parameters.values]\ncar_t_kill_rate = -1.0"),
     r"^parameters\.values\.car_t_kill_rate: got -1 1/day, expected 0-1000 1/day"),
    (("n = 6", "n = 6\n[parameters.values]\nt_cells_baseline = -5.0"),
     r"^parameters\.values\.t_cells_baseline: got -5 cell/uL, expected 0-1e\+06 cell/uL"),
    (("follow_up_days = 200", "follow_up_days = 100000000"), r"^schedule\.follow_up_days: got 100000000, expected an integer <= 3,650$"),
    # a CAR-T dose of 0 is refused, as in trial specs
    (("dose_per_kg = 1e6", "dose_per_kg = 0"), r"^arm\[0\]\.car_t\.dose_per_kg: got 0, expected a number > 0$"),
    # types are not coerced
    (("n = 6", 'n = "6"'), r"^run\.n: got '6', expected an integer$"),
    (("seed = 2", "seed = true"), r"^run\.seed: got True, expected an integer$"),
    # names and keys
    (('name = "car_t"', 'name = "car/t"'), r"^arm\[0\]\.name: got 'car/t', expected a name of letters, digits"),
    (("seed = 2", "seed = 2\ncolour = 1"), r"^run\.colour: unknown key \(expected one of chunk_size, include_erlangen, n, save, seed, title\)$"),
    (("[schedule]", "[schedul]"), r"^config\.schedul: unknown key"),
    (('lymphodepletion = "flu_cy"', 'lymphodepletion = "benda"'), r"^arm\[0\]\.lymphodepletion: got 'benda', expected one of 'flu_cy'"),
    (("car_t = { dose_per_kg = 1e6 }", "car_t = { dose_per_kg = 1e6, flat_dose = 1e8 }"),
     r"^arm\[0\]\.car_t: expected exactly one of dose_per_kg and flat_dose$"),
    (("car_t = { dose_per_kg = 1e6 }", 'car_t = { dose_per_kg = 1e6 }\n[[arm.dose]]\nstate = "no_such_state"\nday = 1\namount = 1'),
     r"^arm 'car_t': dose\[0\]\.state: got 'no_such_state', expected a model state \(one of "),
    (("car_t = { dose_per_kg = 1e6 }", 'car_t = { dose_per_kg = 1e6 }\n[[arm.dose]]\nstate = "car_t_effector"\nday = 1\namount = 1\ncount = 3'),
     r"^arm\[0\]\.dose\[0\]: expected both every_days and count for repeated doses"),
    (("n = 6", "n = 6\n[model]\nmodules = [\"missing.py\"]"), r"^model\.modules\[0\]: got 'missing\.py', expected an existing file"),
    (("n = 6", "n = 6\n[solver]\nrtol = 0.5"), r"^solver\.rtol: got 0\.5, expected a number <= 0\.01$"),
])
def test_bad_study_configs_are_one_line_errors(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    assert edit[0] in STUDY
    with pytest.raises(InputError, match=message) as info:
        load_study_config(_write(tmp_path, STUDY.replace(edit[0], edit[1], 1)))
    assert "\n" not in str(info.value)


def test_a_car_t_dose_of_zero_is_refused_the_same_way_by_trial_specs(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"^arm\[0\]\.car_t\.dose_per_kg: got 0, expected a number > 0$"):
        load_trial_spec(_write(tmp_path, TRIAL.replace("dose_per_kg = 1e6", "dose_per_kg = 0")))


def test_trial_specs_share_the_population_bounds(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"^population\.age_max: got 20, expected a value above"):
        load_trial_spec(_write(tmp_path, TRIAL.replace("n_per_arm = 4", "n_per_arm = 4\nage_min = 60\nage_max = 20\nage_mean = 40")))
    with pytest.raises(InputError, match=r"^arm\[0\]\.car_t\.flat_dose: got 1e\+300"):
        load_trial_spec(_write(tmp_path, TRIAL.replace("dose_per_kg = 1e6", "flat_dose = 1e300")))


def test_non_utf8_files_are_one_line_errors(tmp_path: Path) -> None:
    p = tmp_path / "latin1.toml"
    p.write_bytes(STUDY.replace("[run]", '[run]\ntitle = "Müller"').encode("latin-1"))
    with pytest.raises(InputError, match=r"^CONFIG: latin1\.toml is not UTF-8 text \(byte 0xfc at offset \d+\); save it as UTF-8$"):
        load_study_config(p)
    with pytest.raises(InputError, match=r"^SPEC: latin1\.toml is not UTF-8 text"):
        load_trial_spec(p)
    bad_params = tmp_path / "params.toml"
    bad_params.write_bytes("x = 'Müller'".encode("latin-1"))
    with pytest.raises(InputError, match=r"^parameters\.file: params\.toml is not UTF-8 text"):
        load_study_config(_write(tmp_path, STUDY.replace("n = 6", 'n = 6\n[parameters]\nfile = "params.toml"')))


def test_model_table_and_state_doses_are_carried(tmp_path: Path) -> None:
    import shutil

    example = Path(__file__).resolve().parents[2] / "examples" / "modules"
    shutil.copy(example / "naive_b_drug.py", tmp_path / "block.py")
    shutil.copy(example / "naive_b_drug.toml", tmp_path / "block.toml")
    text = STUDY.replace("n = 6", 'n = 6\n[model]\nmodules = ["block.py"]\nparameter_files = ["block.toml"]')
    text = text.replace("car_t = { dose_per_kg = 1e6 }", 'car_t = { dose_per_kg = 1e6 }\n[[arm.dose]]\n'
                        'state = "cyclophosphamide_exposure"\nday = 10\namount = 500\nevery_days = 7\ncount = 3')
    spec = _study(tmp_path, text)
    assert spec.model.modules[-1] == str((tmp_path / "block.py").resolve())
    assert tuple(spec.parameters)[-1] == "naive_b_drug_half_kill_concentration"
    regimen = spec.arms["car_t"]
    assert regimen.doses == (StateDose("cyclophosphamide_exposure", 10.0, 500.0, 7.0, 3),)
    from immunoreset.model import STATE_INDEX

    events = regimen.events(height_cm=170.0, weight_kg=70.0, car_t_distribution_volume_l=5.0)
    cy = STATE_INDEX["cyclophosphamide_exposure"]
    assert [(d, a) for d, s, a in events if s == cy] == [(-3.0, 1000.0), (10.0, 500.0), (17.0, 500.0), (24.0, 500.0)]
    assert [d.day for d in regimen.shifted(2.0).doses] == [12.0]


def test_regimen_events_refuse_an_unknown_state() -> None:
    r = Regimen("x", doses=(StateDose("bogus", 1.0, 1.0),))
    with pytest.raises(InputError, match=r"^arm 'x': dose\[0\]\.state: got 'bogus', expected a model state"):
        r.events(height_cm=170.0, weight_kg=70.0, car_t_distribution_volume_l=5.0)


def test_every_parameter_unit_has_a_stated_plausible_range() -> None:
    from immunoreset.model import SPECS, load_parameters

    params = load_parameters()
    for s in SPECS:
        assert s.unit in PLAUSIBLE_RANGES, s.unit
        low, high, _ = PLAUSIBLE_RANGES[s.unit]
        assert low <= params.value(s.name) <= high, s.name


@pytest.mark.parametrize("kind", ["study", "trial"])
def test_schema_command_prints_the_json_schema(kind: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--kind", kind]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["additionalProperties"] is False
    arm = schema["$defs"]["ArmModel"]
    assert arm["properties"]["name"]["pattern"] == "^[A-Za-z0-9_.-]{1,64}$"
    car = schema["$defs"]["CarTTable"]["properties"]["dose_per_kg"]["anyOf"][0]
    assert car["exclusiveMinimum"] == 0 and car["maximum"] == 1e9
    required = set(schema.get("required", []))
    assert required == ({"arm"} if kind == "study" else {"trial", "population", "schedule", "arm"})


def test_simulate_seed_overrides_run_seed(tmp_path: Path) -> None:
    spec, doc, _ = load_study_config(_write(tmp_path, STUDY), seed=11)
    assert spec.seed == 11 and doc["run"]["seed"] == 11
    with pytest.raises(InputError, match=r"^--seed: got -1, expected an integer 0-"):
        load_study_config(_write(tmp_path, STUDY), seed=-1)


def test_trial_arms_carry_state_doses(tmp_path: Path) -> None:
    text = TRIAL.replace("car_t = { dose_per_kg = 1e6 }", 'car_t = { dose_per_kg = 1e6 }\n[[arm.dose]]\n'
                         'state = "cyclophosphamide_exposure"\nday = 30\namount = 500\nevery_days = 28\ncount = 2')
    spec = load_trial_spec(_write(tmp_path, text))
    arm = spec.arm("car_t")
    assert arm.regimen.doses == (StateDose("cyclophosphamide_exposure", 30.0, 500.0, 28.0, 2),)
    assert arm.describe().endswith("| 500 into cyclophosphamide_exposure d+30 ×2 every 28 d")


def test_values_in_a_parameter_file_are_checked_against_the_plausible_ranges(tmp_path: Path) -> None:
    from importlib import resources

    from immunoreset.model import DEFAULT_PARAMETER_FILE

    packaged = (resources.files("immunoreset.model") / "data" / DEFAULT_PARAMETER_FILE).read_text(
        encoding="utf-8")
    old = 'name = "cyclophosphamide_elimination_rate"\nvalue = 2.22'
    assert old in packaged
    (tmp_path / "p.toml").write_text(packaged.replace(old, old.replace("2.22", "-2.22")), encoding="utf-8")
    text = STUDY.replace("n = 6", 'n = 6\n[parameters]\nfile = "p.toml"')
    with pytest.raises(InputError, match=r"^parameters\.file p\.toml: cyclophosphamide_elimination_rate = "
                                         r"-2\.22 1/day, expected 0-1000 1/day"):
        load_study_config(_write(tmp_path, text))
    (tmp_path / "p.toml").write_text(packaged, encoding="utf-8")
    assert _study(tmp_path, text).parameters.value("cyclophosphamide_elimination_rate") == 2.22
