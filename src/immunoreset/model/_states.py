"""State variables of the SLE / CD19 CAR-T model, in RHS order, with their units.

Cell counts are cells per µL of blood; a tissue or marrow pool is expressed
*blood-equivalent*: the number of cells in that compartment divided by the blood volume,
so that pools can be added and compared directly (e.g. a lymphoid-tissue naive B pool of
5,000 cells/µL blood-equivalent holds 50× the cells of a blood pool of 100 cells/µL).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["STATES", "STATE_INDEX", "StateSpec"]


@dataclass(frozen=True)
class StateSpec:
    """One state variable: name, unit and meaning."""

    name: str
    unit: str
    meaning: str


STATES: tuple[StateSpec, ...] = (
    StateSpec("fludarabine_exposure", "mg/m**2", "fludarabine effect-compartment amount per m² BSA"),
    StateSpec("cyclophosphamide_exposure", "mg/m**2", "cyclophosphamide effect-compartment amount per m² BSA"),
    StateSpec("t_cells", "cell/uL", "endogenous (non-CAR) T cells in blood"),
    StateSpec("car_t_effector", "cell/uL", "effector CAR-T cells, blood concentration"),
    StateSpec("car_t_memory", "cell/uL", "memory-like CAR-T cells, blood concentration"),
    StateSpec("b_precursors", "cell/uL", "CD19+ B-cell precursors in bone marrow (blood-equivalent)"),
    StateSpec("naive_b_blood", "cell/uL", "naive/transitional B cells in blood"),
    StateSpec("naive_b_tissue", "cell/uL", "naive B cells in lymphoid tissue (blood-equivalent)"),
    StateSpec("autoreactive_b_blood", "cell/uL", "autoreactive memory/activated B cells in blood"),
    StateSpec("autoreactive_b_tissue", "cell/uL", "autoreactive memory/activated B cells in lymphoid tissue (blood-equivalent)"),
    StateSpec("plasmablasts_autoreactive", "cell/uL", "CD19+ autoreactive plasmablasts / short-lived plasma cells (blood-equivalent)"),
    StateSpec("plasmablasts_other", "cell/uL", "CD19+ non-autoreactive plasmablasts / short-lived plasma cells (blood-equivalent)"),
    StateSpec("llpc_autoreactive", "cell/uL", "CD19- long-lived autoreactive plasma cells (blood-equivalent)"),
    StateSpec("llpc_protective", "dimensionless", "CD19- long-lived protective (vaccine) plasma cells, fraction of baseline"),
    StateSpec("anti_dsdna", "IU/mL", "serum anti-dsDNA IgG"),
    StateSpec("vaccine_igg", "dimensionless", "protective (vaccine) IgG, fraction of baseline"),
    StateSpec("total_igg", "g/L", "total serum IgG"),
    StateSpec("immune_complexes", "IU/mL", "circulating/deposited anti-dsDNA immune complexes (anti-dsDNA equivalents)"),
    StateSpec("c3", "g/L", "serum complement C3"),
    StateSpec("c4", "g/L", "serum complement C4"),
    StateSpec("inflammation", "dimensionless", "pro-inflammatory activity, fraction of maximal (0-1)"),
    StateSpec("damage", "dimensionless", "accrued renal tissue damage index"),
    StateSpec("proteinuria", "g/day", "urinary protein excretion"),
    StateSpec("il6", "pg/mL", "serum interleukin-6"),
    StateSpec("flare_trigger", "dimensionless", "stochastic flare trigger (innate/autoantigen pulse)"),
)

#: State name -> index in the state vector.
STATE_INDEX: dict[str, int] = {s.name: i for i, s in enumerate(STATES)}
