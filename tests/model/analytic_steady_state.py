"""Reference: the analytic pre-treatment steady state of the SLE / CD19 CAR-T model.

This was the model's own steady state before the generic search
(:func:`immunoreset.model.equilibrium`) replaced it; it stays here as an independent
check of that search on this model.

Pre-treatment steady state of each virtual patient (the active-disease attractor).

A patient's baseline is read from its model state, never sampled beside the model: given
a parameter vector, the untreated model without flare triggers has (in general) two
stable equilibria — quiescent and inflamed — separated by an unstable one. With no
therapy and no flare, every state is a function of the immune-complex level ``IC``
alone, so the equilibria are the roots of a scalar fixed-point equation
``IC = Φ(IC)``; the inflamed attractor is its largest stable root. We locate it on a
logarithmic grid and refine it by bisection, vectorised over patients.
"""

from __future__ import annotations

import numpy as np

from immunoreset.model import PARAMETER_INDEX as _P
from immunoreset.model import STATE_INDEX as _X

__all__ = ["steady_state"]

_GRID_DECADES = (-4.0, 4.0)  # IC grid, in units of stimulation_half_ic
_GRID_POINTS = 161
_BISECTIONS = 60


def _hill(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    xn = np.power(np.maximum(x, 0.0), n)
    return xn / (1.0 + xn)


def _chain(ic: np.ndarray, p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every steady-state quantity as a function of the immune-complex level ``ic``."""
    stim = _hill(ic / p["stimulation_half_ic"], p["stimulation_hill"])
    inf = _hill(ic / p["inflammation_half_ic"], p["inflammation_hill"])
    prec = p["b_precursor_production"] / (p["b_precursor_maturation_rate"] + p["b_precursor_death_rate"])
    kbt, ktb = p["b_blood_to_tissue_rate"], p["b_tissue_to_blood_rate"]
    dn, dm = p["naive_b_death_rate"], p["autoreactive_death_rate"]
    out_t = ktb + dn + p["autoreactive_recruitment_rate"] * stim + p["other_plasmablast_activation_rate"]
    bnb = p["b_precursor_maturation_rate"] * prec / (kbt + dn - ktb * kbt / out_t)
    bnt = kbt * bnb / out_t
    lin = (kbt * ktb / (kbt + dm) - (ktb + dm) - p["autoreactive_differentiation_rate"]
           + p["autoreactive_proliferation_rate"] * stim)
    quad = p["autoreactive_proliferation_rate"] * stim / p["autoreactive_capacity"]
    const = p["autoreactive_recruitment_rate"] * stim * bnt
    disc = np.sqrt(lin * lin + 4.0 * quad * const)
    with np.errstate(divide="ignore", invalid="ignore"):
        bmt = np.where(lin > 0.0, (lin + disc) / np.where(quad > 0, 2.0 * quad, 1.0),
                       2.0 * const / np.where(disc - lin > 0, disc - lin, 1.0))
    bmt = np.where((lin > 0.0) & (quad <= 0.0), np.inf, bmt)
    bmb = ktb * bmt / (kbt + dm)
    pba = p["autoreactive_differentiation_rate"] * bmt / (
        p["plasmablast_death_rate"] + p["llpc_formation_rate"])
    lla = p["llpc_formation_rate"] * pba / p["llpc_death_rate"]
    autoantigen = 1.0 + p["autoantigen_inflammation_gain"] * inf
    binding = p["immune_complex_formation_rate"] * autoantigen
    ads = p["anti_dsdna_secretion_rate"] * (pba + lla) / (p["igg_elimination_rate"] + binding)
    ic_new = binding * ads / p["immune_complex_clearance_rate"]
    pbo = p["other_plasmablast_activation_rate"] * bnt / p["plasmablast_death_rate"]
    return dict(stim=stim, inf=inf, prec=prec, bnb=bnb, bnt=bnt, bmt=bmt, bmb=bmb, pba=pba,
                lla=lla, ads=ads, ic_new=ic_new, pbo=pbo)


def steady_state(params: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inflamed pre-treatment steady state for each patient.

    Parameters
    ----------
    params:
        ``(n_patients, n_parameters)`` RHS parameter vectors (file parameters followed by
        the derived slots, whose content is ignored and overwritten).

    Returns
    -------
    y0, params, found:
        ``(n_patients, n_states)`` steady states, a copy of ``params`` with the derived
        slots filled in, and ``(n_patients,)`` booleans: False where no inflamed
        attractor exists (such a parameter set is not a patient with active disease).
    """
    params = np.array(params, dtype=np.float64, copy=True)
    n = params.shape[0]
    p = {name: params[:, i] for name, i in _P.items()}
    ks = p["stimulation_half_ic"]
    grid = np.logspace(*_GRID_DECADES, _GRID_POINTS)[None, :] * ks[:, None]
    pg = {k: v[:, None] for k, v in p.items()}
    with np.errstate(over="ignore", invalid="ignore"):
        resid = _chain(grid, pg)["ic_new"] - grid
    positive = resid > 0.0
    # Largest j with resid[j] > 0 and resid[j + 1] <= 0: the inflamed (stable) crossing.
    crossing = positive[:, :-1] & ~positive[:, 1:]
    has = crossing.any(axis=1)
    j = np.where(has, crossing.shape[1] - 1 - np.argmax(crossing[:, ::-1], axis=1), 0)
    lo = grid[np.arange(n), j]
    hi = grid[np.arange(n), j + 1]
    for _ in range(_BISECTIONS):
        mid = np.sqrt(lo * hi)
        r = _chain(mid, p)["ic_new"] - mid
        lo = np.where(r > 0.0, mid, lo)
        hi = np.where(r > 0.0, hi, mid)
    ic = np.sqrt(lo * hi)
    c = _chain(ic, p)
    found = has & np.isfinite(c["ads"]) & (c["bmt"] < p["autoreactive_capacity"])

    y = np.zeros((n, len(_X)))
    y[:, _X["t_cells"]] = p["t_cells_baseline"]
    y[:, _X["homeostatic_cytokine"]] = 1.0
    y[:, _X["b_precursors"]] = c["prec"]
    y[:, _X["naive_b_blood"]] = c["bnb"]
    y[:, _X["naive_b_tissue"]] = c["bnt"]
    y[:, _X["autoreactive_b_blood"]] = c["bmb"]
    y[:, _X["autoreactive_b_tissue"]] = c["bmt"]
    y[:, _X["plasmablasts_autoreactive"]] = c["pba"]
    y[:, _X["plasmablasts_other"]] = c["pbo"]
    y[:, _X["llpc_autoreactive"]] = c["lla"]
    y[:, _X["llpc_protective"]] = 1.0
    y[:, _X["anti_dsdna"]] = c["ads"]
    y[:, _X["vaccine_igg"]] = 1.0
    y[:, _X["total_igg"]] = p["total_igg_baseline"]
    y[:, _X["immune_complexes"]] = ic
    y[:, _X["c3"]] = p["c3_catabolic_rate"] * p["c3_normal"] / (
        p["c3_catabolic_rate"] + p["c3_consumption_per_ic"] * ic)
    y[:, _X["c4"]] = p["c4_catabolic_rate"] * p["c4_normal"] / (
        p["c4_catabolic_rate"] + p["c4_consumption_per_ic"] * ic)
    y[:, _X["inflammation"]] = c["inf"]
    dmg = p["damage_accrual_rate"] * c["inf"] / p["damage_repair_rate"]
    y[:, _X["damage"]] = dmg
    y[:, _X["proteinuria"]] = (p["proteinuria_normal"] + p["proteinuria_inflammation_gain"] * c["inf"]
                               + p["proteinuria_damage_gain"] * dmg)
    y[:, _X["il6"]] = p["il6_baseline"]
    # The CAR-T programme rests at the engaged fraction of (absent) CAR-T: sum over the
    # compartments of share x targets / (K + targets).
    share = {"blood": p["blood_volume"] / p["car_t_distribution_volume"],
             "tissue": p["car_t_lymphoid_share"] * p["car_t_tissue_access"],
             "marrow": p["car_t_marrow_share"] * p["car_t_tissue_access"]}
    targets = {"blood": c["bnb"] + c["bmb"], "tissue": c["bnt"] + c["bmt"] + c["pba"] + c["pbo"],
               "marrow": c["prec"]}
    y[:, _X["car_t_stimulation"]] = sum(
        share[k] * targets[k] / (p["car_t_kill_half_saturation"] + targets[k]) for k in share)
    params[:, _P["blood_b_reference"]] = c["bnb"] + c["bmb"]
    params[:, _P["other_plasmablast_reference"]] = c["pbo"]
    y[~found] = np.nan
    return y, params, found
