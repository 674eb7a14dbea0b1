"""run_trial tells its progress to a callback; the report's forest and Kaplan–Meier plots
are public figures."""

from __future__ import annotations

import pytest

from immunoreset.trial import (
    TrialSpec,
    forest_figure,
    kaplan_meier_caption,
    kaplan_meier_figure,
    run_trial,
)
from immunoreset.trial import _run as trial_run
from immunoreset.trial._endpoints import endpoint  # the failure "endpoint" included

from .helpers import MINIMAL


@pytest.fixture(scope="module")
def calls_and_result():
    import tomllib

    doc = tomllib.loads(MINIMAL)
    doc["replicates"] = {"n": 1, "n_per_arm": 4}
    spec = TrialSpec.from_dict(doc)
    calls: list[tuple[int, int]] = []
    mp = pytest.MonkeyPatch()
    mp.setattr(trial_run, "CHUNK_SIZE", 3)  # chunks of 3 + 1 patients: several updates per arm
    try:
        result = run_trial(spec, progress=False, on_progress=lambda d, t: calls.append((d, t)))
    finally:
        mp.undo()
    return calls, result


def test_on_progress_counts_every_arm_patient_once_in_order(calls_and_result) -> None:
    calls, _ = calls_and_result
    # per chunk, each arm: the trial (4 patients per arm, chunks 3 + 1), then one replicate
    assert calls == [(3, 16), (6, 16), (7, 16), (8, 16), (11, 16), (14, 16), (15, 16), (16, 16)]


def test_kaplan_meier_figure_draws_one_curve_per_arm_at_risk(calls_and_result) -> None:
    _, result = calls_and_result
    assert kaplan_meier_figure(result, "doris") is None  # not a time-to-event endpoint
    fig = kaplan_meier_figure(result, "relapse_free_survival")
    assert fig is not None
    (ax,) = fig.axes
    labels = ax.get_legend_handles_labels()[1]
    # at risk from remission onset: the CAR-T patients; untreated ones never remit
    at_risk = [a for a in result.spec.arm_names if result.curves[("relapse_free_survival", a)].n]
    assert at_risk == ["car_t"]
    assert [lb.split(" (")[0] for lb in labels] == at_risk
    assert "n=4" in labels[0]
    assert kaplan_meier_caption("relapse_free_survival").startswith("Kaplan–Meier: Relapse-free")


def test_forest_figure_has_a_marker_per_compared_arm_and_row(calls_and_result) -> None:
    _, result = calls_and_result
    fig = forest_figure(result)
    assert fig is not None
    (ax,) = fig.axes
    assert ax.get_legend_handles_labels()[1] == ["car_t"]  # the reference arm is not compared
    d = result.differences
    rows = d[d["endpoint"].map(lambda e: endpoint(e).kind == "proportion")]
    assert len(ax.get_yticklabels()) == len(rows.drop_duplicates(["endpoint", "visit_day"]))
