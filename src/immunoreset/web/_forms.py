"""HTML forms generated from a spec model's JSON Schema, and form data read back into a
spec document.

:func:`form_tree` turns the JSON Schema of a pydantic spec model (``TrialTable``,
``PatientRequest``) into a tree of nodes: a :class:`Table` per table, a :class:`Tables`
per list of tables (``[[arm]]``), a :class:`Choice` per "named value or table" field
(``lymphodepletion = "flu_cy"`` or a table of doses), a :class:`Lines` per free mapping
(``[parameters.values]``, typed as TOML lines) and a :class:`Scalar` per value, with its
unit, bounds and default. :func:`render_form` draws the tree filled with a document;
:func:`read_form` reads the posted fields back into the document that the spec validates.
Nothing here knows a field by name except :data:`UNIT_RULES` (units from the spec's key
names, e.g. ``dose_per_kg`` → cells/kg) — a field the schema gains appears in the form.

Inputs are text fields (``inputmode="decimal"`` for numbers): the browser does not
second-guess a value, and the spec's own one-line error is shown next to the field it names.
"""

from __future__ import annotations

import html
import json
import math
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import tomli_w

__all__ = ["MISSING", "UNIT_RULES", "Choice", "Form", "Lines", "Node", "Scalar", "Table",
           "Tables", "apply_action", "error_path", "form_tree", "format_path", "parse_path",
           "read_form", "render_form", "unit_of"]


class _Missing:
    """A key left out of the document (the spec's default applies)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

#: Units of the spec's keys, read from their names (the spec language puts the unit in the
#: key): ``(pattern, unit)``, first match wins. A schema entry ``"unit"`` (the web app's
#: own tables) takes precedence.
UNIT_RULES: tuple[tuple[str, str], ...] = (
    (r"_mg_per_m2_per_day$", "mg/m²/day"),
    (r"_mg_per_m2$", "mg/m²"),
    (r"_mg_per_day$", "mg/day"),
    (r"_iu_per_ml$", "IU/mL"),
    (r"_g_per_day$", "g/day"),
    (r"_g_per_l$", "g/L"),
    (r"^dose_per_kg$", "cells/kg"),
    (r"^flat_dose$", "cells"),
    (r"^age_(mean|sd|min|max)$", "years"),
    (r"(^|_)days?$|^visits$|^visit_day$|^first_day$", "days"),
    (r"(^|_)sledai_2k$", "points"),
    (r"_fraction$|^confidence$", "fraction 0-1"),
    (r"^amount$", "the state's unit"),
    (r"^(rtol|r)$", "dimensionless"),
    (r"^atol$", "state units"),
    (r"^(n_per_arm|pool|similar)$", "patients"),
    (r"^n$", "trials"),
    (r"^count$", "doses"),
    (r"^max_steps$", "steps"),
    (r"^seed$", "random seed"),
    (r"^(at_least|above|at_most|below)$", "the endpoint's unit"),
)


def unit_of(key: str, fragment: Mapping[str, Any] | None = None) -> str:
    """The unit shown beside field ``key``: the schema's ``unit``, else :data:`UNIT_RULES`."""
    if fragment is not None and isinstance(fragment.get("unit"), str):
        return str(fragment["unit"])
    for pattern, unit in UNIT_RULES:
        if re.search(pattern, key):
            return unit
    return ""


# -- the tree -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scalar:
    """One value: ``kind`` is ``number``, ``integer``, ``string``, ``boolean``, ``enum`` or
    ``raw`` (any other shape, typed as a TOML value); ``many`` is ``""`` (one value),
    ``"list"`` (a list) or ``"either"`` (one value or a list)."""

    key: str
    kind: str
    unit: str = ""
    enum: tuple[str, ...] = ()
    low: int | float | None = None
    low_open: bool = False
    high: int | float | None = None
    high_open: bool = False
    many: str = ""
    default: Any = MISSING
    nullable: bool = False
    required: bool = False
    max_length: int | None = None

    def bounds(self) -> str:
        """The bounds in words: ``> 0 and ≤ 1e+09``."""
        def num(x: int | float) -> str:
            return f"{x:,}" if isinstance(x, int) else f"{x:g}"
        parts = []
        if self.low is not None:
            parts.append(f"{'>' if self.low_open else '≥'} {num(self.low)}")
        if self.high is not None:
            parts.append(f"{'<' if self.high_open else '≤'} {num(self.high)}")
        return " and ".join(parts)


