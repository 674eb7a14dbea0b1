"""The language a model module is written in: states, flows, terms and named expressions.

A *module* is one biological block (lymphodepletion, T cells, CAR-T, the B lineage, ...)
declared as data. It names

* the **states** it owns (:class:`State`: name, unit, meaning, compartment);
* the **parameters** it uses, by name (value, unit and source stay in the parameter file);
* **named expressions** (:class:`Expression`): shared intermediate quantities that other
  modules may use by name (the CAR-T killing hazard, the lymphodepletion hazard, ...);
* **flows** (:class:`Flow`): a rate that leaves one state and enters another, declared
  once, so what leaves one pool enters the other by construction;
* **terms** (:class:`Term`): any other contribution to the time derivative of a state, its
  own or another module's (a killing module adds a loss to every pool it attacks);
* **derived** per-patient quantities (:class:`Derived`): values read from the patient's
  pre-treatment steady state (a feedback set point), appended to the parameter vector.

Maths is written with :mod:`sympy` symbols from the namespaces :data:`x` (states),
:data:`k` (parameters) and :data:`e` (named expressions and derived values): ``x.naive_b_blood``
is ``Symbol("naive_b_blood")``. The namespaces only make the text readable; what a name
is (state, parameter, expression, constant) is decided when modules are composed
(:func:`immunoreset.model.compose`).

Non-smooth functions are written with the functions below, never with ``Max``/``Min``/
``Heaviside``: their derivative at the kink is decided here, once, and the generated
Jacobian uses it.

* :func:`pos` ``max(u, 0)``: derivative :func:`step` ``(u >= 0)``, the right derivative at
  0 (a state approaches its clamp from inside the physical domain, e.g. a drug before its
  first dose);
* :func:`smax`, :func:`smin`: derivative of the active branch (the first argument on a
  tie for ``smax``, the second for ``smin``);
* :func:`hill` ``u^n / (1 + u^n)`` for ``u > 0`` and 0 for ``u <= 0``;
* :func:`where` ``a if condition else b``: a switch; the derivative is that of the active
  branch (the jump itself has no derivative).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sympy as sp

__all__ = [
    "Constant",
    "Derived",
    "Expression",
    "Flow",
    "Module",
    "State",
    "Term",
    "e",
    "hill",
    "k",
    "pos",
    "smax",
    "smin",
    "step",
    "where",
    "x",
]

from sympy import Expr


class _Names:
    """``ns.some_name`` → ``sympy.Symbol("some_name")`` (real-valued)."""

    def __init__(self, kind: str) -> None:
        self._kind = kind

    def __getattr__(self, name: str) -> sp.Symbol:
        if name.startswith("_"):
            raise AttributeError(name)
        return sp.Symbol(name, real=True)

    def __repr__(self) -> str:
        return f"<{self._kind} names>"


#: State symbols: ``x.naive_b_blood``.
x = _Names("state")
#: Parameter symbols: ``k.naive_b_death_rate``.
k = _Names("parameter")
#: Named-expression, derived-value and constant symbols: ``e.car_t_kill_hazard``.
e = _Names("expression")


# --- non-smooth functions with their derivative decided once -------------------------


class step(sp.Function):
    """``1 if u >= 0 else 0`` (the derivative of :func:`pos`; its own derivative is 0)."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> Expr:
        return sp.Integer(0)


class pos(sp.Function):
    """``max(u, 0)``; ∂/∂u = :func:`step` (u) (1 at u = 0: the right derivative)."""

    nargs = 1

    @classmethod
    def eval(cls, u: Expr) -> Expr | None:
        if u.is_Number:
            return sp.Max(u, 0)
        if isinstance(u, pos):
            return u
        return None

    def fdiff(self, argindex: int = 1) -> Expr:
        return step(self.args[0])


class smax(sp.Function):
    """``max(a, b)``; the derivative of the active branch (``a`` on a tie: write
    ``smax(0, u)`` for a floor whose derivative is 0 at the kink, ``pos(u)`` for 1)."""

    nargs = 2

    @classmethod
    def eval(cls, a: Expr, b: Expr) -> Expr | None:
        if a.is_Number and b.is_Number:
            return sp.Max(a, b)
        return None

    def fdiff(self, argindex: int = 1) -> Expr:
        a, b = self.args
        s = step(a - b)
        return s if argindex == 1 else 1 - s


