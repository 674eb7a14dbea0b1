"""The base of every spec table: frozen, strict, unknown keys refused, no NaN or infinity."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["ARM_NAME_PATTERN", "MAX_DAY", "MIN_DAY", "NAME_PATTERN", "FieldError", "SpecModel"]

#: Arm (and regimen, product) names: letters, digits, ``_``, ``.``, ``-``; 1-64 characters.
#: Arm names become file-name parts and table columns, so nothing else is allowed.
ARM_NAME_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"
NAME_PATTERN = ARM_NAME_PATTERN
#: Earliest day of any dose or of the simulation (days; t = 0 at infusion). Lymphodepletion
#: starts at most a few days before infusion; 60 days leaves room for bridging therapy.
MIN_DAY = -60
#: Latest day of follow-up: ten years (days).
MAX_DAY = 3650


class FieldError(ValueError):
    """Raised by a cross-field validator: ``field`` (relative to the table validated) is
    wrong; ``message`` says what was got and what was expected."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class SpecModel(BaseModel):
    """A table of a spec file: frozen; unknown keys, values of the wrong type (no
    coercion: ``"3"`` is not a number, ``true`` is not 1) and non-finite numbers refused."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False,
                              validate_default=False)
