"""Therapies as dose events: lymphodepletion regimens, CAR-T products, drug regimens, arm
regimens, and the catalogue that names them (``therapy/data``)."""

from immunoreset.therapy._catalogue import (
    CAR_T_TARGETS,
    PRODUCT_KINDS,
    Catalogue,
    Drug,
    Product,
    catalogue,
)
from immunoreset.therapy._drugs import DOSE_UNITS, RATE_UNITS, DrugRegimen, RateSegment
from immunoreset.therapy._regimen import (
    CarTProduct,
    Dose,
    Lymphodepletion,
    Regimen,
    body_surface_area_m2,
)
from immunoreset.therapy._state_dose import StateDose

__all__ = [
    "CAR_T_TARGETS",
    "DOSE_UNITS",
    "PRODUCT_KINDS",
    "RATE_UNITS",
    "CarTProduct",
    "Catalogue",
    "Dose",
    "Drug",
    "DrugRegimen",
    "Lymphodepletion",
    "Product",
    "RateSegment",
    "Regimen",
    "StateDose",
    "body_surface_area_m2",
    "catalogue",
]
