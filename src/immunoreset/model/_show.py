"""The model as a document: every state with its unit, meaning and full equation, every
named expression, and every parameter with its value, unit, status and source.

Printed from the same declaration the code is generated from (Markdown or LaTeX).
Equations are written as the modules declare them — with named expressions and clamps
as written — and the expressions are listed beneath, so each line stays readable.
"""

from __future__ import annotations

from collections.abc import Iterable

import sympy as sp

from immunoreset.model._compose import SymbolicModel
from immunoreset.model._parameters import ParameterSet

__all__ = ["FORMATS", "model_document"]

#: Output formats of :func:`model_document`.
FORMATS = ("markdown", "latex")


def _latex_names(model: SymbolicModel) -> dict[sp.Symbol, str]:
    names = set(model.state_names) | set(model.vector_names) | set(model.expressions) \
        | set(model.constants)
    return {sp.Symbol(n, real=True): r"\mathrm{" + n.replace("_", r"\_") + "}" for n in names}


def _rhs_text(model: SymbolicModel, state: str, fmt: str) -> str:
    parts = []
    for c in model.contributions:
        if c.state != state:
            continue
        value = -c.value if c.kind == "outflow" else c.value
        if fmt == "latex":
            parts.append(sp.latex(value, symbol_names=_latex_names(model)))
        else:
            parts.append(f"{sp.sstr(value)}  [{c.module}: {c.meaning}]")
    if not parts:
        return "0"
    return (" + ".join(parts) if fmt == "latex" else "\n      + ".join(parts))


def _md_table(header: Iterable[str], rows: Iterable[Iterable[object]]) -> list[str]:
    head = list(header)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        lines.append("| " + " | ".join(str(v).replace("|", "/") for v in r) + " |")
    return lines


def model_document(model: SymbolicModel, parameters: ParameterSet, *, fmt: str = "markdown") -> str:
    """The model's states, equations, expressions and parameters as Markdown or LaTeX."""
    if fmt not in FORMATS:
        raise ValueError(f"format: got {fmt!r}, expected one of {FORMATS}")
    clamped = [s.name for s in model.states if s.clamped]
    if fmt == "latex":
        return _latex(model, parameters, clamped)
    out = [f"# Model {model.name}", "",
           f"Modules: {', '.join(m.name for m in model.modules)}. Time in days. States marked "
           "'clamped' enter every rate as max(state, 0).", "", "## States", ""]
    out += _md_table(("state", "unit", "compartment", "module", "clamped", "meaning"),
                     ((s.name, s.unit, s.compartment, model.state_module[s.name],
                       "yes" if s.clamped else "no", s.meaning) for s in model.states))
    out += ["", "## Equations", "", "```"]
    for s in model.states:
        out.append(f"d {s.name} / dt =\n        {_rhs_text(model, s.name, 'markdown')}")
    out += ["```", "", "## Named expressions", "", "```"]
    for name, ex in model.expressions.items():
        out.append(f"{name} = {sp.sstr(ex.value)}    # {ex.meaning}")
    for c in model.constants.values():
        out.append(f"{c.name} = {c.value!r} {c.unit}    # {c.meaning}")
    for d in model.derived:
        out.append(f"{d.name} = {sp.sstr(d.value)} at the pre-treatment steady state    # {d.meaning}")
    out += ["```", "", "## Parameters", ""]
    used = model.used_parameters()
    out += _md_table(("parameter", "value", "unit", "status", "used by the dynamics", "source"),
                     ((p.name, f"{p.value:.6g}", p.unit, p.status, "yes" if p.name in used else "no",
                       p.source + (f" (assumed: {p.reason})" if p.reason else ""))
                      for p in parameters.parameters))
    return "\n".join(out) + "\n"


def _latex(model: SymbolicModel, parameters: ParameterSet, clamped: list[str]) -> str:
    names = _latex_names(model)
    out = [r"\section*{Model " + model.name.replace("_", r"\_") + "}", r"\begin{align*}"]
    for s in model.states:
        out.append(r"\frac{d\,\mathrm{" + s.name.replace("_", r"\_") + r"}}{dt} &= "
                   + _rhs_text(model, s.name, "latex") + r" \\")
    out += [r"\end{align*}", r"\subsection*{Named expressions}", r"\begin{align*}"]
    for name, ex in model.expressions.items():
        out.append(names[sp.Symbol(name, real=True)] + " &= "
                   + sp.latex(ex.value, symbol_names=names) + r" \\")
    out += [r"\end{align*}", r"\subsection*{Parameters}", r"\begin{tabular}{llll}",
            r"parameter & value & unit & status \\"]
    for p in parameters.parameters:
        out.append(p.name.replace("_", r"\_") + f" & {p.value:.6g} & "
                   + p.unit.replace("**", "^").replace("_", r"\_") + f" & {p.status} " + r"\\")
    out += [r"\end{tabular}", "", "% clamped states (max(state, 0) in every rate): "
            + ", ".join(clamped)]
    return "\n".join(out) + "\n"
