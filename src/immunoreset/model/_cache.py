"""The user cache directory immunoreset keeps derived files in (generated models, pint's
parsed unit definitions): ``$XDG_CACHE_HOME/immunoreset`` or ``~/.cache/immunoreset``."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["user_cache_dir"]


def user_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/immunoreset``, else ``~/.cache/immunoreset`` (not created here)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "immunoreset"
