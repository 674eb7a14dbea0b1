"""The biological blocks of the SLE / CD19 CAR-T model, one module per file.

Each file defines ``MODULE`` (:class:`immunoreset.model.declare.Module`); the model is
their composition (:data:`immunoreset.model.SLE_CD19_CART`). See ``docs/modules.md``.
"""
