"""Compose modules into one symbolic model: merge by state name, check every name, sum terms.

Composition is where a model becomes consistent or is refused:

* every state is owned by exactly one module; a flow or term may touch any module's state;
* every name in a module's maths is a state, a named expression, a constant, a derived
  value or a parameter *that module declares*; every declared parameter is used and has a
  spec (name, unit, meaning) in the parameter files;
* named expressions may use each other, without cycles.

The result, :class:`SymbolicModel`, holds each state's full time derivative as one sympy
expression of the raw state symbols and the parameter symbols: named expressions and
constants substituted, and every *clamped* state replaced by ``pos(state)`` where it is
read. Units are checked separately (:func:`immunoreset.model._units.check_units`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from immunoreset.errors import InputError
from immunoreset.model._parameters import ParameterSpec
from immunoreset.model.declare import Constant, Derived, Expression, Module, State, pos

__all__ = ["Contribution", "SymbolicModel", "compose"]


def _sym(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)


@dataclass(frozen=True)
class Contribution:
    """One addend of ``d state / dt``: from a term, or a flow's inflow (+) or outflow (−)."""

    module: str
    state: str
    kind: str  # "term", "inflow" or "outflow"
    meaning: str
    value: sp.Expr  # as written in the module (names, not substituted)


@dataclass(frozen=True)
class SymbolicModel:
    """A composed model (see the module docstring). Parameter vector: ``parameters`` in
    order, then ``derived``."""

    name: str
    modules: tuple[Module, ...]
    states: tuple[State, ...]
    state_module: Mapping[str, str]
    parameters: tuple[ParameterSpec, ...]
    derived: tuple[Derived, ...]
    expressions: Mapping[str, Expression]
    expression_module: Mapping[str, str]
    constants: Mapping[str, Constant]
    contributions: tuple[Contribution, ...]

    @property
    def state_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.states)

    @property
    def vector_names(self) -> tuple[str, ...]:
        """Names of the parameter vector: file parameters, then derived values."""
        return tuple(p.name for p in self.parameters) + tuple(d.name for d in self.derived)

    def used_parameters(self) -> frozenset[str]:
        """Parameters some module declares (the ones the dynamics read)."""
        return frozenset(p for m in self.modules for p in m.parameters)

    @cached_property
    def _expanded(self) -> dict[str, sp.Expr]:
        """Named expressions with every other named expression and constant substituted."""
        constants = {_sym(c.name): sp.Float(c.value) for c in self.constants.values()}
        return _resolve({n: ex.value for n, ex in self.expressions.items()}, "named expressions",
                        lambda v: v.xreplace(constants))

    def substitute(self, value: sp.Expr) -> sp.Expr:
        """``value`` as the dynamics see it: named expressions and constants substituted,
        clamped states read as ``pos(state)``."""
        subs: dict[sp.Basic, sp.Expr] = {}
        for s in value.free_symbols:
            if s.name in self.expressions:
                subs[s] = self._expanded[s.name]
            elif s.name in self.constants:
                subs[s] = sp.Float(self.constants[s.name].value)
        expanded = value.xreplace(subs)
        clamps = {_sym(st.name): pos(_sym(st.name)) for st in self.states if st.clamped}
        return expanded.xreplace(clamps)

    @cached_property
    def derivatives(self) -> tuple[sp.Expr, ...]:
        """``d state / dt`` per state, in state order (per day)."""
        total: dict[str, sp.Expr] = {s.name: sp.Integer(0) for s in self.states}
        for c in self.contributions:
            sign = -1 if c.kind == "outflow" else 1
            total[c.state] = total[c.state] + sign * self.substitute(c.value)
        return tuple(total[s] for s in self.state_names)

    def steady_state_derivatives(self) -> tuple[sp.Expr, ...]:
        """The derivatives with each derived value replaced by its defining expression, so
        that the pre-treatment equilibrium and its set points are solved together."""
        subs = {_sym(d.name): self.substitute(d.value) for d in self.derived}
        return tuple(f.xreplace(subs) for f in self.derivatives)

    def starts(self, which: str = "start") -> tuple[sp.Expr, ...]:
        """Declared steady-state search starts per state, as expressions of parameters.

        ``"start"``: the basin of the untreated patient; ``"rest"``: the other basin (a
        state's ``rest`` where declared, else its ``start``). A start may name other
        states: it then reads *their* start in the same basin, so a chain of pools
        follows the one start that differs."""
        own = {s.name: sp.sympify(s.start if which == "start" or s.rest is None else s.rest)
               for s in self.states}
        done = _resolve(own, "steady-state starts", self.substitute)
        return tuple(done[s.name] for s in self.states)


