"""Homeostatic cytokines (IL-7, IL-15): the sink that lymphodepletion removes.

IL-7 and IL-15 are made at a roughly constant rate and consumed by the lymphocytes that
carry their receptors; lymphodepletion removes the consumers and the serum levels rise
(Gattinoni 2005 J Exp Med 202:907; Kochenderfer 2017 J Clin Oncol 35:1803). As a fold of
the pre-treatment level ``H``::

    H' = k_H (1 - H (f + (1 - f) L / L0))

with ``L / L0`` the fill of the lymphocyte space (T cells and CAR-T over the set point)
and ``f`` the share of consumption by cells lymphodepletion does not remove. At steady
state ``H = 1 / (f + (1 - f) L / L0)``: 1 before treatment, at most ``1 / f`` in an empty
space.
"""

from immunoreset.model.declare import Module, State, Term, e, k, x

MODULE = Module(
    "homeostatic_cytokines",
    "IL-7/IL-15 pool raised by lymphodepletion",
    states=(State("homeostatic_cytokine", "dimensionless",
                  "serum IL-7/IL-15, fold of the pre-treatment level", "blood", start=1),),
    parameters=("homeostatic_cytokine_turnover_rate", "homeostatic_cytokine_other_sink"),
    terms=(
        Term("homeostatic_cytokine",
             k.homeostatic_cytokine_turnover_rate
             * (1 - x.homeostatic_cytokine
                * (k.homeostatic_cytokine_other_sink
                   + (1 - k.homeostatic_cytokine_other_sink) * e.lymphocyte_space_fill)),
             "production against consumption by lymphocytes"),
    ),
)
