"""BCMA CAR-T (cilta-cel, equecabtagene/CT103A): the core CAR-T law on BCMA⁺ targets.

Its own infused, effector, memory and programme states (``bcma_car_t_*``), dosed into
``bcma_car_t_infused`` (cells/µL blood-equivalent, ``cells / (V_dist · 1e6)`` as the core's
CAR-T). It kills the BCMA⁺ pools of :data:`~immunoreset.model.therapies.bcma_targets.BCMA_TARGETS`
(plasmablasts in lymphoid tissue; autoreactive, anti-Ro60 and protective long-lived plasma
cells in marrow) and is engaged, hence expands, by their mass. B cells and their precursors
carry no BCMA and are not touched. Needs the modules ``anti_ro`` and ``bcma_targets``
composed before it. The law and its parameters are the core's (``_cell_laws.car_t_product``;
the product parameters in ``bcma_car_t.toml`` say where and why they differ).
"""

from immunoreset.model.therapies.bcma_targets import BCMA_TARGETS, car_t_product

MODULE = car_t_product(
    "bcma_car_t", "BCMA CAR-T lag, expansion, contraction, memory and per-cell-limited killing",
    antigen="BCMA", targets=BCMA_TARGETS)
