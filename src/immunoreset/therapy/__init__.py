"""Therapies as dose events: lymphodepletion regimens, CAR-T products, arm regimens."""

from immunoreset.therapy._regimen import (
    CarTProduct,
    Dose,
    Lymphodepletion,
    Regimen,
    body_surface_area_m2,
)

__all__ = ["CarTProduct", "Dose", "Lymphodepletion", "Regimen", "body_surface_area_m2"]
