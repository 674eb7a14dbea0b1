"""What a data set can measure: the composed model's read-outs and states, with units.

The catalogue of a model is its disease read-outs (:func:`immunoreset.diseases.observables`:
CAR-T and B cells in blood, anti-dsDNA, C3, proteinuria, ...) where the model has the states
they read, and every state by its own name. Each observable is a function of the states
``(n_times, n_states)`` and the parameter vector, in its canonical unit. The read-outs are
read from the same function the simulator uses, so a fit and a simulation mean the same
thing by ``b_cells_blood``. Read-outs relative to baseline (``b_cells_tissue``) are
relative to the first time evaluated, which in a fit is the pre-treatment start.

Clinical scores (SLEDAI-2K, DORIS, ...) are integer functions of thresholds: they have
no derivative with respect to a parameter and are not observables here; fit their
continuous drivers (anti-dsDNA, C3, proteinuria) instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from immunoreset.model import CompiledModel

__all__ = ["CLINICAL_SCORES", "Observable", "ObservableCatalogue", "observable_catalogue"]

#: Score columns of a simulation: not observables of a fit (no derivative).
CLINICAL_SCORES: tuple[str, ...] = ("sledai_2k", "clinical_sledai", "doris", "drug_free_doris",
                                    "crs_grade")


@dataclass(frozen=True)
class Observable:
    """One measurable quantity: its name, canonical unit and where it comes from."""

    name: str
    unit: str
    kind: str  # "read-out" or "state"


@dataclass(frozen=True)
class ObservableCatalogue:
    """The observables of one model (see the module docstring)."""

    model: CompiledModel
    observables: Mapping[str, Observable]
    _readouts: Callable[[np.ndarray, np.ndarray], dict[str, np.ndarray]] | None = field(
        default=None, repr=False)

    def __contains__(self, name: object) -> bool:
        return name in self.observables

    def unit(self, name: str) -> str:
        return self.observables[name].unit

    def evaluate(self, y: np.ndarray, p: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
        """Observables ``names`` at states ``y`` ``(n_cases, n_times, n_states)`` with
        parameter vectors ``p`` ``(n_cases, n_parameters)``; returns
        ``(n_cases, len(names), n_times)``."""
        y = np.maximum(y, 0.0)
        out = np.empty((y.shape[0], len(names), y.shape[1]))
        readouts = None
        for j, name in enumerate(names):
            ob = self.observables[name]
            if ob.kind == "state":
                out[:, j] = y[:, :, self.model.state_index[name]]
            else:
                if readouts is None:
                    assert self._readouts is not None
                    readouts = self._readouts(y, p)
                out[:, j] = readouts[name]
        return out


def observable_catalogue(model: CompiledModel) -> ObservableCatalogue:
    """The catalogue of ``model``: its disease read-outs (where it has their states) and
    its states."""
    from immunoreset.diseases import observables
    from immunoreset.diseases._sle import UNITS

    obs: dict[str, Observable] = {}

    def readouts(y: np.ndarray, p: np.ndarray) -> dict[str, np.ndarray]:
        with np.errstate(all="ignore"):
            return observables(y, p, model=model)

    fn: Callable[[np.ndarray, np.ndarray], dict[str, np.ndarray]] | None = readouts
    try:
        probe = readouts(np.ones((1, 2, model.n_states)), np.ones((1, model.n_parameters)))
    except (KeyError, IndexError):  # a model without the disease module's states
        probe, fn = {}, None
    for name in probe:
        if name not in CLINICAL_SCORES:
            obs[name] = Observable(name, UNITS.get(name, "dimensionless"), "read-out")
    for name, unit in zip(model.state_names, model.state_units, strict=True):
        obs.setdefault(name, Observable(name, unit, "state"))
    return ObservableCatalogue(model, obs, fn)
