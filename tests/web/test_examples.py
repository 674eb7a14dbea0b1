"""The example trials packaged for the trial view are the source repository's examples at a
browser's size: the same trial, arms, schedule and endpoints; fewer patients, no replicates."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from immunoreset.web._requests import EXAMPLES_DIR, check_trial_document

REPO_EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "trials"
PACKAGED = sorted(EXAMPLES_DIR.glob("*.toml"))


def test_the_three_examples_are_packaged() -> None:
    assert [p.stem for p in PACKAGED] == ["dose_finding", "erlangen_replication", "lymphodepletion"]


@pytest.mark.parametrize("path", PACKAGED, ids=[p.stem for p in PACKAGED])
def test_a_packaged_example_is_its_repository_example_smaller(path) -> None:
    source = REPO_EXAMPLES / path.name
    if not source.is_file():
        pytest.skip("examples/trials is in the source repository only")
    small = tomllib.loads(path.read_text(encoding="utf-8"))
    full = tomllib.loads(source.read_text(encoding="utf-8"))
    spec, _ = check_trial_document(small)
    assert small["population"].pop("n_per_arm") <= 40
    full["population"].pop("n_per_arm")
    full.pop("replicates", None)
    assert "replicates" not in small
    assert small == full
    assert spec.population.n_per_arm * len(spec.arms) <= 160  # a browser run takes seconds