@dataclass(frozen=True)
class Table:
    """A table with ``fields``; ``nullable``: the table may be left out."""

    key: str
    description: str
    fields: tuple[Node, ...]
    nullable: bool = False
    required: bool = False


@dataclass(frozen=True)
class Tables:
    """A list of tables (``[[arm]]``)."""

    key: str
    item: Table
    min_items: int = 0
    required: bool = False


@dataclass(frozen=True)
class Choice:
    """A named value (``names``) or a ``table``; ``nullable``: may be left out."""

    key: str
    names: tuple[str, ...]
    table: Table
    default: Any = MISSING
    nullable: bool = False
    required: bool = False


@dataclass(frozen=True)
class Lines:
    """A free mapping typed as TOML lines ``name = value``."""

    key: str
    required: bool = False


Node = Scalar | Table | Tables | Choice | Lines


def _resolve(fragment: Mapping[str, Any], defs: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = fragment.get("$ref")
    return defs[ref.rsplit("/", 1)[-1]] if isinstance(ref, str) else fragment


def _scalar_kind(f: Mapping[str, Any]) -> str | None:
    if "enum" in f and all(isinstance(v, str) for v in f["enum"]):
        return "enum"
    return {"number": "number", "integer": "integer", "string": "string",
            "boolean": "boolean"}.get(str(f.get("type")))


def _scalar(key: str, f: Mapping[str, Any], kind: str, **kw: Any) -> Scalar:
    low = f.get("minimum", f.get("exclusiveMinimum"))
    high = f.get("maximum", f.get("exclusiveMaximum"))
    return Scalar(key, kind, unit=unit_of(key, f), enum=tuple(f.get("enum", ())),
                  low=low, low_open="exclusiveMinimum" in f,
                  high=high, high_open="exclusiveMaximum" in f,
                  max_length=f.get("maxLength"), **kw)


def _node(key: str, f: Mapping[str, Any], defs: Mapping[str, Any], *, required: bool,
          skip: frozenset[str], prefix: str) -> Node | None:
    default = f.get("default", MISSING)
    branches = f.get("anyOf")
    if branches is not None:
        real = [_resolve(b, defs) for b in branches if b.get("type") != "null"]
        nullable = len(real) < len(branches)
        tables = [b for b in real if b.get("type") == "object" and "properties" in b]
        names = [b for b in real if _scalar_kind(b) == "enum"]
        if len(real) == 1:
            branch = dict(real[0])
            if default is not MISSING:
                branch["default"] = default
            node = _node(key, branch, defs, required=required, skip=skip, prefix=prefix)
            if isinstance(node, Scalar | Table | Choice):
                return _with(node, nullable=nullable)
            return node
        if len(tables) == 1 and len(names) == 1 and len(real) == 2:
            table = _table(key, tables[0], defs, skip=skip, prefix=prefix)
            return Choice(key, tuple(names[0]["enum"]), table, default, nullable, required)
        if len(real) == 2 and real[1].get("type") == "array":
            kind = _scalar_kind(real[0])
            item = real[1].get("items", {})
            if kind is not None and _scalar_kind(item) == kind:
                return _scalar(key, real[0], kind, many="either", default=default,
                               nullable=nullable, required=required)
        return Scalar(key, "raw", unit=unit_of(key, f), default=default, nullable=nullable,
                      required=required)
    f = _resolve(f, defs)
    kind = f.get("type")
    if kind == "object" and "properties" in f:
        return _table(key, f, defs, skip=skip, prefix=prefix, required=required)
    if kind == "object":
        return Lines(key, required)
    if kind == "array":
        item = _resolve(f.get("items", {}), defs)
        if item.get("type") == "object" and "properties" in item:
            return Tables(key, _table(key, item, defs, skip=skip, prefix=prefix),
                          int(f.get("minItems", 0)), required)
        inner = _scalar_kind(item)
        if inner is not None:
            return _scalar(key, item, inner, many="list", default=default, required=required)
        return Scalar(key, "raw", default=default, required=required)
    inner = _scalar_kind(f)
    if inner is None:
        return Scalar(key, "raw", default=default, required=required)
    return _scalar(key, f, inner, default=default, required=required)


def _with(node: Scalar | Table | Choice, *, nullable: bool) -> Scalar | Table | Choice:
    from dataclasses import replace

    return replace(node, nullable=node.nullable or nullable)


def _table(key: str, f: Mapping[str, Any], defs: Mapping[str, Any], *, skip: frozenset[str],
           prefix: str, required: bool = False) -> Table:
    need = set(f.get("required", ()))
    nodes = []
    for name, sub in f.get("properties", {}).items():
        where = f"{prefix}.{name}" if prefix else name
        if where in skip:
            continue
        node = _node(name, sub, defs, required=name in need, skip=skip, prefix=where)
        if node is not None:
            nodes.append(node)
    description = " ".join(str(f.get("description", "")).split()).replace("``", "")
    description = re.sub(r":\w+:`~?([\w.]+)`", lambda m: m.group(1).rsplit(".", 1)[-1], description)
    return Table(key, description, tuple(nodes), required=required)


def form_tree(schema: Mapping[str, Any], *, skip: Sequence[str] = ()) -> Table:
    """The form of a JSON Schema (``Model.model_json_schema()``); ``skip``: dotted keys left
    out of the form (e.g. ``model``, ``parameters.file``; list items share their list's
    key: ``arm.dose``)."""
    return _table("", schema, schema.get("$defs", {}), skip=frozenset(skip), prefix="")


# -- paths --------------------------------------------------------------------------------------

_PART = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


def parse_path(text: str) -> list[str | int]:
    """``"arm[0].car_t"`` → ``["arm", 0, "car_t"]``; ValueError for anything else."""
    out: list[str | int] = []
    pos = 0
    while pos < len(text):
        if text[pos] == "." and out:
            pos += 1
        m = _PART.match(text, pos)
        if m is None:
            raise ValueError(f"not a field path: {text!r}")
        out.append(m.group(1) if m.group(1) is not None else int(m.group(2)))
        pos = m.end()
    return out


def format_path(parts: Sequence[str | int]) -> str:
    """``["arm", 0, "car_t"]`` → ``"arm[0].car_t"`` (the spec's error locations)."""
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else p)
    return out


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _paths(node: Node, value: Any, path: str) -> Iterator[str]:
    yield path
    if isinstance(node, Table):
        sub = value if isinstance(value, Mapping) else {}
        for child in node.fields:
            yield from _paths(child, sub.get(child.key, MISSING), _join(path, child.key))
    elif isinstance(node, Tables):
        items = value if isinstance(value, list) else []
        for i, item in enumerate(items):
            yield from _paths(node.item, item, f"{path}[{i}]")
    elif isinstance(node, Choice):
        sub = value if isinstance(value, Mapping) else {}
        for child in node.table.fields:
            yield from _paths(child, sub.get(child.key, MISSING), _join(path, child.key))


