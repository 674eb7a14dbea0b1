"""Shared presentation choices: arm names and colours, number formatting."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar

__all__ = ["ARM_COLOURS", "ARM_LABELS", "arm_colour", "arm_display", "arm_label", "format_number",
           "order_arms"]

#: Display names of the trial arms.
ARM_LABELS: dict[str, str] = {"car_t": "CAR-T", "untreated": "Untreated"}

#: Colour of each arm (Okabe–Ito palette, readable with colour-vision deficiency).
ARM_COLOURS: dict[str, str] = {"car_t": "#D55E00", "untreated": "#0072B2"}

_EXTRA_COLOURS = ("#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")


#: The arm order and labels of the config being reported (set by :func:`arm_display`).
_DISPLAY: ContextVar[tuple[tuple[str, ...], Mapping[str, str]]] = ContextVar(
    "arm_display", default=((), {}))


@contextlib.contextmanager
def arm_display(order: Sequence[str] = (), labels: Mapping[str, str] | None = None,
                ) -> Iterator[None]:
    """Within the block, arms are ordered as ``order`` (the config's order) and shown by
    ``labels`` (the config's labels); the report of a run sets it for its own arms."""
    token = _DISPLAY.set((tuple(order), dict(labels or {})))
    try:
        yield
    finally:
        _DISPLAY.reset(token)


def order_arms(arms: Iterable[str]) -> list[str]:
    """The config's order (:func:`arm_display`) if set; else known arms first (CAR-T,
    untreated), then the others alphabetically."""
    unique = {str(a) for a in arms}
    configured = [a for a in _DISPLAY.get()[0] if a in unique]
    rest = unique - set(configured)
    known = [a for a in ARM_LABELS if a in rest]
    return configured + known + sorted(rest - set(known))


def arm_label(arm: str) -> str:
    """Display name of ``arm``: the config's label (:func:`arm_display`), else e.g.
    ``"car_t"`` → ``"CAR-T"``."""
    configured = _DISPLAY.get()[1].get(arm)
    if configured:
        return configured
    return ARM_LABELS.get(arm, arm.replace("_", " ").capitalize())


def arm_colour(arm: str, arms: list[str]) -> str:
    """Colour of ``arm``; arms without a fixed colour take the next free palette colour."""
    if arm in ARM_COLOURS:
        return ARM_COLOURS[arm]
    others = [a for a in arms if a not in ARM_COLOURS]
    index = others.index(arm) if arm in others else 0
    return _EXTRA_COLOURS[index % len(_EXTRA_COLOURS)]


def format_number(x: float | None) -> str:
    """A number with about three significant digits for tables: ``1,234``, ``45.6``,
    ``0.912``, ``0.0035``; ``"<0.001"`` for tiny positive values (e.g. CAR-T cells long
    after expansion, below any assay); ``"–"`` for missing values."""
    if x is None or not math.isfinite(float(x)):
        return "–"
    x = float(x)
    ax = abs(x)
    if ax == 0:
        return "0"
    if ax >= 1000:
        return f"{x:,.0f}"
    if ax >= 100:
        return f"{x:.0f}"
    if ax >= 10:
        return f"{x:.1f}"
    if ax >= 1:
        return f"{x:.2f}"
    if ax >= 0.001:
        return f"{x:.2g}" if ax < 0.01 else f"{x:.3f}"
    return "<0.001" if x > 0 else ">-0.001"
