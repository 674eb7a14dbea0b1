"""Global sensitivity analysis of simulated endpoints: Sobol indices and Morris screening
(SALib) over chosen parameters and ranges (their variability or given bounds).

- :func:`load_sensitivity_spec` + :func:`run_sensitivity`: ``immunoreset sensitivity``;
- :func:`evaluate_endpoints`: endpoints of the study's model for a design;
- :func:`sample`, :func:`sobol_indices`, :func:`morris_screening`: the design and the
  estimators on any function (checked on the Ishigami function).
"""

from immunoreset.sensitivity._indices import (
    METHODS,
    SampledParameter,
    analyse,
    morris_screening,
    sample,
    sobol_indices,
)
from immunoreset.sensitivity._run import evaluate_endpoints, run_sensitivity
from immunoreset.sensitivity._spec import SensitivitySpec, load_sensitivity_spec

__all__ = [
    "METHODS",
    "SampledParameter",
    "SensitivitySpec",
    "analyse",
    "evaluate_endpoints",
    "load_sensitivity_spec",
    "morris_screening",
    "run_sensitivity",
    "sample",
    "sobol_indices",
]
