"""Given patients (fitted digital twins) as a cohort the simulator solves like any other.

:class:`GivenPatients` holds per-patient values of some parameters (a fit's estimates and
posterior draws) and covariates; :func:`given_cohort` makes them a :class:`Cohort`: the
study's typical parameters with each patient's values set, its own pre-treatment steady
state (a real patient: the inclusion criteria of virtual cohorts do not apply), and — as for a virtual patient, from child *i* of ``SeedSequence([seed, 18])`` —
its organ-involvement thresholds and flare triggers, which a time-course fit does not
determine. A patient without a steady state keeps its row, not eligible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from immunoreset.errors import InputError
from immunoreset.model import CompiledModel, ParameterSet, equilibrium
from immunoreset.population._cohort import (
    Cohort,
    CohortSpec,
    _child_rngs,
    _FlareLaw,
    _ThresholdLaw,
)

__all__ = ["GivenPatients", "given_cohort"]

#: Second word of the seed of the given patients' streams (issue 18).
STREAM = 18


@dataclass(frozen=True)
class GivenPatients:
    """Patients with given values of ``names`` (``values`` ``(n, k)``, canonical units)."""

    ids: tuple[str, ...]
    names: tuple[str, ...]
    values: np.ndarray
    sex: tuple[str, ...]
    age: np.ndarray
    height_cm: np.ndarray
    weight_kg: np.ndarray
    source: str = "given patients"

    def __post_init__(self) -> None:
        n = len(self.ids)
        if n == 0:
            raise InputError(f"{self.source}: no patients")
        if self.values.shape != (n, len(self.names)):
            raise ValueError("values do not match ids and names")
        for what, arr in (("height_cm", self.height_cm), ("weight_kg", self.weight_kg)):
            bad = np.flatnonzero(~(np.isfinite(arr) & (arr > 0)))
            if bad.size:
                raise InputError(f"{self.source}: patient {self.ids[bad[0]]} has no {what} (the "
                                 "arms dose by body size; give covariates when fitting)")

    def __len__(self) -> int:
        return len(self.ids)

    def rows(self, start: int, stop: int) -> GivenPatients:
        sl = slice(start, stop)
        return GivenPatients(self.ids[sl], self.names, self.values[sl], self.sex[sl],
                             self.age[sl], self.height_cm[sl], self.weight_kg[sl], self.source)


def given_cohort(patients: GivenPatients, parameters: ParameterSet, *, seed: int,
                 model: CompiledModel, spec: CohortSpec | None = None, first_index: int = 0,
                 ) -> Cohort:
    """The patients as a cohort of ``model`` (see the module docstring); patient *j* of
    ``patients`` is given patient ``first_index + j`` of the run (its random stream)."""
    spec = CohortSpec() if spec is None else spec
    model.check_parameters(list(parameters))
    unknown = [n for n in patients.names if n not in parameters]
    if unknown:
        raise InputError(f"{patients.source}: parameter {unknown[0]!r} is not a parameter of the "
                         "study's model")
    n = len(patients)
    typical = np.concatenate([parameters.vector(), np.zeros(len(model.derived_names))])
    p = np.tile(typical, (n, 1))
    cols = [model.parameter_index[name] for name in patients.names]
    p[:, cols] = patients.values
    y0, full, found = equilibrium(model, p)
    rngs = _child_rngs([seed, STREAM], first_index, n)
    thresholds = _ThresholdLaw.of(parameters, spec.involvement).draw(rngs, None)
    flare = _FlareLaw.of(parameters, spec)
    flares = tuple(flare.draw(r) for r in rngs)
    sex = tuple(s if s in ("F", "M") else "F" for s in patients.sex)
    return Cohort(patients.ids, sex, np.nan_to_num(patients.age, nan=spec.age_mean),
                  patients.height_cm, patients.weight_kg, full, y0, thresholds, flares, found,
                  np.ones(n, dtype=np.int64), model)

