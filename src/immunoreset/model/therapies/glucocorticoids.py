"""Glucocorticoids: the prednisone-equivalent daily dose, an effect compartment and a
receptor-saturation Emax acting on lupus activity.

* ``prednisone_dose_rate`` (mg/day, prednisone equivalents; methylprednisolone counts
  1.25 mg per mg) is the daily dose, a rate with no dynamics of its own that the regimen
  sets at the start of each dosing segment and resets at its end.
* ``glucocorticoid_effect_dose`` (mg/day) follows it with the delay of the genomic
  (receptor-mediated, transcriptional) effect: ``C_e' = k_e0 (D − C_e)``.
* The effect is the receptor saturation ``σ = C_e / (C_e + D50)``: half of the
  glucocorticoid receptors are occupied at the low/medium dose boundary (7.5 mg/day) and
  they are almost saturated above 100 mg/day (Buttgereit 2002). Pulses add non-genomic
  effects that are not modelled: above ~100 mg/day the effect saturates.
* ``σ`` inhibits a fraction ``I_max σ`` of autoreactive B-cell activation, proliferation
  and plasmablast formation and of the production of inflammatory (IFN/innate) activity;
  both enter :mod:`.lupus_drug_response` as the hazard ``−ln(1 − I_max σ)``, so they
  combine with the other drugs as independent actions. One ``I_max`` serves both
  pathways: the trials' renal responses, the only data on it, cannot tell them apart.
"""

from sympy import log

from immunoreset.model.declare import Expression, Module, State, Term, e, k, x

MODULE = Module(
    "glucocorticoids",
    "glucocorticoid daily dose, effect compartment and receptor-saturation effects",
    states=(
        State("prednisone_dose_rate", "mg/day",
              "prednisone-equivalent glucocorticoid daily dose (set by the regimen)", "blood",
              clamped=False),
        State("glucocorticoid_effect_dose", "mg/day",
              "glucocorticoid dose seen by the effect compartment (genomic-effect delay)",
              "blood"),
    ),
    parameters=("glucocorticoid_effect_rate", "glucocorticoid_half_saturation_dose",
                "glucocorticoid_max_inhibition"),
    expressions=(
        Expression("glucocorticoid_receptor_saturation",
                   x.glucocorticoid_effect_dose
                   / (x.glucocorticoid_effect_dose + k.glucocorticoid_half_saturation_dose),
                   "glucocorticoid receptor saturation (0-1)", observe=True),
        Expression("glucocorticoid_hazard",
                   -log(1 - k.glucocorticoid_max_inhibition * e.glucocorticoid_receptor_saturation),
                   "glucocorticoid inhibition hazard −ln(1 − E) on the lupus disease fluxes"),
    ),
    terms=(
        Term("glucocorticoid_effect_dose",
             k.glucocorticoid_effect_rate
             * (x.prednisone_dose_rate - x.glucocorticoid_effect_dose),
             "effect-compartment equilibration"),
        Term("b_activation_inhibition", e.drug_inhibition_relaxation_rate * e.glucocorticoid_hazard,
             "glucocorticoid hazard on autoreactive B-cell activation"),
        Term("inflammation_inhibition", e.drug_inhibition_relaxation_rate * e.glucocorticoid_hazard,
             "glucocorticoid hazard on inflammation production"),
    ),
)
