"""Fit your own patients: individual (empirical Bayes) and population estimation from
clinical time courses, with forward sensitivities of the composed model.

Layers (one-liner → controller → objective):

- :func:`load_fit_problem` + :func:`run_fit`: what ``immunoreset fit`` does (files in, a
  results folder out);
- :class:`FitProblem` with :func:`fit_individuals` (MAP + Laplace, posterior draws) and
  :func:`fit_population` (iterative two-stage: typical values, variability, residual error);
- :class:`PatientPosterior`: ``−log p(η | y)`` and its exact gradient for one patient, for
  any optimiser or sampler; :class:`ForwardModel`: predictions and forward sensitivities.

Data: :func:`read_observations` (long table, units converted with pint, LLOQ),
:func:`read_covariates`, :func:`read_dosing`; error models :class:`ErrorModel` (additive,
proportional, combined, log-normal; M3 below the LLOQ). Fitted patients become virtual
patients through ``fitted.parquet`` (:func:`write_fitted`, :func:`read_fitted`).
"""

from immunoreset.estimation._data import (
    Covariates,
    Dosing,
    Observations,
    PatientObservations,
    convert_unit,
    read_covariates,
    read_dosing,
    read_observations,
)
from immunoreset.estimation._error import (
    ERROR_KINDS,
    ErrorModel,
    negative_log_likelihood,
    parse_error_model,
)
from immunoreset.estimation._fitted import FittedPatients, fitted_table, read_fitted, write_fitted
from immunoreset.estimation._forward import (
    ForwardModel,
    ForwardSettings,
    Prediction,
    Subject,
)
from immunoreset.estimation._individual import (
    IndividualFit,
    PatientPosterior,
    Prior,
    fit_patient,
    laplace_draws,
    sample_patient,
)
from immunoreset.estimation._observables import (
    CLINICAL_SCORES,
    Observable,
    ObservableCatalogue,
    observable_catalogue,
)
from immunoreset.estimation._population import PopulationFit, fit_population
from immunoreset.estimation._problem import (
    FitProblem,
    FitResult,
    fit_individuals,
    parse_parameters,
    subjects_for,
)
from immunoreset.estimation._run import FitOptions, load_fit_problem, parse_errors, run_fit

__all__ = [
    "CLINICAL_SCORES",
    "ERROR_KINDS",
    "Covariates",
    "Dosing",
    "ErrorModel",
    "FitOptions",
    "FitProblem",
    "FitResult",
    "FittedPatients",
    "ForwardModel",
    "ForwardSettings",
    "IndividualFit",
    "Observable",
    "ObservableCatalogue",
    "Observations",
    "PatientObservations",
    "PatientPosterior",
    "PopulationFit",
    "Prediction",
    "Prior",
    "Subject",
    "convert_unit",
    "fit_individuals",
    "fit_patient",
    "fit_population",
    "fitted_table",
    "laplace_draws",
    "load_fit_problem",
    "negative_log_likelihood",
    "observable_catalogue",
    "parse_error_model",
    "parse_errors",
    "parse_parameters",
    "read_covariates",
    "read_dosing",
    "read_fitted",
    "read_observations",
    "run_fit",
    "sample_patient",
    "subjects_for",
    "write_fitted",
]
