"""Endogenous T cells: Gompertz reconstitution towards a set point shared with CAR-T.

``T' = r_N T ln(T0 / (T + C))`` (Kimmel 2021): T cells and CAR-T compete for one
homeostatic space of size ``T0``; below it T cells regrow, fastest when it is empty.
"""

from sympy import log

from immunoreset.model.declare import Constant, Expression, Module, State, Term, e, k, smax, x

MODULE = Module(
    "t_cells",
    "endogenous T cells and the homeostatic lymphocyte space",
    states=(State("t_cells", "cell/uL", "endogenous (non-CAR) T cells in blood", "blood",
                  start=k.t_cells_baseline),),
    parameters=("t_cells_baseline", "t_cell_reconstitution_rate"),
    constants=(Constant("lymphocyte_space_floor", 1e-12, "dimensionless",
                        "numerical floor of the lymphocyte count in the Gompertz logarithm, "
                        "as a fraction of the set point (keeps ln finite in an empty space)"),),
    expressions=(
        Expression("lymphocytes", x.t_cells + x.car_t_infused + x.car_t_effector + x.car_t_memory,
                   "T cells and CAR-T sharing the homeostatic space (cells/µL)"),
        Expression("lymphocyte_space_fill", e.lymphocytes / k.t_cells_baseline,
                   "fill of the homeostatic space (1 = set point)"),
        Expression("t_cell_reconstitution",
                   k.t_cell_reconstitution_rate * x.t_cells
                   * log(k.t_cells_baseline
                         / smax(e.lymphocytes, e.lymphocyte_space_floor * k.t_cells_baseline)),
                   "Gompertz T-cell regrowth (> 0 below the set point) or contraction "
                   "(cells/µL/day)"),
    ),
    terms=(
        Term("t_cells", e.t_cell_reconstitution, "Gompertz reconstitution"),
    ),
)
