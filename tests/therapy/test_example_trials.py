"""The therapy example trials at small N: each runs end to end, its report shows the arms
side by side with the why section, and the mechanism that distinguishes its arms shows in
the endpoints (BCMA targets take protective plasma cells, CD19 targets B cells)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from immunoreset.trial import TrialResult, load_trial_spec, run_trial

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "trials"


def _run(name: str, n: int = 8) -> TrialResult:
    spec = load_trial_spec(EXAMPLES / f"{name}.toml")
    return run_trial(dataclasses.replace(
        spec, population=dataclasses.replace(spec.population, n_per_arm=n)), progress=False)


@pytest.fixture(scope="module")
def bcma() -> TrialResult:
    return _run("cd19_vs_bcma")


def test_bcma_takes_plasma_cells_and_cd19_takes_b_cells(bcma: TrialResult) -> None:
    est = lambda arm, ep, day: bcma.estimate(arm, ep, day).estimate  # noqa: E731
    assert est("cd19", "b_cell_aplasia", 28) >= 0.9 and est("bcma", "b_cell_aplasia", 28) == 0.0
    assert est("cd19", "vaccine_titre_loss", 180) == 0.0
    for arm in ("bcma", "cd19_plus_bcma", "compound"):
        assert est(arm, "vaccine_titre_loss", 180) == 1.0
    p = bcma.patients
    ro = p.groupby("arm")["why_anti_ro_serum_at_end"].median()
    assert ro["cd19"] > 0.5 and ro["bcma"] < 0.1  # anti-Ro60 from CD19⁻ plasma cells


def test_reports_show_the_arms_side_by_side_and_why(bcma: TrialResult) -> None:
    html = bcma.to_html()
    assert 'id="why"' in html and "Why each therapy works or fails" in html
    for arm in bcma.spec.arms:
        assert arm.label in html
    m = bcma.mechanism
    assert set(m["arm"]) == set(bcma.spec.arm_names)
    first = m[m["day"] == m["day"].min()]
    assert np.allclose(first["median"], 1.0)  # relative to the pre-treatment value


def test_engagers_deplete_their_own_targets() -> None:
    r = _run("t_cell_engagers")
    est = lambda arm, ep, day: r.estimate(arm, ep, day).estimate  # noqa: E731
    assert est("blinatumomab", "b_cell_aplasia", 28) >= 0.9
    assert est("mosunetuzumab", "b_cell_aplasia", 28) >= 0.9
    assert est("teclistamab", "b_cell_aplasia", 28) == 0.0  # BCMA: B cells spared ...
    assert est("teclistamab", "vaccine_titre_loss", 90) == 1.0  # ... plasma cells not
    assert est("standard_of_care", "doris", 90) == 0.0


def test_lupus_nephritis_trial_samples_its_population_and_scores_renal_response() -> None:
    r = _run("anti_cd20_vs_car_t")
    assert (r.patients["baseline_proteinuria"] > 1.0).all()  # UPCR > 1 g/g (LUNAR entry)
    assert r.manifest["config"]["population"] == "lupus_nephritis"
    crr = {a: r.estimate(a, "complete_renal_response", 532).estimate for a in r.spec.arm_names}
    assert crr["car_t"] > crr["standard"]


def test_product_classes_run_and_mrna_without_lymphodepletion_does_not_remit() -> None:
    r = _run("product_classes")
    assert r.estimate("autologous", "drug_free_doris", 90).estimate >= 0.75
    assert r.estimate("mrna", "drug_free_doris", 90).estimate < 0.5
