"""Teclistamab (BCMA×CD3 IgG4): subcutaneous depot, two-compartment linear PK, and
BCMA-redirected killing of plasmablasts and long-lived plasma cells by endogenous T cells
(:mod:`.t_cell_engagement`).

::

    D' = -ka D                          SC depot (mg): the nominal dose
    A1' = F ka D - (CL + Q) / V1 A1 + Q / V2 A2     central amount (mg); C = A1 / V1
    A2' = Q / V1 A1 - Q / V2 A2                       peripheral amount (mg)

``(1 - F) ka D`` is lost before reaching the circulation (SC bioavailability F = 69 %,
label). The structure and values are the MajesTEC-1 popPK (Miao et al. Target Oncol 2023)
as transcribed in a public teclistamab model; its time-dependent decrease of clearance is
not modelled, so accumulation over weekly dosing is somewhat under-predicted (see
``docs/therapies/t_cell_engagers.md``).
"""

from immunoreset.model.declare import Expression, Flow, Module, State, Term, e, k, x
from immunoreset.model.therapies.t_cell_engagement import engager

_PARAMS, _EXPRESSIONS, _TERMS = engager("teclistamab", "bcma", e.teclistamab_concentration)

_ka = k.teclistamab_absorption_rate

MODULE = Module(
    "teclistamab",
    "teclistamab: SC depot, two-compartment PK and BCMA-redirected T-cell killing",
    states=(
        State("teclistamab_depot", "mg", "teclistamab in the subcutaneous depot (nominal dose)",
              "subcutaneous"),
        State("teclistamab_central", "mg", "teclistamab in the central compartment", "blood"),
        State("teclistamab_peripheral", "mg", "teclistamab in the peripheral compartment",
              "tissue"),
    ),
    parameters=("teclistamab_absorption_rate", "teclistamab_bioavailability",
                "teclistamab_clearance", "teclistamab_central_volume",
                "teclistamab_intercompartmental_clearance", "teclistamab_peripheral_volume",
                *_PARAMS),
    expressions=(
        Expression("teclistamab_concentration",
                   x.teclistamab_central / k.teclistamab_central_volume,
                   "serum teclistamab (mg/L)", observe=True),
        *_EXPRESSIONS,
    ),
    flows=(
        Flow("teclistamab_depot", "teclistamab_central",
             k.teclistamab_bioavailability * _ka * x.teclistamab_depot, "SC absorption"),
        Flow("teclistamab_central", "teclistamab_peripheral",
             k.teclistamab_intercompartmental_clearance / k.teclistamab_central_volume
             * x.teclistamab_central, "distribution to the periphery"),
        Flow("teclistamab_peripheral", "teclistamab_central",
             k.teclistamab_intercompartmental_clearance / k.teclistamab_peripheral_volume
             * x.teclistamab_peripheral, "return from the periphery"),
    ),
    terms=(
        Term("teclistamab_depot", -(1 - k.teclistamab_bioavailability) * _ka * x.teclistamab_depot,
             "presystemic loss at the injection site (1 - F)"),
        Term("teclistamab_central",
             -k.teclistamab_clearance / k.teclistamab_central_volume * x.teclistamab_central,
             "linear elimination"),
        *_TERMS,
    ),
)
