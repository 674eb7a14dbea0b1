"""Mycophenolate mofetil (MMF): daily dose → mycophenolic acid (MPA) exposure → IMPDH
inhibition → antiproliferative effect on activated lymphocytes.

* ``mycophenolate_dose_rate`` (mg/day of MMF) is the daily dose, a rate with no dynamics of
  its own that the regimen sets at the start of each dosing segment and resets at its end.
* ``mpa_amount`` (mg of MPA, one compartment): MMF is absorbed and de-esterified to MPA
  with the bioavailability ``F`` and the mass fraction ``f`` (molar masses 320.3/433.5) and
  eliminated at ``k = CL / V``; ``C = A / V`` is the (total) plasma MPA concentration.
  At steady state ``C_ss = F f D / CL``, the mean concentration over a dosing interval, so
  ``AUC0-12 = 12 h · C_ss`` for a twice-daily dose.
* MPA inhibits IMPDH II, the enzyme activated lymphocytes depend on for guanine nucleotide
  synthesis (resting cells and other cell types use the salvage pathway):
  ``E = C / (C + IC50)`` with maximal inhibition 1 and Hill coefficient 1 (Li 2014).
* ``E`` blocks the proliferation-dependent steps of the autoreactive B lineage
  (recruitment, stimulated proliferation, plasmablast formation) through
  :mod:`.lupus_drug_response` as the hazard ``−ln(1 − E) = ln(1 + C / IC50)``, and the homeostatic regrowth
  of T cells (the Gompertz term when it is positive; never their contraction).
"""

from sympy import log

from immunoreset.model.declare import Expression, Module, State, Term, e, k, pos, x

MODULE = Module(
    "mycophenolate",
    "mycophenolate mofetil daily dose, MPA exposure and IMPDH-mediated antiproliferation",
    states=(
        State("mycophenolate_dose_rate", "mg/day",
              "mycophenolate mofetil daily dose (set by the regimen)", "blood", clamped=False),
        State("mpa_amount", "mg", "mycophenolic acid in the body (one compartment)", "blood"),
    ),
    parameters=("mpa_bioavailability", "mpa_mass_fraction", "mpa_clearance",
                "mpa_elimination_rate", "mpa_impdh_ic50"),
    expressions=(
        Expression("mpa_volume", k.mpa_clearance / k.mpa_elimination_rate,
                   "apparent volume of distribution of MPA (L)"),
        Expression("mpa_concentration", x.mpa_amount / e.mpa_volume,
                   "total plasma MPA concentration (mg/L)", observe=True),
        Expression("mpa_impdh_inhibition",
                   e.mpa_concentration / (e.mpa_concentration + k.mpa_impdh_ic50),
                   "fraction of lymphocyte IMPDH activity inhibited by MPA (0-1)", observe=True),
    ),
    terms=(
        Term("mpa_amount",
             k.mpa_bioavailability * k.mpa_mass_fraction * x.mycophenolate_dose_rate,
             "absorption and de-esterification of the daily MMF dose"),
        Term("mpa_amount", -k.mpa_elimination_rate * x.mpa_amount, "MPA elimination"),
        Term("b_activation_inhibition",
             e.drug_inhibition_relaxation_rate * log(1 + e.mpa_concentration / k.mpa_impdh_ic50),
             "MPA hazard on autoreactive B-cell proliferation and plasmablast formation"),
        Term("t_cells", -e.mpa_impdh_inhibition * pos(e.t_cell_reconstitution),
             "homeostatic T-cell proliferation blocked by MPA"),
    ),
)
