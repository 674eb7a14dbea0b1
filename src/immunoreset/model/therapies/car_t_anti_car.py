"""Anti-CAR immunity against re-dosing an autologous (core-kinetics) CD19 CAR-T product.

The first dose of the product is the core's (state ``car_t_infused``); every later dose
adds to ``car_t_redose_infused``, cells of their own that follow the core's laws
(``_cell_laws.car_t_cells``) and are also cleared by anti-CAR immunity ``I`` (0-1,
the fraction of the maximal response), which the CAR-expressing cells prime::

    I' = k_prime · C / (C + C_half) · (1 - I) - k_LLPC · I     C = core + re-dosed CAR-T (cells/µL)
    clearance hazard of re-dosed cells:  k_clear · I

(no priming below one CAR-expressing cell in the whole body: round-off never primes).

The first dose's cells are not cleared: their kinetics are the calibrated core's
(Erlangen patients, in whom anti-CAR T cells were only seen when a re-dose failed to
expand, Müller 2025 Nat Med). ``I`` wanes as antibody titres held by long-lived plasma
cells do (core ``llpc_death_rate``, an 11-year half-life): the Erlangen re-infusion met the
response 9 months after the first dose. Parameters and sources: ``car_t_anti_car.toml``.

The module is composed only when an arm switches anti-CAR immunity on for a product
(``anti_car_immunity`` in ``therapy/data/products/cd19.toml``); ``I`` may rise in any arm
that gives core CAR-T, but it acts on nothing unless re-dosed cells exist.
"""

from immunoreset.model.declare import Module, e, x
from immunoreset.model.therapies._cell_laws import anti_car_immunity, car_t_cells

_states, _parameters, _expressions, _flows, _terms = car_t_cells(
    "car_t_redose", "re-dosed CAR-T cells", extra_hazard=e.car_t_anti_car_clearance,
    extra_hazard_meaning="anti-CAR immune clearance")
_immunity, _immunity_parameters, _immunity_expressions, _immunity_terms = anti_car_immunity(
    "car_t_anti_car", x.car_t_infused + x.car_t_effector + x.car_t_memory + e.car_t_redose_blood,
    "core CAR-T product")

MODULE = Module(
    "car_t_anti_car",
    "anti-CAR immunity primed by CAR-T cells; clears re-doses of the core CAR-T product",
    states=(*_states, _immunity),
    parameters=(*_parameters, *_immunity_parameters),
    expressions=(*_expressions, *_immunity_expressions),
    flows=_flows,
    terms=(*_terms, *_immunity_terms),
)
