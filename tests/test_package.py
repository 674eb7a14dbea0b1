"""The package root: public names resolve, and importing it stays light."""

from __future__ import annotations

import subprocess
import sys

import pytest

import immunoreset


def test_public_names_resolve_to_the_trial_api() -> None:
    from immunoreset.trial import TrialResult, TrialSpec, load_trial_spec, run_trial

    assert immunoreset.run_trial is run_trial
    assert immunoreset.TrialSpec is TrialSpec
    assert immunoreset.TrialResult is TrialResult
    assert immunoreset.load_trial_spec is load_trial_spec
    assert set(immunoreset.__all__) <= set(dir(immunoreset))


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = immunoreset.no_such_name  # type: ignore[attr-defined]


def test_import_and_cli_parser_do_not_load_the_analysis_stack() -> None:
    code = ("import sys, immunoreset.cli; immunoreset.cli.build_parser(); "
            "print(sorted(m for m in ('scipy.stats', 'scipy.integrate', 'lifelines', 'immunoreset.trial') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
