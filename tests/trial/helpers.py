"""Shared constants and fixtures of the trial tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "trials"

MINIMAL = """
[trial]
name = "t"
seed = 3

[population]
n_per_arm = 4

[schedule]
follow_up_days = 120
visits = [30, 90]

[[arm]]
name = "car_t"
lymphodepletion = "flu_cy"
car_t = { dose_per_kg = 1e6 }

[[arm]]
name = "untreated"
background = "refractory_standard_of_care"
"""


@pytest.fixture
def write_spec(tmp_path: Path) -> Callable[[str], Path]:
    """Write a spec text to a file and return its path."""

    def _write(text: str) -> Path:
        p = tmp_path / "spec.toml"
        p.write_text(text, encoding="utf-8")
        return p

    return _write
