"""The exported SBML, simulated by a second engine (libRoadRunner), against our engine."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from immunoreset.engine import EventSchedule, solve_batch
from immunoreset.model import default_model, load_parameters
from immunoreset.model._sbml import to_sbml
from immunoreset.population import sample_cohort
from immunoreset.simulation import DEFAULT_SOLVER, patient_events
from immunoreset.simulation._arm import DEFAULT_DAYS
from immunoreset.therapy import Regimen

roadrunner = pytest.importorskip("roadrunner")
libsbml = pytest.importorskip("libsbml")

RELATIVE = 1e-5
#: Absolute floors per state unit, those of the reference-accuracy test
#: (tests/simulation/test_reference_accuracy.py): cells and antibody/cytokine levels 1e-3
#: (cells/µL, IU/mL, pg/mL), g/L and g/day 1e-6; drug exposures and fractions 1e-6.
FLOORS = {"cell/uL": 1e-3, "IU/mL": 1e-3, "pg/mL": 1e-3, "g/L": 1e-6, "g/day": 1e-6,
          "mg/m**2": 1e-6, "dimensionless": 1e-6}
#: Both engines at tight tolerance: ours at rtol 1e-10; CVODE at rtol 1e-9 and atol 1e-10
#: (at atol 1e-12 and below it stops on some untreated patients: "too much accuracy
#: requested" near day 707).
TIGHT = 1e-10
RR_RTOL, RR_ATOL = 1e-9, 1e-10


@pytest.fixture(scope="module")
def cohort():  # type: ignore[no-untyped-def]
    return sample_cohort(5, load_parameters(), seed=21)


@pytest.mark.parametrize("regimen", [Regimen.erlangen_car_t(), Regimen.refractory_background()],
                         ids=["car_t", "untreated"])
def test_roadrunner_on_the_exported_sbml_agrees_with_our_engine(cohort, regimen):  # type: ignore[no-untyped-def]
    model = default_model()
    events = patient_events(cohort, regimen)
    days = DEFAULT_DAYS
    ours = solve_batch(model.rhs, cohort.y0, cohort.params, days, t0=float(days[0]),
                       events=EventSchedule.from_lists(events), jac=model.jac,
                       settings=replace(DEFAULT_SOLVER, rtol=TIGHT, atol=1e-14)).y
    floors = np.array([FLOORS[u] for u in model.state_units])
    for i in range(len(cohort)):
        doc = to_sbml(model, cohort.params[i], cohort.y0[i], events[i],
                      patient=cohort.patient_id[i], arm="arm")
        rr = roadrunner.RoadRunner(doc)
        rr.integrator.relative_tolerance = RR_RTOL
        rr.integrator.absolute_tolerance = RR_ATOL
        rr.integrator.maximum_num_steps = 1_000_000
        rr.timeCourseSelections = ["time", *model.state_names]
        result = np.array(rr.simulate(float(days[0]), float(days[-1]), len(days)))
        np.testing.assert_allclose(result[:, 0], days)
        err = np.abs(result[:, 1:] - ours[i]) / np.maximum(RELATIVE * np.abs(ours[i]), floors)
        worst = np.unravel_index(np.argmax(err), err.shape)
        assert err.max() <= 1.0, (f"patient {i}: {model.state_names[worst[1]]} on day "
                                  f"{days[worst[0]]:g}: ours {ours[i][worst]}, roadrunner "
                                  f"{result[worst[0], 1 + worst[1]]}")


def test_the_exported_document_declares_units_and_sums_simultaneous_jumps():
    model = default_model()
    cohort = sample_cohort(1, load_parameters(), seed=3)
    i_cy = model.state("cyclophosphamide_exposure")
    doc = libsbml.readSBMLFromString(to_sbml(
        model, cohort.params[0], cohort.y0[0], [(-3.0, i_cy, 500.0), (-3.0, i_cy, 500.0)]))
    assert doc.getNumErrors(libsbml.LIBSBML_SEV_ERROR) == 0
    m = doc.getModel()
    assert m.getTimeUnits() == "u_day"
    assert m.getNumEvents() == 1
    ea = m.getEvent(0).getEventAssignment(0)
    assert libsbml.formulaToL3String(ea.getMath()) == "cyclophosphamide_exposure + 1000"
    day = m.getUnitDefinition("u_day").getUnit(0)
    assert (day.getKind(), day.getMultiplier()) == (libsbml.UNIT_KIND_SECOND, 86400.0)
    cells = m.getParameter("naive_b_blood").getUnits()
    kinds = {libsbml.UnitKind_toString(u.getKind()) for u in m.getUnitDefinition(cells).getListOfUnits()}
    assert kinds == {"item", "metre"}
