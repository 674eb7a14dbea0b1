"""Virtual populations: covariates, correlated parameter variability, organ profiles,
inclusion criteria, flare triggers."""

from immunoreset.population._cohort import Cohort, CohortSpec, erlangen_patients, sample_cohort
from immunoreset.population._criteria import InclusionCriteria
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
    "Cohort",
    "CohortSpec",
    "Correlation",
    "InclusionCriteria",
    "InvolvementProfile",
    "Variability",
    "erlangen_patients",
    "sample_cohort",
]
