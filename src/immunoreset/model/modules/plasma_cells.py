"""Plasmablasts (CD19⁺) and long-lived plasma cells (CD19⁻, never killed by CD19 CAR-T).

Protective (vaccine) long-lived plasma cells are a fraction of their pre-treatment pool,
replenished in proportion to non-autoreactive plasmablasts.
"""

from immunoreset.model.declare import Derived, Expression, Flow, Module, State, Term, e, k, x

MODULE = Module(
    "plasma_cells",
    "plasmablasts and long-lived plasma cells",
    states=(
        State("plasmablasts_autoreactive", "cell/uL",
              "CD19+ autoreactive plasmablasts / short-lived plasma cells (blood-equivalent)",
              "lymphoid tissue",
              start=k.autoreactive_differentiation_rate * x.autoreactive_b_tissue
              / (k.plasmablast_death_rate + k.llpc_formation_rate)),
        State("plasmablasts_other", "cell/uL",
              "CD19+ non-autoreactive plasmablasts / short-lived plasma cells (blood-equivalent)",
              "lymphoid tissue"),
        State("llpc_autoreactive", "cell/uL",
              "CD19- long-lived autoreactive plasma cells (blood-equivalent)", "marrow",
              start=k.llpc_formation_rate * x.plasmablasts_autoreactive / k.llpc_death_rate),
        State("llpc_protective", "dimensionless",
              "CD19- long-lived protective (vaccine) plasma cells, fraction of baseline",
              "marrow", start=1),
    ),
    parameters=("plasmablast_death_rate", "llpc_formation_rate", "llpc_death_rate"),
    derived=(Derived("other_plasmablast_reference", "cell/uL",
                     "pre-treatment non-autoreactive plasmablasts", x.plasmablasts_other),),
    expressions=(
        Expression("other_plasmablast_fraction",
                   x.plasmablasts_other / e.other_plasmablast_reference,
                   "non-autoreactive plasmablasts relative to their pre-treatment level"),
    ),
    flows=(
        Flow("plasmablasts_autoreactive", "llpc_autoreactive",
             k.llpc_formation_rate * x.plasmablasts_autoreactive,
             "entry into the long-lived plasma-cell niche"),
    ),
    terms=(
        Term("plasmablasts_autoreactive", -k.plasmablast_death_rate * x.plasmablasts_autoreactive,
             "plasmablast death"),
        Term("plasmablasts_other", -k.plasmablast_death_rate * x.plasmablasts_other,
             "plasmablast death"),
        Term("llpc_autoreactive", -k.llpc_death_rate * x.llpc_autoreactive,
             "long-lived plasma-cell death"),
        Term("llpc_protective",
             k.llpc_death_rate * (e.other_plasmablast_fraction - x.llpc_protective),
             "protective plasma-cell turnover"),
    ),
)
