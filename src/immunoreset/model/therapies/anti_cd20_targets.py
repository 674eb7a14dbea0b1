"""The CD20⁺ target shared by the anti-CD20 antibodies (rituximab, obinutuzumab).

CD20 is on pre-B and mature B cells, not on pro-B cells, plasmablasts or plasma cells
(rituximab label; ``shared/science/therapies.md`` §1.4). The CD20⁺ pools of the core
model are therefore the naive and autoreactive B cells in blood and lymphoid tissue and a
fraction ``p`` of the marrow precursors; plasmablasts (``plasmablasts_*``) and long-lived
plasma cells (``llpc_*``) are never targets.

::

    M = naive_b_blood + autoreactive_b_blood + naive_b_tissue + autoreactive_b_tissue
        + p b_precursors                               CD20⁺ body mass (blood-equivalent)
    m = M / M_ref                                      target relative to the reference

This module declares the target once. Each antibody module builds its kill terms with
:func:`kill_terms`: a saturating hazard of the drug concentration that reaches the
compartment, ``h = k_max C / (C50 + C)``, in full on blood B cells (central concentration),
times the tissue access ``a_t`` on lymphoid-tissue B cells and times the marrow access
``a_m`` on the CD20⁺ share of the precursors (both at the peripheral-compartment
concentration). Its target-mediated clearance reads ``m``.
"""

from sympy import Expr, Symbol

from immunoreset.model.declare import Expression, Flow, Module, State, Term, e, k, x

#: CD20⁺ pools of the core model killed with full access (blood) or the tissue access.
BLOOD_TARGETS = ("naive_b_blood", "autoreactive_b_blood")
TISSUE_TARGETS = ("naive_b_tissue", "autoreactive_b_tissue")
#: The marrow pool, of which only the CD20⁺ share is a target.
MARROW_TARGET = "b_precursors"
#: Shared parameters an antibody module lists when it uses :func:`kill_terms`.
SHARED_KILL_PARAMETERS = ("anti_cd20_tissue_access", "anti_cd20_marrow_access",
                          "anti_cd20_precursor_cd20_fraction")


def _saturating(kmax: Symbol, c50: Symbol, conc: Expr) -> Expr:
    return kmax * conc / (c50 + conc)


def kill_terms(drug: str, central_concentration: Expr, peripheral_concentration: Expr,
               ) -> tuple[tuple[Expression, ...], tuple[Term, ...]]:
    """Named kill hazards ``<drug>_kill_hazard_{blood,tissue,marrow}`` (1/day) and their loss
    terms on the CD20⁺ pools, with ``k.<drug>_max_kill_rate`` and
    ``k.<drug>_half_kill_concentration``."""
    kmax = getattr(k, f"{drug}_max_kill_rate")
    c50 = getattr(k, f"{drug}_half_kill_concentration")
    hazards = (
        Expression(f"{drug}_kill_hazard_blood", _saturating(kmax, c50, central_concentration),
                   f"{drug} killing hazard of CD20⁺ B cells in blood (1/day)", observe=True),
        Expression(f"{drug}_kill_hazard_tissue",
                   k.anti_cd20_tissue_access * _saturating(kmax, c50, peripheral_concentration),
                   f"{drug} killing hazard of CD20⁺ B cells in lymphoid tissue (1/day)",
                   observe=True),
        Expression(f"{drug}_kill_hazard_marrow",
                   k.anti_cd20_marrow_access * _saturating(kmax, c50, peripheral_concentration),
                   f"{drug} killing hazard of CD20⁺ marrow precursors (1/day)"),
    )
    blood = getattr(e, f"{drug}_kill_hazard_blood")
    tissue = getattr(e, f"{drug}_kill_hazard_tissue")
    marrow = getattr(e, f"{drug}_kill_hazard_marrow")
    terms = (
        *(Term(pool, -blood * getattr(x, pool), f"{drug} kill (blood)") for pool in BLOOD_TARGETS),
        *(Term(pool, -tissue * getattr(x, pool), f"{drug} kill (lymphoid tissue)")
          for pool in TISSUE_TARGETS),
        Term(MARROW_TARGET,
             -k.anti_cd20_precursor_cd20_fraction * marrow * getattr(x, MARROW_TARGET),
             f"{drug} kill of the CD20⁺ share of marrow precursors"),
    )
    return hazards, terms


