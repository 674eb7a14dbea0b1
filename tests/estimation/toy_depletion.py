"""A two-state test model: a drug that depletes a cell pool with production and death.

``d drug/dt = −k_el drug``; ``d b/dt = production − death·b − kill·drug·b``. Before the dose
``b`` rests at ``production/death``; after a dose ``D`` at day 0 it falls and returns. Small
enough that a fit costs milliseconds, so recovery can be checked over many repeats.
"""

from immunoreset.model.declare import Module, State, Term, k, x

MODULE = Module(
    "toy_depletion",
    "a depleting drug and a cell pool with production and death (test model)",
    states=(State("toy_drug", "mg/L", "drug concentration", "blood"),
            State("toy_cells", "cell/uL", "cell count", "blood",
                  start=k.toy_production / k.toy_death_rate)),
    parameters=("toy_production", "toy_death_rate", "toy_kill", "toy_elimination_rate"),
    terms=(
        Term("toy_drug", -k.toy_elimination_rate * x.toy_drug, "elimination"),
        Term("toy_cells", k.toy_production, "production"),
        Term("toy_cells", -k.toy_death_rate * x.toy_cells, "death"),
        Term("toy_cells", -k.toy_kill * x.toy_drug * x.toy_cells, "drug kill"),
    ),
)
