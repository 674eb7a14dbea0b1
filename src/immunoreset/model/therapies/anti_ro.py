"""A second autoantibody, anti-Ro60 (SSA), made mainly by CD19⁻ long-lived plasma cells.

Anti-dsDNA in the core comes almost only from CD19⁺ plasmablasts, so CD19 CAR-T removes it
with the IgG half-life. Anti-Ro60 is the counter-example: after B-cell depletion with
rituximab anti-dsDNA fell to 38 ± 33 % of baseline by month 6–8 while the antibodies to
extractable nuclear antigens (Ro, La, Sm, RNP) were "generally unchanged" for a year
(Cambridge G et al. Arthritis Rheum 2006;54:723, n = 16), and in refractory SLE marrow
CD19⁻BCMA⁺ long-lived plasma cells are a dominant autoantibody source (Feng J et al. Nat
Med 2025;31:3725). This module gives anti-Ro60 its own producer chain::

    P_Ro' = q k_diff A − (δ_PB + f_Ro) P_Ro − kills          CD19⁺BCMA⁺ plasmablasts (tissue)
    L_Ro' = f_Ro P_Ro − δ_LL L_Ro − kills                   CD19⁻BCMA⁺ long-lived plasma cells (marrow)
    R'    = s_Ro (P_Ro + L_Ro) − k_IgG R                     serum anti-Ro60 (U/mL)
    f_Ro  = δ_LL (1 − φ) / φ
    s_Ro  = k_IgG R_ref φ (δ_PB + f_Ro) / (q k_diff K_M)

``A`` is the core's autoreactive memory/activated B pool (the lumped autoreactive
compartment, of which anti-Ro60 B cells are a part); the anti-Ro plasmablasts are formed
from it at ``q`` times the rate of the core's (anti-dsDNA) plasmablasts, as a production
term that does not drain the core pool, as the core's protective plasma cells are
replenished in proportion to other plasmablasts. ``φ`` is the share of anti-Ro60 made by
plasmablasts at baseline; the LLPC entry rate ``f_Ro`` follows from it, so at steady state
``P_Ro / (P_Ro + L_Ro) = φ``. Both secrete alike per cell, at the rate ``s_Ro`` that gives
the titre ``R_ref`` to a patient whose autoreactive pool fills its niche (``A = K_M``,
``autoreactive_capacity``); a patient's baseline titre is ``R_ref A₀ / K_M``, as the core's
anti-dsDNA follows its producers. Anti-Ro60 is IgG (the core's IgG catabolic rate). The
module has no derived (per-patient) value and no parameter with variability, so composing
it leaves the core's virtual patients exactly as they are.

Kills: the core CD19 CAR-T and lymphodepletion act on the plasmablasts as on the core's
plasmablasts; the long-lived cells are CD19⁻ and not dividing, so only a BCMA product
(``bcma_targets``) reaches them. The anti-Ro plasmablasts are not part of the core CD19
CAR-T's target mass (a core expression): they are < 0.1 % of the tissue CD19⁺ cells, so
its engagement and kill saturation are unchanged to that order.
"""

from immunoreset.model.declare import Expression, Flow, Module, State, Term, e, k, x

MODULE = Module(
    "anti_ro",
    "anti-Ro60 (SSA): CD19⁺ plasmablasts, CD19⁻ long-lived plasma cells and serum titre",
    states=(
        State("anti_ro_plasmablasts", "cell/uL",
              "CD19+ BCMA+ anti-Ro60 plasmablasts (blood-equivalent)", "lymphoid tissue",
              start=k.anti_ro_source_ratio * k.autoreactive_differentiation_rate
              * x.autoreactive_b_tissue
              / (k.plasmablast_death_rate
                 + k.llpc_death_rate * (1 - k.anti_ro_plasmablast_share)
                 / k.anti_ro_plasmablast_share)),
        State("anti_ro_llpc", "cell/uL",
              "CD19- BCMA+ anti-Ro60 long-lived plasma cells (blood-equivalent)", "marrow",
              start=x.anti_ro_plasmablasts * (1 - k.anti_ro_plasmablast_share)
              / k.anti_ro_plasmablast_share),
        State("anti_ro", "U/mL", "serum anti-Ro60 (SSA) IgG", "blood", clamped=False,
              start=e.anti_ro_secretion_rate * (x.anti_ro_plasmablasts + x.anti_ro_llpc)
              / k.igg_elimination_rate),
    ),
    parameters=("anti_ro_source_ratio", "anti_ro_plasmablast_share", "anti_ro_reference",
                "autoreactive_differentiation_rate", "autoreactive_capacity",
                "plasmablast_death_rate", "llpc_death_rate", "igg_elimination_rate",
                "b_lymphodepletion_sensitivity"),
    expressions=(
        Expression("anti_ro_llpc_formation_rate",
                   k.llpc_death_rate * (1 - k.anti_ro_plasmablast_share)
                   / k.anti_ro_plasmablast_share,
                   "entry rate of anti-Ro60 plasmablasts into the long-lived niche (1/day): "
                   "the one that makes plasmablasts the share φ of producers at steady state"),
        Expression("anti_ro_secretion_rate",
                   k.igg_elimination_rate * k.anti_ro_reference * k.anti_ro_plasmablast_share
                   * (k.plasmablast_death_rate + e.anti_ro_llpc_formation_rate)
                   / (k.anti_ro_source_ratio * k.autoreactive_differentiation_rate
                      * k.autoreactive_capacity),
                   "anti-Ro60 secreted per producer (U/mL/day per cell/µL): the rate that gives "
                   "the reference titre to a patient whose autoreactive pool fills its niche"),
        Expression("anti_ro_serum", x.anti_ro, "serum anti-Ro60 (U/mL), the read-out of "
                   "the trial reports' mechanism section", observe=True),
    ),
    flows=(
        Flow("anti_ro_plasmablasts", "anti_ro_llpc",
             e.anti_ro_llpc_formation_rate * x.anti_ro_plasmablasts,
             "entry into the long-lived plasma-cell niche"),
    ),
    terms=(
        Term("anti_ro_plasmablasts",
             k.anti_ro_source_ratio * k.autoreactive_differentiation_rate
             * x.autoreactive_b_tissue,
             "formation from the autoreactive memory/activated B pool"),
        Term("anti_ro_plasmablasts", -k.plasmablast_death_rate * x.anti_ro_plasmablasts,
             "plasmablast death"),
        Term("anti_ro_llpc", -k.llpc_death_rate * x.anti_ro_llpc, "long-lived plasma-cell death"),
        Term("anti_ro_plasmablasts", -e.car_t_kill_hazard_tissue * x.anti_ro_plasmablasts,
             "CD19 CAR-T kill"),
        Term("anti_ro_plasmablasts", -k.b_lymphodepletion_sensitivity * e.lymphodepletion_hazard
             * x.anti_ro_plasmablasts, "lymphodepletion kill"),
        Term("anti_ro", e.anti_ro_secretion_rate * (x.anti_ro_plasmablasts + x.anti_ro_llpc),
             "secretion by plasmablasts and long-lived plasma cells"),
        Term("anti_ro", -k.igg_elimination_rate * x.anti_ro, "IgG catabolism"),
    ),
)
