"""Unit check of a composed model with pint.

Every contribution to ``d state / dt`` must carry the state's unit per day, every argument
of ``log``, ``exp``, :func:`~immunoreset.model.declare.hill` and of a non-integer power
must be dimensionless, and added or compared quantities must share one unit. "Share"
means equal after conversion with factor 1: a term in mL where the state is in L is a
wrong number, not a different spelling, and is refused. A refusal is an
:class:`~immunoreset.errors.InputError` naming the module, the state, the term and both
units.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pint
import sympy as sp

from immunoreset.errors import InputError
from immunoreset.model._compose import SymbolicModel
from immunoreset.model._parameters import unit_registry
from immunoreset.model.declare import hill, hill_order_slope, hill_slope, pos, smax, smin, step

__all__ = ["UnitMismatch", "check_units", "unit_of"]

_RTOL = 1e-12


class UnitMismatch(Exception):
    """Raised inside the walk; :func:`check_units` adds where it happened."""


def _same(a: pint.Quantity, b: pint.Quantity) -> bool:
    """``a`` and ``b`` are the same quantity once converted (dimension and factor 1)."""
    try:
        converted = a.to(b.units).magnitude
    except pint.DimensionalityError:
        return False
    return math.isclose(converted, b.magnitude, rel_tol=_RTOL)


def _dimensionless(q: pint.Quantity, what: str) -> None:
    try:
        m = q.to("dimensionless").magnitude
    except pint.DimensionalityError:
        raise UnitMismatch(f"{what} must be dimensionless, got {q.units:~}") from None
    if not math.isclose(m, q.magnitude, rel_tol=_RTOL):
        raise UnitMismatch(f"{what} must be dimensionless, got {q.units:~} "
                           f"(a factor {m / q.magnitude:g}, not 1)")


def unit_of(expr: sp.Expr, units: Mapping[str, pint.Quantity]) -> pint.Quantity:
    """The unit of ``expr`` as a pint quantity (magnitude 1 in a consistent model).

    ``units`` maps each symbol name to ``Quantity(1, its unit)``.
    """
    ureg = unit_registry()
    if expr.is_Symbol:
        return units[expr.name]
    if expr.is_Number or expr.is_NumberSymbol:
        return ureg.Quantity(1.0, "dimensionless")
    if isinstance(expr, sp.Add):
        parts = [unit_of(a, units) for a in expr.args]
        for p in parts[1:]:
            if not _same(p, parts[0]):
                raise UnitMismatch(f"cannot add {parts[0].units:~} and {p.units:~}")
        return parts[0]
    if isinstance(expr, sp.Mul):
        out = ureg.Quantity(1.0, "dimensionless")
        for a in expr.args:
            out = out * unit_of(a, units)
        return out
    if isinstance(expr, sp.Pow):
        base = unit_of(expr.base, units)
        ex = expr.exp
        if ex.is_Number:
            return base ** float(ex)
        _dimensionless(base, "the base of a power with a symbolic exponent")
        _dimensionless(unit_of(ex, units), "an exponent")
        return ureg.Quantity(1.0, "dimensionless")
    if isinstance(expr, sp.log | sp.exp):
        _dimensionless(unit_of(expr.args[0], units), f"the argument of {type(expr).__name__}")
        return ureg.Quantity(1.0, "dimensionless")
    if isinstance(expr, hill | hill_slope | hill_order_slope):
        _dimensionless(unit_of(expr.args[0], units), "the argument of hill")
        _dimensionless(unit_of(expr.args[1], units), "the Hill coefficient")
        return ureg.Quantity(1.0, "dimensionless")
    if isinstance(expr, pos):
        return unit_of(expr.args[0], units)
    if isinstance(expr, step):
        unit_of(expr.args[0], units)
        return ureg.Quantity(1.0, "dimensionless")
    if isinstance(expr, smax | smin):
        zero = [arg for arg in expr.args if arg.is_zero]
        if zero:  # max(u, 0): 0 has any unit
            return unit_of(next(a for a in expr.args if not a.is_zero), units)
        a, b = (unit_of(arg, units) for arg in expr.args)
        if not _same(a, b):
            raise UnitMismatch(f"cannot compare {a.units:~} and {b.units:~} in {type(expr).__name__}")
        return a
    if isinstance(expr, sp.Piecewise):
        branches = []
        for value, cond in expr.args:
            if not value.is_zero:  # a zero branch has any unit
                branches.append(unit_of(value, units))
            if cond is not sp.true:
                _check_condition(cond, units)
        for b in branches[1:]:
            if not _same(b, branches[0]):
                raise UnitMismatch(f"switch branches in {branches[0].units:~} and {b.units:~}")
        return branches[0]
    raise UnitMismatch(f"no unit rule for {type(expr).__name__}")


def _check_condition(cond: sp.Basic, units: Mapping[str, pint.Quantity]) -> None:
    if isinstance(cond, sp.core.relational.Relational):
        a, b = unit_of(cond.lhs, units), unit_of(cond.rhs, units)
        if b.magnitude == 0 or cond.rhs == 0:
            return
        if not _same(a, b):
            raise UnitMismatch(f"cannot compare {a.units:~} and {b.units:~}")
        return
    for arg in cond.args:
        _check_condition(arg, units)


def symbol_units(model: SymbolicModel) -> dict[str, pint.Quantity]:
    """``Quantity(1, unit)`` of every state, parameter, constant, derived value and named
    expression of ``model`` (expressions inferred)."""
    ureg = unit_registry()
    units: dict[str, pint.Quantity] = {}
    for s in model.states:
        units[s.name] = ureg.Quantity(1.0, s.unit)
    for p in model.parameters:
        units[p.name] = ureg.Quantity(1.0, p.unit)
    for c in model.constants.values():
        units[c.name] = ureg.Quantity(1.0, c.unit)
    for d in model.derived:
        units[d.name] = ureg.Quantity(1.0, d.unit)
    pending = dict(model.expressions)
    while pending:
        progress = False
        for name, ex in list(pending.items()):
            if any(s.name in pending for s in ex.value.free_symbols):
                continue
            try:
                units[name] = unit_of(ex.value, units)
            except UnitMismatch as err:
                raise InputError(f"module {model.expression_module[name]}, expression "
                                 f"{name}: {err}") from None
            del pending[name]
            progress = True
        if not progress:  # pragma: no cover - compose refuses cycles first
            raise InputError(f"named expressions in a cycle: {', '.join(sorted(pending))}")
    return units


def check_units(model: SymbolicModel) -> None:
    """Refuse ``model`` unless every contribution carries its state's unit per day (see the
    module docstring); also checks derived values and steady-state starts."""
    ureg = unit_registry()
    units = symbol_units(model)
    per_day = ureg.Quantity(1.0, "1/day")
    state_units = {s.name: s.unit for s in model.states}
    for c in model.contributions:
        expected = units[c.state] * per_day
        where = f"module {c.module}, state {c.state}, {c.kind} {c.meaning!r}"
        try:
            got = unit_of(c.value, units)
        except UnitMismatch as err:
            raise InputError(f"{where}: {err}") from None
        if not _same(got, expected):
            raise InputError(f"{where}: term is in {got.units:~}, expected "
                             f"{state_units[c.state]}/day ({expected.units:~})")
    owners = {d.name: m.name for m in model.modules for d in m.derived}
    for d in model.derived:
        got = unit_of(d.value, units)
        if not _same(got, units[d.name]):
            raise InputError(f"module {owners[d.name]}, derived value {d.name}: defined in "
                             f"{got.units:~}, declared {d.unit}")
    for s, start in zip(model.states, model.starts(), strict=True):
        if start.is_zero:
            continue
        got = unit_of(start, units)
        if not _same(got, units[s.name]):
            raise InputError(f"module {model.state_module[s.name]}, state {s.name}: start "
                             f"is in {got.units:~}, expected {s.unit}")
