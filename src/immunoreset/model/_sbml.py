"""SBML Level 3 export of one virtual patient: parameters, initial state, dose and flare events.

The document is written with python-libsbml from the same composed model the engine's code
is generated from. Each state is a non-constant SBML ``parameter`` with a ``rateRule``
(its full time derivative), so no compartment or species conversion stands between the
two engines; every model parameter and derived value is a constant ``parameter`` with the
patient's value. Units are declared: a ``unitDefinition`` per unit, built from pint's
decomposition into base units (cells → ``item``; international units, which SBML has no
kind for, → ``dimensionless``, said in the definition's name); the model's time unit is
the day.

The non-smooth functions become ``piecewise`` (SBML Level 3 Version 1 core): ``pos(u)`` →
``piecewise(u, u > 0, 0)``, ``hill(u, n)`` → ``piecewise(u^n / (1 + u^n), u > 0, 0)``,
``smax``/``smin`` and switches likewise. State jumps become events at fixed times
(trigger ``time >= t``, values from trigger time): all jumps at one time are one event,
and two jumps of one state at one time are summed, so both apply.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np
import sympy as sp
from sympy.printing.str import StrPrinter

from immunoreset.errors import InputError
from immunoreset.model._build import CompiledModel
from immunoreset.model._parameters import unit_registry

__all__ = ["to_sbml"]

_KINDS = {"meter": "UNIT_KIND_METRE", "gram": "UNIT_KIND_GRAM", "second": "UNIT_KIND_SECOND",
          "cell": "UNIT_KIND_ITEM", "IU": "UNIT_KIND_DIMENSIONLESS", "mole": "UNIT_KIND_MOLE",
          "kilogram": "UNIT_KIND_KILOGRAM"}


class _L3Printer(StrPrinter):
    """sympy → libsbml Level 3 infix formula (``parseL3Formula``)."""

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        return f"({self._print(expr.base)})^({self._print(expr.exp)})"

    def _print_Float(self, expr: sp.Float) -> str:
        return repr(float(expr))

    def _print_Rational(self, expr: sp.Rational) -> str:
        return f"({int(expr.p)}/{int(expr.q)})"

    def _print_log(self, expr: sp.Expr) -> str:
        return f"ln({self._print(expr.args[0])})"

    def _print_exp(self, expr: sp.Expr) -> str:
        return f"exp({self._print(expr.args[0])})"

    def _print_pos(self, expr: sp.Expr) -> str:
        u = self._print(expr.args[0])
        return f"piecewise({u}, ({u}) > 0, 0)"

    def _print_smax(self, expr: sp.Expr) -> str:
        a, b = (self._print(x) for x in expr.args)
        return f"piecewise({a}, ({a}) >= ({b}), {b})"

    def _print_smin(self, expr: sp.Expr) -> str:
        a, b = (self._print(x) for x in expr.args)
        return f"piecewise({a}, ({a}) <= ({b}), {b})"

    def _print_hill(self, expr: sp.Expr) -> str:
        u, n = (self._print(x) for x in expr.args)
        return f"piecewise(({u})^({n}) / (1 + ({u})^({n})), ({u}) > 0, 0)"

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        parts = []
        for value, cond in expr.args:
            if cond is sp.true:
                parts.append(self._print(value))
            else:
                parts += [self._print(value), self._print(cond)]
        return f"piecewise({', '.join(parts)})"

    def _print_Relational(self, expr: sp.core.relational.Relational) -> str:
        return f"({self._print(expr.lhs)}) {expr.rel_op} ({self._print(expr.rhs)})"


def _math(libsbml: object, expr: sp.Expr, where: str) -> object:
    text = _L3Printer().doprint(expr)
    ast = libsbml.parseL3Formula(text)  # type: ignore[attr-defined]
    if ast is None:  # pragma: no cover - the printer writes only what the parser reads
        raise InputError(f"SBML export: cannot write {where}: {libsbml.getLastParseL3Error()}")  # type: ignore[attr-defined]
    return ast


def _check(code: int, what: str) -> None:
    if code != 0:  # LIBSBML_OPERATION_SUCCESS
        raise RuntimeError(f"SBML export: libsbml refused {what} (code {code})")


def _unit_id(unit: str) -> str:
    out = "".join(c if c.isalnum() else "_" for c in unit.replace("**", "_pow_").replace("/", "_per_"))
    return f"u_{out}"


def _add_unit(libsbml: object, model: object, unit: str, done: set[str]) -> str:
    uid = _unit_id(unit)
    if uid in done:
        return uid
    done.add(uid)
    q = unit_registry().Quantity(1.0, unit).to_base_units()
    ud = model.createUnitDefinition()  # type: ignore[attr-defined]
    _check(ud.setId(uid), f"unit {unit}")
    ud.setName(unit + (" (IU counted as dimensionless)" if "IU" in unit else ""))
    dims: dict[str, float] = {str(b): float(e) for b, e in q.units._units.items()}  # type: ignore[arg-type]
    magnitude = float(q.magnitude)
    if not dims:
        dims = {"dimensionless": 1.0}
    first = True
    for base, exponent in dims.items():
        u = ud.createUnit()
        kind = _KINDS.get(base, "UNIT_KIND_DIMENSIONLESS")
        u.setKind(getattr(libsbml, kind))
        u.setExponent(exponent)
        u.setScale(0)
        u.setMultiplier(magnitude ** (1.0 / exponent) if first else 1.0)
        first = False
    return uid


def to_sbml(model: CompiledModel, params: np.ndarray, y0: np.ndarray,
            events: Sequence[tuple[float, int, float]], *, patient: str = "patient",
            arm: str = "arm") -> str:
    """SBML Level 3 Version 2 text of one patient (see the module docstring).

    ``params`` ``(n_parameters,)`` and ``y0`` ``(n_states,)`` in the model's layout;
    ``events`` are ``(day, state_index, amount)`` jumps, amounts in the state's unit.
    """
    import libsbml

    sym = model.symbolic()
    doc = libsbml.SBMLDocument(3, 2)
    m = doc.createModel()
    m.setId(f"{model.name}_{''.join(c if c.isalnum() else '_' for c in patient)}")
    m.setName(f"{model.name}: patient {patient}, arm {arm} (immunoreset, model key {model.key[:12]})")
    units: set[str] = set()
    m.setTimeUnits(_add_unit(libsbml, m, "day", units))
    for name, spec_unit, value in zip(
            model.parameter_names + model.derived_names,
            [p.unit for p in sym.parameters] + [d.unit for d in sym.derived], params, strict=True):
        par = m.createParameter()
        _check(par.setId(name), f"parameter {name}")
        par.setValue(float(value))
        par.setConstant(True)
        par.setUnits(_add_unit(libsbml, m, spec_unit, units))
    for state, value, rate in zip(sym.states, y0, sym.derivatives, strict=True):
        par = m.createParameter()
        _check(par.setId(state.name), f"state {state.name}")
        par.setName(state.meaning)
        par.setValue(float(value))
        par.setConstant(False)
        par.setUnits(_add_unit(libsbml, m, state.unit, units))
        rule = m.createRateRule()
        rule.setVariable(state.name)
        _check(rule.setMath(_math(libsbml, rate, f"d{state.name}/dt")), f"rate of {state.name}")
    by_time: dict[float, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for day, index, amount in events:
        by_time[float(day)][int(index)] += float(amount)
    for k, (day, jumps) in enumerate(sorted(by_time.items())):
        ev = add_time_event(libsbml, m, f"jump_{k}", day)
        for index, amount in sorted(jumps.items()):
            name = model.state_names[index]
            ea = ev.createEventAssignment()
            ea.setVariable(name)
            ea.setMath(libsbml.parseL3Formula(f"{name} + {amount!r}"))
    text: str = libsbml.writeSBMLToString(doc)
    check = libsbml.readSBMLFromString(text)
    n_errors = check.checkInternalConsistency()
    for i in range(n_errors):
        err = check.getError(i)
        if err.getSeverity() >= libsbml.LIBSBML_SEV_ERROR:
            raise RuntimeError(f"SBML export: invalid document: {err.getMessage()}")
    return text


def add_time_event(libsbml: Any, m: Any, event_id: str, day: float) -> Any:
    """A persistent SBML event ``event_id`` firing once at ``time >= day`` (already true at
    the start counts: initialValue = True), values taken at trigger time; returns it for
    its event assignments."""
    ev = m.createEvent()
    ev.setId(event_id)
    ev.setUseValuesFromTriggerTime(True)
    trig = ev.createTrigger()
    trig.setInitialValue(True)
    trig.setPersistent(True)
    trig.setMath(libsbml.parseL3Formula(f"time >= {day!r}"))
    return ev
