"""immunoreset: mechanistic simulation of CAR-T and other B-cell-depleting therapies in
autoimmune disease, from one virtual patient to millions."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("immunoreset")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

from immunoreset.trial import TrialResult, TrialSpec, load_trial_spec, run_trial

__all__ = ["TrialResult", "TrialSpec", "__version__", "load_trial_spec", "run_trial"]
