"""A compound CD19+BCMA CAR: one product, one cell population that recognises both antigens.

Its own states (``cd19_bcma_car_t_*``), dosed into ``cd19_bcma_car_t_infused``. Its targets
in each compartment are the union of the core CD19⁺ pools (``car_t.COMPARTMENT_TARGETS``),
the anti-Ro60 plasmablasts and the BCMA⁺ pools (``bcma_targets.BCMA_TARGETS``): a
plasmablast carries both antigens and counts once. Engagement, hence expansion, is driven by
that whole mass, and one hazard per compartment kills every pool in it. The law and its
parameters are the core's (``_cell_laws.car_t_product``). Needs ``anti_ro`` and
``bcma_targets`` composed before it.
"""

from immunoreset.model.declare import x
from immunoreset.model.modules.car_t import COMPARTMENT_TARGETS
from immunoreset.model.therapies.bcma_targets import BCMA_TARGETS, car_t_product

_CD19 = {c: tuple((p, getattr(x, p)) for p in pools) for c, pools in COMPARTMENT_TARGETS.items()}
_CD19["tissue"] += (("anti_ro_plasmablasts", x.anti_ro_plasmablasts),)

#: CD19⁺ ∪ BCMA⁺ pools per compartment, each pool once.
TARGETS = {c: tuple(dict(_CD19.get(c, ()) + BCMA_TARGETS.get(c, ())).items())
           for c in ("blood", "tissue", "marrow")}

MODULE = car_t_product(
    "cd19_bcma_car_t",
    "compound CD19+BCMA CAR-T: one population killing CD19⁺ and BCMA⁺ pools",
    antigen="CD19+BCMA", targets=TARGETS)
