"""Renal response (CRR, PRR, overall) on hand-made visit sequences, the visit-table and CLI
path, and the trial endpoints. Expected answers are worked out by hand from the published
definitions (see each test), not produced by the code under test."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from immunoreset.cli import main
from immunoreset.clinical import (
    AURORA,
    BLISS_LN,
    LUNAR,
    REGENCY,
    REGENCY_PREDNISONE,
    RENAL_DEFINITIONS,
    RENAL_INSTRUMENTS,
    RenalCriteria,
    RenalResponseDefinition,
    Visit,
    renal_definition,
    renal_response,
    score_visit,
    score_visits,
)
from immunoreset.engine import SolveStatus
from immunoreset.errors import InputError
from immunoreset.simulation import ArmResult
from immunoreset.therapy import Regimen
from immunoreset.trial import TrialSpec, patient_outcomes, run_trial

from .helpers import quiet_row, table

ROOT = Path(__file__).resolve().parents[2]
RENAL_EXAMPLE = ROOT / "examples" / "visits" / "example_renal_visits.csv"


def _two_visits(base_upcr: float, upcr: float, base_egfr: float | None = 100.0,
                egfr: float | None = 100.0, definition: RenalResponseDefinition = LUNAR,
                **kwargs: object) -> tuple[bool | None, bool | None, bool | None]:
    """(CRR, PRR, overall) of a follow-up visit against a baseline visit; None = missing."""
    e = None if base_egfr is None else [base_egfr, np.nan if egfr is None else egfr]
    r = renal_response([base_upcr, upcr], e, patient_id=["P", "P"], day=[0, 364],
                       definition=definition, **kwargs)  # type: ignore[arg-type]
    assert r.complete[0] is pd.NA and r.partial[0] is pd.NA and r.overall[0] is pd.NA
    return tuple(None if v is pd.NA else bool(v) for v in (r.complete[1], r.partial[1],
                                                            r.overall[1]))  # type: ignore[return-value]


# -- the definitions, clause by clause ----------------------------------------------------------

def test_lunar_crr_needs_upcr_strictly_below_half_a_gram() -> None:
    # LUNAR CRR: UPCR < 0.5. At 0.5 exactly the visit is no CRR; from baseline 2.0 the fall
    # is 75 % and 0.5 < 1.0, so it is a partial response instead.
    assert _two_visits(2.0, 0.49) == (True, False, True)
    assert _two_visits(2.0, 0.5) == (False, True, True)


def test_aurora_crr_allows_upcr_equal_to_half_a_gram() -> None:
    # AURORA 1: "0.5 mg/mg or less"; entry needs baseline UPCR >= 1.5. No prednisone given
    # above 10 mg; AURORA defines no partial response here.
    dose = [5.0, 5.0]
    assert _two_visits(2.0, 0.5, definition=AURORA, prednisone_mg_per_day=dose) == (True, None,
                                                                                    None)
    assert _two_visits(2.0, 0.51, definition=AURORA, prednisone_mg_per_day=dose) == (False, None,
                                                                                     None)


def test_egfr_drop_of_exactly_fifteen_percent_still_meets_lunar() -> None:
    # eGFR >= 85 % of baseline, inclusive. 0.85 x 90 is 76.49999999999999 in floating point;
    # 76.5 must still count (relative clauses are rounded to 1e-9).
    assert _two_visits(2.0, 0.3, base_egfr=90.0, egfr=76.5) == (True, False, True)
    assert _two_visits(2.0, 0.3, base_egfr=100.0, egfr=85.0) == (True, False, True)
    # A little more than 15 % lost: neither complete nor partial (PRR has the same clause).
    assert _two_visits(2.0, 0.3, base_egfr=100.0, egfr=84.9) == (False, False, False)


def test_bliss_ln_egfr_may_fall_if_it_stays_above_the_absolute_floor() -> None:
    # CRR: eGFR >= 90 % of baseline or >= 90; PERR: >= 80 % of baseline or >= 60.
    assert _two_visits(2.0, 0.3, 120.0, 90.0, BLISS_LN) == (True, False, True)    # 75 %, >= 90
    assert _two_visits(2.0, 0.3, 100.0, 89.0, BLISS_LN) == (False, True, True)    # 89 %, < 90
    assert _two_visits(2.0, 0.3, 100.0, 70.0, BLISS_LN) == (False, True, True)    # 70 %, >= 60
    assert _two_visits(2.0, 0.3, 100.0, 59.0, BLISS_LN) == (False, False, False)  # 59 %, < 60
    # PERR: UPCR <= 0.7 (inclusive), no fall required.
    assert _two_visits(2.0, 0.7, definition=BLISS_LN) == (False, True, True)
    assert _two_visits(2.0, 0.71, definition=BLISS_LN) == (False, False, False)


def test_lunar_partial_response_thresholds_depend_on_baseline_upcr() -> None:
    # Baseline <= 3.0: >= 50 % fall and UPCR < 1.0.
    assert _two_visits(2.0, 0.99) == (False, True, True)
    assert _two_visits(2.0, 1.0) == (False, False, False)   # 50 % fall but not < 1.0
    assert _two_visits(1.5, 0.8) == (False, False, False)   # < 1.0 but only a 47 % fall
    # Baseline > 3.0 (nephrotic): >= 50 % fall and UPCR <= 3.0.
    assert _two_visits(4.0, 2.0) == (False, True, True)     # exactly a 50 % fall
    assert _two_visits(4.0, 2.01) == (False, False, False)
    assert _two_visits(8.0, 3.0) == (False, True, True)     # exactly 3.0, 62.5 % fall
    assert _two_visits(8.0, 3.01) == (False, False, False)


def test_entry_threshold_strict_for_lunar_inclusive_for_regency() -> None:
    # LUNAR enrolled UPCR > 1.0; REGENCY UPCR >= 1 (24-h collection).
    assert _two_visits(1.0, 0.2) == (None, None, None)
    assert _two_visits(1.01, 0.2) == (True, False, True)
    assert _two_visits(1.0, 0.2, definition=REGENCY) == (True, None, None)
    assert _two_visits(0.99, 0.2, definition=REGENCY) == (None, None, None)


def test_prednisone_over_the_ceiling_in_the_window_is_no_crr() -> None:
    # REGENCY key secondary end point: prednisone <= 7.5 mg/day in weeks 64-76 (84 days).
    def crr(doses: list[float], days: list[float]) -> object:
        n = len(days)
        r = renal_response([2.0] + [0.3] * (n - 1), [100.0] * n, patient_id=["P"] * n,
                           day=days, definition=REGENCY_PREDNISONE, prednisone_mg_per_day=doses)
        value = r.complete[n - 1]
        return None if value is pd.NA else bool(value)

    assert crr([40, 7.5], [0, 532]) is True
    assert crr([40, 7.6], [0, 532]) is False
    assert crr([40, 10, 5], [0, 448, 532]) is False     # 84 days before: in the window
    assert crr([40, 10, 5], [0, 447, 532]) is True      # 85 days before: outside
    assert crr([40, np.nan, 5], [0, 500, 532]) is None  # a dose missing in the window
    with pytest.raises(InputError, match=r"prednisone_mg_per_day: got None.*'regency_prednisone'"):
        renal_response([2.0, 0.3], None, patient_id=["P", "P"], day=[0, 1],
                       definition=REGENCY_PREDNISONE)


def test_rescue_at_an_earlier_visit_makes_a_non_responder_not_a_missing_value() -> None:
    r = renal_response([2.0, 1.5, 0.2], [100, 100, 100], patient_id=["P"] * 3, day=[0, 90, 364],
                       rescue=[0, 1, 0])
    assert r.complete.tolist() == [pd.NA, False, False]
    assert r.overall.tolist() == [pd.NA, False, False]
    r = renal_response([2.0, 1.5, 0.2], [100, 100, 100], patient_id=["P"] * 3, day=[0, 90, 364],
                       rescue=[0, np.nan, 0])  # nothing recorded: no rescue
    assert r.complete.tolist() == [pd.NA, False, True]


def test_not_evaluable_inputs_give_missing_never_zero() -> None:
    assert _two_visits(2.0, np.nan) == (None, None, None)            # no UPCR at the visit
    assert _two_visits(2.0, 0.3, egfr=None) == (None, None, None)    # no eGFR at the visit
    assert _two_visits(2.0, 0.3, base_egfr=np.nan) == (None, None, None)
    assert _two_visits(0.3, 0.1) == (None, None, None)               # no nephritis at baseline


def test_egfr_none_is_taken_as_stable_so_upcr_alone_decides() -> None:
    assert _two_visits(2.0, 0.3, base_egfr=None) == (True, False, True)
    assert _two_visits(2.0, 0.9, base_egfr=None) == (False, True, True)


def test_rows_in_any_order_and_several_patients() -> None:
    frame = pd.DataFrame({
        "pid": ["A", "B", "A", "B", "A"], "day": [364, 0, 0, 182, 182],
        "upcr": [0.2, 3.5, 2.0, 1.7, 0.9], "egfr": [100, 60, 100, 60, 100],
    })  # fmt: skip
    r = renal_response(frame["upcr"], frame["egfr"], patient_id=frame["pid"], day=frame["day"])
    # A: baseline 2.0 -> 0.9 (PRR) -> 0.2 (CRR); B: baseline 3.5 -> 1.7 (51 % fall, <= 3: PRR).
    assert r.complete.tolist() == [True, pd.NA, pd.NA, False, False]
    assert r.partial.tolist() == [False, pd.NA, pd.NA, True, True]
    assert r.overall.tolist() == [True, pd.NA, pd.NA, True, True]


# -- the configuration objects --------------------------------------------------------------------

@pytest.mark.parametrize(("change", "message"), [
    ({"upcr_max": -1}, r"RenalCriteria\.upcr_max: got -1, expected a UPCR in g/g above 0"),
    ({"upcr_max": 500}, r"upcr_max: got 500, .* \(did you pass mg/g \(divide by 1000\)"),
    ({"upcr_max": "0.5"}, r"upcr_max: got '0\.5', expected a UPCR"),
    ({"upcr_fall_min": 1.0}, r"upcr_fall_min: got 1, expected a fraction of the baseline UPCR"),
    ({"egfr_min_fraction": 1.5}, r"egfr_min_fraction: got 1\.5, expected a fraction"),
    ({"egfr_at_least": 0}, r"egfr_at_least: got 0, expected an eGFR in mL/min/1\.73 m²"),
    ({"nephrotic_baseline_above": 3.0},
     r"nephrotic_baseline_above, nephrotic_upcr_max: got 3\.0 and None, expected both"),
    ({"upcr_max_inclusive": 1}, r"upcr_max_inclusive: got 1, expected True or False"),
])  # fmt: skip
def test_bad_criteria_name_the_field_the_value_and_what_was_expected(
    change: dict[str, object], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        RenalCriteria(**{"upcr_max": 0.5, **change})  # type: ignore[arg-type]


def test_bad_definitions_are_refused_at_construction_and_on_replace() -> None:
    with pytest.raises(InputError, match=r"RenalResponseDefinition\.name: got 'my trial'"):
        dataclasses.replace(LUNAR, name="my trial")
    with pytest.raises(InputError, match=r"entry_upcr_min: got -0\.1, expected a UPCR in g/g"):
        dataclasses.replace(LUNAR, entry_upcr_min=-0.1)
    with pytest.raises(InputError, match=r"prednisone_window_days: got 84, expected 0 when"):
        dataclasses.replace(LUNAR, prednisone_window_days=84.0)
    with pytest.raises(InputError, match=r"prednisone_max_mg_per_day: got -5, expected"):
        dataclasses.replace(REGENCY_PREDNISONE, prednisone_max_mg_per_day=-5.0)
    with pytest.raises(InputError, match=r"renal_definition: got 'lunr', expected one of lunar"):
        renal_definition("lunr")
    with pytest.raises(dataclasses.FrozenInstanceError):
        LUNAR.entry_upcr_min = 0.5  # type: ignore[misc]


def test_every_named_definition_has_a_source_and_is_documented() -> None:
    doc = (ROOT / "docs" / "clinical.md").read_text()
    for name, d in RENAL_DEFINITIONS.items():
        assert d.name == name and d.source and d.describe().startswith(d.label)
        assert f"`{name}`" in doc, name
    assert LUNAR.complete.describe() == "UPCR < 0.5 g/g; eGFR ≥ 85 % of baseline"


# -- the visit table and the command line ---------------------------------------------------------

def test_without_renal_columns_the_renal_response_is_missing_not_an_error() -> None:
    scored = score_visits(table(quiet_row(day=0), quiet_row(day=90)))
    for name in RENAL_INSTRUMENTS:
        assert scored[name].isna().all() and str(scored[name].dtype) == "Int8"
    assert scored["sledai_2k"].tolist() == [0, 0]


def test_upcr_without_egfr_is_not_evaluable() -> None:
    visits = pd.DataFrame({"patient_id": ["P", "P"], "day": [0, 90], "upcr_g_per_g": [2.0, 0.2]})
    scored = score_visits(visits, instruments=RENAL_INSTRUMENTS)
    assert scored["complete_renal_response"].isna().all()


@pytest.mark.parametrize(("value", "message"), [
    ("-1", r"row 2 \(patient 'P', day 90\), column 'upcr_g_per_g': got -1, expected g/g between"),
    ("high", r"row 2 \(patient 'P', day 90\), column 'upcr_g_per_g': got 'high', expected a "
             r"number"),
    ("450", r"column 'upcr_g_per_g': got 450, .*did you pass mg/g \(divide by 1000\)"),
])  # fmt: skip
def test_bad_upcr_is_a_one_line_error(value: str, message: str) -> None:
    visits = pd.DataFrame({"patient_id": ["P", "P"], "day": ["0", "90"],
                           "upcr_g_per_g": ["2.0", value],
                           "egfr_ml_per_min_per_1_73m2": ["100", "100"]})
    with pytest.raises(InputError, match=message):
        score_visits(visits, instruments=RENAL_INSTRUMENTS)


def test_score_command_writes_the_renal_columns(tmp_path: Path) -> None:
    out = tmp_path / "scored.csv"
    argv = ["score", str(RENAL_EXAMPLE), "--out", str(out), "--instruments", *RENAL_INSTRUMENTS]
    assert main(argv) == 0
    written = pd.read_csv(out, dtype=str, keep_default_na=False).set_index(["patient_id", "day"])
    got = written.loc[:, list(RENAL_INSTRUMENTS)].apply(lambda r: "".join(r) or "-", axis=1)
    # Worked by hand from the LUNAR definition (see docs/clinical.md for the file):
    expected = {
        ("N1", "84"): "011",   # baseline 3.2 > 3: 1.4 <= 3.0 and a 56 % fall -> PRR
        ("N1", "364"): "101",  # 0.3 < 0.5, eGFR 84 >= 0.85 x 78 -> CRR
        ("N2", "182"): "000",  # 2.0 -> 1.2: only a 40 % fall
        ("N2", "364"): "011",  # 0.9 < 1.0 and a 55 % fall -> PRR
        ("N3", "364"): "000",  # 0.3 but eGFR 80 < 85 % of 100
        ("N4", "364"): "000",  # rescue on day 90
        ("N5", "364"): "-",    # baseline UPCR 0.4: not evaluable
        ("N6", "364"): "-",    # no eGFR: not evaluable
        ("N1", "0"): "-",      # baseline visit
    }  # fmt: skip
    assert {k: got[k] for k in expected} == expected


def test_score_command_takes_the_renal_definition(tmp_path: Path) -> None:
    out = tmp_path / "scored.csv"
    argv = ["score", str(RENAL_EXAMPLE), "--out", str(out), "--instruments",
            "complete_renal_response", "--renal-definition", "aurora"]
    assert main(argv) == 0
    written = pd.read_csv(out).set_index(["patient_id", "day"])["complete_renal_response"]
    assert written[("N3", 364)] == 1  # AURORA: eGFR 80 is no decrease > 20 %
    with pytest.raises(SystemExit) as exited:
        main([*argv[:-1], "lunr"])
    assert exited.value.code == 2


@pytest.mark.parametrize("bad", ["-1", "lots"])
def test_subprocess_bad_upcr_exits_2_with_one_line_and_writes_nothing(tmp_path: Path,
                                                                      bad: str) -> None:
    visits = pd.read_csv(RENAL_EXAMPLE, dtype=str, keep_default_na=False)
    visits.loc[2, "upcr_g_per_g"] = bad
    source = tmp_path / "visits.csv"
    visits.to_csv(source, index=False)
    out = tmp_path / "scored.csv"
    done = subprocess.run(
        [sys.executable, "-m", "immunoreset.cli", "score", str(source), "--out", str(out),
         "--instruments", *RENAL_INSTRUMENTS],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "row 3 (patient 'N1', day 182), column 'upcr_g_per_g': got" in done.stderr
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["visits.csv"]


def test_typed_visits_give_the_same_answer() -> None:
    baseline = Visit("P1", 0, upcr_g_per_g=2.0, egfr_ml_per_min_per_1_73m2=100.0)
    later = Visit("P1", 364, upcr_g_per_g=0.3, egfr_ml_per_min_per_1_73m2=86.0)
    scores = score_visit(later, history=[baseline])
    assert (scores.complete_renal_response, scores.partial_renal_response,
            scores.renal_response) == (True, False, True)
    assert score_visit(baseline).complete_renal_response is None


# -- the trial endpoints -------------------------------------------------------------------------

DAYS = np.arange(-7, 101, dtype=np.float64)


def _arm(proteinuria: np.ndarray, prednisone: float = 0.0) -> ArmResult:
    n = proteinuria.shape[0]
    values = {"proteinuria_g_per_day": proteinuria.copy()}
    status = np.array([SolveStatus.OK, SolveStatus.OK, SolveStatus.MAX_STEPS], dtype=np.int8)
    values["proteinuria_g_per_day"][2] = np.nan  # patient 3 failed numerically
    return ArmResult("x", Regimen("x", prednisone_mg_per_day=prednisone), ("p1", "p2", "p3"),
                     DAYS, values, status, np.zeros(n, dtype=np.int64))


def test_renal_endpoints_on_constructed_trajectories() -> None:
    # p1: 2.0 g/day -> 0.3 on day 90 (CRR; 0.9 on day 30: PRR); p2: 0.6 at baseline (not
    # evaluable); p3: failed solve, baseline 3.0 -> non-responder (worst case).
    prot = np.full((3, DAYS.size), 2.0)
    prot[0, DAYS >= 30] = 0.9
    prot[0, DAYS >= 90] = 0.3
    prot[1] = 0.6
    base = {"anti_dsdna": np.zeros(3), "c3": np.ones(3), "proteinuria": np.array([2.0, 0.6, 3.0])}
    ends = ("complete_renal_response", "partial_renal_response", "renal_response")
    out = patient_outcomes(_arm(prot), visits=(30, 90), follow_up_days=100, baseline=base,
                           endpoints=ends)
    assert out["complete_renal_response@d90"].tolist()[::2] == [1.0, 0.0]
    assert out["partial_renal_response@d30"].tolist()[::2] == [1.0, 0.0]
    assert out["renal_response@d30"].tolist()[::2] == [1.0, 0.0]
    assert out["partial_renal_response@d90"].tolist()[::2] == [0.0, 0.0]
    for c in out.columns[out.columns.str.contains("renal")]:
        assert np.isnan(out[c].iloc[1]), c  # p2 is never counted
    # The background prednisone (10 mg/day) is above REGENCY's 7.5 mg/day ceiling.
    strict = patient_outcomes(_arm(prot, prednisone=10.0), visits=(30, 90), follow_up_days=100,
                              baseline=base, endpoints=ends, renal="regency_prednisone")
    assert strict["complete_renal_response@d90"].iloc[0] == 0.0
    assert strict["renal_response@d90"].isna().all()  # no partial response defined


TINY_TRIAL = """
[trial]
name = "renal_tiny"
seed = 2

