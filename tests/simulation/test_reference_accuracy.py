"""The batched engine against a tight-tolerance SciPy Radau solve of the same patients.

Tolerance: ≤ 1e-4 relative on the key outputs, with an absolute floor per variable below
which differences are clinically meaningless (stated beside each variable), when the engine
is asked for rtol 3e-6 (``ACCURATE``, the state-accuracy setting that was the default before
the read-out fidelity contract; the default itself is checked by ``test_fidelity.py``).
"""

from __future__ import annotations

import numpy as np
import pytest

from immunoreset.diseases import observables
from immunoreset.engine import SolverSettings
from immunoreset.model import load_parameters
from immunoreset.population import sample_cohort
from immunoreset.simulation import patient_events, simulate_arm, solve_patient_scipy
from immunoreset.therapy import Regimen

#: Absolute floors (output units): CAR-T and B cells 1e-3 cells/µL (far below the 10
#: cells/µL detection threshold), anti-dsDNA 1e-3 IU/mL, C3 1e-6 g/L, proteinuria 1e-6 g/day.
FLOORS = {"car_t_blood": 1e-3, "b_cells_blood": 1e-3, "anti_dsdna": 1e-3, "c3": 1e-6,
          "proteinuria_g_per_day": 1e-6}
RELATIVE = 1e-4
ACCURATE = SolverSettings(method="rodas", rtol=3e-6, atol=3e-9)


@pytest.fixture(scope="module")
def cohort():  # type: ignore[no-untyped-def]
    return sample_cohort(3, load_parameters(), seed=21)


def test_engine_matches_tight_radau_reference_on_key_outputs(cohort) -> None:  # type: ignore[no-untyped-def]
    regimen = Regimen.erlangen_car_t()
    res = simulate_arm(cohort, regimen, settings=ACCURATE)
    ref_states = [solve_patient_scipy(cohort.y0[i], cohort.params[i], res.days, ev)
                  for i, ev in enumerate(patient_events(cohort, regimen))]
    ref = observables(np.maximum(np.array(ref_states), 0.0), cohort.params)
    for name, floor in FLOORS.items():
        got, want = res.values[name], ref[name]
        err = np.abs(got - want)
        allowed = np.maximum(RELATIVE * np.abs(want), floor)
        worst = np.max(err / allowed)
        assert worst <= 1.0, f"{name}: error {worst:.3g} x the allowed bound"
