"""The parameters the SLE / CD19 CAR-T model needs, in RHS order, with canonical units.

Values, sources and variability are in ``data/sle_cd19_cart.toml``; this module only
declares names, units and meanings so that a parameter file can be checked on load.
Parameters after :data:`N_FILE_PARAMETERS` in the RHS vector are *derived* per patient
from its pre-treatment steady state (see :func:`immunoreset.model.equilibrium`).
"""

from __future__ import annotations

from immunoreset.model._parameters import ParameterSpec

__all__ = ["DERIVED", "N_FILE_PARAMETERS", "PARAMETER_INDEX", "SPECS"]

_S = ParameterSpec

SPECS: tuple[ParameterSpec, ...] = (
    # --- lymphodepletion
    _S("fludarabine_volume", "L/m**2", "steady-state distribution volume of 2F-ara-A per m² BSA"),
    _S("fludarabine_clearance", "L/m**2/day", "total clearance of 2F-ara-A per m² BSA"),
    _S("cyclophosphamide_elimination_rate", "1/day", "first-order elimination of cyclophosphamide"),
    _S("lymphodepletion_max_kill_rate", "1/day", "maximal lymphocyte death hazard of lymphodepleting chemotherapy"),
    _S("fludarabine_kill_ec50", "mg/L", "plasma 2F-ara-A giving half the maximal lymphocyte kill"),
    _S("cyclophosphamide_kill_a50", "mg/m**2", "cyclophosphamide in the body per m² giving half the maximal lymphocyte kill"),
    _S("b_lymphodepletion_sensitivity", "dimensionless", "lymphodepletion hazard of CD19+ B-lineage cells relative to T cells"),
    # --- endogenous T cells, homeostatic space and cytokines
    _S("t_cells_baseline", "cell/uL", "pre-treatment blood T-cell count (homeostatic set point)"),
    _S("t_cell_reconstitution_rate", "1/day", "Gompertz rate of T-cell reconstitution"),
    _S("homeostatic_cytokine_turnover_rate", "1/day", "turnover rate of serum IL-7/IL-15"),
    _S("homeostatic_cytokine_other_sink", "dimensionless", "share of IL-7/IL-15 consumption by cells that lymphodepletion spares"),
    _S("car_t_homeostatic_rate", "1/day", "homeostatic CAR-T growth/competition rate"),
    _S("car_t_capacity_fraction", "dimensionless", "CAR-T carrying capacity as a fraction of the T-cell set point"),
    # --- CAR-T cells
    _S("car_t_activation_rate", "1/day", "activation rate of infused CAR-T cells (1 / lag)"),
    _S("car_t_distribution_volume", "L", "whole-body CAR-T distribution volume per observed blood concentration"),
    _S("blood_volume", "L", "blood volume"),
    _S("car_t_lymphoid_share", "dimensionless", "share of the body's CAR-T in lymphoid tissue (lymph nodes, spleen)"),
    _S("car_t_marrow_share", "dimensionless", "share of the body's CAR-T in bone marrow"),
    _S("car_t_tissue_access", "dimensionless", "CAR-T presence in lymphoid tissue and marrow relative to other lymphocytes"),
    _S("car_t_antigen_expansion_rate", "1/day", "maximal proliferation rate of a target-engaged effector CAR-T cell"),
    _S("car_t_cytokine_proliferation_rate", "1/day", "antigen-independent homeostatic CAR-T proliferation at full cytokine support"),
    _S("car_t_cytokine_half_saturation", "dimensionless", "homeostatic-cytokine fold giving half-maximal support of CAR-T proliferation"),
    _S("car_t_cytokine_hill", "dimensionless", "Hill coefficient of the cytokine support of CAR-T proliferation"),
    _S("car_t_effector_death_rate", "1/day", "effector CAR-T death (contraction) rate"),
    _S("car_t_memory_conversion_rate", "1/day", "effector to memory CAR-T conversion rate"),
    _S("car_t_memory_reactivation_rate", "1/day", "memory to effector reactivation rate of a target-engaged cell"),
    _S("car_t_memory_death_rate", "1/day", "memory CAR-T loss rate (persistence)"),
    _S("car_t_kill_rate", "1/day", "maximal kills per CAR-T cell per day, and maximal killing hazard per target"),
    _S("car_t_programme_rate", "1/day", "rate at which the CAR-T proliferative programme follows target engagement (1 / its duration)"),
    _S("car_t_kill_half_saturation", "cell/uL", "CAR-T + target count (blood-equivalent) giving half-maximal engagement"),
    # --- IL-6 and CRS
    _S("il6_baseline", "pg/mL", "pre-treatment serum IL-6"),
    _S("il6_elimination_rate", "1/day", "serum IL-6 elimination rate"),
    _S("il6_production_per_car_t", "pg/mL/day/(cell/uL)", "IL-6 release per antigen-engaged effector CAR-T"),
    _S("il6_fever_threshold", "pg/mL", "serum IL-6 at which CRS fever (38 °C) starts"),
    _S("il6_crs_severity_fold", "dimensionless", "fold increase of IL-6 over the fever threshold per further CRS organ-support step"),
    # --- B lineage
    _S("b_precursor_production", "cell/uL/day", "bone-marrow production of CD19+ precursors (blood-equivalent)"),
    _S("b_precursor_maturation_rate", "1/day", "precursor maturation into naive B cells"),
    _S("b_precursor_death_rate", "1/day", "precursor apoptosis rate"),
    _S("marrow_feedback_gain", "dimensionless", "extra fold increase of marrow output when blood B cells are absent"),
    _S("naive_b_death_rate", "1/day", "naive B-cell death rate"),
    _S("b_blood_to_tissue_rate", "1/day", "B-cell migration from blood into lymphoid tissue"),
    _S("b_tissue_to_blood_rate", "1/day", "B-cell return from lymphoid tissue into blood"),
    _S("autoreactive_recruitment_rate", "1/day", "recruitment of naive B cells into the autoreactive memory/activated pool at full stimulation"),
    _S("autoreactive_proliferation_rate", "1/day", "maximal stimulated proliferation of autoreactive memory B cells"),
    _S("autoreactive_death_rate", "1/day", "autoreactive memory B-cell death rate"),
    _S("autoreactive_capacity", "cell/uL", "niche capacity of the tissue autoreactive memory/activated pool"),
    _S("autoreactive_differentiation_rate", "1/day", "differentiation of autoreactive memory/activated B cells into plasmablasts"),
    _S("stimulation_half_ic", "IU/mL", "immune-complex level giving half-maximal autoreactive B stimulation"),
    _S("stimulation_hill", "dimensionless", "Hill coefficient of autoreactive B stimulation"),
    _S("flare_stimulation_gain", "dimensionless", "stimulation added per unit flare trigger (in units of stimulation_half_ic)"),
    _S("flare_decay_rate", "1/day", "decay rate of a flare trigger"),
    _S("plasmablast_death_rate", "1/day", "plasmablast / short-lived plasma-cell death rate"),
    _S("other_plasmablast_activation_rate", "1/day", "activation of tissue naive B into non-autoreactive plasmablasts"),
    _S("llpc_formation_rate", "1/day", "plasmablast entry into the long-lived plasma-cell niche"),
    _S("llpc_death_rate", "1/day", "long-lived plasma-cell death rate"),
    # --- antibodies
    _S("igg_elimination_rate", "1/day", "catabolic elimination rate of IgG"),
    _S("anti_dsdna_secretion_rate", "IU/mL/day/(cell/uL)", "anti-dsDNA secretion per autoreactive antibody-secreting cell"),
    _S("total_igg_baseline", "g/L", "pre-treatment total serum IgG"),
    _S("total_igg_llpc_fraction", "dimensionless", "share of total IgG made by CD19- long-lived plasma cells"),
    _S("immune_complex_formation_rate", "1/day", "fraction of anti-dsDNA bound into immune complexes per day (no inflammation)"),
    _S("immune_complex_clearance_rate", "1/day", "immune-complex clearance rate"),
    _S("autoantigen_inflammation_gain", "dimensionless", "fold increase of nuclear autoantigen release at maximal inflammation"),
    # --- complement
    _S("c3_normal", "g/L", "C3 level without immune-complex consumption"),
    _S("c3_catabolic_rate", "1/day", "fractional catabolic rate of C3"),
    _S("c3_consumption_per_ic", "1/day/(IU/mL)", "extra C3 consumption per unit immune complexes"),
    _S("c4_normal", "g/L", "C4 level without immune-complex consumption"),
    _S("c4_catabolic_rate", "1/day", "fractional catabolic rate of C4"),
    _S("c4_consumption_per_ic", "1/day/(IU/mL)", "extra C4 consumption per unit immune complexes"),
    # --- inflammation, damage, kidney
    _S("inflammation_rate", "1/day", "relaxation rate of pro-inflammatory activity"),
    _S("inflammation_half_ic", "IU/mL", "immune-complex level giving half-maximal inflammation"),
    _S("inflammation_hill", "dimensionless", "Hill coefficient of immune-complex driven inflammation"),
    _S("damage_accrual_rate", "1/day", "renal damage accrual per unit inflammation"),
    _S("damage_repair_rate", "1/day", "renal damage repair rate"),
    _S("proteinuria_normal", "g/day", "physiological urinary protein excretion"),
    _S("proteinuria_inflammation_gain", "g/day", "extra proteinuria at maximal renal inflammation"),
    _S("proteinuria_damage_gain", "g/day", "extra proteinuria per unit damage index"),
    _S("proteinuria_response_rate", "1/day", "rate at which proteinuria follows renal inflammation"),
    # --- flares and observation model (not used inside the RHS)
    _S("flare_rate", "1/day", "rate of stochastic flare triggers"),
    _S("flare_amplitude", "dimensionless", "median size of a flare trigger"),
    _S("flare_amplitude_cv", "dimensionless", "coefficient of variation of flare-trigger size (log-normal)"),
    _S("organ_threshold_low", "dimensionless", "lowest activity threshold of an involved organ descriptor, fraction of baseline inflammation"),
    _S("organ_threshold_high", "dimensionless", "highest activity threshold of an involved organ descriptor, fraction of baseline inflammation"),
    _S("flare_domain_threshold_low", "dimensionless", "lowest threshold of a flare-only organ descriptor, fraction of baseline inflammation"),
    _S("flare_domain_threshold_high", "dimensionless", "highest threshold of a flare-only organ descriptor, fraction of baseline inflammation"),
    _S("pga_scale", "dimensionless", "physician global assessment at maximal inflammation (0-3 scale)"),
)

#: Number of parameters read from the parameter file.
N_FILE_PARAMETERS = len(SPECS)

#: Per-patient quantities appended to the RHS vector, computed from the steady state.
DERIVED: tuple[ParameterSpec, ...] = (
    _S("blood_b_reference", "cell/uL", "pre-treatment blood B cells (marrow feedback set point)"),
    _S("other_plasmablast_reference", "cell/uL", "pre-treatment non-autoreactive plasmablasts"),
)

#: Name -> index in the full RHS parameter vector (file parameters, then derived).
PARAMETER_INDEX: dict[str, int] = {s.name: i for i, s in enumerate(SPECS + DERIVED)}
