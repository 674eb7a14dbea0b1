"""CD19 CAR-T: lag, antigen- and cytokine-driven expansion, effector/memory switch, and
killing limited per CAR-T cell and saturating in targets, in every compartment they reach.

Counts are compared in one currency, *blood-equivalent* cells/µL (a compartment's cell
number over the blood volume, as the B-lineage states are kept): the body's CAR-T are
``C V_dist / V_blood`` blood-equivalent cells/µL for a blood concentration ``C``, of which
a share ``φ_c`` sits in compartment ``c`` — blood ``V_blood / V_dist``, lymphoid tissue
and marrow the lymphocyte shares of Westermann & Pabst 1992 times a tissue access ``a``.

::

    C_c = φ_c C V_dist / V_blood                         CAR-T in compartment c
    kill of target pool X in c:  k C_c X / (K + T_c + C_c)   (Chaudhury 2020, BIOMD1025)
    engaged fraction g = Σ_c φ_c T_c / (K + T_c + C_c) ≤ 1;  kills per CAR-T = k g ≤ k
    C_I' = -k_act C_I                                    infused cells: the lag (liso-cel)
    A' = k_A (g - A)                                     proliferative programme
    C_E' = k_act C_I + ((ρ A + b) s_H + ρ_C ln(κ_C / x) - δ_E - k_EM) C_E + k_ME g C_M
    C_M' = k_EM C_E - (k_ME g + δ_M) C_M
    s_H = hill(H / H50, n)                               homeostatic-cytokine support

``A`` is the programme engagement starts: activated T cells go on dividing for days after
the antigen is gone (Kaech & Ahmed 2001 Nat Immunol 2:415; van Stipdonk et al. 2001 Nat
Immunol 2:423), so CAR-T expansion outlasts the B cells it clears. ``b`` is the antigen-independent homeostatic proliferation of a lymphopenic host (Kimmel
2021's lymphopenia boost, here gated by the cytokines that lymphopenia raises). ``k`` is at
once the most targets one CAR-T cell kills per day (target excess) and the
highest hazard of one target (CAR-T excess). ``ρ_C ln(κ_C / x)`` is the homeostatic
competition of Kimmel 2021 (``x`` the fill of the lymphocyte space): CAR-T lose ground as
T cells reconstitute. Below one CAR-T cell in the whole body effectors do not proliferate
(extinction): without it, round-off in a stiff solve (~1e-16 cells/µL) would be amplified
before any infusion.
"""

from sympy import log

from immunoreset.model.declare import (
    Constant,
    Expression,
    Flow,
    Module,
    State,
    Term,
    e,
    hill,
    k,
    smax,
    smin,
    where,
    x,
)

#: CD19⁺ target pools per compartment.
COMPARTMENT_TARGETS = {
    "blood": ("naive_b_blood", "autoreactive_b_blood"),
    "tissue": ("naive_b_tissue", "autoreactive_b_tissue", "plasmablasts_autoreactive",
               "plasmablasts_other"),
    "marrow": ("b_precursors",),
}

_extinct = x.car_t_effector * k.car_t_distribution_volume * e.microlitres_per_litre < e.one_cell
_share = {"blood": k.blood_volume / k.car_t_distribution_volume,
          "tissue": k.car_t_lymphoid_share * k.car_t_tissue_access,
          "marrow": k.car_t_marrow_share * k.car_t_tissue_access}


def _targets(c: str):
    return sum((getattr(x, s) for s in COMPARTMENT_TARGETS[c]), start=0)


def _hazard(c: str):
    """CAR-T killing hazard per CD19⁺ target in compartment ``c`` (1/day)."""
    return getattr(e, f"car_t_kill_hazard_{c}")


