"""Blinatumomab (CD19×CD3 BiTE): continuous IV infusion, one-compartment linear PK, and
CD19-redirected killing by endogenous T cells (:mod:`.t_cell_engagement`).

::

    R                                  infusion rate (mg/day), stepped by the regimen
    A' = R - (CL / V) A                central amount (mg); C = A / V (mg/L)

Zhu M et al. (Clin Pharmacokinet 2016) popPK: one compartment, linear, CL 2.22 L/h, V 5.98
L; so Css = R / CL exactly and t½ = ln 2 V / CL ≈ 1.9 h. The body-surface-area effect on
CL (≤ 25 % over the adult range) is left out (adults get a fixed dose).
"""

from immunoreset.model.declare import Expression, Module, State, Term, e, k, x
from immunoreset.model.therapies.t_cell_engagement import engager

_PARAMS, _EXPRESSIONS, _TERMS = engager("blinatumomab", "cd19", e.blinatumomab_concentration)

MODULE = Module(
    "blinatumomab",
    "blinatumomab: continuous-infusion one-compartment PK and CD19-redirected T-cell killing",
    states=(
        State("blinatumomab_infusion", "mg/day",
              "blinatumomab infusion rate (set by the regimen's rate segments)", "blood",
              clamped=False),
        State("blinatumomab_central", "mg", "blinatumomab in the central compartment", "blood"),
    ),
    parameters=("blinatumomab_clearance", "blinatumomab_volume", *_PARAMS),
    expressions=(
        Expression("blinatumomab_concentration", x.blinatumomab_central / k.blinatumomab_volume,
                   "serum blinatumomab (mg/L)", observe=True),
        *_EXPRESSIONS,
    ),
    terms=(
        Term("blinatumomab_central", x.blinatumomab_infusion, "continuous IV infusion"),
        Term("blinatumomab_central",
             -k.blinatumomab_clearance / k.blinatumomab_volume * x.blinatumomab_central,
             "linear elimination"),
        *_TERMS,
    ),
)
