"""Named virtual populations: who is sampled (cohort spec, inclusion criteria) and how the
population's patients differ in their parameters from the packaged (Erlangen-like) values.

* ``erlangen_like`` — the refractory lupus nephritis of the Erlangen CD19 CAR-T study
  (Mackensen 2022): the packaged parameters and :class:`CohortSpec` as they are.
* ``lupus_nephritis`` — the active class III/IV lupus nephritis enrolled by the placebo-
  controlled induction trials (LUNAR, NOBILITY, REGENCY): UPCR > 1 g/g, not selected as
  refractory. It differs from the Erlangen-like population in who is sampled (age, sex,
  the proteinuria threshold) and in two parameters (``data/lupus_nephritis.toml``): the
  patients respond to the standard drugs (``lupus_drug_responsiveness`` calibrated on the
  trials' placebo arms instead of 0), and their MPA exposure per gram of MMF varies
  between patients as measured in lupus nephritis (``mpa_clearance`` with a CV of 38%).

A population's parameter changes apply only to the parameters present in the set: a model
without the drug modules is sampled exactly as with the packaged values.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from importlib import resources

from immunoreset.errors import InputError
from immunoreset.model import CompiledModel, ParameterSet
from immunoreset.population._cohort import Cohort, CohortSpec, sample_cohort
from immunoreset.population._criteria import InclusionCriteria

__all__ = ["POPULATIONS", "NamedPopulation", "named_population"]


@dataclass(frozen=True)
class NamedPopulation:
    """A virtual population: its :class:`CohortSpec` and its parameter differences.

    ``parameter_file``: a file in ``population/data`` whose ``[[parameter]]`` entries give a
    typical ``value`` (canonical unit) and/or an ``iiv_cv`` replacing the packaged ones,
    with ``status`` and ``source``; ``source``: where the cohort spec comes from;
    ``id_prefix``: the patient identifiers' prefix.
    """

    name: str
    label: str
    spec: CohortSpec
    parameter_file: str | None = None
    source: str = ""
    id_prefix: str = "vp"

    def changes(self) -> dict[str, dict[str, object]]:
        """The parameter changes of :attr:`parameter_file`, by parameter name."""
        if self.parameter_file is None:
            return {}
        text = resources.files("immunoreset.population").joinpath(
            "data", self.parameter_file).read_text(encoding="utf-8")
        entries = tomllib.loads(text).get("parameter", [])
        out: dict[str, dict[str, object]] = {}
        for i, entry in enumerate(entries):
            if not isinstance(entry.get("name"), str) or not ("value" in entry or "iiv_cv" in entry):
                raise InputError(f"population {self.name}: parameter[{i}] needs a name and a "
                                 "value or an iiv_cv")
            out[entry["name"]] = entry
        return out

    def parameters(self, parameters: ParameterSet) -> ParameterSet:
        """``parameters`` with this population's changes (those present in the set)."""
        changes = self.changes()
        new = []
        for p in parameters.parameters:
            c = changes.get(p.name)
            if c is not None:
                if "value" in c:
                    p = replace(p, value=float(c["value"]),  # type: ignore[arg-type]
                                status=str(c.get("status", p.status)),
                                source=f"population {self.name}: {c.get('source', '')}")
                if "iiv_cv" in c:
                    p = replace(p, iiv_cv=float(c["iiv_cv"]))  # type: ignore[arg-type]
            new.append(p)
        return replace(parameters, parameters=tuple(new))

    def sample(self, n: int, parameters: ParameterSet, *, seed: int, first_index: int = 0,
               model: CompiledModel | None = None) -> Cohort:
        """``n`` virtual patients of this population (see :func:`sample_cohort`)."""
        return sample_cohort(n, self.parameters(parameters), seed=seed, spec=self.spec,
                             first_index=first_index, model=model, id_prefix=self.id_prefix)


ERLANGEN_LIKE = NamedPopulation(
    "erlangen_like", "Refractory lupus nephritis (Erlangen CD19 CAR-T cohort)", CohortSpec(),
    source="Mackensen A et al. Nat Med 2022;28:2124: refractory to glucocorticoids, "
           "hydroxychloroquine, MMF and further lines (Pediatric Rheumatology 2024 Table 1)")

#: Active class III/IV lupus nephritis as enrolled by LUNAR (Rovin 2012 Arthritis Rheum
#: 64:1215), NOBILITY (Furie 2022 Ann Rheum Dis 81:100) and REGENCY (Furie 2025 N Engl J
#: Med): biopsy class III/IV (active renal inflammation: in the model, proteinuria driven
#: by inflammation), UPCR > 1 g/g (proteinuria in g/day ≈ UPCR in g/g), mean age ~30,
#: ~90% women (shared/data/standard_of_care_arms.csv). Anti-dsDNA positivity (≥ 30 IU/mL)
#: is kept because the model's nephritis is driven by anti-dsDNA immune complexes.
LUPUS_NEPHRITIS = NamedPopulation(
    "lupus_nephritis", "Active class III/IV lupus nephritis, UPCR > 1 g/g (LUNAR, NOBILITY, REGENCY)",
    CohortSpec(female_fraction=0.9, age_mean=31.0, age_sd=9.0, age_min=18.0, age_max=75.0,
               inclusion=InclusionCriteria(min_anti_dsdna_iu_per_ml=30.0,
                                           min_proteinuria_g_per_day=1.0)),
    parameter_file="lupus_nephritis.toml",
    source="age 18-75, mean ~30 (SD assumed 9), ~90% women, biopsy class III/IV, UPCR > 1 "
           "(Rovin 2012; Furie 2022; Furie 2025; shared/data/standard_of_care_arms.csv)",
    id_prefix="ln")

#: The named populations, by name.
POPULATIONS: dict[str, NamedPopulation] = {p.name: p for p in (ERLANGEN_LIKE, LUPUS_NEPHRITIS)}


def named_population(name: str) -> NamedPopulation:
    """The population called ``name`` (one of :data:`POPULATIONS`)."""
    try:
        return POPULATIONS[name]
    except KeyError:
        raise InputError(f"population: got {name!r}, expected one of "
                         f"{', '.join(sorted(POPULATIONS))}") from None
