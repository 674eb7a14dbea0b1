"""Lymphodepletion by exposure: fludarabine and cyclophosphamide kinetics and a saturating
lymphocyte kill.

* Fludarabine (as its circulating metabolite 2F-ara-A) is one compartment per m² body
  surface, a reduction of the three-compartment popPK (Langenhorst 2019) to the label's
  steady-state volume and total clearance: it keeps the exposure (AUC = dose / CL), which
  is what goes with the depth and length of lymphodepletion (Fabrizio 2022, Dekker 2022).
  Its concentration (mg/L) is a read-out, so the cumulative AUC of a regimen can be
  compared with the ≥ 13.8 mg·h/L of those studies.
* Cyclophosphamide is an amount per m² with first-order elimination (its popPK was not
  found; the label half-life is used).
* Kill: the two drugs add as normalised exposures ``u = C_F / EC50_F + A_C / A50_C``
  (Loewe additivity); the death hazard ``k_max u / (1 + u)`` saturates in each, so a
  higher dose lengthens the kill more than it deepens it. T cells and CAR-T take it at
  ``k_max``; CD19⁺ B-lineage pools at ``s_B k_max`` (their relative sensitivity).
  Long-lived plasma cells are not dividing and are spared.
"""

from immunoreset.model.declare import Expression, Module, State, Term, e, k, x

#: Lymphocyte pools the lymphodepletion hazard acts on, T lineage (sensitivity 1) ...
T_POOLS = ("t_cells", "car_t_infused", "car_t_effector", "car_t_memory")
#: ... and the CD19⁺ B lineage (relative sensitivity ``b_lymphodepletion_sensitivity``).
B_POOLS = ("b_precursors", "naive_b_blood", "naive_b_tissue", "autoreactive_b_blood",
           "autoreactive_b_tissue", "plasmablasts_autoreactive", "plasmablasts_other")
KILLED_POOLS = T_POOLS + B_POOLS

MODULE = Module(
    "lymphodepletion",
    "fludarabine and cyclophosphamide exposure; saturating lymphocyte kill",
    states=(
        State("fludarabine_exposure", "mg/m**2",
              "fludarabine (2F-ara-A) in the body per m² BSA", "plasma"),
        State("cyclophosphamide_exposure", "mg/m**2",
              "cyclophosphamide in the body per m² BSA", "plasma"),
    ),
    parameters=("fludarabine_volume", "fludarabine_clearance",
                "cyclophosphamide_elimination_rate", "lymphodepletion_max_kill_rate",
                "fludarabine_kill_ec50", "cyclophosphamide_kill_a50",
                "b_lymphodepletion_sensitivity"),
    expressions=(
        Expression("fludarabine_concentration",
                   x.fludarabine_exposure / k.fludarabine_volume,
                   "plasma 2F-ara-A (mg/L)", observe=True),
        Expression("lymphotoxic_exposure",
                   e.fludarabine_concentration / k.fludarabine_kill_ec50
                   + x.cyclophosphamide_exposure / k.cyclophosphamide_kill_a50,
                   "the two drugs' exposures, each over its half-maximal value"),
        Expression("lymphodepletion_hazard",
                   k.lymphodepletion_max_kill_rate * e.lymphotoxic_exposure
                   / (1 + e.lymphotoxic_exposure),
                   "death hazard of T cells and CAR-T from lymphodepletion (1/day)",
                   observe=True),
    ),
    terms=(
        Term("fludarabine_exposure",
             -k.fludarabine_clearance / k.fludarabine_volume * x.fludarabine_exposure,
             "fludarabine clearance"),
        Term("cyclophosphamide_exposure",
             -k.cyclophosphamide_elimination_rate * x.cyclophosphamide_exposure,
             "cyclophosphamide elimination"),
        *(Term(pool, -e.lymphodepletion_hazard * getattr(x, pool), "lymphodepletion kill")
          for pool in T_POOLS),
        *(Term(pool, -k.b_lymphodepletion_sensitivity * e.lymphodepletion_hazard
               * getattr(x, pool), "lymphodepletion kill")
          for pool in B_POOLS),
    ),
)
