"""Virtual populations: covariates, parameter variability, organ profiles, flare triggers."""

from immunoreset.population._cohort import Cohort, CohortSpec, erlangen_patients, sample_cohort
from immunoreset.population._profile import (
    ERLANGEN_INVOLVEMENT,
    INVOLVEMENT_DESCRIPTORS,
    NAMED_PROFILES,
    InvolvementProfile,
)

__all__ = [
    "ERLANGEN_INVOLVEMENT",
    "INVOLVEMENT_DESCRIPTORS",
    "NAMED_PROFILES",
    "Cohort",
    "CohortSpec",
    "InvolvementProfile",
    "erlangen_patients",
    "sample_cohort",
]