def antibody_module(drug: str, meaning: str) -> Module:
    """The two-compartment PK and CD20⁺ killing of one anti-CD20 antibody ``drug``.

    ::

        A1' = -(CL + CL_T m) / V1 A1 - Q / V1 A1 + Q / V2 A2     central amount (mg)
        A2' =  Q / V1 A1 - Q / V2 A2                               peripheral amount (mg)
        C1 = A1 / V1,  C2 = A2 / V2                                concentrations (mg/L)

    ``CL`` is the linear clearance, ``CL_T m`` the target-mediated clearance: ``CL_T`` at
    the reference CD20⁺ mass, falling with the target as the drug depletes it (largest at
    the first dose, negligible once B cells are gone: Ternant 2019's latent-target model,
    the time-dependent clearance of obinutuzumab). Kill terms: :func:`kill_terms` with
    ``C1`` for blood and ``C2`` for tissue and marrow.
    """
    central, peripheral = getattr(x, f"{drug}_central"), getattr(x, f"{drug}_peripheral")
    v1, v2 = getattr(k, f"{drug}_central_volume"), getattr(k, f"{drug}_peripheral_volume")
    q = getattr(k, f"{drug}_intercompartmental_clearance")
    cl, cl_t = getattr(k, f"{drug}_linear_clearance"), getattr(k, f"{drug}_target_clearance")
    c1, c2 = getattr(e, f"{drug}_concentration"), getattr(e, f"{drug}_peripheral_concentration")
    hazards, kills = kill_terms(drug, c1, c2)
    return Module(
        drug,
        meaning,
        states=(
            State(f"{drug}_central", "mg", f"{drug} in the central compartment (plasma)", "blood"),
            State(f"{drug}_peripheral", "mg", f"{drug} in the peripheral compartment "
                  "(interstitial fluid of tissues)", "lymphoid tissue"),
        ),
        parameters=(f"{drug}_central_volume", f"{drug}_peripheral_volume",
                    f"{drug}_intercompartmental_clearance", f"{drug}_linear_clearance",
                    f"{drug}_target_clearance", f"{drug}_max_kill_rate",
                    f"{drug}_half_kill_concentration", *SHARED_KILL_PARAMETERS),
        expressions=(
            Expression(f"{drug}_concentration", central / v1,
                       f"serum {drug} concentration (mg/L = µg/mL)", observe=True),
            Expression(f"{drug}_peripheral_concentration", peripheral / v2,
                       f"{drug} concentration in the peripheral compartment (mg/L)"),
            Expression(f"{drug}_clearance", cl + cl_t * e.anti_cd20_target_fraction,
                       f"total {drug} clearance: linear plus target-mediated (L/day)",
                       observe=True),
            *hazards,
        ),
        flows=(
            Flow(f"{drug}_central", f"{drug}_peripheral", q / v1 * central, "distribution"),
            Flow(f"{drug}_peripheral", f"{drug}_central", q / v2 * peripheral, "redistribution"),
        ),
        terms=(
            Term(f"{drug}_central", -getattr(e, f"{drug}_clearance") / v1 * central,
                 "linear and target-mediated elimination"),
            *kills,
        ),
    )


MODULE = Module(
    "anti_cd20_targets",
    "the CD20⁺ B-cell mass that anti-CD20 antibodies bind and kill",
    parameters=("anti_cd20_precursor_cd20_fraction", "anti_cd20_target_reference"),
    expressions=(
        Expression("anti_cd20_target",
                   sum((getattr(x, s) for s in BLOOD_TARGETS + TISSUE_TARGETS), start=0)
                   + k.anti_cd20_precursor_cd20_fraction * getattr(x, MARROW_TARGET),
                   "CD20⁺ B-cell mass of the body (blood-equivalent cells/µL)", observe=True),
        Expression("anti_cd20_target_fraction", e.anti_cd20_target / k.anti_cd20_target_reference,
                   "CD20⁺ B-cell mass relative to the reference mass (target-mediated "
                   "clearance scales with it)"),
    ),
)
