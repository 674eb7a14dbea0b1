"""A pilot draw before a run: refuse inclusion criteria that no candidate can meet."""

from __future__ import annotations

from immunoreset.errors import InputError
from immunoreset.model import CompiledModel, ParameterSet
from immunoreset.population._cohort import MAX_CANDIDATES, CohortSpec, sample_cohort

__all__ = ["PILOT_PATIENTS", "check_inclusion_satisfiable"]

#: Virtual patients of the pilot draw (each up to MAX_CANDIDATES candidates). With the
#: packaged parameters and the Erlangen criteria nearly every first candidate is eligible,
#: so the pilot costs about 20 steady-state solves.
PILOT_PATIENTS = 20


def check_inclusion_satisfiable(parameters: ParameterSet, spec: CohortSpec, *, seed: int,
                                n: int = PILOT_PATIENTS,
                                model: CompiledModel | None = None) -> float:
    """Draw ``n`` pilot patients from ``seed`` (the run's own first patients) and return the
    fraction eligible; an :class:`InputError` when none of their candidates meets the
    inclusion criteria (every patient of the run would then be "not eligible")."""
    cohort = sample_cohort(n, parameters, seed=seed, spec=spec, model=model)
    eligible = float(cohort.plausible.mean()) if n else 1.0
    if n and eligible == 0.0:
        i = spec.inclusion
        raise InputError(
            f"population.inclusion: no candidate met the inclusion criteria in a pilot draw of "
            f"{n} patients ({MAX_CANDIDATES} candidates each; min_anti_dsdna_iu_per_ml "
            f"{i.min_anti_dsdna_iu_per_ml:g}, min_proteinuria_g_per_day "
            f"{i.min_proteinuria_g_per_day:g}, max_proteinuria_g_per_day "
            f"{i.max_proteinuria_g_per_day:g}, min_sledai_2k {i.min_sledai_2k}), expected "
            "criteria that the population can meet: relax them or the parameter overrides")
    return eligible
