"""The SLE / CD19 CAR-T model: the composition of its blocks (``model/modules``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from immunoreset.model._build import CompiledModel, ModelSpec, build_model
from immunoreset.model._parameters import (
    ParameterSet,
    combine_parameter_sets,
    module_parameter_file,
)
from immunoreset.model._specs import SPECS

__all__ = ["SLE_CD19_CART", "default_model", "extend_model"]

#: Lymphodepletion, T cells, homeostatic cytokines, CAR-T, B lineage, plasma cells, antibodies, SLE disease,
#: IL-6 and flares, in this order (which is the state order).
SLE_CD19_CART = ModelSpec(
    "sle_cd19_cart",
    tuple(f"immunoreset.model.modules.{m}" for m in (
        "lymphodepletion", "t_cells", "homeostatic_cytokines", "car_t", "b_lineage", "plasma_cells", "antibodies",
        "sle_disease", "il6", "flares")),
    SPECS,
)


def extend_model(parameters: ParameterSet, modules: Sequence[str | Path],
                 parameter_files: Sequence[str | Path], *,
                 base: ModelSpec = SLE_CD19_CART) -> tuple[ModelSpec, ParameterSet]:
    """``base`` with extra ``modules`` (``.py`` files or dotted names defining ``MODULE``)
    composed after it, and ``parameters`` with the extra modules' parameter files appended.

    Returns the model spec and the matching parameter set (file parameters in vector
    order); build it with :func:`~immunoreset.model.build_model`.
    """
    extra = [module_parameter_file(f) for f in parameter_files]
    combined = combine_parameter_sets(parameters, *extra)
    spec = base.with_modules([str(m) for m in modules],
                             [s for ps in extra for s in ps.specs])
    return spec, combined


def default_model() -> CompiledModel:
    """The compiled SLE / CD19 CAR-T model (built once per model version, then cached)."""
    return build_model(SLE_CD19_CART)
