"""Virtual populations: covariates, correlated parameter variability, organ profiles,
inclusion criteria, flare triggers, named populations (the refractory Erlangen-like one and
the lupus-nephritis trial population), and the virtual patients similar to a real one."""

from immunoreset.population._cohort import Cohort, CohortSpec, erlangen_patients, sample_cohort
from immunoreset.population._criteria import InclusionCriteria
from immunoreset.population._fixed import GivenPatients, given_cohort
from immunoreset.population._named import POPULATIONS, NamedPopulation, named_population
from immunoreset.population._pilot import PILOT_PATIENTS, check_inclusion_satisfiable
from immunoreset.population._profile import (
    ERLANGEN_INVOLVEMENT,
    INVOLVEMENT_DESCRIPTORS,
    NAMED_PROFILES,
    InvolvementProfile,
)
from immunoreset.population._similar import (
    PatientProfile,
    SimilarPatients,
    baseline_readouts,
    similar_patients,
)
from immunoreset.population._variability import Correlation, Variability

__all__ = [
    "ERLANGEN_INVOLVEMENT",
    "INVOLVEMENT_DESCRIPTORS",
    "NAMED_PROFILES",
    "PILOT_PATIENTS",
    "POPULATIONS",
    "Cohort",
    "CohortSpec",
    "Correlation",
    "GivenPatients",
    "InclusionCriteria",
    "InvolvementProfile",
    "NamedPopulation",
    "PatientProfile",
    "SimilarPatients",
    "Variability",
    "baseline_readouts",
    "check_inclusion_satisfiable",
    "erlangen_patients",
    "given_cohort",
    "named_population",
    "sample_cohort",
    "similar_patients",
]
