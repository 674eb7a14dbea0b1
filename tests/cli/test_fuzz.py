"""Fuzz the user surface: every command, driven with a table of bad inputs (malformed and
non-UTF-8 files, wrong types, out-of-range numbers, impossible combinations, bad paths),
exits with status 2 after one line on standard error, without a traceback, and writes
nothing. Commands run in-process (``immunoreset.cli.main``); two cases run as a
subprocess, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from immunoreset.cli import main

VISITS = Path(__file__).resolve().parents[2] / "examples" / "visits" / "example_visits.csv"

STUDY = """[run]
n = 3
seed = 1
[schedule]
follow_up_days = 30
visits = [-7, 0, 30]
[[arm]]
name = "car_t"
lymphodepletion = "flu_cy"
car_t = { dose_per_kg = 1e6 }
[[arm]]
name = "untreated"
background = "refractory_standard_of_care"
"""

TRIAL = """[trial]
name = "t"
seed = 3
[population]
n_per_arm = 3
[schedule]
follow_up_days = 30
visits = [14, 30]
[[arm]]
name = "car_t"
lymphodepletion = "flu_cy"
car_t = { dose_per_kg = 1e6 }
[[arm]]
name = "untreated"
background = "refractory_standard_of_care"
"""

LATIN1 = '[run]\ntitle = "Müller"\n'.encode("latin-1")
GARBAGE = bytes(range(256)) * 4


def _edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def study(old: str, new: str) -> str:
    return _edit(STUDY, old, new)


def trial(old: str, new: str) -> str:
    return _edit(TRIAL, old, new)


# (id, argv with {d} for the case folder and {out} for the output path, files to create)
Case = tuple[str, list[str], dict[str, str | bytes]]

_SIM = ["simulate", "{d}/c.toml", "--out", "{out}"]
_EXP = ["model", "export", "--format", "sbml", "--out", "{out}.xml"]
_TRI = ["trial", "{d}/s.toml", "--out", "{out}"]
_FIT = ["fit", "{d}/o.csv", "--params", "car_t_antigen_expansion_rate", "--error",
        "proportional:0.2", "--out", "{out}"]

CASES: list[Case] = [
    # -- simulate: files ------------------------------------------------------------------
    ("sim-missing-file", _SIM, {}),
    ("sim-non-utf8", _SIM, {"c.toml": LATIN1}),
    ("sim-binary", _SIM, {"c.toml": GARBAGE}),
    ("sim-malformed", _SIM, {"c.toml": "[run\nn = 3"}),
    ("sim-empty", _SIM, {"c.toml": ""}),
    ("sim-a-folder", ["simulate", "{d}", "--out", "{out}"], {}),
    # -- simulate: wrong types ------------------------------------------------------------
    ("sim-n-string", _SIM, {"c.toml": study("n = 3", 'n = "3"')}),
    ("sim-seed-bool", _SIM, {"c.toml": study("seed = 1", "seed = true")}),
    ("sim-seed-float", _SIM, {"c.toml": study("seed = 1", "seed = 1.5")}),
    ("sim-arm-not-table", _SIM, {"c.toml": 'arm = "x"\n[run]\nn = 3\n'}),
    ("sim-arm-list-of-ints", _SIM, {"c.toml": "arm = [1, 2]\n[run]\nn = 3\n"}),
    ("sim-car-t-number", _SIM, {"c.toml": study("car_t = { dose_per_kg = 1e6 }", "car_t = 5")}),
    ("sim-population-number", _SIM, {"c.toml": "population = 3\n" + STUDY}),
    ("sim-visits-strings", _SIM, {"c.toml": study("visits = [-7, 0, 30]", 'visits = ["a"]')}),
    ("sim-date", _SIM, {"c.toml": study("seed = 1", "seed = 2020-01-01")}),
    # -- simulate: out of range -----------------------------------------------------------
    ("sim-dose-1e300", _SIM, {"c.toml": study("1e6", "1e300")}),
    ("sim-dose-negative", _SIM, {"c.toml": study("1e6", "-1e6")}),
    ("sim-dose-zero", _SIM, {"c.toml": study("1e6", "0")}),
    ("sim-dose-nan", _SIM, {"c.toml": study("1e6", "nan")}),
    ("sim-dose-inf", _SIM, {"c.toml": study("1e6", "inf")}),
    ("sim-age-mean-1000", _SIM, {"c.toml": STUDY + "[population]\nage_mean = 1000\n"}),
    ("sim-age-sd-negative", _SIM, {"c.toml": STUDY + "[population]\nage_sd = -2\n"}),
    ("sim-female-fraction-2", _SIM, {"c.toml": STUDY + "[population]\nfemale_fraction = 2\n"}),
    ("sim-cyclophosphamide-1e12", _SIM, {"c.toml": study(
        'lymphodepletion = "flu_cy"', "lymphodepletion = { cyclophosphamide_mg_per_m2_per_day = 1e12, "
        "cyclophosphamide_days = [-3] }")}),
    ("sim-follow-up-1e8", _SIM, {"c.toml": study("follow_up_days = 30", "follow_up_days = 100000000")}),
    ("sim-kill-rate-negative", _SIM, {"c.toml": STUDY + "[parameters.values]\ncar_t_kill_rate = -1.0\n"}),
    ("sim-t-cells-negative", _SIM, {"c.toml": STUDY + "[parameters.values]\nt_cells_baseline = -100.0\n"}),
    ("sim-wrong-unit", _SIM, {"c.toml": STUDY + '[parameters.values.car_t_kill_rate]\nvalue = 1\nunit = "g/L"\n'}),
    ("sim-unknown-parameter", _SIM, {"c.toml": STUDY + "[parameters.values]\nbogus = 1.0\n"}),
    ("sim-rtol-2", _SIM, {"c.toml": STUDY + "[solver]\nrtol = 2.0\n"}),
    ("sim-chunk-size-zero-in-config", _SIM, {"c.toml": study("n = 3", "n = 3\nchunk_size = 0")}),
    ("sim-n-1e12", _SIM, {"c.toml": study("n = 3", "n = 1000000000000")}),
    # -- simulate: impossible combinations ------------------------------------------------
    ("sim-age-min-above-max", _SIM, {"c.toml": STUDY + "[population]\nage_min = 60\nage_max = 20\nage_mean = 40\n"}),
    ("sim-proteinuria-min-above-max", _SIM, {"c.toml": STUDY + "[population.inclusion]\nmin_proteinuria_g_per_day = 10\nmax_proteinuria_g_per_day = 5\n"}),
    ("sim-unsatisfiable-inclusion", _SIM, {"c.toml": STUDY + "[population.inclusion]\nmin_anti_dsdna_iu_per_ml = 9000\n"}),
    ("sim-two-doses", _SIM, {"c.toml": study("dose_per_kg = 1e6", "dose_per_kg = 1e6, flat_dose = 1e8")}),
    ("sim-ld-without-days", _SIM, {"c.toml": study('lymphodepletion = "flu_cy"', "lymphodepletion = { fludarabine_mg_per_m2_per_day = 25 }")}),
    ("sim-dose-count-without-interval", _SIM, {"c.toml": study("car_t = { dose_per_kg = 1e6 }", 'car_t = { dose_per_kg = 1e6 }\n[[arm.dose]]\nstate = "car_t_effector"\nday = 1\namount = 1\ncount = 3')}),
    ("sim-dose-unknown-state", _SIM, {"c.toml": study("car_t = { dose_per_kg = 1e6 }", 'car_t = { dose_per_kg = 1e6 }\n[[arm.dose]]\nstate = "nope"\nday = 1\namount = 1')}),
    ("sim-first-day-after-dose", _SIM, {"c.toml": study("follow_up_days = 30", "first_day = -2\nfollow_up_days = 30").replace("visits = [-7, 0, 30]", "visits = [0, 30]")}),
    ("sim-visit-outside", _SIM, {"c.toml": study("visits = [-7, 0, 30]", "visits = [-7, 0, 31]")}),
    ("sim-visits-unsorted", _SIM, {"c.toml": study("visits = [-7, 0, 30]", "visits = [30, 0]")}),
    ("sim-duplicate-arm", _SIM, {"c.toml": study('name = "untreated"', 'name = "car_t"')}),
    ("sim-old-and-new-car-t", _SIM, {"c.toml": study("car_t = { dose_per_kg = 1e6 }", "car_t = { dose_per_kg = 1e6 }\ncar_t_dose_per_kg = 1e6")}),
    ("sim-old-dose-with-ld-none", _SIM, {"c.toml": study('lymphodepletion = "flu_cy"', 'lymphodepletion = "none"\nfludarabine_mg_per_m2_per_day = 25')}),
    ("sim-nothing-to-simulate", _SIM, {"c.toml": study("n = 3", "n = 0")}),
    ("sim-unknown-section", _SIM, {"c.toml": "[runs]\nn = 1\n" + STUDY}),
    ("sim-unknown-key", _SIM, {"c.toml": study("seed = 1", "seed = 1\nworkers = 3")}),
    ("sim-resume-and-overwrite", [*_SIM, "--resume", "--overwrite"], {"c.toml": STUDY}),
    # -- simulate: names ----------------------------------------------------------------
    ("sim-arm-slash", _SIM, {"c.toml": study('name = "car_t"', 'name = "car/t"')}),
    ("sim-arm-dotdot", _SIM, {"c.toml": study('name = "car_t"', 'name = "../x"')}),
    ("sim-arm-empty", _SIM, {"c.toml": study('name = "car_t"', 'name = ""')}),
    ("sim-arm-long", _SIM, {"c.toml": study('name = "car_t"', f'name = "{"a" * 65}"')}),
    ("sim-arm-unicode", _SIM, {"c.toml": study('name = "car_t"', 'name = "bär"')}),
    ("sim-arm-newline", _SIM, {"c.toml": study('name = "car_t"', 'name = "a\\nb"')}),
    # -- simulate: paths ----------------------------------------------------------------
    ("sim-out-under-file", ["simulate", "{d}/c.toml", "--out", "{d}/c.toml/x"], {"c.toml": STUDY}),
    ("sim-out-is-file", ["simulate", "{d}/c.toml", "--out", "{d}/c.toml"], {"c.toml": STUDY}),
    ("sim-out-empty", ["simulate", "{d}/c.toml", "--out", ""], {"c.toml": STUDY}),
    ("sim-out-too-long", ["simulate", "{d}/c.toml", "--out", "{d}/" + "x" * 300], {"c.toml": STUDY}),
    ("sim-out-not-empty", ["simulate", "{d}/c.toml", "--out", "{d}"], {"c.toml": STUDY}),
    ("sim-parameter-file-missing", _SIM, {"c.toml": STUDY + '[parameters]\nfile = "nope.toml"\n'}),
    ("sim-parameter-file-latin1", _SIM, {"c.toml": STUDY + '[parameters]\nfile = "p.toml"\n', "p.toml": LATIN1}),
    ("sim-model-module-missing", _SIM, {"c.toml": STUDY + '[model]\nmodules = ["nope.py"]\n'}),
    # -- simulate: options ----------------------------------------------------------------
    ("sim-n-negative", [*_SIM, "--n", "-5"], {"c.toml": STUDY}),
    ("sim-n-huge", [*_SIM, "--n", "1000000000000"], {"c.toml": STUDY}),
    ("sim-n-text", [*_SIM, "--n", "abc"], {"c.toml": STUDY}),
    ("sim-seed-negative", [*_SIM, "--seed", "-1"], {"c.toml": STUDY}),
    ("sim-workers-zero", [*_SIM, "--workers", "0"], {"c.toml": STUDY}),
    ("sim-chunk-size-zero", [*_SIM, "--chunk-size", "0"], {"c.toml": STUDY}),
    ("sim-save-bogus", [*_SIM, "--save", "bogus"], {"c.toml": STUDY}),
    ("sim-scheduler-bogus", [*_SIM, "--scheduler", "http://x"], {"c.toml": STUDY}),
    ("sim-disk-full", [*_SIM, "--n", "1000000000", "--save", "full"], {"c.toml": STUDY}),
    # -- trial ------------------------------------------------------------------------------
    ("trial-missing-file", _TRI, {}),
    ("trial-non-utf8", _TRI, {"s.toml": LATIN1}),
    ("trial-binary", _TRI, {"s.toml": GARBAGE}),
    ("trial-malformed", _TRI, {"s.toml": "[trial\nname = 1"}),
    ("trial-empty", _TRI, {"s.toml": ""}),
    ("trial-name-number", _TRI, {"s.toml": trial('name = "t"', "name = 1")}),
    ("trial-name-blank", _TRI, {"s.toml": trial('name = "t"', 'name = " "')}),
    ("trial-unknown-endpoint", _TRI, {"s.toml": TRIAL + '[endpoints]\ninclude = ["dors"]\n'}),
    ("trial-dose-zero", _TRI, {"s.toml": trial("1e6", "0")}),
    ("trial-dose-1e300", _TRI, {"s.toml": trial("1e6", "1e300")}),
    ("trial-dose-grid-negative", _TRI, {"s.toml": trial("1e6", "[1e5, -1]")}),
    ("trial-dose-grid-empty", _TRI, {"s.toml": trial("1e6", "[]")}),
    ("trial-visit-zero", _TRI, {"s.toml": trial("visits = [14, 30]", "visits = [0, 30]")}),
    ("trial-visit-outside", _TRI, {"s.toml": trial("visits = [14, 30]", "visits = [14, 40]")}),
    ("trial-n-zero", _TRI, {"s.toml": trial("n_per_arm = 3", "n_per_arm = 0")}),
    ("trial-n-huge", _TRI, {"s.toml": trial("n_per_arm = 3", "n_per_arm = 900000000")}),
    ("trial-age-min-above-max", _TRI, {"s.toml": trial("n_per_arm = 3", "n_per_arm = 3\nage_min = 60\nage_max = 20\nage_mean = 40")}),
    ("trial-unsatisfiable-inclusion", _TRI, {"s.toml": TRIAL + "[population.inclusion]\nmin_anti_dsdna_iu_per_ml = 9000\n"}),
    ("trial-reference-unknown", _TRI, {"s.toml": trial('seed = 3', 'seed = 3\nreference_arm = "placebo"')}),
    ("trial-confidence-2", _TRI, {"s.toml": trial("seed = 3", "seed = 3\nconfidence = 2.0")}),
    ("trial-interval-bogus", _TRI, {"s.toml": trial("seed = 3", 'seed = 3\ninterval = "bayes"')}),
    ("trial-background-missing", _TRI, {"s.toml": trial('background = "refractory_standard_of_care"', "")}),
    ("trial-arm-slash", _TRI, {"s.toml": trial('name = "car_t"', 'name = "a/b"')}),
    ("trial-success-no-bound", _TRI, {"s.toml": TRIAL + '[replicates]\nn = 1\n[[replicates.success]]\nendpoint = "doris"\narm = "car_t"\nvisit_day = 30\n'}),
    ("trial-success-bad-visit", _TRI, {"s.toml": TRIAL + '[replicates]\nn = 1\n[[replicates.success]]\nendpoint = "doris"\narm = "car_t"\nvisit_day = 20\nat_least = 0.5\n'}),
    ("trial-replicates-negative", _TRI, {"s.toml": TRIAL + "[replicates]\nn = -1\n"}),
    ("trial-n-option-zero", [*_TRI, "--n", "0"], {"s.toml": TRIAL}),
    ("trial-replicates-option-negative", [*_TRI, "--replicates", "-1"], {"s.toml": TRIAL}),
    ("trial-seed-option-negative", [*_TRI, "--seed", "-1"], {"s.toml": TRIAL}),
    ("trial-out-under-file", ["trial", "{d}/s.toml", "--out", "{d}/s.toml/x"], {"s.toml": TRIAL}),
    ("trial-out-not-empty", ["trial", "{d}/s.toml", "--out", "{d}"], {"s.toml": TRIAL}),
    # -- score ------------------------------------------------------------------------------
    ("score-missing", ["score", "{d}/v.csv", "--out", "{out}.csv"], {}),
    ("score-non-utf8", ["score", "{d}/v.csv", "--out", "{out}.csv"], {"v.csv": "patient_id,day\nMüller,1\n".encode("latin-1")}),
    ("score-binary", ["score", "{d}/v.csv", "--out", "{out}.csv"], {"v.csv": GARBAGE}),
    ("score-missing-columns", ["score", "{d}/v.csv", "--out", "{out}.csv"], {"v.csv": "patient_id,day\nP1,1\n"}),
    ("score-bad-number", ["score", "{d}/v.csv", "--out", "{out}.csv"], {"v.csv": VISITS.read_text().replace("P1,-7,0", "P1,minus seven,0", 1)}),
    ("score-out-is-input", ["score", "{d}/v.csv", "--out", "{d}/v.csv"], {"v.csv": VISITS.read_text()}),
    ("score-out-folder", ["score", "{d}/v.csv", "--out", "{d}/f.csv"], {"v.csv": VISITS.read_text(), "f.csv/.keep": ""}),
    ("score-out-txt", ["score", "{d}/v.csv", "--out", "{out}.txt"], {"v.csv": VISITS.read_text()}),
    ("score-out-no-folder", ["score", "{d}/v.csv", "--out", "{d}/nope/x.csv"], {"v.csv": VISITS.read_text()}),
    ("score-out-too-long", ["score", "{d}/v.csv", "--out", "{d}/" + "x" * 300 + ".csv"], {"v.csv": VISITS.read_text()}),
    ("score-instrument-bogus", ["score", "{d}/v.csv", "--out", "{out}.csv", "--instruments", "bogus"], {"v.csv": VISITS.read_text()}),
    # -- reproduce --------------------------------------------------------------------------
    ("reproduce-n-zero", ["reproduce", "mackensen2022", "--out", "{out}", "--n", "0"], {}),
    ("reproduce-n-huge", ["reproduce", "mackensen2022", "--out", "{out}", "--n", "1000000000000"], {}),
    ("reproduce-seed-negative", ["reproduce", "mackensen2022", "--out", "{out}", "--seed", "-1"], {}),
    ("reproduce-out-under-file", ["reproduce", "mackensen2022", "--out", "{d}/f/x"], {"f": "x"}),
    ("reproduce-unknown-scenario", ["reproduce", "bogus", "--out", "{out}"], {}),
    ("reproduce-work-left", ["reproduce", "mackensen2022", "--out", "{d}/o", "--n", "2"], {"o/.work/chunks/named.done": "ok\n"}),
    # -- parameters, schema -----------------------------------------------------------------
    ("parameters-missing", ["parameters", "--file", "{d}/p.toml"], {}),
    ("parameters-non-utf8", ["parameters", "--file", "{d}/p.toml"], {"p.toml": LATIN1}),
    ("parameters-malformed", ["parameters", "--file", "{d}/p.toml"], {"p.toml": "[x\n"}),
    ("parameters-status-bogus", ["parameters", "--status", "bogus"], {}),
    ("schema-kind-bogus", ["schema", "--kind", "bogus"], {}),
    # -- serve (refused before anything listens) ----------------------------------------------
    ("serve-port-0", ["serve", "--port", "0"], {}),
    ("serve-port-text", ["serve", "--port", "web"], {}),
    ("serve-host-name", ["serve", "--host", "example.org"], {}),
    ("serve-runs-file", ["serve", "--runs", "{d}/f"], {"f": "x"}),
    # -- model ------------------------------------------------------------------------------
    ("model-show-format-bogus", ["model", "show", "--format", "bogus"], {}),
    ("model-no-verb", ["model"], {}),
    ("model-export-no-study", [*_EXP, "--arm", "car_t", "--patient", "vp0000001"], {}),
    ("model-export-both-studies", [*_EXP, "{d}/c.toml", "--scenario", "mackensen2022", "--arm", "car_t", "--patient", "vp0000001"], {"c.toml": STUDY}),
    ("model-export-patient-bogus", [*_EXP, "--scenario", "mackensen2022", "--arm", "car_t", "--patient", "bogus"], {}),
    ("model-export-patient-beyond-n", [*_EXP, "{d}/c.toml", "--arm", "car_t", "--patient", "vp0000003"], {"c.toml": STUDY}),
    ("model-export-arm-bogus", [*_EXP, "--scenario", "mackensen2022", "--arm", "bogus", "--patient", "vp0000001"], {}),
    ("model-export-out-folder", ["model", "export", "--format", "sbml", "--out", "{d}", "--scenario", "mackensen2022", "--arm", "car_t", "--patient", "vp0000001"], {}),
    ("model-export-out-no-folder", ["model", "export", "--format", "sbml", "--out", "{d}/no/x.xml", "--scenario", "mackensen2022", "--arm", "car_t", "--patient", "vp0000001"], {}),
    ("model-export-config-non-utf8", [*_EXP, "{d}/c.toml", "--arm", "car_t", "--patient", "vp0000001"], {"c.toml": LATIN1}),
    ("model-export-format-bogus", ["model", "export", "--format", "petab", "--out", "{out}.xml", "--scenario", "mackensen2022", "--arm", "car_t", "--patient", "vp0000001"], {}),
    ("sim-module-missing", _SIM, {"c.toml": STUDY.replace("[schedule]", '[model]\nmodules = ["nope.py"]\n[schedule]')}),
    ("sim-module-no-declaration", _SIM, {"c.toml": STUDY.replace("[schedule]", '[model]\nmodules = ["m.py"]\n[schedule]'), "m.py": "X = 1\n"}),
    # -- fit, sensitivity, petab --------------------------------------------------------------
    ("fit-missing-data", _FIT, {}),
    ("fit-bad-day", _FIT, {"o.csv": "patient_id,day,observable,value,unit\na,x,b_cells_blood,1,cells/uL\n"}),
    ("fit-no-error", ["fit", "{d}/o.csv", "--params", "car_t_antigen_expansion_rate", "--out", "{out}"], {}),
    ("sensitivity-missing", ["sensitivity", "{d}/s.toml", "--out", "{out}"], {}),
    ("sensitivity-no-table", ["sensitivity", "{d}/s.toml", "--out", "{out}"], {"s.toml": "x = 1\n"}),
    ("petab-missing-data", ["petab", "{d}/o.csv", "--params", "car_t_antigen_expansion_rate", "--error", "proportional:0.2", "--out", "{out}"], {}),
    ("no-command", [], {}),
    ("unknown-command", ["bogus"], {}),
]


#: What each refusal must say (the start of the message after 'error: ').
EXPECT: dict[str, str] = {
    'sim-missing-file': "CONFIG: file '",
    'sim-non-utf8': 'CONFIG: c.toml is not UTF-8 text (byte 0xfc at o',
    'sim-binary': 'CONFIG: c.toml is not UTF-8 text (byte 0x80 at o',
    'sim-malformed': "CONFIG: malformed TOML in c.toml (Expected ']' a",
    'sim-empty': 'arm: missing field',
    'sim-a-folder': "CONFIG: '",
    'sim-n-string': "run.n: got '3', expected an integer",
    'sim-seed-bool': 'run.seed: got True, expected an integer',
    'sim-seed-float': 'run.seed: got 1.5, expected an integer',
    'sim-arm-not-table': "arm: got 'x', expected a list",
    'sim-arm-list-of-ints': 'arm[0]: got 1, expected a table',
    'sim-car-t-number': 'arm[0].car_t: got 5, expected a table',
    'sim-population-number': 'population: got 3, expected a table',
    'sim-visits-strings': "schedule.visits[0]: got 'a', expected an integer",
    'sim-date': 'run.seed: got datetime.date(2020, 1, 1), expecte',
    'sim-dose-1e300': 'arm[0].car_t.dose_per_kg: got 1e+300, expected a',
    'sim-dose-negative': 'arm[0].car_t.dose_per_kg: got -1000000.0, expect',
    'sim-dose-zero': 'arm[0].car_t.dose_per_kg: got 0, expected a numb',
    'sim-dose-nan': 'arm[0].car_t.dose_per_kg: got nan, expected a fi',
    'sim-dose-inf': 'arm[0].car_t.dose_per_kg: got inf, expected a fi',
    'sim-age-mean-1000': 'population.age_mean: got 1000, expected a number',
    'sim-age-sd-negative': 'population.age_sd: got -2, expected a number > 0',
    'sim-female-fraction-2': 'population.female_fraction: got 2, expected a nu',
    'sim-cyclophosphamide-1e12': 'arm[0].lymphodepletion.cyclophosphamide_mg_per_m',
    'sim-follow-up-1e8': 'schedule.follow_up_days: got 100000000, expected',
    'sim-kill-rate-negative': 'parameters.values.car_t_kill_rate: got -1 1/day,',
    'sim-t-cells-negative': 'parameters.values.t_cells_baseline: got -100 cel',
    'sim-wrong-unit': "parameters.values.car_t_kill_rate.unit: got 'g/L",
    'sim-unknown-parameter': 'parameters.values.bogus: unknown parameter (see ',
    'sim-rtol-2': 'solver.rtol: got 2.0, expected a number <= 0.01',
    'sim-chunk-size-zero-in-config': 'run.chunk_size: got 0, expected an integer >= 1',
    'sim-n-1e12': 'run.n: got 1000000000000, expected an integer <= 1,000,000,000',
    'sim-age-min-above-max': 'population.age_max: got 20, expected a value abo',
    'sim-proteinuria-min-above-max': 'population.inclusion.max_proteinuria_g_per_day: ',
    'sim-unsatisfiable-inclusion': 'population.inclusion: no candidate met the inclu',
    'sim-two-doses': 'arm[0].car_t: expected exactly one of dose_per_k',
    'sim-ld-without-days': 'arm[0].lymphodepletion.fludarabine_mg_per_m2_per',
    'sim-dose-count-without-interval': 'arm[0].dose[0]: expected both every_days and cou',
    'sim-dose-unknown-state': "arm 'car_t': dose[0].state: got 'nope', expected",
    'sim-first-day-after-dose': 'schedule.first_day: got -2, expected a day befor',
    'sim-visit-outside': 'schedule.visits: got 31, expected days within -7',
    'sim-visits-unsorted': 'schedule.visits: got [30, 0], expected increasin',
    'sim-duplicate-arm': "arm[1].name: 'car_t' is used twice",
    'sim-old-and-new-car-t': 'arm[0].car_t_dose_per_kg: given with arm[0].car_',
    'sim-old-dose-with-ld-none': 'arm[0].fludarabine_mg_per_m2_per_day: given with',
    'sim-nothing-to-simulate': 'run.n: got 0 virtual patients and include_erlang',
    'sim-unknown-section': 'config.runs: unknown key (expected one of arm, m',
    'sim-unknown-key': 'run.workers: unknown key (expected one of chunk_',
    'sim-resume-and-overwrite': '--resume and --overwrite: got both, expected at ',
    'sim-arm-slash': "arm[0].name: got 'car/t', expected a name of let",
    'sim-arm-dotdot': "arm[0].name: got '../x', expected a name of lett",
    'sim-arm-empty': "arm[0].name: got '', expected a name of letters,",
    'sim-arm-long': "arm[0].name: got 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    'sim-arm-unicode': "arm[0].name: got 'bär', expected a name of lette",
    'sim-arm-newline': "arm[0].name: got 'a\\nb', expected a name of lett",
    'sim-out-under-file': '--out: cannot create ',
    'sim-out-is-file': '--out: ',
    'sim-out-empty': '--out: got an empty path, expected a folder name',
    'sim-out-too-long': '--out: got a name of 300 bytes, expected a folde',
    'sim-out-not-empty': '--out: ',
    'sim-parameter-file-missing': "parameters.file: file '",
    'sim-parameter-file-latin1': 'parameters.file: p.toml is not UTF-8 text (byte ',
    'sim-model-module-missing': "model.modules[0]: got 'nope.py', expected an exi",
    'sim-n-negative': '--n: got -5, expected an integer 0-1,000,000,000',
    'sim-n-huge': '--n: got 1000000000000, expected an integer 0-1,',
    'sim-n-text': "argument --n: invalid int value: 'abc'",
    'sim-seed-negative': '--seed: got -1, expected an integer 0-9,223,372,',
    'sim-workers-zero': '--workers: got 0, expected an integer >= 1',
    'sim-chunk-size-zero': '--chunk-size: got 0, expected an integer >= 1',
    'sim-save-bogus': "argument --save: invalid choice: 'bogus' (choose",
    'sim-scheduler-bogus': "--scheduler: got 'http://x', expected an address",
    'sim-disk-full': '--n: 1,000,000,000 patients × 2 arms with --save',
    'trial-missing-file': "SPEC: file '",
    'trial-non-utf8': 'SPEC: s.toml is not UTF-8 text (byte 0xfc at off',
    'trial-binary': 'SPEC: s.toml is not UTF-8 text (byte 0x80 at off',
    'trial-malformed': "SPEC: malformed TOML in s.toml (Expected ']' at ",
    'trial-empty': 'trial: missing field',
    'trial-name-number': 'trial.name: got 1, expected a string',
    'trial-name-blank': "trial.name: got ' ', expected a non-empty name",
    'trial-unknown-endpoint': "endpoints.include: unknown endpoint 'dors' (expe",
    'trial-dose-zero': 'arm[0].car_t.dose_per_kg: got 0, expected a numb',
    'trial-dose-1e300': 'arm[0].car_t.dose_per_kg: got 1e+300, expected a',
    'trial-dose-grid-negative': 'arm[0].car_t.dose_per_kg[1]: got -1, expected a ',
    'trial-dose-grid-empty': 'arm[0].car_t.dose_per_kg: got [], expected at le',
    'trial-visit-zero': 'schedule.visits: got 0, expected days within fol',
    'trial-visit-outside': 'schedule.visits: got 40, expected days within fo',
    'trial-n-zero': 'population.n_per_arm: got 0, expected an integer >= 1',
    'trial-n-huge': 'population.n_per_arm: 900,000,000 patients × 2 a',
    'trial-age-min-above-max': 'population.age_max: got 20, expected a value abo',
    'trial-unsatisfiable-inclusion': 'population.inclusion: no candidate met the inclu',
    'trial-reference-unknown': "trial.reference_arm: got 'placebo', expected one",
    'trial-confidence-2': 'trial.confidence: got 2.0, expected a number < 1',
    'trial-interval-bogus': "trial.interval: got 'bayes', expected one of 'cl",
    'trial-background-missing': 'arm[1].background: missing field (an arm without',
    'trial-arm-slash': "arm[0].name: got 'a/b', expected a name of lette",
    'trial-success-no-bound': 'replicates.success[0]: give exactly one of at_le',
    'trial-success-bad-visit': 'replicates.success.visit_day: got 20, expected a',
    'trial-replicates-negative': 'replicates.n: got -1, expected an integer >= 0',
    'trial-n-option-zero': '--n: got 0, expected an integer 1-1,000,000,000',
    'trial-replicates-option-negative': '--replicates: got -1, expected an integer 0-1000',
    'trial-seed-option-negative': '--seed: got -1, expected an integer 0-9,223,372,',
    'trial-out-under-file': '--out: cannot create ',
    'trial-out-not-empty': '--out: ',
    'score-missing': "VISITS: got '",
    'score-non-utf8': "VISITS: could not read '",
    'score-binary': "VISITS: could not read '",
    'score-missing-columns': "missing column 'seizure', needed by sledai_2k",
    'score-bad-number': "row 1, column 'day': got 'minus seven', expected",
    'score-out-is-input': "--out: '",
    'score-out-folder': "--out: '",
    'score-out-txt': "--out: got '",
    'score-out-no-folder': "--out: got '",
    'score-out-too-long': "--out: cannot use '",
    'score-instrument-bogus': "argument --instruments: invalid choice: 'bogus' ",
    'reproduce-n-zero': '--n: got 0, expected an integer 1-1,000,000,000',
    'reproduce-n-huge': '--n: got 1000000000000, expected an integer 1-1,',
    'reproduce-seed-negative': '--seed: got -1, expected an integer 0-9,223,372,',
    'reproduce-out-under-file': '--out: cannot create ',
    'reproduce-unknown-scenario': "argument scenario: invalid choice: 'bogus' (choo",
    'reproduce-work-left': '--out: ',
    'parameters-missing': "--file: file '",
    'parameters-non-utf8': '--file: p.toml is not UTF-8 text (byte 0xfc at o',
    'parameters-malformed': "--file: malformed TOML in p.toml (Expected ']' a",
    'parameters-status-bogus': "argument --status: invalid choice: 'bogus' (choo",
    'fit-missing-data': "observations: '",
    'fit-bad-day': "o.csv line 2, column 'day': got 'x', expected a number",
    'fit-no-error': "--error: missing, expected an error model",
    'sensitivity-missing': "SPEC: '",
    'sensitivity-no-table': "s.toml: missing the [sensitivity] table",
    'petab-missing-data': "observations: '",
    'schema-kind-bogus': "argument --kind: invalid choice: 'bogus' (choose",
    'serve-port-0': "--port: got 0, expected an integer 1-65535",
    'serve-port-text': "argument --port: invalid int value: 'web'",
    'serve-host-name': "--host: got 'example.org', expected an IP address of this machine",
    'serve-runs-file': "--runs: ",
    'model-show-format-bogus': "argument --format: invalid choice: 'bogus'",
    'model-no-verb': "the following arguments are required: verb",
    'model-export-no-study': "give a study CONFIG or --scenario, not both or neither",
    'model-export-both-studies': "give a study CONFIG or --scenario, not both or neither",
    'model-export-patient-bogus': "--patient: got 'bogus', expected one of vpNNNNNNN, erlangen_P1",
    'model-export-patient-beyond-n': "--patient: got 'vp0000003', but the study has virtual patients vp0000000 to vp0000002",
    'model-export-arm-bogus': "--arm: got 'bogus', expected one of car_t, untreated",
    'model-export-out-folder': "--out: '",
    'model-export-out-no-folder': "--out: folder '",
    'model-export-config-non-utf8': "CONFIG: c.toml is not UTF-8 text",
    'model-export-format-bogus': "argument --format: invalid choice: 'petab'",
    'sim-module-missing': "model.modules[0]: ",
    'sim-module-no-declaration': "model module ",
    'no-command': 'the following arguments are required: command',
    'unknown-command': "argument command: invalid choice: 'bogus' (choos",
}


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else b"<dir>")
            for p in sorted(root.rglob("*"))}


def _prepare(tmp_path: Path, argv: list[str], files: dict[str, str | bytes]) -> list[str]:
    for name, content in files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
    return [a.format(d=tmp_path, out=tmp_path / "out") for a in argv]


def _run(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:  # argparse usage errors
        return int(exc.code or 0)


@pytest.mark.parametrize(("case", "argv", "files"), [pytest.param(i, a, f, id=i) for i, a, f in CASES])
def test_bad_input_is_one_line_exit_2_no_traceback_nothing_written(
        tmp_path: Path, case: str, argv: list[str], files: dict[str, str | bytes],
        capsys: pytest.CaptureFixture[str]) -> None:
    args = _prepare(tmp_path, argv, files)
    before = _snapshot(tmp_path)
    status = _run(args)
    out, err = capsys.readouterr()
    assert status == 2, (status, err)
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert err.startswith("immunoreset"), err
    assert f" error: {EXPECT[case]}" in err, err
    assert "Traceback" not in err and "Traceback" not in out
    assert _snapshot(tmp_path) == before


def test_the_table_covers_every_command() -> None:
    from immunoreset.cli import COMMANDS

    covered = {argv[0] for _, argv, _ in CASES if argv}
    assert covered >= set(COMMANDS)
    assert set(EXPECT) == {c[0] for c in CASES}


@pytest.mark.parametrize("case", ["sim-non-utf8", "trial-dose-1e300"])
def test_bad_input_in_a_fresh_process(tmp_path: Path, case: str) -> None:
    _, argv, files = next(c for c in CASES if c[0] == case)
    args = _prepare(tmp_path, argv, files)
    before = _snapshot(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "immunoreset.cli", *args], capture_output=True,
                          text=True, env={**os.environ, "PYTHONWARNINGS": "default"})
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert _snapshot(tmp_path) == before

