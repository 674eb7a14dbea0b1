"""Virtual trials: a validated spec (TOML), an endpoint library, interval estimates,
Kaplan–Meier curves, dose–response and replicate trials, and a self-contained report.

- Spec: :class:`TrialSpec` (:class:`ArmSpec`, :class:`PopulationSpec`, :class:`ScheduleSpec`,
  :class:`ReplicateSpec`, :class:`SuccessCriterion`, :class:`Background`),
  :func:`load_trial_spec`; format in ``docs/trials.md``.
- Run: :func:`run_trial` → :class:`TrialResult` (``summary()``, ``to_markdown()``,
  ``to_html()``, ``write(out)``); :func:`simulate_trial` for one trial's per-patient table.
- Endpoints: :data:`ENDPOINTS` (:class:`Endpoint`), :func:`patient_outcomes`.
- Statistics: :func:`clopper_pearson`, :func:`wilson`, :func:`newcombe_paired`,
  :func:`newcombe_unpaired`, :func:`kaplan_meier`, :func:`endpoint_table`,
  :func:`difference_table`, :func:`dose_response_table`, :func:`probability_of_success`.
- Figures (matplotlib, no pyplot state): :func:`forest_figure`, :func:`kaplan_meier_figure`
  and their captions, as drawn in the report.
"""

from immunoreset.trial._analysis import (
    DIFFERENCE_COLUMNS,
    ENDPOINT_COLUMNS,
    difference_table,
    endpoint_table,
    kaplan_meier_curves,
)
from immunoreset.trial._dose_response import DOSE_RESPONSE_COLUMNS, dose_response_table
from immunoreset.trial._endpoints import (
    ENDPOINTS,
    VACCINE_TITRE_LOSS_FRACTION,
    Endpoint,
    patient_outcomes,
)
from immunoreset.trial._intervals import (
    INTERVAL_METHODS,
    clopper_pearson,
    mean_interval,
    newcombe_paired,
    newcombe_unpaired,
    paired_mean_difference,
    proportion_interval,
    wilson,
)
from immunoreset.trial._replicates import load_posterior, probability_of_success
from immunoreset.trial._report import (
    forest_caption,
    forest_figure,
    kaplan_meier_caption,
    kaplan_meier_figure,
)
from immunoreset.trial._run import TrialResult, run_trial, simulate_trial
from immunoreset.trial._spec import (
    BACKGROUNDS,
    ArmSpec,
    Background,
    PopulationSpec,
    ReplicateSpec,
    ScheduleSpec,
    SuccessCriterion,
    TrialSpec,
    load_trial_spec,
)
from immunoreset.trial._survival import KaplanMeier, kaplan_meier

__all__ = [
    "BACKGROUNDS",
    "DIFFERENCE_COLUMNS",
    "DOSE_RESPONSE_COLUMNS",
    "ENDPOINTS",
    "ENDPOINT_COLUMNS",
    "INTERVAL_METHODS",
    "VACCINE_TITRE_LOSS_FRACTION",
    "ArmSpec",
    "Background",
    "Endpoint",
    "KaplanMeier",
    "PopulationSpec",
    "ReplicateSpec",
    "ScheduleSpec",
    "SuccessCriterion",
    "TrialResult",
    "TrialSpec",
    "clopper_pearson",
    "difference_table",
    "dose_response_table",
    "endpoint_table",
    "forest_caption",
    "forest_figure",
    "kaplan_meier",
    "kaplan_meier_caption",
    "kaplan_meier_curves",
    "kaplan_meier_figure",
    "load_posterior",
    "load_trial_spec",
    "mean_interval",
    "newcombe_paired",
    "newcombe_unpaired",
    "paired_mean_difference",
    "patient_outcomes",
    "probability_of_success",
    "proportion_interval",
    "run_trial",
    "simulate_trial",
    "wilson",
]