def error_path(message: str, root: Table, doc: Mapping[str, Any],
               roots: Sequence[str] = ("spec", "patient", "config")) -> tuple[str, str]:
    """Where the one-line error ``message`` belongs in the form of ``doc``: ``(path,
    text)``, the deepest field or table of the form that the message's location names
    (``""``: the top of the form), and the message without its location."""
    head, sep, rest = message.partition(": ")
    if not sep:
        return "", message
    try:
        parts = parse_path(head)
    except ValueError:
        return "", message
    if parts and parts[0] in roots and parts[0] not in {c.key for c in root.fields}:
        parts = parts[1:]  # "spec.extra: unknown key" names the document, not a table
    known = set(_paths(root, doc, ""))
    while parts:
        p = format_path(parts)
        if p in known:
            return p, rest
        parts = parts[:-1]
    return "", message


# -- values as text -------------------------------------------------------------------------------

def _number_text(v: Any) -> str:
    """A number as typed: ``1e6`` rather than ``1000000.0`` for large round values."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if not math.isfinite(v):
            return str(v)
        if v != 0 and (abs(v) >= 1e5 or abs(v) < 1e-4):
            mantissa, exponent = f"{v:.15e}".split("e")
            short = f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"
            if float(short) == v:
                return short
        return repr(v)
    return str(v)


def _inline(v: Any) -> str:
    """A TOML inline value."""
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, bool | int | float):
        return _number_text(v)
    if isinstance(v, list):
        return "[" + ", ".join(_inline(x) for x in v) + "]"
    if isinstance(v, Mapping):
        return "{ " + ", ".join(f"{k} = {_inline(x)}" for k, x in v.items()) + " }"
    return str(v)


def _text(node: Scalar, value: Any) -> str:
    if value is MISSING or value is None:
        return ""
    if node.kind == "raw":
        return value if isinstance(value, str) else _inline(value)
    if isinstance(value, list) and node.many:
        return ", ".join(_number_text(x) if not isinstance(x, str) else x for x in value)
    if isinstance(value, str):
        return value
    return _number_text(value)


def _typed(kind: str, text: str) -> Any:
    """``text`` as the schema's type; unparseable text stays a string (the spec then says
    ``got 'abc', expected a number``)."""
    if kind == "integer":
        return int(text) if re.fullmatch(r"[+-]?\d+", text) else text
    if kind == "number":
        if re.fullmatch(r"[+-]?\d+", text):
            return int(text)
        try:
            return float(text)
        except ValueError:
            return text
    if kind == "boolean":
        return {"true": True, "false": False}.get(text.lower(), text)
    if kind == "raw":
        try:
            return tomllib.loads(f"v = {text}")["v"]
        except tomllib.TOMLDecodeError:
            return text
    return text


def _scalar_value(node: Scalar, text: str) -> Any:
    text = text.strip()
    if not text:
        return MISSING
    if node.many:
        items = [t for t in re.split(r"[,;\s]+", text.strip("[]() ")) if t]
        values = [_typed(node.kind, t) for t in items]
        if node.many == "either" and len(values) == 1:
            return values[0]
        return values
    return _typed(node.kind, text)


# -- reading a posted form ----------------------------------------------------------------------

@dataclass
class Form:
    """Posted form fields (name → text) and the problems found reading them."""

    fields: Mapping[str, str]
    problems: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str:
        return str(self.fields.get(name, ""))


def _read(node: Node, form: Form, path: str) -> Any:
    if isinstance(node, Scalar):
        return _scalar_value(node, form.get(path))
    if isinstance(node, Lines):
        text = form.get(path).strip()
        if not text:
            return MISSING
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            form.problems[path] = f"malformed TOML lines ({exc}); expected lines name = value"
            return MISSING
    if isinstance(node, Tables):
        try:
            n = int(form.get(f"{path}~n") or 0)
        except ValueError:
            n = 0
        items = [_read(node.item, form, f"{path}[{i}]") for i in range(min(n, 1000))]
        return items if items or node.required else MISSING
    if isinstance(node, Choice):
        chosen = form.get(path)
        if chosen == "~table":
            return _read(node.table, form, path)
        return chosen if chosen else MISSING
    if node.nullable and form.get(f"{path}~on") != "on":
        return MISSING
    out = {}
    for child in node.fields:
        v = _read(child, form, _join(path, child.key))
        if v is not MISSING:
            out[child.key] = v
    return out


def read_form(root: Table, fields: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The document of the posted ``fields`` of the form of ``root``, and the problems met
    reading them (path → message: malformed TOML lines). Empty fields are left out (the
    spec's default applies); numbers are typed as the schema says; text that is not a
    number is kept as text, for the spec to refuse in its own words."""
    form = Form(fields)
    doc = _read(root, form, "")
    return (doc if isinstance(doc, dict) else {}), form.problems


