"""``immunoreset serve``: a local web app for clinicians and trial designers.

- Patient view: a patient (covariates and baseline read-outs) and a therapy (an ``[[arm]]``
  of the spec language) → the expected course in the most similar virtual patients
  (:func:`~immunoreset.population.similar_patients`), with bands, read-outs at the
  visits, CRS risk, CSV files and the HTML report (:func:`run_patient`).
- Trial view: a trial spec loaded from an example or edited in forms generated from its
  JSON Schema → the run of ``immunoreset trial`` with a progress bar and a cancel button,
  the endpoint table, forest and Kaplan–Meier plots and every file (:func:`run_trial_view`).

The forms come from the schema (:func:`form_tree`, :func:`render_form`, :func:`read_form`),
so a table or key the spec gains appears without web code; input is validated by the spec
(:func:`check_trial_document`, :func:`check_patient_document`). :func:`create_app` builds the
Starlette app (needs ``pip install 'immunoreset[web]'``); :class:`JobQueue` runs the jobs in
a background worker process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from immunoreset.web._forms import error_path, form_tree, read_form, render_form
from immunoreset.web._jobs import Busy, Job, JobQueue
from immunoreset.web._requests import (
    FORBIDDEN_KEYS,
    MatchingTable,
    PatientRequest,
    PatientTable,
    ServeLimits,
    check_patient_document,
    check_trial_document,
)
from immunoreset.web._runs import run_job, run_patient, run_trial_view

if TYPE_CHECKING:  # pragma: no cover
    from starlette.applications import Starlette

    from immunoreset.web._app import ServeOptions

__all__ = [
    "FORBIDDEN_KEYS",
    "Busy",
    "Job",
    "JobQueue",
    "MatchingTable",
    "PatientRequest",
    "PatientTable",
    "ServeLimits",
    "ServeOptions",
    "check_patient_document",
    "check_trial_document",
    "create_app",
    "error_path",
    "form_tree",
    "read_form",
    "render_form",
    "run_job",
    "run_patient",
    "run_trial_view",
]


def create_app(options: ServeOptions | None = None) -> Starlette:
    """The Starlette app of ``immunoreset serve`` (see :mod:`immunoreset.web._app`)."""
    from immunoreset.web._app import create_app as _create_app

    return _create_app(options)


def __getattr__(name: str) -> Any:
    if name == "ServeOptions":  # needs the web extra (starlette)
        from immunoreset.web._app import ServeOptions

        return ServeOptions
    raise AttributeError(f"module 'immunoreset.web' has no attribute {name!r}")
