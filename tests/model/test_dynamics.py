"""Invariants of the model on the shipped parameters: steady state, non-negativity, reset."""

from __future__ import annotations

import numpy as np
import pytest

from immunoreset.model import N_STATES, STATE_INDEX, load_parameters, rhs
from immunoreset.population import sample_cohort
from immunoreset.simulation import simulate_arm
from immunoreset.therapy import Regimen


@pytest.fixture(scope="module")
def cohort():  # type: ignore[no-untyped-def]
    return sample_cohort(20, load_parameters(), seed=7)


def test_pretreatment_state_is_an_equilibrium_of_the_rhs(cohort) -> None:  # type: ignore[no-untyped-def]
    dydt = np.zeros(N_STATES)
    for y, p in zip(cohort.y0, cohort.params, strict=True):
        rhs(0.0, y, p, dydt)
        scale = np.maximum(np.abs(y), 1e-6)
        assert np.max(np.abs(dydt) / scale) < 1e-8


def test_untreated_without_flares_is_stationary_and_active(cohort) -> None:  # type: ignore[no-untyped-def]
    res = simulate_arm(cohort, Regimen.refractory_background(), flares=False)
    ads = res.values["anti_dsdna"]
    np.testing.assert_allclose(ads[:, -1], ads[:, 0], rtol=1e-4)
    assert np.all(res.values["clinical_sledai"][:, -1] >= 4)


def test_car_t_states_stay_non_negative_and_finite(cohort) -> None:  # type: ignore[no-untyped-def]
    res = simulate_arm(cohort, Regimen.erlangen_car_t())
    assert res.ok.all()
    for name in ("car_t_blood", "b_cells_blood", "anti_dsdna", "c3", "proteinuria_g_per_day"):
        v = res.values[name]
        assert np.all(np.isfinite(v)) and np.all(v >= 0), name


def test_complete_depletion_does_not_rebuild_autoreactive_memory_without_flares(cohort) -> None:  # type: ignore[no-untyped-def]
    res = simulate_arm(cohort, Regimen.erlangen_car_t(), flares=False)
    returned = res.values["b_cells_blood"][:, -1] >= 10.0
    assert returned.mean() >= 0.8  # naive B cells came back in most patients ...
    bm = res.values["autoreactive_b_tissue"][returned]
    assert np.all(bm[:, -1] < 0.05 * bm[:, 0])  # ... without rebuilding autoreactive memory
    assert np.all(res.values["anti_dsdna"][returned, -1] < 30.0)


CD19_STATES = ("b_precursors", "naive_b_blood", "naive_b_tissue", "autoreactive_b_blood",
               "autoreactive_b_tissue", "plasmablasts_autoreactive", "plasmablasts_other")


def test_sparing_ten_percent_of_b_cells_lets_disease_return(cohort) -> None:  # type: ignore[no-untyped-def]
    # An incomplete depletion (as with rituximab, which spares tissue B cells): every CD19+
    # pool, tissue autoreactive B cells included, falls to 10% on day 0; antibodies and
    # CD19- plasma cells are untouched; no further killing.
    spared = [[(0.0, STATE_INDEX[s], -0.9 * float(y[STATE_INDEX[s]])) for s in CD19_STATES]
              for y in cohort.y0]
    res = simulate_arm(cohort, Regimen("incomplete_depletion"), flares=False, extra_events=spared)
    came_back = (res.values["anti_dsdna"][:, -1] >= 30.0) & (res.values["clinical_sledai"][:, -1] >= 4)
    assert came_back.mean() > 0.5


def test_zero_car_t_dose_equals_lymphodepletion_alone(cohort) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    zero = Regimen.erlangen_car_t(dose_per_kg=0.0)
    ld_only = replace(zero, car_t=None)
    a = simulate_arm(cohort, zero, flares=False).values["anti_dsdna"]
    b = simulate_arm(cohort, ld_only, flares=False).values["anti_dsdna"]
    # An infusion of no cells is no event: the two arms are the same solve.
    np.testing.assert_array_equal(a, b)


def test_shifting_the_schedule_shifts_the_outputs(cohort) -> None:  # type: ignore[no-untyped-def]
    k = 5
    base = simulate_arm(cohort, Regimen.erlangen_car_t(), flares=False).values["car_t_blood"]
    shifted = simulate_arm(cohort, Regimen.erlangen_car_t().shifted(k), flares=False).values["car_t_blood"]
    np.testing.assert_allclose(shifted[:, k:], base[:, :-k], rtol=1e-4, atol=1e-6)
