"""Lymphodepletion: fludarabine and cyclophosphamide exposures and the lymphocyte kill.

Each drug is an effect-compartment amount per m² body-surface area, dosed as state jumps
and lost by first-order elimination. Their sum, weighted by the kill per unit exposure,
is a death hazard added to every lymphocyte pool (T cells, CAR-T, the CD19⁺ B lineage);
CD19⁻ long-lived plasma cells are not dividing and are spared.
"""

from immunoreset.model.declare import Expression, Module, State, Term, e, k, x

#: Lymphocyte pools the lymphodepletion hazard acts on.
KILLED_POOLS = (
    "t_cells", "car_t_effector", "car_t_memory", "b_precursors", "naive_b_blood",
    "naive_b_tissue", "autoreactive_b_blood", "autoreactive_b_tissue",
    "plasmablasts_autoreactive", "plasmablasts_other",
)

MODULE = Module(
    "lymphodepletion",
    "fludarabine and cyclophosphamide exposure; lymphocyte kill",
    states=(
        State("fludarabine_exposure", "mg/m**2",
              "fludarabine effect-compartment amount per m² BSA", "effect"),
        State("cyclophosphamide_exposure", "mg/m**2",
              "cyclophosphamide effect-compartment amount per m² BSA", "effect"),
    ),
    parameters=("fludarabine_elimination_rate", "cyclophosphamide_elimination_rate",
                "fludarabine_lymphocyte_kill", "cyclophosphamide_lymphocyte_kill"),
    expressions=(
        Expression("lymphodepletion_hazard",
                   k.fludarabine_lymphocyte_kill * x.fludarabine_exposure
                   + k.cyclophosphamide_lymphocyte_kill * x.cyclophosphamide_exposure,
                   "extra death hazard of every lymphocyte pool"),
    ),
    terms=(
        Term("fludarabine_exposure", -k.fludarabine_elimination_rate * x.fludarabine_exposure,
             "fludarabine elimination"),
        Term("cyclophosphamide_exposure",
             -k.cyclophosphamide_elimination_rate * x.cyclophosphamide_exposure,
             "cyclophosphamide elimination"),
        *(Term(pool, -e.lymphodepletion_hazard * getattr(x, pool), "lymphodepletion kill")
          for pool in KILLED_POOLS),
    ),
)
