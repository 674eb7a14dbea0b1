"""Forward sensitivities of the SLE model against finite differences of whole simulations.

Both at tight tolerances (rtol 1e-10): the derivatives of B cells, CAR-T cells, anti-dsDNA
and tissue B cells (a ratio to baseline) with respect to a marrow, a CAR-T and a dosing
parameter (the CAR-T distribution volume enters through the dose), including the move of
the pre-treatment steady state and its derived set points. Parameter names are read from
the default model at test time; agreement to 1% of each derivative (floor 1e-6 of the
value: derivatives of values that do not move).
"""

from __future__ import annotations

import numpy as np
import pytest

from immunoreset.estimation import ForwardModel, ForwardSettings, Subject, observable_catalogue
from immunoreset.model import default_model, load_parameters
from immunoreset.therapy import Regimen

WANTED = ("b_precursor_production", "car_t_antigen_expansion_rate", "car_t_distribution_volume")
OBSERVABLES = ("b_cells_blood", "car_t_blood", "anti_dsdna", "b_cells_tissue")
DAYS = np.array([0.0, 7, 14, 28, 90, 180, 365])


def test_sensitivities_match_finite_differences_of_whole_simulations() -> None:
    model, params = default_model(), load_parameters()
    names = tuple(n for n in WANTED if n in model.parameter_names)
    if len(names) < 2:
        pytest.skip("the model no longer has these parameters")
    obs = tuple(o for o in OBSERVABLES if o in observable_catalogue(model))
    fw = ForwardModel(model, params.vector(), names, catalogue=observable_catalogue(model),
                      settings=ForwardSettings(rtol=1e-10, atol=1e-12))
    subject = Subject("p", Regimen.erlangen_car_t(), height_cm=170.0, weight_kg=70.0)
    base = fw.predict(fw.typical, subject, DAYS, obs)
    assert base.ok and base.sensitivities is not None
    # Central differences on log-parameters: truncation error O(h²) ≈ 1e-6; a step of 1e-4
    # leaves the quotient to solver noise (~rtol / h) where a derivative is small (anti-dsDNA
    # at day 180 against the CAR-T distribution volume: 4% apart at h 1e-4, 0.1% at 1e-3).
    h = 1e-3
    for j in range(len(names)):
        up, down = fw.typical.copy(), fw.typical.copy()
        up[j] += h
        down[j] -= h
        fd = (fw.predict(up, subject, DAYS, obs, sensitivities=False).values
              - fw.predict(down, subject, DAYS, obs, sensitivities=False).values) / (2 * h)
        an = base.sensitivities[:, :, j]
        err = np.abs(fd - an) / (np.abs(fd) + 1e-6 * np.abs(base.values) + 1e-12)
        assert np.nanmax(err) < 1e-2, (names[j], np.nanmax(err))
        assert np.nanmax(np.abs(an)) > 0  # each parameter moves something
