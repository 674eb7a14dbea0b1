"""The mechanistic model: modules composed into one model, parameters with units and
sources, the generated right-hand side and Jacobian, and the pre-treatment steady state.

A model is a composition of modules (:mod:`immunoreset.model.declare`,
:mod:`immunoreset.model.modules`); :func:`build_model` composes, unit-checks and generates
it once and caches it by content. :func:`default_model` is the SLE / CD19 CAR-T model.
The names ``rhs``, ``jac``, ``N_STATES``, ``STATE_INDEX`` and ``STATES`` are those of the
default model, resolved on first use.
"""

from typing import Any

import numpy as np

from immunoreset.model._build import CompiledModel, ModelSpec, build_model, cache_folder
from immunoreset.model._equilibrium import EquilibriumSettings, equilibrium
from immunoreset.model._parameters import (
    Parameter,
    ParameterSet,
    ParameterSpec,
    combine_parameter_sets,
    load_parameter_file,
    module_parameter_file,
    unit_registry,
    write_parameter_file,
)
from immunoreset.model._sle import SLE_CD19_CART, default_model, extend_model
from immunoreset.model._specs import DERIVED, N_FILE_PARAMETERS, PARAMETER_INDEX, SPECS
from immunoreset.model._states import StateSpec

DEFAULT_PARAMETER_FILE = "sle_cd19_cart.toml"


def load_parameters(path: str | None = None) -> ParameterSet:
    """Load the SLE / CD19 CAR-T parameter set (the packaged calibrated file by default)."""
    return load_parameter_file(path, SPECS, package_file=DEFAULT_PARAMETER_FILE)


def steady_state(params: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pre-treatment steady state of the default model (:func:`equilibrium`)."""
    return equilibrium(default_model(), params)


def __getattr__(name: str) -> Any:
    model = default_model()
    if name == "rhs":
        return model.rhs
    if name == "jac":
        return model.jac
    if name == "N_STATES":
        return model.n_states
    if name == "STATE_INDEX":
        return model.state_index
    if name == "STATES":
        return tuple(StateSpec(n, u, m) for n, u, m in zip(
            model.state_names, model.state_units, model.generated.STATE_MEANINGS, strict=True))
    raise AttributeError(f"module 'immunoreset.model' has no attribute {name!r}")


__all__ = [
    "DEFAULT_PARAMETER_FILE",
    "DERIVED",
    "N_FILE_PARAMETERS",
    "N_STATES",
    "PARAMETER_INDEX",
    "SLE_CD19_CART",
    "SPECS",
    "STATES",
    "STATE_INDEX",
    "CompiledModel",
    "EquilibriumSettings",
    "ModelSpec",
    "Parameter",
    "ParameterSet",
    "ParameterSpec",
    "StateSpec",
    "build_model",
    "cache_folder",
    "combine_parameter_sets",
    "default_model",
    "equilibrium",
    "extend_model",
    "jac",
    "load_parameter_file",
    "load_parameters",
    "module_parameter_file",
    "rhs",
    "steady_state",
    "unit_registry",
    "write_parameter_file",
]
