"""Therapies as dose events: lymphodepletion regimens, CAR-T products, arm regimens."""

from immunoreset.therapy._regimen import (
    CarTProduct,
    Dose,
    Lymphodepletion,
    Regimen,
    body_surface_area_m2,
)
from immunoreset.therapy._state_dose import StateDose

__all__ = ["CarTProduct", "Dose", "Lymphodepletion", "Regimen", "StateDose", "body_surface_area_m2"]
