"""Hydroxychloroquine (HCQ): daily dose → whole-blood HCQ with its ~40-day half-life →
inhibition of endosomal TLR7/TLR9 sensing of nucleic-acid immune complexes.

* ``hydroxychloroquine_dose_rate`` (mg/day of HCQ sulfate, as prescribed) is the daily
  dose, a rate with no dynamics of its own that the regimen sets and resets.
* ``hcq_amount`` (mg of HCQ base, one compartment referenced to whole blood): the dose is
  absorbed with the bioavailability ``F`` as base (mass fraction ``f`` of the sulfate) and
  eliminated at the terminal rate ``k = ln 2 / t½``; ``C = A / V`` with ``V = CL_blood / k``,
  so ``C_ss = F f D / CL_blood``; 96% of the steady state takes about 6 months.
* Nucleic-acid immune complexes activate autoreactive B cells (BCR + TLR9/TLR7) and
  plasmacytoid dendritic cells (type I IFN) through endosomal TLRs, which HCQ blocks:
  ``E = I_max C / (C + EC50)`` inhibits autoreactive B-cell activation, proliferation and
  plasmablast formation and the production of inflammatory activity, through
  :mod:`.lupus_drug_response` as the hazard ``−ln(1 − E)``. ``I_max`` is the share of
  those fluxes that runs through endosomal TLRs; it keeps the effect modest (HCQ alone
  does not control active nephritis, but its withdrawal makes flares more likely).
"""

from sympy import log

from immunoreset.model.declare import Expression, Module, State, Term, e, k, x

MODULE = Module(
    "hydroxychloroquine",
    "hydroxychloroquine daily dose, whole-blood exposure and endosomal TLR inhibition",
    states=(
        State("hydroxychloroquine_dose_rate", "mg/day",
              "hydroxychloroquine sulfate daily dose (set by the regimen)", "blood",
              clamped=False),
        State("hcq_amount", "mg", "hydroxychloroquine base in the body (blood-referenced)",
              "blood"),
    ),
    parameters=("hcq_bioavailability", "hcq_base_fraction", "hcq_blood_clearance",
                "hcq_elimination_rate", "hcq_tlr_ec50", "hcq_max_inhibition"),
    expressions=(
        Expression("hcq_volume", k.hcq_blood_clearance / k.hcq_elimination_rate,
                   "apparent volume of distribution of HCQ referenced to whole blood (L)"),
        Expression("hcq_concentration", x.hcq_amount / e.hcq_volume,
                   "whole-blood HCQ concentration (mg/L)", observe=True),
        Expression("hcq_tlr_inhibition",
                   e.hcq_concentration / (e.hcq_concentration + k.hcq_tlr_ec50),
                   "fraction of endosomal TLR7/9 signalling inhibited by HCQ (0-1)",
                   observe=True),
        Expression("hcq_hazard", -log(1 - k.hcq_max_inhibition * e.hcq_tlr_inhibition),
                   "HCQ inhibition hazard −ln(1 − E) on the TLR-driven disease fluxes"),
    ),
    terms=(
        Term("hcq_amount",
             k.hcq_bioavailability * k.hcq_base_fraction * x.hydroxychloroquine_dose_rate,
             "absorption of the daily dose (as base)"),
        Term("hcq_amount", -k.hcq_elimination_rate * x.hcq_amount, "terminal elimination"),
        Term("b_activation_inhibition",
             e.drug_inhibition_relaxation_rate * e.hcq_hazard,
             "HCQ hazard on TLR-driven autoreactive B-cell activation"),
        Term("inflammation_inhibition",
             e.drug_inhibition_relaxation_rate * e.hcq_hazard,
             "HCQ hazard on TLR-driven (IFN) inflammation production"),
    ),
)
