"""Right-hand side of the SLE / CD19 CAR-T model, written once, compiled with numba.

Time is in days (t = 0 at CAR-T infusion); states and parameters are in the units of
:mod:`immunoreset.model._states` and :mod:`immunoreset.model._specs`. Nothing here depends
on time or on whether CAR-T was given: every therapy enters as a state jump (dose events),
so shifting all events by k days shifts the solution by k days.

Equations (``kLD = k_F u_F + k_C u_C`` is the lymphodepletion hazard; ``κ`` the CAR-T
killing hazard per CD19⁺ target, ``κ_t = η_t κ`` in tissue and marrow):

* Lymphodepletion exposures: ``u_F' = -k_eF u_F``, ``u_C' = -k_eC u_C``.
* T cells (Gompertz reconstitution, Kimmel 2021): ``T' = r_N T ln(T0 / (T + C)) - kLD T``.
* CAR-T (antigen-driven + lymphopenia-boosted expansion, effector/memory switch)::

      s_Ag = Ag / (Ag + K_Ag),  Ag = all CD19⁺ B-lineage cells (blood-equivalent)
      x = (T + C) / T0;  homeostatic cytokines also amplify antigen-driven proliferation (c)
      ψ = max(0, 1 - x)² / (a x² + (1 - x)²),  φ = (ρ_C + b ψ) ln(κ_C / x)   (Kimmel 2021)
      C_E' = (ρ s_Ag (1 + c ψ) + φ) C_E - (δ_E + k_EM) C_E + k_ME s_Ag C_M - kLD C_E
      C_M' = k_EM C_E - k_ME s_Ag C_M - δ_M C_M - kLD C_M
      κ = γ (C_E + C_M) / (C_E + C_M + K_kill)   (memory-like cells keep cytotoxicity)

  Below one CAR-T cell in the whole body (C_E · V_dist < 1) effectors do not proliferate.

* B lineage: marrow precursors with feedback up to (1 + g) fold when blood B cells fall
  (Hosseini 2020); naive and autoreactive memory B in blood and tissue; plasmablasts; CD19⁻
  long-lived plasma cells (never killed by CAR-T). Autoreactive B cells are recruited from
  naive B and proliferate under stimulation ``S = x^n / (1 + x^n)``,
  ``x = IC / K_S + g_F F`` (immune complexes and flare trigger), inside a niche of capacity
  K_M, and differentiate into plasmablasts at a constant rate. This positive loop
  (B → plasmablasts → anti-dsDNA → immune complexes → S → B) is the bistable switch:
  below a threshold autoreactive mass the loop dies out.
* Antibodies: anti-dsDNA is secreted by autoreactive plasmablasts and long-lived plasma
  cells and lost by IgG catabolism and immune-complex formation; vaccine IgG and total IgG
  are written relative to their pre-treatment production (turnover form).
* Disease: immune complexes ``IC' = k_f N A - k_clr IC`` with nuclear autoantigen
  ``N = 1 + g_N I`` (inflammation releases autoantigen, Arazi & Neumann 2010) multiplied by
  ``1 + F``; complement C3/C4 with synthesis, catabolism and IC consumption; inflammation
  relaxes to a Hill function of IC; damage accrues with inflammation; proteinuria follows
  inflammation and damage; IL-6 rises with antigen-engaged effector CAR-T.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from immunoreset.model._specs import PARAMETER_INDEX as _P
from immunoreset.model._states import STATE_INDEX as _X

__all__ = ["N_STATES", "rhs"]

N_STATES = len(_X)
#: Microlitres per litre (unit conversion).
UL_PER_L = 1e6

# State indices (compile-time constants for numba).
X_UF = _X["fludarabine_exposure"]
X_UC = _X["cyclophosphamide_exposure"]
X_T = _X["t_cells"]
X_CE = _X["car_t_effector"]
X_CM = _X["car_t_memory"]
X_P = _X["b_precursors"]
X_BNB = _X["naive_b_blood"]
X_BNT = _X["naive_b_tissue"]
X_BMB = _X["autoreactive_b_blood"]
X_BMT = _X["autoreactive_b_tissue"]
X_PBA = _X["plasmablasts_autoreactive"]
X_PBO = _X["plasmablasts_other"]
X_LLA = _X["llpc_autoreactive"]
X_LLV = _X["llpc_protective"]
X_ADS = _X["anti_dsdna"]
X_VAC = _X["vaccine_igg"]
X_IGG = _X["total_igg"]
X_IC = _X["immune_complexes"]
X_C3 = _X["c3"]
X_C4 = _X["c4"]
X_INF = _X["inflammation"]
X_DMG = _X["damage"]
X_PROT = _X["proteinuria"]
X_IL6 = _X["il6"]
X_FL = _X["flare_trigger"]

# Parameter indices.
K_EF = _P["fludarabine_elimination_rate"]
K_EC = _P["cyclophosphamide_elimination_rate"]
K_KF = _P["fludarabine_lymphocyte_kill"]
K_KC = _P["cyclophosphamide_lymphocyte_kill"]
K_T0 = _P["t_cells_baseline"]
K_RN = _P["t_cell_reconstitution_rate"]
K_BL = _P["lymphopenia_boost_rate"]
K_AL = _P["lymphopenia_boost_shape"]
K_RHO = _P["car_t_antigen_expansion_rate"]
K_KAG = _P["car_t_antigen_half_saturation"]
K_SYN = _P["lymphopenia_antigen_synergy"]
K_RC = _P["car_t_homeostatic_rate"]
K_VDIST = _P["car_t_distribution_volume"]
K_CARCAP = _P["car_t_capacity_fraction"]
K_DE = _P["car_t_effector_death_rate"]
K_EM = _P["car_t_memory_conversion_rate"]
K_ME = _P["car_t_memory_reactivation_rate"]
K_DM = _P["car_t_memory_death_rate"]
K_GAM = _P["car_t_kill_rate"]
K_KK = _P["car_t_kill_half_saturation"]
K_ETA = _P["tissue_kill_efficacy"]
K_IL60 = _P["il6_baseline"]
K_IL6E = _P["il6_elimination_rate"]
K_IL6P = _P["il6_production_per_car_t"]
K_SP = _P["b_precursor_production"]
K_MAT = _P["b_precursor_maturation_rate"]
K_DP = _P["b_precursor_death_rate"]
K_FB = _P["marrow_feedback_gain"]
K_DN = _P["naive_b_death_rate"]
K_BT = _P["b_blood_to_tissue_rate"]
K_TB = _P["b_tissue_to_blood_rate"]
K_REC = _P["autoreactive_recruitment_rate"]
K_PM = _P["autoreactive_proliferation_rate"]
K_DMB = _P["autoreactive_death_rate"]
K_CAP = _P["autoreactive_capacity"]
K_DIF = _P["autoreactive_differentiation_rate"]
K_KS = _P["stimulation_half_ic"]
K_NS = _P["stimulation_hill"]
K_GF = _P["flare_stimulation_gain"]
K_FD = _P["flare_decay_rate"]
K_DPB = _P["plasmablast_death_rate"]
K_AO = _P["other_plasmablast_activation_rate"]
K_LL = _P["llpc_formation_rate"]
K_DLL = _P["llpc_death_rate"]
K_IGG = _P["igg_elimination_rate"]
K_SIG = _P["anti_dsdna_secretion_rate"]
K_G0 = _P["total_igg_baseline"]
K_FLLG = _P["total_igg_llpc_fraction"]
K_FORM = _P["immune_complex_formation_rate"]
K_CLR = _P["immune_complex_clearance_rate"]
K_GN = _P["autoantigen_inflammation_gain"]
K_C3N = _P["c3_normal"]
K_C3K = _P["c3_catabolic_rate"]
K_C3C = _P["c3_consumption_per_ic"]
K_C4N = _P["c4_normal"]
K_C4K = _P["c4_catabolic_rate"]
K_C4C = _P["c4_consumption_per_ic"]
K_MUI = _P["inflammation_rate"]
K_KI = _P["inflammation_half_ic"]
K_NI = _P["inflammation_hill"]
K_DA = _P["damage_accrual_rate"]
K_DR = _P["damage_repair_rate"]
K_U0 = _P["proteinuria_normal"]
K_UI = _P["proteinuria_inflammation_gain"]
K_UD = _P["proteinuria_damage_gain"]
K_UR = _P["proteinuria_response_rate"]
K_BREF = _P["blood_b_reference"]
K_PBOREF = _P["other_plasmablast_reference"]


@numba.njit(cache=True, inline="always")
def hill(x: float, n: float) -> float:
    """x^n / (1 + x^n) for x >= 0 (0 for x <= 0)."""
    if x <= 0.0:
        return 0.0
    xn = x**n
    return xn / (1.0 + xn)


@numba.njit(cache=True)
def rhs(t: float, y: np.ndarray, p: np.ndarray, dydt: np.ndarray) -> None:
    """Write dy/dt (per day) for state ``y`` (n_states,) and parameters ``p`` into ``dydt``."""
    # Clamp tiny negative excursions of the integrator to zero inside the rates.
    uf = max(y[X_UF], 0.0)
    uc = max(y[X_UC], 0.0)
    tc = max(y[X_T], 0.0)
    ce = max(y[X_CE], 0.0)
    cm = max(y[X_CM], 0.0)
    pr = max(y[X_P], 0.0)
    bnb = max(y[X_BNB], 0.0)
    bnt = max(y[X_BNT], 0.0)
    bmb = max(y[X_BMB], 0.0)
    bmt = max(y[X_BMT], 0.0)
    pba = max(y[X_PBA], 0.0)
    pbo = max(y[X_PBO], 0.0)
    lla = max(y[X_LLA], 0.0)
    llv = max(y[X_LLV], 0.0)
    ads = max(y[X_ADS], 0.0)
    ic = max(y[X_IC], 0.0)
    c3 = max(y[X_C3], 0.0)
    c4 = max(y[X_C4], 0.0)
    inf = max(y[X_INF], 0.0)
    dmg = max(y[X_DMG], 0.0)
    fl = max(y[X_FL], 0.0)

    # Lymphodepletion hazard (1/day).
    kld = p[K_KF] * uf + p[K_KC] * uc
    dydt[X_UF] = -p[K_EF] * uf
    dydt[X_UC] = -p[K_EC] * uc

    # Endogenous T cells: Gompertz towards the set point, shared with CAR-T.
    t0 = p[K_T0]
    lymph = tc + ce + cm
    x = lymph / t0
    growth = 0.0
    if tc > 0.0:
        growth = p[K_RN] * tc * math.log(t0 / max(lymph, 1e-12 * t0))
    dydt[X_T] = growth - kld * tc

    # CAR-T: antigen drive, lymphopenia boost, effector/memory switch.
    ag = pr + bnb + bnt + bmb + bmt + pba + pbo
    s_ag = ag / (ag + p[K_KAG])
    one_minus = max(0.0, 1.0 - x)
    shape = one_minus * one_minus / (p[K_AL] * x * x + one_minus * one_minus)
    # Kimmel 2021: CAR-T grow while the lymphocyte space is below their lower carrying
    # capacity and are out-competed above it, at a rate that is fastest when it is empty.
    boost = (p[K_RC] + p[K_BL] * shape) * math.log(p[K_CARCAP] / max(x, 1e-12))
    antigen_drive = p[K_RHO] * s_ag * (1.0 + p[K_SYN] * shape)
    # A CAR-T population smaller than one cell in the whole body cannot proliferate
    # (extinction): without this, round-off in a stiff solve (~1e-16 cells/µL) would be
    # amplified by the lymphopenic growth rate before any infusion.
    if ce * p[K_VDIST] * UL_PER_L < 1.0:
        antigen_drive = 0.0
        boost = min(boost, 0.0)
    dydt[X_CE] = ((antigen_drive + boost) * ce - (p[K_DE] + p[K_EM]) * ce
                  + p[K_ME] * s_ag * cm - kld * ce)
    dydt[X_CM] = p[K_EM] * ce - p[K_ME] * s_ag * cm - p[K_DM] * cm - kld * cm
    car = ce + cm
    kill = p[K_GAM] * car / (car + p[K_KK])
    kill_t = p[K_ETA] * kill

    # IL-6: baseline turnover plus release by antigen-engaged effector CAR-T.
    dydt[X_IL6] = p[K_IL6E] * (p[K_IL60] - y[X_IL6]) + p[K_IL6P] * ce * s_ag

    # Stimulation of autoreactive B cells by immune complexes and flare triggers.
    stim = hill(ic / p[K_KS] + p[K_GF] * fl, p[K_NS])

    # B lineage.
    blood_b = bnb + bmb
    feedback = 1.0 + p[K_FB] * max(0.0, 1.0 - blood_b / p[K_BREF])
    dydt[X_P] = p[K_SP] * feedback - (p[K_MAT] + p[K_DP] + kill_t + kld) * pr
    kbt = p[K_BT]
    ktb = p[K_TB]
    dydt[X_BNB] = p[K_MAT] * pr - (kbt + p[K_DN] + kill + kld) * bnb + ktb * bnt
    recruit = p[K_REC] * stim * bnt
    activate_other = p[K_AO] * bnt
    dydt[X_BNT] = (kbt * bnb - (ktb + p[K_DN] + kill_t + kld) * bnt
                   - recruit - activate_other)
    dydt[X_BMB] = ktb * bmt - (kbt + p[K_DMB] + kill + kld) * bmb
    prolif = p[K_PM] * stim * bmt * (1.0 - bmt / p[K_CAP])
    differentiate = p[K_DIF] * bmt
    dydt[X_BMT] = (kbt * bmb - (ktb + p[K_DMB] + kill_t + kld) * bmt
                   + recruit + prolif - differentiate)
    dydt[X_PBA] = differentiate - (p[K_DPB] + p[K_LL] + kill_t + kld) * pba
    dydt[X_PBO] = activate_other - (p[K_DPB] + kill_t + kld) * pbo
    dydt[X_LLA] = p[K_LL] * pba - p[K_DLL] * lla
    pbo_rel = pbo / p[K_PBOREF]
    dydt[X_LLV] = p[K_DLL] * (pbo_rel - llv)

    # Antibodies.
    autoantigen = (1.0 + p[K_GN] * inf) * (1.0 + fl)
    k_igg = p[K_IGG]
    binding = p[K_FORM] * autoantigen
    dydt[X_ADS] = p[K_SIG] * (pba + lla) - (k_igg + binding) * ads
    dydt[X_VAC] = k_igg * (llv - y[X_VAC])
    f_ll = p[K_FLLG]
    dydt[X_IGG] = k_igg * (p[K_G0] * ((1.0 - f_ll) * pbo_rel + f_ll * llv) - y[X_IGG])

    # Disease.
    dydt[X_IC] = binding * ads - p[K_CLR] * ic
    dydt[X_C3] = p[K_C3K] * (p[K_C3N] - c3) - p[K_C3C] * ic * c3
    dydt[X_C4] = p[K_C4K] * (p[K_C4N] - c4) - p[K_C4C] * ic * c4
    dydt[X_INF] = p[K_MUI] * (hill(ic / p[K_KI], p[K_NI]) - inf)
    dydt[X_DMG] = p[K_DA] * inf - p[K_DR] * dmg
    target_prot = p[K_U0] + p[K_UI] * inf + p[K_UD] * dmg
    dydt[X_PROT] = p[K_UR] * (target_prot - y[X_PROT])
    dydt[X_FL] = -p[K_FD] * fl
