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

from immunoreset.model.declare import Expression, Module, State, Term, e, k, where, x
from immunoreset.model.therapies._cell_laws import car_t_cells

_states, _parameters, _expressions, _flows, _terms = car_t_cells(
    "car_t_redose", "re-dosed CAR-T cells", extra_hazard=e.car_t_anti_car_clearance,
    extra_hazard_meaning="anti-CAR immune clearance")

_antigen = (x.car_t_infused + x.car_t_effector + x.car_t_memory + e.car_t_redose_blood)

MODULE = Module(
    "car_t_anti_car",
    "anti-CAR immunity primed by CAR-T cells; clears re-doses of the core CAR-T product",
    states=(
        *_states,
        State("car_t_anti_car_immunity", "dimensionless",
              "anti-CAR immune response against the core CAR-T product, fraction of its "
              "maximum (0-1)", "blood"),
    ),
    parameters=(*_parameters, "car_t_anti_car_priming_rate",
                "car_t_anti_car_priming_half_saturation", "car_t_anti_car_clearance_rate", "llpc_death_rate"),
    expressions=(
        *_expressions,
        Expression("car_t_anti_car_antigen",
                   where(_antigen * k.car_t_distribution_volume * e.microlitres_per_litre
                         < e.one_cell, 0,
                         _antigen / (_antigen + k.car_t_anti_car_priming_half_saturation)),
                   "CAR antigen priming the anti-CAR response, fraction of its maximal drive "
                   "(none below one CAR-expressing cell in the body)"),
        Expression("car_t_anti_car_clearance",
                   k.car_t_anti_car_clearance_rate * x.car_t_anti_car_immunity,
                   "anti-CAR clearance hazard of re-dosed CAR-T (1/day)", observe=True),
    ),
    flows=_flows,
    terms=(
        *_terms,
        Term("car_t_anti_car_immunity",
             k.car_t_anti_car_priming_rate * e.car_t_anti_car_antigen
             * (1 - x.car_t_anti_car_immunity), "priming by CAR-expressing cells"),
        Term("car_t_anti_car_immunity", -k.llpc_death_rate * x.car_t_anti_car_immunity,
             "waning with long-lived plasma cells (antibody-titre half-life 11 years)"),
    ),
)