class smin(sp.Function):
    """``min(a, b)``; the derivative of the active branch (``b`` on a tie)."""

    nargs = 2

    @classmethod
    def eval(cls, a: Expr, b: Expr) -> Expr | None:
        if a.is_Number and b.is_Number:
            return sp.Min(a, b)
        return None

    def fdiff(self, argindex: int = 1) -> Expr:
        a, b = self.args
        s = step(a - b)  # 1 where b is the minimum
        return 1 - s if argindex == 1 else s


class hill_slope(sp.Function):
    """∂/∂u of :func:`hill`: ``n u^(n-1) / (1 + u^n)^2`` for u > 0, else 0."""

    nargs = 2


class hill_order_slope(sp.Function):
    """∂/∂n of :func:`hill`: ``u^n ln(u) / (1 + u^n)^2`` for u > 0, else 0."""

    nargs = 2


class hill(sp.Function):
    """``u^n / (1 + u^n)`` for u > 0, 0 for u <= 0 (u and n dimensionless)."""

    nargs = 2

    def fdiff(self, argindex: int = 1) -> Expr:
        u, n = self.args
        return hill_slope(u, n) if argindex == 1 else hill_order_slope(u, n)


def where(condition: sp.core.relational.Relational, then: Expr, otherwise: Expr) -> Expr:
    """``then if condition else otherwise`` (a switch; derivative of the active branch)."""
    return sp.Piecewise((then, condition), (otherwise, True))


# --- declarations --------------------------------------------------------------------


@dataclass(frozen=True)
class State:
    """A state variable owned by a module.

    ``clamped``: the rates see ``max(y, 0)`` (tiny negative excursions of the integrator
    never make a rate negative); ``False`` for states that enter linearly as they are.
    ``start``: the value (a number or an expression of parameters, in ``unit``) from which
    the search for the pre-treatment steady state starts; pick it inside the basin of the
    attractor the patient is in before treatment (e.g. an autoreactive pool near its
    capacity for active disease). ``rest``: the start in the other basin (disease-free),
    where it differs from ``start``; a patient has the attractor of ``start`` only if the
    two searches end in different equilibria.
    """

    name: str
    unit: str
    meaning: str
    compartment: str
    clamped: bool = True
    start: Expr | float = 0.0
    rest: Expr | float | None = None


@dataclass(frozen=True)
class Expression:
    """A named intermediate quantity (its unit is inferred and checked).

    ``observe=True`` makes it a read-out too: the generated ``observed`` function evaluates
    it on saved states (e.g. the kills per CAR-T cell per day), so analyses read the
    model's own formula instead of re-writing it."""

    name: str
    value: Expr
    meaning: str
    observe: bool = False


@dataclass(frozen=True)
class Constant:
    """A fixed number with a unit that is part of the model's maths (a unit conversion or
    a stated numerical floor), never a parameter to fit."""

    name: str
    value: float
    unit: str
    meaning: str


@dataclass(frozen=True)
class Derived:
    """A per-patient value read from the pre-treatment steady state: ``value`` evaluated
    there (an expression of states and parameters), appended to the parameter vector."""

    name: str
    unit: str
    meaning: str
    value: Expr


@dataclass(frozen=True)
class Flow:
    """``rate`` (source unit per day) leaves ``source`` and enters ``target``."""

    source: str
    target: str
    rate: Expr
    meaning: str


@dataclass(frozen=True)
class Term:
    """``value`` (the state's unit per day) added to ``d state / dt``."""

    state: str
    value: Expr
    meaning: str


@dataclass(frozen=True)
class Module:
    """One biological block of a model (see the module docstring)."""

    name: str
    meaning: str
    states: tuple[State, ...] = ()
    parameters: tuple[str, ...] = ()
    expressions: tuple[Expression, ...] = ()
    flows: tuple[Flow, ...] = ()
    terms: tuple[Term, ...] = ()
    constants: tuple[Constant, ...] = ()
    derived: tuple[Derived, ...] = ()
    source: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        from immunoreset.errors import InputError

        if not self.name.isidentifier():
            raise InputError(f"module name: got {self.name!r}, expected a Python identifier")
        names: Mapping[str, int] = {}
        for kind, items in (("state", self.states), ("expression", self.expressions),
                            ("constant", self.constants), ("derived value", self.derived)):
            for item in items:
                if item.name in names or item.name in self.parameters:
                    raise InputError(f"module {self.name}: {kind} {item.name!r} is declared twice")
                names = {**names, item.name: 1}
        if len(set(self.parameters)) != len(self.parameters):
            dup = next(p for p in self.parameters if self.parameters.count(p) > 1)
            raise InputError(f"module {self.name}: parameter {dup!r} is listed twice")
