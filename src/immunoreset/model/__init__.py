"""The mechanistic model: states, parameters (with units and sources), right-hand side."""

from immunoreset.model._jacobian import jac
from immunoreset.model._parameters import (
    Parameter,
    ParameterSet,
    ParameterSpec,
    load_parameter_file,
    unit_registry,
    write_parameter_file,
)
from immunoreset.model._rhs import N_STATES, rhs
from immunoreset.model._specs import DERIVED, N_FILE_PARAMETERS, PARAMETER_INDEX, SPECS
from immunoreset.model._states import STATE_INDEX, STATES, StateSpec
from immunoreset.model._steady_state import steady_state

DEFAULT_PARAMETER_FILE = "sle_cd19_cart.toml"


def load_parameters(path: str | None = None) -> ParameterSet:
    """Load the SLE / CD19 CAR-T parameter set (the packaged calibrated file by default)."""
    return load_parameter_file(path, SPECS, package_file=DEFAULT_PARAMETER_FILE)


__all__ = [
    "DEFAULT_PARAMETER_FILE",
    "DERIVED",
    "N_FILE_PARAMETERS",
    "N_STATES",
    "PARAMETER_INDEX",
    "SPECS",
    "STATES",
    "STATE_INDEX",
    "Parameter",
    "ParameterSet",
    "ParameterSpec",
    "StateSpec",
    "jac",
    "load_parameter_file",
    "load_parameters",
    "rhs",
    "steady_state",
    "unit_registry",
    "write_parameter_file",
]
