"""Exception and warning classes shared by the whole package.

Every error raised for bad user input is an :class:`InputError`. Its message is one line
that names the field, the value and what was expected, so that the command-line interface
can print it verbatim and exit with status 2.
"""

from __future__ import annotations

__all__ = ["CalibrationWarning", "ClinicalRangeWarning", "InputError", "RunAdjustedWarning",
           "SpecDeprecationWarning"]


class InputError(ValueError):
    """Bad user input: a config field, a table column, a parameter file entry.

    The message must be a single line naming the field, the offending value and what was
    expected, e.g. ``"therapy.car_t.dose_per_kg: got -1.0, expected a number > 0"``.
    """

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


class CalibrationWarning(UserWarning):
    """A calibration did not converge or a target was missed."""


class ClinicalRangeWarning(UserWarning):
    """A clinical value is plausible but unusual (e.g. a very high titre)."""


class SpecDeprecationWarning(UserWarning):
    """A config or spec file uses old keys; they still work (converted), and the one-line
    message says what to write instead."""


class RunAdjustedWarning(UserWarning):
    """A run option was lowered to what the machine or the run can use (e.g. workers
    capped at the cores); the command goes on and says so in one line."""