def apply_action(doc: dict[str, Any], action: str) -> dict[str, Any]:
    """``add:PATH`` appends an empty table to the list at ``PATH``; ``remove:PATH[i]``
    removes item ``i``. Returns ``doc`` (changed in place); unknown actions change nothing."""
    verb, _, where = action.partition(":")
    try:
        parts = parse_path(where)
    except ValueError:
        return doc
    if verb == "add" and parts:
        node: Any = doc
        for p in parts[:-1]:
            node = node.setdefault(p, {}) if isinstance(p, str) and isinstance(node, dict) else (
                node[p] if isinstance(node, list) and isinstance(p, int) and p < len(node) else None)
            if node is None:
                return doc
        if isinstance(node, dict) and isinstance(parts[-1], str):
            items = node.setdefault(parts[-1], [])
            if isinstance(items, list) and len(items) < 100:
                items.append({})
    elif verb == "remove" and len(parts) >= 2 and isinstance(parts[-1], int):
        node = doc
        for p in parts[:-1]:
            if isinstance(node, dict) and isinstance(p, str):
                node = node.get(p)
            elif isinstance(node, list) and isinstance(p, int) and p < len(node):
                node = node[p]
            else:
                return doc
        if isinstance(node, list) and parts[-1] < len(node):
            del node[parts[-1]]
    return doc


# -- rendering ------------------------------------------------------------------------------------

def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _dom_id(path: str) -> str:
    return "in-" + re.sub(r"[^A-Za-z0-9_-]", "-", path)


