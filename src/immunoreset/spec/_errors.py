"""Spec files in, one-line :class:`~immunoreset.errors.InputError` out.

:func:`read_toml` reads a file as UTF-8 TOML; :func:`validate` validates a parsed document
against a spec model and turns the first pydantic error into one line naming the field, the
value got and what was expected, e.g.
``arm[0].car_t.dose_per_kg: got 1e+300, expected a number <= 1e+09``.
"""

from __future__ import annotations

import tomllib
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from immunoreset.errors import InputError
from immunoreset.spec._base import FieldError

__all__ = ["format_location", "read_toml", "validate"]

M = TypeVar("M", bound=BaseModel)

_TYPE_WORDS = {"float_type": "a number", "int_type": "an integer", "bool_type": "true or false",
               "string_type": "a string", "list_type": "a list", "tuple_type": "a list",
               "dict_type": "a table", "model_type": "a table", "model_attributes_type": "a table",
               "int_from_float": "an integer", "finite_number": "a finite number",
               "none_required": "nothing"}
_SCALAR_TAGS = {"str", "int", "float", "bool", "none"}


def read_toml(path: str | Path, what: str) -> dict[str, Any]:
    """The TOML document at ``path``; ``what`` (``CONFIG``, ``SPEC``, ...) names the file
    in the one-line error for a missing file, a file that is not UTF-8 or malformed TOML."""
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{what}: {str(p)!r} is a folder, expected a TOML file")
    if not p.is_file():
        raise InputError(f"{what}: file {str(p)!r} does not exist")
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{what}: cannot read {str(p)!r} ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{what}: {p.name} is not UTF-8 text (byte 0x{raw[exc.start]:02x} at "
                         f"offset {exc.start}); save it as UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{what}: malformed TOML in {p.name} ({exc})") from None


