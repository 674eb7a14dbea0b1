"""Analytic Jacobian ``J[i, j] = ∂f_i/∂y_j`` of :func:`immunoreset.model._rhs.rhs`.

Written by hand from the equations of ``_rhs.py`` (same names, same order) and checked
against central finite differences at many random states and parameter sets in
``tests/model/test_jacobian.py``: any edit to the RHS must be mirrored here, or that test
fails.

Non-smooth points are given one-sided derivatives, as the solver sees a state approaching
them from inside the physical domain:

* the clamps ``max(y_j, 0)``: derivative 1 for ``y_j >= 0`` and 0 below (right derivative
  at 0, where the states sit before a dose, e.g. fludarabine or CAR-T before day 0);
* ``max(0, 1 - x)``, ``max(0, 1 - B/B_ref)``, ``max(lymph, 1e-12 T0)``, ``max(x, 1e-12)``,
  ``min(boost, 0)``: the derivative of the active branch;
* the CAR-T extinction switch (``C_E V_dist < 1 cell``) is a jump in ``C_E``, not a
  derivative: the Jacobian is that of the active branch (drive 0, boost ``min(boost, 0)``).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from immunoreset.model._rhs import (
    K_AL,
    K_AO,
    K_BL,
    K_BREF,
    K_BT,
    K_C3C,
    K_C3K,
    K_C4C,
    K_C4K,
    K_CAP,
    K_CARCAP,
    K_CLR,
    K_DA,
    K_DE,
    K_DIF,
    K_DLL,
    K_DM,
    K_DMB,
    K_DN,
    K_DP,
    K_DPB,
    K_DR,
    K_EC,
    K_EF,
    K_EM,
    K_ETA,
    K_FB,
    K_FD,
    K_FLLG,
    K_FORM,
    K_G0,
    K_GAM,
    K_GF,
    K_GN,
    K_IGG,
    K_IL6E,
    K_IL6P,
    K_KAG,
    K_KC,
    K_KF,
    K_KI,
    K_KK,
    K_KS,
    K_LL,
    K_MAT,
    K_ME,
    K_MUI,
    K_NI,
    K_NS,
    K_PBOREF,
    K_PM,
    K_RC,
    K_REC,
    K_RHO,
    K_RN,
    K_SIG,
    K_SP,
    K_SYN,
    K_T0,
    K_TB,
    K_UD,
    K_UI,
    K_UR,
    K_VDIST,
    UL_PER_L,
    X_ADS,
    X_BMB,
    X_BMT,
    X_BNB,
    X_BNT,
    X_C3,
    X_C4,
    X_CE,
    X_CM,
    X_DMG,
    X_FL,
    X_IC,
    X_IGG,
    X_IL6,
    X_INF,
    X_LLA,
    X_LLV,
    X_P,
    X_PBA,
    X_PBO,
    X_PROT,
    X_T,
    X_UC,
    X_UF,
    X_VAC,
)  # fmt: skip

__all__ = ["CLAMPED_STATES", "jac"]

#: States that enter the rates through ``max(y, 0)`` (the others enter linearly, raw).
CLAMPED_STATES = (X_UF, X_UC, X_T, X_CE, X_CM, X_P, X_BNB, X_BNT, X_BMB, X_BMT, X_PBA, X_PBO,
                  X_LLA, X_LLV, X_ADS, X_IC, X_C3, X_C4, X_INF, X_DMG, X_FL)  # fmt: skip
_CLAMPED = np.array(CLAMPED_STATES, dtype=np.int64)
#: The CD19⁺ pools that make up the CAR-T antigen ``Ag``.
_ANTIGEN = np.array([X_P, X_BNB, X_BNT, X_BMB, X_BMT, X_PBA, X_PBO], dtype=np.int64)
#: Pools killed by CAR-T: (state, 1 in blood / 0 in tissue or marrow).
_KILLED = np.array([[X_P, 0], [X_BNB, 1], [X_BNT, 0], [X_BMB, 1], [X_BMT, 0], [X_PBA, 0],
                    [X_PBO, 0]], dtype=np.int64)  # fmt: skip


@numba.njit(cache=True, inline="always")
def _hill_and_slope(x: float, n: float) -> tuple[float, float]:
    """``(x^n / (1 + x^n), d/dx)`` for x > 0; ``(0, 0)`` for x <= 0."""
    if x <= 0.0:
        return 0.0, 0.0
    xn = x**n
    d = 1.0 + xn
    return xn / d, n * xn / (x * d * d)


@numba.njit(cache=True)
def jac(t: float, y: np.ndarray, p: np.ndarray, J: np.ndarray) -> None:
    """Write ``J[i, j] = ∂f_i/∂y_j`` (per day) at state ``y`` and parameters ``p`` into ``J``."""
    n = y.size
    for i in range(n):
        for j in range(n):
            J[i, j] = 0.0
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
    ads = max(y[X_ADS], 0.0)
    ic = max(y[X_IC], 0.0)
    c3 = max(y[X_C3], 0.0)
    c4 = max(y[X_C4], 0.0)
    inf = max(y[X_INF], 0.0)
    fl = max(y[X_FL], 0.0)

    # Lymphodepletion: kld = kF uF + kC uC; every pool it kills gets -kF v, -kC v columns.
    kf = p[K_KF]
    kc = p[K_KC]
    kld = kf * uf + kc * uc
    J[X_UF, X_UF] = -p[K_EF]
    J[X_UC, X_UC] = -p[K_EC]
    for v_idx in (X_T, X_CE, X_CM, X_P, X_BNB, X_BNT, X_BMB, X_BMT, X_PBA, X_PBO):
        v = max(y[v_idx], 0.0)
        J[v_idx, X_UF] = -kf * v
        J[v_idx, X_UC] = -kc * v

    # Endogenous T cells.
    t0 = p[K_T0]
    lymph = tc + ce + cm
    x = lymph / t0
    floor = 1e-12 * t0
    log_t = math.log(t0 / max(lymph, floor))
    dlog_t = -1.0 / lymph if lymph > floor else 0.0  # d log_t / d(T, C_E, C_M)
    rn = p[K_RN]
    J[X_T, X_T] = rn * log_t + rn * tc * dlog_t - kld
    J[X_T, X_CE] = rn * tc * dlog_t
    J[X_T, X_CM] = rn * tc * dlog_t

    # CAR-T.
    ag = pr + bnb + bnt + bmb + bmt + pba + pbo
    kag = p[K_KAG]
    s_ag = ag / (ag + kag)
    ds_ag = kag / ((ag + kag) * (ag + kag))  # d s_ag / d(each antigen pool)
    one_minus = max(0.0, 1.0 - x)
    a = p[K_AL]
    den = a * x * x + one_minus * one_minus
    shape = one_minus * one_minus / den
    dshape = 0.0  # d shape / dx
    if one_minus > 0.0:
        dshape = -2.0 * a * one_minus * x / (den * den)
    xc = max(x, 1e-12)
    log_c = math.log(p[K_CARCAP] / xc)
    dlog_c = -1.0 / x if x > 1e-12 else 0.0
    rate = p[K_RC] + p[K_BL] * shape
    boost = rate * log_c
    dboost = p[K_BL] * dshape * log_c + rate * dlog_c  # d boost / dx
    rho = p[K_RHO]
    syn = p[K_SYN]
    drive = rho * s_ag * (1.0 + syn * shape)
    ddrive_ds = rho * (1.0 + syn * shape)
    ddrive_dx = rho * s_ag * syn * dshape
    if ce * p[K_VDIST] * UL_PER_L < 1.0:
        drive = 0.0
        ddrive_ds = 0.0
        ddrive_dx = 0.0
        if boost > 0.0:
            boost = 0.0
            dboost = 0.0
    dg_dx = (ddrive_dx + dboost) / t0  # d (drive + boost) / d(T, C_E, C_M)
    me = p[K_ME]
    em = p[K_EM]
    J[X_CE, X_CE] = drive + boost + ce * dg_dx - (p[K_DE] + em) - kld
    J[X_CE, X_T] = ce * dg_dx
    J[X_CE, X_CM] = ce * dg_dx + me * s_ag
    J[X_CM, X_CE] = em
    J[X_CM, X_CM] = -me * s_ag - p[K_DM] - kld
    il6p = p[K_IL6P]
    for k in _ANTIGEN:
        J[X_CE, k] = (ce * ddrive_ds + me * cm) * ds_ag
        J[X_CM, k] = -me * cm * ds_ag
        J[X_IL6, k] = il6p * ce * ds_ag
    car = ce + cm
    kk = p[K_KK]
    kill = p[K_GAM] * car / (car + kk)
    dkill = p[K_GAM] * kk / ((car + kk) * (car + kk))
    eta = p[K_ETA]
    kill_t = eta * kill
    for r in range(_KILLED.shape[0]):
        v_idx = _KILLED[r, 0]
        v = max(y[v_idx], 0.0)
        dk = dkill if _KILLED[r, 1] == 1 else eta * dkill
        J[v_idx, X_CE] = -dk * v
        J[v_idx, X_CM] = -dk * v

    # IL-6.
    J[X_IL6, X_IL6] = -p[K_IL6E]
    J[X_IL6, X_CE] = il6p * s_ag

    # Stimulation of autoreactive B cells.
    ks = p[K_KS]
    stim, dstim = _hill_and_slope(ic / ks + p[K_GF] * fl, p[K_NS])
    dstim_dic = dstim / ks
    dstim_dfl = dstim * p[K_GF]

    # B lineage.
    bref = p[K_BREF]
    dfeed = -p[K_FB] / bref if 1.0 - (bnb + bmb) / bref > 0.0 else 0.0
    sp = p[K_SP]
    mat = p[K_MAT]
    J[X_P, X_P] = -(mat + p[K_DP] + kill_t + kld)
    J[X_P, X_BNB] = sp * dfeed
    J[X_P, X_BMB] = sp * dfeed
    kbt = p[K_BT]
    ktb = p[K_TB]
    dn = p[K_DN]
    J[X_BNB, X_P] = mat
    J[X_BNB, X_BNB] = -(kbt + dn + kill + kld)
    J[X_BNB, X_BNT] = ktb
    rec = p[K_REC]
    ao = p[K_AO]
    J[X_BNT, X_BNB] = kbt
    J[X_BNT, X_BNT] = -(ktb + dn + kill_t + kld) - rec * stim - ao
    J[X_BNT, X_IC] = -rec * bnt * dstim_dic
    J[X_BNT, X_FL] = -rec * bnt * dstim_dfl
    dmb = p[K_DMB]
    J[X_BMB, X_BMT] = ktb
    J[X_BMB, X_BMB] = -(kbt + dmb + kill + kld)
    pm = p[K_PM]
    cap = p[K_CAP]
    dif = p[K_DIF]
    J[X_BMT, X_BMB] = kbt
    J[X_BMT, X_BNT] = rec * stim
    J[X_BMT, X_BMT] = (-(ktb + dmb + kill_t + kld) + pm * stim * (1.0 - 2.0 * bmt / cap)
                       - dif)  # fmt: skip
    dprolif_dstim = rec * bnt + pm * bmt * (1.0 - bmt / cap)
    J[X_BMT, X_IC] = dprolif_dstim * dstim_dic
    J[X_BMT, X_FL] = dprolif_dstim * dstim_dfl
    dpb = p[K_DPB]
    ll = p[K_LL]
    J[X_PBA, X_BMT] = dif
    J[X_PBA, X_PBA] = -(dpb + ll + kill_t + kld)
    J[X_PBO, X_BNT] = ao
    J[X_PBO, X_PBO] = -(dpb + kill_t + kld)
    dll = p[K_DLL]
    J[X_LLA, X_PBA] = ll
    J[X_LLA, X_LLA] = -dll
    pboref = p[K_PBOREF]
    J[X_LLV, X_PBO] = dll / pboref
    J[X_LLV, X_LLV] = -dll

    # Antibodies.
    gn = p[K_GN]
    form = p[K_FORM]
    binding = form * (1.0 + gn * inf) * (1.0 + fl)
    dbind_dinf = form * gn * (1.0 + fl)
    dbind_dfl = form * (1.0 + gn * inf)
    k_igg = p[K_IGG]
    sig = p[K_SIG]
    J[X_ADS, X_PBA] = sig
    J[X_ADS, X_LLA] = sig
    J[X_ADS, X_ADS] = -(k_igg + binding)
    J[X_ADS, X_INF] = -dbind_dinf * ads
    J[X_ADS, X_FL] = -dbind_dfl * ads
    J[X_VAC, X_LLV] = k_igg
    J[X_VAC, X_VAC] = -k_igg
    f_ll = p[K_FLLG]
    g0 = p[K_G0]
    J[X_IGG, X_PBO] = k_igg * g0 * (1.0 - f_ll) / pboref
    J[X_IGG, X_LLV] = k_igg * g0 * f_ll
    J[X_IGG, X_IGG] = -k_igg

    # Disease.
    J[X_IC, X_ADS] = binding
    J[X_IC, X_INF] = dbind_dinf * ads
    J[X_IC, X_FL] = dbind_dfl * ads
    J[X_IC, X_IC] = -p[K_CLR]
    J[X_C3, X_C3] = -p[K_C3K] - p[K_C3C] * ic
    J[X_C3, X_IC] = -p[K_C3C] * c3
    J[X_C4, X_C4] = -p[K_C4K] - p[K_C4C] * ic
    J[X_C4, X_IC] = -p[K_C4C] * c4
    ki = p[K_KI]
    mui = p[K_MUI]
    _, dh_inf = _hill_and_slope(ic / ki, p[K_NI])
    J[X_INF, X_IC] = mui * dh_inf / ki
    J[X_INF, X_INF] = -mui
    J[X_DMG, X_INF] = p[K_DA]
    J[X_DMG, X_DMG] = -p[K_DR]
    ur = p[K_UR]
    J[X_PROT, X_INF] = ur * p[K_UI]
    J[X_PROT, X_DMG] = ur * p[K_UD]
    J[X_PROT, X_PROT] = -ur
    J[X_FL, X_FL] = -p[K_FD]

    # Chain rule through the clamps: columns of states below zero vanish.
    for k in _CLAMPED:
        if y[k] < 0.0:
            for i in range(n):
                J[i, k] = 0.0