def _label(key: str) -> str:
    return key.replace("_", " ")


@dataclass(frozen=True)
class _Render:
    errors: Mapping[str, str]
    open_paths: frozenset[str]

    def error(self, path: str) -> str:
        msg = self.errors.get(path)
        if msg is None:
            return ""
        return f'<p class="error" role="alert" data-error-for="{_e(path)}">{_e(msg)}</p>'

    def node(self, node: Node, value: Any, path: str) -> str:
        if isinstance(node, Scalar):
            return self.scalar(node, value, path)
        if isinstance(node, Lines):
            text = "" if not isinstance(value, Mapping) or not value else tomli_w.dumps(dict(value))
            if isinstance(value, str):
                text = value
            return (f'<div class="field wide" data-path="{_e(path)}"><label for="{_dom_id(path)}">'
                    f'{_e(_label(node.key))} <span class="hint">TOML lines: name = value, or '
                    'name = { value = 1.0, unit = "1/day" }</span></label>'
                    f'<textarea id="{_dom_id(path)}" name="{_e(path)}" rows="3">{_e(text)}</textarea>'
                    f"{self.error(path)}</div>")
        if isinstance(node, Tables):
            return self.tables(node, value, path)
        if isinstance(node, Choice):
            return self.choice(node, value, path)
        return self.table(node, value, path)

    def scalar(self, node: Scalar, value: Any, path: str) -> str:
        dom = _dom_id(path)
        facts = []
        if node.unit:
            facts.append(f'<span class="unit">{_e(node.unit)}</span>')
        if node.bounds():
            facts.append(f'<span class="bounds">{_e(node.bounds())}</span>')
        if node.many == "list":
            facts.append('<span class="hint">a list: comma-separated</span>')
        elif node.many == "either":
            facts.append('<span class="hint">one value, or a comma-separated list</span>')
        if node.kind == "raw":
            facts.append('<span class="hint">a TOML value</span>')
        if node.required:
            facts.append('<span class="required">required</span>')
        elif node.default is not MISSING and node.default is not None:
            facts.append(f'<span class="default">default {_e(_inline(node.default))}</span>')
        elif node.nullable:
            facts.append('<span class="default">optional</span>')
        label = (f'<label for="{dom}" title="{_e(path)}">{_e(_label(node.key))}</label>'
                 f'<span class="facts">{" · ".join(facts)}</span>')
        cls = "field error-field" if path in self.errors else "field"
        if node.kind in ("enum", "boolean") and not node.many:
            options = list(node.enum) if node.kind == "enum" else ["true", "false"]
            current = _text(node, value)
            blank = ""
            if node.default is not MISSING or node.nullable or not node.required:
                shown = "" if node.default in (MISSING, None) else f" ({_inline(node.default)})"
                blank = f'<option value="">{"default" + shown if shown else "not given"}</option>'
            opts = "".join(f'<option value="{_e(o)}"{" selected" if o == current else ""}>{_e(o)}'
                           "</option>" for o in options)
            control = f'<select id="{dom}" name="{_e(path)}">{blank}{opts}</select>'
        else:
            mode = ' inputmode="decimal"' if node.kind in ("number", "integer") else ""
            placeholder = ""
            if node.default not in (MISSING, None):
                placeholder = f' placeholder="{_e(_inline(node.default))}"'
            limit = f' maxlength="{min(node.max_length, 2000)}"' if node.max_length else ""
            control = (f'<input type="text" id="{dom}" name="{_e(path)}" '
                       f'value="{_e(_text(node, value))}"{mode}{placeholder}{limit} '
                       'autocomplete="off">')
        return (f'<div class="{cls}" data-path="{_e(path)}">{label}{control}{self.error(path)}'
                "</div>")

    def _body(self, table: Table, value: Any, path: str) -> str:
        sub = value if isinstance(value, Mapping) else {}
        scalars = "".join(self.node(c, sub.get(c.key, MISSING), _join(path, c.key))
                          for c in table.fields if isinstance(c, Scalar))
        rest = "".join(self.node(c, sub.get(c.key, MISSING), _join(path, c.key))
                       for c in table.fields if not isinstance(c, Scalar))
        head = f'<p class="help">{_e(table.description)}</p>' if table.description else ""
        return f'{head}<div class="fields">{scalars}</div>{rest}'

    def table(self, table: Table, value: Any, path: str, *, legend: str | None = None,
              extra: str = "") -> str:
        if not path:  # the whole form
            return self.error("") + self._body(table, value, path)
        title = legend or _label(table.key)
        on = ""
        if table.nullable:
            checked = " checked" if isinstance(value, Mapping) else ""
            on = (f' <label class="toggle"><input type="checkbox" name="{_e(path)}~on" '
                  f'value="on"{checked}> give {_e(table.key)}</label>')
        body = self._body(table, value, path)
        cls = "table error-field" if path in self.errors else "table"
        top = "." not in path and "[" not in path
        if top:
            opened = " open" if (path in self.open_paths or path in self.errors
                                 or any(p.startswith(path) for p in self.errors)) else ""
            return (f'<details class="{cls} section" data-path="{_e(path)}"{opened}>'
                    f"<summary>{_e(title)}</summary>{on}{self.error(path)}{body}{extra}</details>")
        return (f'<fieldset class="{cls}" data-path="{_e(path)}"><legend>{_e(title)}{on}</legend>'
                f"{self.error(path)}{body}{extra}</fieldset>")

    def tables(self, node: Tables, value: Any, path: str) -> str:
        items = value if isinstance(value, list) else []
        parts = [f'<input type="hidden" name="{_e(path)}~n" value="{len(items)}">']
        for i, item in enumerate(items):
            where = f"{path}[{i}]"
            name = item.get("name") if isinstance(item, Mapping) else None
            legend = f"{node.key} {i + 1}" + (f": {name}" if isinstance(name, str) and name else "")
            remove = (f'<button type="submit" class="small" name="action" '
                      f'value="remove:{_e(where)}">remove {_e(node.key)} {i + 1}</button>')
            parts.append(self.table(node.item, item, where, legend=legend, extra=remove))
        parts.append(f'<button type="submit" class="small" name="action" value="add:{_e(path)}">'
                     f"add {_e(node.key)}</button>")
        body = "".join(parts)
        cls = "tables error-field" if path in self.errors else "tables"
        head = f'<p class="help">{_e(node.item.description)}</p>' if node.item.description else ""
        if "." not in path and "[" not in path:
            opened = " open" if (path in self.open_paths or any(p.startswith(path) for p in self.errors)) else ""
            return (f'<details class="{cls} section" data-path="{_e(path)}"{opened}><summary>'
                    f"{_e(_label(node.key))} ({len(items)})</summary>{head}{self.error(path)}"
                    f"{body}</details>")
        return (f'<fieldset class="{cls}" data-path="{_e(path)}"><legend>{_e(_label(node.key))} '
                f"({len(items)})</legend>{self.error(path)}{body}</fieldset>")

    def choice(self, node: Choice, value: Any, path: str) -> str:
        dom = _dom_id(path)
        is_table = isinstance(value, Mapping)
        current = value if isinstance(value, str) else ""
        default = ""
        if not node.required:
            shown = "" if node.default in (MISSING, None) else f" ({_inline(node.default)})"
            default = f'<option value="">{"default" + shown if shown else "not given"}</option>'
        opts = "".join(f'<option value="{_e(o)}"{" selected" if o == current else ""}>{_e(o)}'
                       "</option>" for o in node.names)
        table_opt = (f'<option value="~table"{" selected" if is_table else ""}>a table of its own'
                     "…</option>")
        cls = "choice error-field" if path in self.errors else "choice"
        table = self._body(node.table, value if is_table else {}, path)
        return (f'<div class="{cls}" data-path="{_e(path)}"><div class="field">'
                f'<label for="{dom}" title="{_e(path)}">{_e(_label(node.key))}</label>'
                f'<span class="facts">a named choice, or a table of its own</span>'
                f'<select id="{dom}" name="{_e(path)}">{default}{opts}{table_opt}</select>'
                f'{self.error(path)}</div><fieldset class="choice-table"><legend>'
                f"{_e(_label(node.key))}: table</legend>{table}</fieldset></div>")


def render_form(root: Table, doc: Mapping[str, Any], *, errors: Mapping[str, str] | None = None,
                open_sections: Sequence[str] = ()) -> str:
    """The HTML of the form of ``root`` filled with ``doc``; ``errors`` (path → message) are
    shown next to their field or table (``""``: at the top); top-level tables are
    collapsible sections, open if named in ``open_sections`` or holding an error."""
    return _Render(dict(errors or {}), frozenset(open_sections)).node(root, doc, "")
