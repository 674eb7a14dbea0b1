"""CD19 CAR-T: antigen-driven and lymphopenia-boosted expansion, effector/memory switch,
saturable killing of the CD19⁺ B lineage.

::

    s_Ag = Ag / (Ag + K_Ag),  Ag = all CD19⁺ B-lineage cells (blood-equivalent)
    x = (T + C) / T0;  ψ = max(0, 1 - x)² / (a x² + (1 - x)²)
    homeostatic rate φ = (ρ_C + b ψ) ln(κ_C / x)                 (Kimmel 2021)
    C_E' = (ρ s_Ag (1 + c ψ) + φ) C_E - δ_E C_E - k_EM C_E + k_ME s_Ag C_M
    C_M' = k_EM C_E - k_ME s_Ag C_M - δ_M C_M
    κ = γ (C_E + C_M) / (C_E + C_M + K_kill) per target; η κ in tissue and marrow

Below one CAR-T cell in the whole body (``C_E V_dist < 1 cell``) effectors do not
proliferate (extinction): without it, round-off in a stiff solve (~1e-16 cells/µL) would
be amplified by the lymphopenic growth rate before any infusion.
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
    k,
    smax,
    smin,
    where,
    x,
)

#: CD19⁺ pools: the CAR-T antigen, and its targets (blood pools see κ, the others η κ).
ANTIGEN_POOLS = ("b_precursors", "naive_b_blood", "naive_b_tissue", "autoreactive_b_blood",
                 "autoreactive_b_tissue", "plasmablasts_autoreactive", "plasmablasts_other")
BLOOD_TARGETS = ("naive_b_blood", "autoreactive_b_blood")

_fill = e.lymphocyte_space_fill
_gap = smax(0, 1 - _fill)
_extinct = x.car_t_effector * k.car_t_distribution_volume * e.microlitres_per_litre < e.one_cell

MODULE = Module(
    "car_t",
    "CD19 CAR-T expansion, contraction, memory and killing",
    states=(
        State("car_t_effector", "cell/uL", "effector CAR-T cells, blood concentration", "blood"),
        State("car_t_memory", "cell/uL", "memory-like CAR-T cells, blood concentration", "blood"),
    ),
    parameters=(
        "car_t_antigen_half_saturation", "lymphopenia_boost_shape", "car_t_homeostatic_rate",
        "lymphopenia_boost_rate", "car_t_capacity_fraction", "car_t_antigen_expansion_rate",
        "lymphopenia_antigen_synergy", "car_t_distribution_volume", "car_t_effector_death_rate",
        "car_t_memory_conversion_rate", "car_t_memory_reactivation_rate",
        "car_t_memory_death_rate", "car_t_kill_rate", "car_t_kill_half_saturation",
        "tissue_kill_efficacy",
    ),
    constants=(
        Constant("microlitres_per_litre", 1e6, "uL/L", "unit conversion"),
        Constant("one_cell", 1.0, "cell", "one CAR-T cell in the whole body: extinction threshold"),
        Constant("space_fill_floor", 1e-12, "dimensionless",
                 "numerical floor of the space fill in the homeostatic logarithm"),
    ),
    expressions=(
        Expression("car_t_antigen", sum((getattr(x, s) for s in ANTIGEN_POOLS), start=0),
                   "CD19⁺ B-lineage mass (blood-equivalent cells/µL)"),
        Expression("car_t_antigen_stimulation",
                   e.car_t_antigen / (e.car_t_antigen + k.car_t_antigen_half_saturation),
                   "antigen stimulation of CAR-T (0-1)"),
        Expression("lymphopenia_boost_shape_factor",
                   _gap * _gap / (k.lymphopenia_boost_shape * _fill * _fill + _gap * _gap),
                   "lymphopenia boost ψ (1 in an empty space, 0 at or above the set point)"),
        Expression("car_t_homeostatic_growth",
                   (k.car_t_homeostatic_rate
                    + k.lymphopenia_boost_rate * e.lymphopenia_boost_shape_factor)
                   * log(k.car_t_capacity_fraction / smax(_fill, e.space_fill_floor)),
                   "homeostatic CAR-T growth (< 0 above the CAR-T carrying capacity)"),
        Expression("car_t_antigen_drive",
                   k.car_t_antigen_expansion_rate * e.car_t_antigen_stimulation
                   * (1 + k.lymphopenia_antigen_synergy * e.lymphopenia_boost_shape_factor),
                   "antigen-driven effector CAR-T proliferation rate"),
        Expression("car_t_total", x.car_t_effector + x.car_t_memory, "all CAR-T cells/µL"),
        Expression("car_t_kill_hazard",
                   k.car_t_kill_rate * e.car_t_total / (e.car_t_total + k.car_t_kill_half_saturation),
                   "CAR-T killing hazard per CD19⁺ target in blood"),
        Expression("car_t_tissue_kill_hazard", k.tissue_kill_efficacy * e.car_t_kill_hazard,
                   "CAR-T killing hazard per CD19⁺ target in lymphoid tissue and marrow"),
    ),
    flows=(
        Flow("car_t_effector", "car_t_memory", k.car_t_memory_conversion_rate * x.car_t_effector,
             "effector to memory conversion"),
        Flow("car_t_memory", "car_t_effector",
             k.car_t_memory_reactivation_rate * e.car_t_antigen_stimulation * x.car_t_memory,
             "antigen-driven memory reactivation"),
    ),
    terms=(
        Term("car_t_effector",
             where(_extinct, smin(e.car_t_homeostatic_growth, 0) * x.car_t_effector,
                   (e.car_t_antigen_drive + e.car_t_homeostatic_growth) * x.car_t_effector),
             "expansion (antigen and homeostatic; none below one cell)"),
        Term("car_t_effector", -k.car_t_effector_death_rate * x.car_t_effector,
             "effector death"),
        Term("car_t_memory", -k.car_t_memory_death_rate * x.car_t_memory, "memory loss"),
        *(Term(pool, -(e.car_t_kill_hazard if pool in BLOOD_TARGETS
                       else e.car_t_tissue_kill_hazard) * getattr(x, pool), "CAR-T kill")
          for pool in ANTIGEN_POOLS),
    ),
)
