"""Parameter overrides, the same in study configs and trial specs, each within a stated
plausible range of its unit.

.. code-block:: toml

    [parameters]
    file = "my_parameters.toml"   # optional, relative to the spec; the packaged set by default
    [parameters.values]           # optional overrides, in the parameter's canonical unit ...
    car_t_kill_rate = 15.0
    [parameters.values.igg_elimination_rate]   # ... or with an explicit unit
    value = 0.0289
    unit = "1/day"
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field

from immunoreset.errors import InputError
from immunoreset.spec._base import SpecModel

__all__ = ["PLAUSIBLE_RANGES", "ParametersTable", "Quantity", "check_parameter_values"]

#: Plausible range of a parameter value by its canonical unit: (low, high, reason). Every
#: parameter of the model is non-negative (rates, counts, concentrations, fractions).
PLAUSIBLE_RANGES: dict[str, tuple[float, float, str]] = {
    "1/day": (0.0, 1e3, "rates up to 1000/day (half-lives down to a minute)"),
    "m**2/mg/day": (0.0, 10.0, "kill per mg/m² of exposure per day"),
    "cell/uL": (0.0, 1e6, "blood counts up to 10⁶ cells/µL"),
    "cell/uL/day": (0.0, 1e6, "production up to 10⁶ cells/µL/day"),
    "dimensionless": (0.0, 1e4, "ratios, fractions and exponents"),
    "L": (0.01, 1e4, "volumes 10 mL to 10,000 L"),
    "pg/mL": (0.0, 1e6, "cytokine levels up to 10⁶ pg/mL"),
    "pg/mL/day/(cell/uL)": (0.0, 1e6, "cytokine release per cell"),
    "IU/mL": (0.0, 1e6, "titres up to 10⁶ IU/mL"),
    "IU/mL/day/(cell/uL)": (0.0, 1e6, "secretion per cell"),
    "g/L": (0.0, 1e3, "serum proteins up to 1000 g/L"),
    "1/day/(IU/mL)": (0.0, 1e3, "consumption per titre"),
    "g/day": (0.0, 100.0, "proteinuria up to 100 g/day"),
    "L/m**2": (0.01, 1e4, "distribution volumes per m² BSA"),
    "L/m**2/day": (0.0, 1e5, "clearances per m² BSA"),
    "mg/L": (0.0, 1e4, "drug concentrations up to 10 g/L"),
    "mg/m**2": (0.0, 1e5, "drug amounts per m² BSA"),
}
_DEFAULT_RANGE = (0.0, 1e6, "non-negative")

Number = Annotated[float, Field()]


class Quantity(SpecModel):
    """A value with an explicit unit, converted to the parameter's canonical unit."""

    value: float
    unit: Annotated[str, Field(min_length=1, max_length=100)]


class ParametersTable(SpecModel):
    """A parameter file and overrides of its values."""

    file: Annotated[str, Field(min_length=1)] | None = None
    values: dict[str, float | Quantity] = Field(default_factory=dict)

    def overrides(self) -> dict[str, float]:
        """The overrides in canonical units, each checked for its name, unit and range."""
        from immunoreset.model import SPECS, unit_registry

        canonical = {s.name: s.unit for s in SPECS}
        ureg = unit_registry()
        out: dict[str, float] = {}
        for name, v in self.values.items():
            field = f"parameters.values.{name}"
            if name not in canonical:
                raise InputError(f"{field}: unknown parameter (see `immunoreset parameters`)")
            unit = canonical[name]
            if isinstance(v, Quantity):
                try:
                    q = ureg.Quantity(float(v.value), ureg.parse_units(v.unit))
                    number = float(q.to(unit).magnitude)
                except Exception:
                    raise InputError(f"{field}.unit: got {v.unit!r}, expected a unit convertible "
                                     f"to {unit!r}") from None
            else:
                number = float(v)
            low, high, why = PLAUSIBLE_RANGES.get(unit, _DEFAULT_RANGE)
            if not low <= number <= high:
                raise InputError(f"{field}: got {number:g} {unit}, expected {low:g}-{high:g} "
                                 f"{unit} ({why})")
            out[name] = number
        return out

    def path(self, base: Path) -> Path | None:
        """The parameter file, relative to ``base``; must be a UTF-8 TOML file."""
        if self.file is None:
            return None
        from immunoreset.spec._errors import read_toml

        p = base / self.file
        read_toml(p, "parameters.file")
        return p


def check_parameter_values(values: dict[str, float], where: str) -> None:
    """Refuse a parameter set (name → value in canonical units, e.g. read from a
    ``parameters.file``) with a value outside the plausible range of its unit."""
    from immunoreset.model import SPECS

    units = {s.name: s.unit for s in SPECS}
    for name, value in values.items():
        unit = units.get(name)
        if unit is None:
            continue
        low, high, why = PLAUSIBLE_RANGES.get(unit, _DEFAULT_RANGE)
        if not low <= value <= high:
            raise InputError(f"{where}: {name} = {value:g} {unit}, expected {low:g}-{high:g} "
                             f"{unit} ({why})")
