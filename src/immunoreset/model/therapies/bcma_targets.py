"""BCMA⁺ targets, and the core CAR-T law applied to a therapy product's own cells.

BCMA is on plasmablasts and plasma cells and not on B cells or their precursors
(Carpenter RO et al. Clin Cancer Res 2013;19:2048: protein only on plasma cells; Girgis S
et al. Target Oncol 2022: preferentially on plasmablasts and differentiated plasma cells).
In the model the BCMA⁺ pools are

* lymphoid tissue: ``plasmablasts_autoreactive``, ``plasmablasts_other``,
  ``anti_ro_plasmablasts`` (module ``anti_ro``);
* marrow: ``llpc_autoreactive``, ``anti_ro_llpc`` and the protective long-lived plasma
  cells. The core keeps those as a fraction of baseline (``llpc_protective``); their number
  is ``N · llpc_protective`` with ``N = llpc_protective_count`` (blood-equivalent cells/µL,
  from marrow cellularity and the plasma-cell share of it). A CAR product's hazard per
  target ``h`` then removes ``h · N · p`` cells per day, which is ``h · p`` in the fraction:
  the protective pool takes the same per-cell hazard as every other marrow target and
  counts ``N · p`` cells in the target mass. The core's vaccine IgG follows that pool
  (``antibodies.py``), so a kill there shows in ``vaccine_igg`` with the IgG half-life.

The law of a CAR-T product on these targets is the core's, in one place for every
product: :func:`~immunoreset.model.therapies._cell_laws.car_t_product` (re-exported here).
"""

from __future__ import annotations

import sympy as sp

from immunoreset.model.declare import Expression, Module, e, k, x
from immunoreset.model.therapies._cell_laws import car_t_product, shares

__all__ = ["BCMA_TARGETS", "MODULE", "car_t_product", "shares"]

#: BCMA⁺ target pools per compartment: (state killed, cells it counts in the target mass).
BCMA_TARGETS: dict[str, tuple[tuple[str, sp.Expr], ...]] = {
    "tissue": (("plasmablasts_autoreactive", x.plasmablasts_autoreactive),
               ("plasmablasts_other", x.plasmablasts_other),
               ("anti_ro_plasmablasts", x.anti_ro_plasmablasts)),
    "marrow": (("llpc_autoreactive", x.llpc_autoreactive),
               ("llpc_protective", e.llpc_protective_cells),
               ("anti_ro_llpc", x.anti_ro_llpc)),
}

MODULE = Module(
    "bcma_targets",
    "BCMA⁺ plasma-cell targets: the protective long-lived plasma cells as cells",
    parameters=("llpc_protective_count",),
    expressions=(
        Expression("llpc_protective_cells", k.llpc_protective_count * x.llpc_protective,
                   "protective long-lived plasma cells (blood-equivalent cells/µL)",
                   observe=True),
    ),
)
