"""The SciPy reference solves each segment between events once (the benchmark baseline)."""

from __future__ import annotations

import numpy as np
import scipy.integrate

from immunoreset.model import load_parameters
from immunoreset.population import sample_cohort
from immunoreset.simulation import patient_events, solve_patient_scipy
from immunoreset.therapy import Regimen


def test_each_segment_is_solved_once_and_its_end_state_carries_on(monkeypatch):
    cohort = sample_cohort(1, load_parameters(), seed=4)
    days = np.arange(-7.0, 60.0)
    events = patient_events(cohort, Regimen.erlangen_car_t())[0]
    events = [*events, (12.5, cohort.model.state("flare_trigger"), 1.0)]  # off the save grid
    calls = []
    real = scipy.integrate.solve_ivp

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(scipy.integrate, "solve_ivp", counting)
    out = solve_patient_scipy(cohort.y0[0], cohort.params[0], days, events, method="LSODA",
                              rtol=1e-8, atol=1e-10)
    segments = sorted({e[0] for e in events if days[0] <= e[0] <= days[-1]} | {days[-1]})
    assert len(calls) == len(segments)
    assert calls[-1] == (segments[-2], segments[-1])
    assert np.all(np.isfinite(out))
    # The off-grid segment end is not written as a save day; day 13 follows on from it.
    assert out.shape == (days.size, cohort.model.n_states)


def test_the_analytic_jacobian_is_passed_to_the_method_and_gives_the_same_solution(monkeypatch):
    cohort = sample_cohort(1, load_parameters(), seed=5)
    days = np.arange(-7.0, 40.0)
    events = patient_events(cohort, Regimen.erlangen_car_t())[0]
    jacs = []
    real = scipy.integrate.solve_ivp

    def recording(*args, **kwargs):  # type: ignore[no-untyped-def]
        jacs.append(kwargs.get("jac"))
        return real(*args, **kwargs)

    monkeypatch.setattr(scipy.integrate, "solve_ivp", recording)
    args = (cohort.y0[0], cohort.params[0], days, events)
    with_jac = solve_patient_scipy(*args, method="BDF", rtol=1e-8, atol=1e-11, jac=True)
    assert jacs and all(callable(j) for j in jacs)
    y = cohort.y0[0].copy()
    j = jacs[0](0.0, y)
    f0 = np.zeros_like(y)
    cohort.model.rhs(0.0, y, cohort.params[0], f0)
    k = int(np.argmax(np.abs(y)))
    step = 1e-6 * abs(y[k])
    y[k] += step
    f1 = np.zeros_like(y)
    cohort.model.rhs(0.0, y, cohort.params[0], f1)
    np.testing.assert_allclose(j[:, k], (f1 - f0) / step, rtol=1e-4, atol=1e-6)
    jacs.clear()
    without = solve_patient_scipy(*args, method="BDF", rtol=1e-8, atol=1e-11)
    assert all(j is None for j in jacs)
    np.testing.assert_allclose(with_jac, without, rtol=1e-4, atol=1e-6)
