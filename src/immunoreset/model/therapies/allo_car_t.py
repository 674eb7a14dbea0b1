"""Allogeneic (donor-derived, HLA-intact) CD19 CAR-T: the core's laws on cells of their own,
plus rejection by the host's recovering T cells.

The cells follow the core CAR-T equations (``model/modules/car_t.py``: lag, antigen- and
cytokine-driven expansion, effector/memory switch, per-cell-limited killing, IL-6 release,
lymphodepletion kill, the shared homeostatic space; see ``_cell_laws.py``) with the core's
parameter values: donor T cells are assumed to expand, contract and kill like the
patient's own. The one difference is a rejection hazard on every allogeneic CAR-T state::

    h_rej = k_rej · T / T0

``T`` the host's endogenous T cells (core state ``t_cells``) and ``T0`` their set point
(``t_cells_baseline``): lymphodepletion empties ``T``, so rejection is weak while the
cells expand and grows as the host T cells reconstitute. ``k_rej`` is the hazard in a host
at its T-cell set point (``allo_car_t.toml``). Edited products that remove the HLA targets
of T-cell rejection (TyU19) are not this class (``therapy/data/products/cd19.toml``).
"""

from immunoreset.model.declare import Expression, Module, e, k, x
from immunoreset.model.therapies._cell_laws import car_t_cells

_states, _parameters, _expressions, _flows, _terms = car_t_cells(
    "allo_car_t", "allogeneic CAR-T cells", extra_hazard=e.allo_car_t_rejection_hazard,
    extra_hazard_meaning="rejection by host T cells")

MODULE = Module(
    "allo_car_t",
    "allogeneic CD19 CAR-T: the core CAR-T laws on donor cells, rejected by host T cells",
    states=_states,
    parameters=(*_parameters, "allo_car_t_rejection_rate"),
    expressions=(
        *_expressions,
        Expression("allo_car_t_rejection_hazard",
                   k.allo_car_t_rejection_rate * x.t_cells / k.t_cells_baseline,
                   "rejection hazard of allogeneic CAR-T by host T cells (1/day)", observe=True),
    ),
    flows=_flows,
    terms=_terms,
)
