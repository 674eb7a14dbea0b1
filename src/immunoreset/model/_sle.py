"""The SLE / CD19 CAR-T model: the composition of its blocks (``model/modules``)."""

from __future__ import annotations

from immunoreset.model._build import CompiledModel, ModelSpec, build_model
from immunoreset.model._specs import SPECS

__all__ = ["SLE_CD19_CART", "default_model"]

#: Lymphodepletion, T cells, CAR-T, B lineage, plasma cells, antibodies, SLE disease,
#: IL-6 and flares, in this order (which is the state order).
SLE_CD19_CART = ModelSpec(
    "sle_cd19_cart",
    tuple(f"immunoreset.model.modules.{m}" for m in (
        "lymphodepletion", "t_cells", "car_t", "b_lineage", "plasma_cells", "antibodies",
        "sle_disease", "il6", "flares")),
    SPECS,
)


def default_model() -> CompiledModel:
    """The compiled SLE / CD19 CAR-T model (built once per model version, then cached)."""
    return build_model(SLE_CD19_CART)
