"""Mosunetuzumab (CD20×CD3 IgG1): IV two-compartment PK with time-dependent clearance, and
CD20-redirected killing of B cells by endogenous T cells (:mod:`.t_cell_engagement`).

::

    S' = ln 2 / t½tr (1 - S)   while drug is present   clearance transition (0 → 1),
                                                        0 before the first dose
    CL = CLbase - (CLbase - CLss) S
    A1' = -(CL + Q) / V1 A1 + Q / V2 A2     central amount (mg), IV doses add here
    A2' = Q / V1 A1 - Q / V2 A2

The EU SmPC popPK: two compartments, clearance descending from CLbase at the start of
treatment to a steady-state plateau CLss with a transitional half-life of 16.3 days, i.e.
``CL(t) = CLss + (CLbase - CLss) exp(-ln 2 t / 16.3 d)`` with ``t`` the time since the first
dose; ``S`` is that exponential written as a state, started by the first dose (the drug
above a numerical floor), so the model needs no clock. Infusions (2-4 h) are given as
boluses.
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
    where,
    x,
)
from immunoreset.model.therapies.t_cell_engagement import engager

_PARAMS, _EXPRESSIONS, _TERMS = engager("mosunetuzumab", "cd20", e.mosunetuzumab_concentration)

MODULE = Module(
    "mosunetuzumab",
    "mosunetuzumab: IV two-compartment PK with time-dependent clearance and CD20-redirected "
    "T-cell killing",
    states=(
        State("mosunetuzumab_central", "mg", "mosunetuzumab in the central compartment", "blood"),
        State("mosunetuzumab_peripheral", "mg", "mosunetuzumab in the peripheral compartment",
              "tissue"),
        State("mosunetuzumab_clearance_transition", "dimensionless",
              "progress of clearance from its baseline to its steady-state value (0-1)", "blood"),
    ),
    parameters=("mosunetuzumab_baseline_clearance", "mosunetuzumab_steady_state_clearance",
                "mosunetuzumab_clearance_transition_half_life", "mosunetuzumab_central_volume",
                "mosunetuzumab_intercompartmental_clearance", "mosunetuzumab_peripheral_volume",
                *_PARAMS),
    constants=(Constant("mosunetuzumab_presence_floor", 1e-9, "mg",
                        "numerical floor: below a nanogram in the body no dose has been given, "
                        "and the clearance transition does not run"),),
    expressions=(
        Expression("mosunetuzumab_concentration",
                   x.mosunetuzumab_central / k.mosunetuzumab_central_volume,
                   "serum mosunetuzumab (mg/L)", observe=True),
        Expression("mosunetuzumab_clearance",
                   k.mosunetuzumab_baseline_clearance
                   - (k.mosunetuzumab_baseline_clearance - k.mosunetuzumab_steady_state_clearance)
                   * x.mosunetuzumab_clearance_transition,
                   "time-dependent mosunetuzumab clearance (L/day)"),
        *_EXPRESSIONS,
    ),
    flows=(
        Flow("mosunetuzumab_central", "mosunetuzumab_peripheral",
             k.mosunetuzumab_intercompartmental_clearance / k.mosunetuzumab_central_volume
             * x.mosunetuzumab_central, "distribution to the periphery"),
        Flow("mosunetuzumab_peripheral", "mosunetuzumab_central",
             k.mosunetuzumab_intercompartmental_clearance / k.mosunetuzumab_peripheral_volume
             * x.mosunetuzumab_peripheral, "return from the periphery"),
    ),
    terms=(
        Term("mosunetuzumab_central",
             -e.mosunetuzumab_clearance / k.mosunetuzumab_central_volume * x.mosunetuzumab_central,
             "elimination at the time-dependent clearance"),
        Term("mosunetuzumab_clearance_transition",
             where(x.mosunetuzumab_central > e.mosunetuzumab_presence_floor,
                   log(2) / k.mosunetuzumab_clearance_transition_half_life
                   * (1 - x.mosunetuzumab_clearance_transition), 0),
             "clearance moves to its steady-state value from the first dose on"),
        *_TERMS,
    ),
)
