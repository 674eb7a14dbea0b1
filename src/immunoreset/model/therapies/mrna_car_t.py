"""mRNA (non-integrating) CD19 CAR-T: CAR expression lost at a first-order rate, no
proliferation, the core's per-cell-limited kill.

T cells electroporated with CAR mRNA express the CAR for days: the mRNA does not replicate
and is not passed to daughter cells, so the CAR-expressing pool ``M`` (cell/µL of blood)
only falls::

    M' = -(k_loss + h_LD) M                  (between doses; each dose adds to M)
    kill of target pool X in compartment c:  k C_c X / (K + T_c + C_c),  C_c = φ_c M V_dist / V_blood

``k_loss`` the loss of CAR expression (``mrna_car_t.toml``), ``h_LD`` the core's
lymphodepletion hazard (0 without lymphodepletion, which these products do not need);
killing, target saturation and IL-6 release by engaged cells are the core's laws and
parameters (``_cell_laws.killing``). A dose of ``n`` cells adds ``n / (V_dist × 10⁶)``
cells/µL, the core's convention. Repeat doses are several dose events. T cells that have
lost the CAR are not followed (they rejoin the endogenous pool; at 52.5 × 10⁶/kg, the
Descartes-08 dose, they are ~0.5 % of a T-cell set point of 1590 cells/µL).
"""

from immunoreset.model.declare import Module, k
from immunoreset.model.therapies._cell_laws import KILLING_PARAMETERS, transient_cells

_states, _expressions, _terms = transient_cells(
    "mrna_car_t", "mRNA CAR-T cells", k.mrna_car_t_expression_loss_rate)

MODULE = Module(
    "mrna_car_t",
    "mRNA CD19 CAR-T: transient CAR expression, no proliferation, per-cell-limited killing",
    states=_states,
    parameters=(*KILLING_PARAMETERS, "mrna_car_t_expression_loss_rate"),
    expressions=_expressions,
    terms=_terms,
)
