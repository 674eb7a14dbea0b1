"""immunoreset: mechanistic simulation of CAR-T and other B-cell-depleting therapies in
autoimmune disease, from one virtual patient to millions.

The names below are imported on first use (PEP 562), so that ``import immunoreset`` and
the command-line start-up do not pay for the trial analysis stack (SciPy statistics,
lifelines) unless it is used.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("immunoreset")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

if TYPE_CHECKING:
    from immunoreset.trial import TrialResult, TrialSpec, load_trial_spec, run_trial

#: Public name → module that defines it.
_LAZY: dict[str, str] = {
    "TrialResult": "immunoreset.trial",
    "TrialSpec": "immunoreset.trial",
    "load_trial_spec": "immunoreset.trial",
    "run_trial": "immunoreset.trial",
}

__all__ = ["TrialResult", "TrialSpec", "__version__", "load_trial_spec", "run_trial"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'immunoreset' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