MODULE = Module(
    "car_t",
    "CD19 CAR-T lag, expansion, contraction, memory and per-cell-limited killing",
    states=(
        State("car_t_infused", "cell/uL",
              "infused CAR-T cells not yet activated (the lag), blood concentration", "blood"),
        State("car_t_effector", "cell/uL", "effector CAR-T cells, blood concentration", "blood"),
        State("car_t_memory", "cell/uL", "memory-like CAR-T cells, blood concentration", "blood"),
        State("car_t_stimulation", "dimensionless",
              "proliferative programme of effector CAR-T: engagement averaged over its "
              "duration (0-1)", "blood", start=e.car_t_engagement),
    ),
    parameters=(
        "car_t_activation_rate", "car_t_homeostatic_rate", "car_t_capacity_fraction",
        "car_t_antigen_expansion_rate", "car_t_cytokine_proliferation_rate",
        "car_t_cytokine_half_saturation", "car_t_cytokine_hill",
        "car_t_distribution_volume", "blood_volume", "car_t_lymphoid_share",
        "car_t_marrow_share", "car_t_tissue_access", "car_t_effector_death_rate",
        "car_t_memory_conversion_rate", "car_t_memory_reactivation_rate",
        "car_t_memory_death_rate", "car_t_kill_rate", "car_t_kill_half_saturation",
        "car_t_programme_rate",
    ),
    constants=(
        Constant("microlitres_per_litre", 1e6, "uL/L", "unit conversion"),
        Constant("one_cell", 1.0, "cell", "one CAR-T cell in the whole body: extinction threshold"),
        Constant("space_fill_floor", 1e-12, "dimensionless",
                 "numerical floor of the space fill in the homeostatic logarithm"),
    ),
    expressions=(
        Expression("car_t_total", x.car_t_effector + x.car_t_memory,
                   "activated CAR-T cells/µL of blood"),
        Expression("car_t_body_equivalent",
                   e.car_t_total * k.car_t_distribution_volume / k.blood_volume,
                   "the body's activated CAR-T in blood-equivalent cells/µL"),
        *(Expression(f"car_t_kill_hazard_{c}",
                     k.car_t_kill_rate * _share[c] * e.car_t_body_equivalent
                     / (k.car_t_kill_half_saturation + _targets(c)
                        + _share[c] * e.car_t_body_equivalent),
                     f"CAR-T killing hazard per CD19⁺ target in {c} (1/day)")
          for c in COMPARTMENT_TARGETS),
        Expression("car_t_engagement",
                   sum((_share[c] * _targets(c)
                        / (k.car_t_kill_half_saturation + _targets(c)
                           + _share[c] * e.car_t_body_equivalent)
                        for c in COMPARTMENT_TARGETS), start=0),
                   "fraction of CAR-T cells engaged with a CD19⁺ target (0-1)", observe=True),
        Expression("car_t_kills_per_cell", k.car_t_kill_rate * e.car_t_engagement,
                   "CD19⁺ cells killed per CAR-T cell per day (whole body)", observe=True),
        Expression("car_t_cytokine_support",
                   hill(x.homeostatic_cytokine / k.car_t_cytokine_half_saturation,
                        k.car_t_cytokine_hill),
                   "homeostatic-cytokine support of CAR-T proliferation (0-1)"),
        Expression("car_t_expansion_rate",
                   (k.car_t_antigen_expansion_rate * x.car_t_stimulation
                    + k.car_t_cytokine_proliferation_rate) * e.car_t_cytokine_support,
                   "antigen- and cytokine-driven effector CAR-T proliferation rate (1/day)",
                   observe=True),
        Expression("car_t_homeostatic_growth",
                   k.car_t_homeostatic_rate
                   * log(k.car_t_capacity_fraction
                         / smax(e.lymphocyte_space_fill, e.space_fill_floor)),
                   "homeostatic CAR-T growth (< 0 above the CAR-T carrying capacity)"),
    ),
    flows=(
        Flow("car_t_infused", "car_t_effector", k.car_t_activation_rate * x.car_t_infused,
             "activation of infused cells (end of the lag)"),
        Flow("car_t_effector", "car_t_memory", k.car_t_memory_conversion_rate * x.car_t_effector,
             "effector to memory conversion"),
        Flow("car_t_memory", "car_t_effector",
             k.car_t_memory_reactivation_rate * e.car_t_engagement * x.car_t_memory,
             "antigen-driven memory reactivation"),
    ),
    terms=(
        Term("car_t_effector",
             where(_extinct, smin(e.car_t_homeostatic_growth, 0) * x.car_t_effector,
                   (e.car_t_expansion_rate + e.car_t_homeostatic_growth) * x.car_t_effector),
             "expansion (antigen, cytokine and homeostatic; none below one cell)"),
        Term("car_t_effector", -k.car_t_effector_death_rate * x.car_t_effector,
             "effector death"),
        Term("car_t_memory", -k.car_t_memory_death_rate * x.car_t_memory, "memory loss"),
        Term("car_t_stimulation",
             k.car_t_programme_rate * (e.car_t_engagement - x.car_t_stimulation),
             "the programme follows engagement with a delay 1 / rate"),
        *(Term(pool, -_hazard(c) * getattr(x, pool), "CAR-T kill")
          for c, pools in COMPARTMENT_TARGETS.items() for pool in pools),
    ),
)