def _resolve(own: Mapping[str, sp.Expr], what: str,
             finish: Callable[[sp.Expr], sp.Expr]) -> dict[str, sp.Expr]:
    """Each of ``own`` with the others it names substituted in (recursively), then
    ``finish`` applied; a cycle is an :class:`InputError` naming it."""
    done: dict[str, sp.Expr] = {}

    def resolve(name: str, chain: tuple[str, ...]) -> sp.Expr:
        if name in done:
            return done[name]
        if name in chain:
            cycle = " -> ".join((*chain[chain.index(name):], name))
            raise InputError(f"{what} refer to each other in a cycle: {cycle}")
        value = own[name]
        subs = {s: resolve(s.name, (*chain, name)) for s in value.free_symbols if s.name in own}
        done[name] = finish(value.xreplace(subs))
        return done[name]

    for name in own:
        resolve(name, ())
    return done


def compose(modules: Sequence[Module], parameters: Sequence[ParameterSpec], *,
            name: str = "model") -> SymbolicModel:
    """Merge ``modules`` by state name into one :class:`SymbolicModel`.

    ``parameters`` are the specs of the parameter files, in vector order; every parameter a
    module declares must be among them. Refusals are :class:`~immunoreset.errors.InputError`
    naming the module and the name at fault.
    """
    if not modules:
        raise InputError("model: no modules to compose")
    seen_modules = [m.name for m in modules]
    dup = next((n for n in seen_modules if seen_modules.count(n) > 1), None)
    if dup is not None:
        raise InputError(f"model: module {dup!r} is listed twice")
    owner: dict[str, tuple[str, str]] = {}  # name -> (kind, module)

    def claim(kind: str, item_name: str, module: str) -> None:
        if item_name in owner:
            other_kind, other = owner[item_name]
            raise InputError(f"module {module}: {kind} {item_name!r} is already a {other_kind} "
                             f"of module {other}")
        owner[item_name] = (kind, module)

    states: list[State] = []
    derived: list[Derived] = []
    expressions: dict[str, Expression] = {}
    expression_module: dict[str, str] = {}
    constants: dict[str, Constant] = {}
    for m in modules:
        for s in m.states:
            claim("state", s.name, m.name)
            states.append(s)
        for ex in m.expressions:
            claim("expression", ex.name, m.name)
            expressions[ex.name] = ex
            expression_module[ex.name] = m.name
        for c in m.constants:
            claim("constant", c.name, m.name)
            constants[c.name] = c
        for d in m.derived:
            claim("derived value", d.name, m.name)
            derived.append(d)
    specs = {p.name: p for p in parameters}
    for m in modules:
        for p in m.parameters:
            if p in owner:
                raise InputError(f"module {m.name}: parameter {p!r} is already a {owner[p][0]} "
                                 f"of module {owner[p][1]}")
            if p not in specs:
                raise InputError(f"module {m.name}: parameter {p!r} has no entry in the "
                                 "parameter files (add it with its value, unit and source)")
    state_names = {s.name for s in states}
    contributions: list[Contribution] = []
    for m in modules:
        used: set[str] = set()
        declared = set(m.parameters)

        def check(value: sp.Expr, where: str, module: Module = m, used: set[str] = used,
                  declared: set[str] = declared, any_parameter: bool = False) -> sp.Expr:
            value = sp.sympify(value)
            for s in value.free_symbols:
                n = s.name
                if n in owner or n in state_names or (any_parameter and n in specs):
                    continue
                if n in declared:
                    used.add(n)
                    continue
                hint = (f"declared by another module; add it to module {module.name}'s parameters"
                        if n in specs else "not a state, expression, constant, derived value "
                        "or parameter of the model")
                raise InputError(f"module {module.name}, {where}: name {n!r} is {hint}")
            return value

        for ex in m.expressions:
            check(ex.value, f"expression {ex.name}")
        for d in m.derived:
            check(d.value, f"derived value {d.name}")
        for s in m.states:
            # A search start is a numerical choice: any parameter of the model may set it.
            check(sp.sympify(s.start), f"state {s.name} start", any_parameter=True)
            if s.rest is not None:
                check(sp.sympify(s.rest), f"state {s.name} rest", any_parameter=True)
        for t in m.terms:
            if t.state not in state_names:
                raise InputError(f"module {m.name}, term {t.meaning!r}: unknown state {t.state!r}")
            contributions.append(Contribution(m.name, t.state, "term", t.meaning,
                                              check(t.value, f"term {t.meaning!r}")))
        for f in m.flows:
            for end in (f.source, f.target):
                if end not in state_names:
                    raise InputError(f"module {m.name}, flow {f.meaning!r}: unknown state {end!r}")
            rate = check(f.rate, f"flow {f.meaning!r}")
            contributions.append(Contribution(m.name, f.source, "outflow", f.meaning, rate))
            contributions.append(Contribution(m.name, f.target, "inflow", f.meaning, rate))
        unused = sorted(declared - used)
        if unused:
            raise InputError(f"module {m.name}: parameter {unused[0]!r} is declared but not used")
    model = SymbolicModel(
        name=name, modules=tuple(modules), states=tuple(states),
        state_module={s.name: m.name for m in modules for s in m.states},
        parameters=tuple(parameters), derived=tuple(derived), expressions=expressions,
        expression_module=expression_module, constants=constants,
        contributions=tuple(contributions))
    _ = model._expanded  # cycles are refused here, not at first use
    return model
