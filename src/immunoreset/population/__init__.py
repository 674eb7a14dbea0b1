"""Virtual populations: covariates, correlated parameter variability, organ profiles,
inclusion criteria, flare triggers."""

from immunoreset.population._cohort import Cohort, CohortSpec, erlangen_patients, sample_cohort
from immunoreset.population._criteria import InclusionCriteria
from immunoreset.population._fixed import GivenPatients, given_cohort
from immunoreset.population._pilot import PILOT_PATIENTS, check_inclusion_satisfiable
from immunoreset.population._profile import (
    ERLANGEN_INVOLVEMENT,
    INVOLVEMENT_DESCRIPTORS,
    NAMED_PROFILES,
    InvolvementProfile,
)
from immunoreset.population._variability import Correlation, Variability

__all__ = [
    "ERLANGEN_INVOLVEMENT",
    "INVOLVEMENT_DESCRIPTORS",
    "NAMED_PROFILES",
    "PILOT_PATIENTS",
    "Cohort",
    "CohortSpec",
    "Correlation",
    "GivenPatients",
    "InclusionCriteria",
    "InvolvementProfile",
    "Variability",
    "check_inclusion_satisfiable",
    "erlangen_patients",
    "given_cohort",
    "sample_cohort",
]