[population]
n_per_arm = 6

[schedule]
follow_up_days = 120
visits = [60, 120]

[endpoints]
include = ["complete_renal_response", "partial_renal_response", "renal_response"]
{extra}

[[arm]]
name = "car_t"
lymphodepletion = "flu_cy"
car_t = {{ dose_per_kg = 1e6 }}

[[arm]]
name = "untreated"
background = "refractory_standard_of_care"
"""


def test_tiny_trial_counts_only_patients_with_baseline_nephritis(tmp_path: Path) -> None:
    spec = tmp_path / "renal.toml"
    spec.write_text(TINY_TRIAL.format(extra=""), encoding="utf-8")
    result = run_trial(spec)
    p = result.patients
    evaluable = p["baseline_proteinuria"] > LUNAR.entry_upcr_min
    assert 0 < (~evaluable).sum() < len(p)  # seed 2 draws both kinds of patient
    for c in ("complete_renal_response@d120", "renal_response@d60"):
        assert p.loc[~evaluable, c].isna().all() and p.loc[evaluable, c].notna().all()
    row = result.estimate("car_t", "renal_response", 120)
    assert row["n"] == int(evaluable[p["arm"] == "car_t"].sum())
    assert result.manifest["config"]["renal_definition"] == "lunar"


def test_trial_spec_names_the_renal_definition(tmp_path: Path) -> None:
    spec = tmp_path / "renal.toml"
    spec.write_text(TINY_TRIAL.format(extra='renal_definition = "regency"'), encoding="utf-8")
    with pytest.raises(InputError, match=r"'partial_renal_response', but renal definition "
                                         r"'regency' has no partial renal response"):
        TrialSpec.from_toml(spec)
    text = TINY_TRIAL.format(extra='renal_definition = "regency"').replace(
        'include = ["complete_renal_response", "partial_renal_response", "renal_response"]\n', "")
    spec.write_text(text, encoding="utf-8")
    parsed = TrialSpec.from_toml(spec)
    assert parsed.renal_definition == "regency"
    assert "complete_renal_response" in parsed.endpoints
    assert "renal_response" not in parsed.endpoints  # the default set drops what it cannot score
    spec.write_text(TINY_TRIAL.format(extra='renal_definition = "lunr"'), encoding="utf-8")
    with pytest.raises(InputError, match=r"renal_definition.*got 'lunr', expected one of lunar"):
        TrialSpec.from_toml(spec)


def test_the_example_trial_names_the_renal_endpoints() -> None:
    spec = TrialSpec.from_toml(ROOT / "examples" / "trials" / "renal_response.toml")
    assert spec.renal_definition == "lunar"
    assert set(RENAL_INSTRUMENTS) <= set(spec.endpoints)
    assert 364 in spec.schedule.visits and 532 in spec.schedule.visits  # weeks 52 and 76