def format_location(loc: tuple[Any, ...]) -> str:
    """``("arm", 0, "car_t")`` → ``arm[0].car_t`` (union branch tags dropped)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _is_tag(part):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out


def _is_tag(part: Any) -> bool:
    s = str(part)
    return ("[" in s or "(" in s or "-" in s or s[:1].isupper() or s in _SCALAR_TAGS)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str] | None:
    """Names of the keys allowed in the table at ``loc`` below ``model``."""
    target: Any = model
    for part in loc:
        if isinstance(part, int) or _is_tag(part):
            target = _item(target)
            continue
        cls = _model_of(target)
        if cls is None or part not in cls.model_fields:
            return None
        target = cls.model_fields[part].annotation
    cls = _model_of(target)
    return None if cls is None else sorted(cls.model_fields)


def _is_integer_at(model: type[BaseModel], loc: tuple[Any, ...]) -> bool:
    """Whether the field at ``loc`` below ``model`` holds integers."""
    target: Any = model
    for part in loc:
        if isinstance(part, int) or _is_tag(part):
            args = [a for a in typing.get_args(target) if a is not type(None)]
            target = args[0] if args else target
            continue
        cls = _model_of(target)
        if cls is None or part not in cls.model_fields:
            return False
        target = cls.model_fields[part].annotation
    while typing.get_origin(target) in (typing.Annotated, typing.Union, types.UnionType, list):
        args = [a for a in typing.get_args(target) if a is not type(None)]
        if not args:
            break
        target = args[0]
    return target is int


def _model_of(tp: Any) -> type[BaseModel] | None:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp
    for arg in typing.get_args(tp):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _item(tp: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (list, tuple, typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            if _model_of(arg) is not None:
                return arg
    return tp


def _pick(errors: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    """The error to report: inside a union, the branch the value was meant for."""
    def at_branch_root(e: Mapping[str, Any]) -> bool:
        return bool(e["loc"]) and _is_tag(e["loc"][-1])

    unknown = [e for e in errors if e["type"] == "extra_forbidden"]
    first = unknown[0] if unknown else errors[0]  # a misspelt key also makes one "missing"
    prefix = [p for p in first["loc"] if not _is_tag(p)]
    same = [e for e in errors if [p for p in e["loc"] if not _is_tag(p)][: len(prefix)] == prefix]
    deep = [e for e in same if not at_branch_root(e)]
    if deep:
        return deep[0]

    def meant(e: Mapping[str, Any]) -> bool:
        """Whether the value was meant for this branch: a table for a table branch, a
        string for a named choice."""
        tag, value = str(e["loc"][-1]), e.get("input")
        if tag[:1].isupper():
            return isinstance(value, Mapping)
        if tag.startswith("literal"):
            return isinstance(value, str)
        return True

    named = [e for e in same if e["type"] not in _TYPE_WORDS]
    for pool in ([e for e in named if meant(e)], named):
        if pool:
            return pool[0]
    return first


def _expected(error: Mapping[str, Any], alternatives: Sequence[Mapping[str, Any]],
              integer: bool = False) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind in _TYPE_WORDS:
        words = []
        for e in alternatives:
            w = _TYPE_WORDS.get(e["type"]) if e["type"] in _TYPE_WORDS else None
            if e["type"] == "literal_error":
                w = f"one of {e['ctx']['expected']}"
            if w and w not in words:
                words.append(w)
        return " or ".join(words) or _TYPE_WORDS[kind]
    bounds = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<",
              "less_than_equal": "<="}
    if kind in bounds:
        limit = next(iter(ctx.values()))
        if integer:
            return f"an integer {bounds[kind]} {int(limit):,}"
        return f"a number {bounds[kind]} {limit:g}"
    if kind == "literal_error":
        return f"one of {ctx['expected']}"
    if kind == "string_pattern_mismatch":
        return f"a name of letters, digits, '_', '.' or '-' matching {ctx['pattern']}"
    if kind in ("string_too_short", "too_short"):
        return f"at least {ctx.get('min_length', 1)} item(s)" if kind == "too_short" else "a non-empty string"
    if kind in ("string_too_long", "too_long"):
        return f"at most {ctx['max_length']} {'characters' if kind == 'string_too_long' else 'items'}"
    return str(error["msg"])


def validate(model: type[M], doc: Mapping[str, Any], *, root: str,
             context: Mapping[str, Any] | None = None,
             renames: Mapping[tuple[Any, ...], str] | None = None) -> M:
    """``model`` validated from ``doc``; the first error as a one-line InputError.

    ``root`` names the document (``config``, ``spec``) for unknown top-level sections.
    ``renames`` maps a location of the converted document to the key the user wrote (old
    keys converted to the new form are reported under their old name).
    """
    try:
        return model.model_validate(doc, context=dict(context or {}))
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
    error = _pick(errors)
    loc = tuple(error["loc"])
    plain = tuple(p for p in loc if not _is_tag(p))
    where = format_location(loc)
    for new, old in (renames or {}).items():
        if plain[: len(new)] == new:
            rest = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in plain[len(new):])
            where = old + rest
            break
    kind, value = error["type"], error.get("input")
    if kind == "extra_forbidden":
        allowed = _fields_at(model, loc[:-1])
        where = where if len(plain) > 1 else f"{root}.{where}"
        hint = f" (expected one of {', '.join(allowed)})" if allowed else ""
        raise InputError(f"{where}: unknown key{hint}")
    if kind == "missing":
        raise InputError(f"{where}: missing field")
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, FieldError):
        field = ".".join(p for p in (where, cause.field) if p)
        raise InputError(f"{field}: {cause.message}")
    if isinstance(cause, ValueError):
        raise InputError(f"{where or root}: {cause}")
    same = [e for e in errors if tuple(p for p in e["loc"] if not _is_tag(p)) == plain]
    integer = _is_integer_at(model, plain)
    raise InputError(f"{where or root}: got {_show(value)}, expected "
                     f"{_expected(error, same, integer)}")
