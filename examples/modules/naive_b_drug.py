"""An example module: a drug with first-order elimination that kills naive B cells.

A one-state drug (serum concentration, mg/L), dosed as a state jump, eliminated at a
first-order rate, killing naive B cells in blood and lymphoid tissue with a saturating
(Emax) hazard, which is also a read-out (``observe=True``). Its parameters are in ``naive_b_drug.toml`` beside this file. Compose it
with the SLE model from a study config::

    [model]
    modules = ["naive_b_drug.py"]
    parameter_files = ["naive_b_drug.toml"]
"""

from immunoreset.model.declare import Expression, Module, State, Term, e, k, x

MODULE = Module(
    "naive_b_drug",
    "a drug with first-order elimination that kills naive B cells",
    states=(State("naive_b_drug", "mg/L", "serum concentration of the example drug", "blood"),),
    parameters=("naive_b_drug_elimination_rate", "naive_b_drug_max_kill",
                "naive_b_drug_half_kill_concentration"),
    expressions=(
        Expression("naive_b_drug_kill",
                   k.naive_b_drug_max_kill * x.naive_b_drug
                   / (x.naive_b_drug + k.naive_b_drug_half_kill_concentration),
                   "naive B-cell death hazard from the drug (1/day)", observe=True),
    ),
    terms=(
        Term("naive_b_drug", -k.naive_b_drug_elimination_rate * x.naive_b_drug, "elimination"),
        Term("naive_b_blood", -e.naive_b_drug_kill * x.naive_b_blood, "drug kill"),
        Term("naive_b_tissue", -e.naive_b_drug_kill * x.naive_b_tissue, "drug kill"),
    ),
)
