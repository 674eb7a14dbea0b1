"""Organ-involvement profiles: which SLEDAI-2K descriptors a virtual patient can show.

A patient's clinical descriptors are read from its inflammation state through
per-descriptor thresholds (fractions of its own baseline inflammation): a descriptor
*involved at baseline* has a threshold below 1 (present before therapy, clears when
inflammation falls under it); a *flare-prone* descriptor has a threshold above 1 (appears
only when inflammation rises above baseline, i.e. in a flare); any other descriptor never
appears. Proteinuria, low complement and anti-dsDNA are not thresholds: they are read from
the proteinuria, C3/C4 and anti-dsDNA states against their fixed clinical limits.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ERLANGEN_INVOLVEMENT", "INVOLVEMENT_DESCRIPTORS", "NAMED_PROFILES", "InvolvementProfile"]

#: Descriptors driven by the inflammation state (all except the three lab-derived ones).
INVOLVEMENT_DESCRIPTORS: tuple[str, ...] = (
    "seizure", "psychosis", "organic_brain_syndrome", "visual_disturbance",
    "cranial_nerve_disorder", "lupus_headache", "cva", "vasculitis", "arthritis", "myositis",
    "urinary_casts", "hematuria", "pyuria", "rash", "alopecia", "mucosal_ulcers", "pleurisy",
    "pericarditis", "fever", "thrombocytopenia", "leukopenia",
)


@dataclass(frozen=True)
class InvolvementProfile:
    """Probabilities that a descriptor is involved at baseline or flare-prone.

    ``baseline`` and ``flare_prone`` map descriptor names to probabilities in [0, 1];
    descriptors not named have probability 0.
    """

    name: str
    baseline: tuple[tuple[str, float], ...]
    flare_prone: tuple[tuple[str, float], ...]
    source: str


#: Erlangen-like refractory lupus nephritis cohort. Organ involvement reported for the
#: five patients: nephritis (class III/IV/V) in all, also carditis, lung disease and
#: arthritis, no CNS disease (Pediatric Rheumatology 2024 Table 1). Per-descriptor
#: probabilities are ASSUMED (no per-descriptor frequencies were found for this
#: population); they were chosen so that the baseline SLEDAI-2K of the virtual cohort
#: matches the reported median 16, range 8-16 (target baseline_sledai).
ERLANGEN_INVOLVEMENT = InvolvementProfile(
    name="erlangen_like",
    baseline=(("hematuria", 0.3), ("urinary_casts", 0.2), ("pyuria", 0.1),
              ("arthritis", 0.25), ("rash", 0.3), ("alopecia", 0.1),
              ("mucosal_ulcers", 0.1), ("pleurisy", 0.1), ("pericarditis", 0.1),
              ("fever", 0.1), ("thrombocytopenia", 0.1), ("leukopenia", 0.2)),
    flare_prone=(("arthritis", 0.5), ("rash", 0.4), ("hematuria", 0.4),
                 ("pleurisy", 0.2), ("mucosal_ulcers", 0.2), ("leukopenia", 0.2)),
    source="assumed; constrained by Pediatric Rheumatology 2024 Table 1 (organs involved) "
           "and the baseline SLEDAI-2K of Mackensen 2022",
)

#: The five Erlangen patients: descriptors involved at baseline, chosen so that, with active
#: nephritis (proteinuria 4), low complement (2) and anti-dsDNA (2), the baseline SLEDAI-2K
#: equals the per-patient values 16, 16, 10, 8, 9 of Schett et al. ACR 2022 abstract 1651
#: and the organs named in Pediatric Rheumatology 2024 Table 1 (carditis, lung, arthritis).
#: The exact descriptors are ASSUMED.
NAMED_PROFILES: dict[str, tuple[str, ...]] = {
    "P1": ("hematuria", "arthritis"),                      # 8 + 4 + 4 = 16
    "P2": ("urinary_casts", "pleurisy", "pericarditis"),  # 8 + 4 + 2 + 2 = 16
    "P3": ("rash",),                                      # 8 + 2 = 10
    "P4": (),                                             # 8
    "P5": ("leukopenia",),                                # 8 + 1 = 9
}
