"""Anti-CAR immunity against repeat doses of an mRNA CD19 CAR-T product.

The first dose adds to ``mrna_car_t`` (module ``mrna_car_t``); every later dose adds to
``mrna_car_t_redose``, CAR-expressing cells with the same laws (``_cell_laws.transient_cells``)
that anti-CAR immunity ``I`` (0-1) also clears; the CAR-expressing cells prime ``I``::

    I' = k_prime · M / (M + M_half) · (1 - I) - k_LLPC · I    M = first-dose + later-dose cells (cells/µL)
    R' = -(k_loss + h_LD + k_clear · I) R          R the later-dose cells (between doses)

(no priming below one CAR-expressing cell in the whole body: round-off never primes).

Without targets' effect on the cells (they do not proliferate), a later dose's exposure
is its exposure without immunity times the factor ``exp(-k_clear ∫ I dt)`` along its
decay (``tests/therapies/test_products.py`` checks it). ``I`` wanes as antibody titres
held by long-lived plasma cells do (core ``llpc_death_rate``, an 11-year half-life). Repeated antigen exposure by an
intermittent schedule is how anti-CAR antibodies (IgE, anaphylaxis at the third infusion)
arose with a murine-scFv mRNA CAR (Maus 2013 Cancer Immunol Res 1:26). Parameters and
sources: ``mrna_car_t_anti_car.toml``. Requires module ``mrna_car_t`` composed before it.
"""

from immunoreset.model.declare import Module, e, k, x
from immunoreset.model.therapies._cell_laws import (
    KILLING_PARAMETERS,
    anti_car_immunity,
    transient_cells,
)

_states, _expressions, _terms = transient_cells(
    "mrna_car_t_redose", "re-dosed mRNA CAR-T cells", k.mrna_car_t_expression_loss_rate,
    extra_hazard=e.mrna_car_t_anti_car_clearance,
    extra_hazard_meaning="anti-CAR immune clearance")
_immunity, _immunity_parameters, _immunity_expressions, _immunity_terms = anti_car_immunity(
    "mrna_car_t_anti_car", x.mrna_car_t + x.mrna_car_t_redose, "mRNA CAR-T product")

MODULE = Module(
    "mrna_car_t_anti_car",
    "anti-CAR immunity primed by mRNA CAR-T cells; clears repeat doses of the mRNA product",
    states=(*_states, _immunity),
    parameters=(*KILLING_PARAMETERS, "mrna_car_t_expression_loss_rate", *_immunity_parameters),
    expressions=(*_expressions, *_immunity_expressions),
    terms=(*_terms, *_immunity_terms),
)
