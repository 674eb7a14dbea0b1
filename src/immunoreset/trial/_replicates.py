"""Trial replicates: redraw the population-level parameters from the calibration's
uncertainty, rerun the trial, and count how often each success criterion is met.

The uncertainty is the ABC rejection posterior written by ``calibration/calibrate.py``
(``immunoreset/calibration/data/posterior_samples.csv``; accepted rows only): each replicate
draws one accepted row, applies its values with
:meth:`~immunoreset.model.ParameterSet.with_values` and draws new virtual patients from its
own seed. The probability of success of a criterion is the fraction of replicates meeting it,
with a Clopper–Pearson interval for the Monte-Carlo error of that fraction.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from immunoreset.model import ParameterSet
from immunoreset.trial._intervals import clopper_pearson
from immunoreset.trial._spec import SuccessCriterion, TrialSpec

__all__ = [
    "SUCCESS_COLUMNS",
    "criterion_value",
    "load_posterior",
    "probability_of_success",
    "replicate_parameters",
    "replicate_seed",
]

SUCCESS_COLUMNS: tuple[str, ...] = ("criterion", "n_replicates", "n_met", "probability",
                                    "ci_low", "ci_high")


def load_posterior(parameters: ParameterSet, path: str | Path | None = None) -> pd.DataFrame:
    """Accepted ABC posterior samples, one row per sample, columns = parameter names of
    ``parameters`` present in the file (canonical units)."""
    if path is None:
        ref = resources.files("immunoreset.calibration") / "data" / "posterior_samples.csv"
        with resources.as_file(ref) as p:
            table = pd.read_csv(p)
    else:
        table = pd.read_csv(path)
    if "accepted" in table.columns:
        table = table[table["accepted"].astype(bool)]
    names = [c for c in table.columns if c in parameters]
    if table.empty or not names:
        raise ValueError("posterior samples: no accepted rows with parameter columns")
    return table.loc[:, names].reset_index(drop=True)


def replicate_seed(seed: int, replicate: int) -> int:
    """Seed of replicate ``replicate`` (1-based) of a trial with ``seed``: independent of the
    main trial's patients and of every other replicate."""
    return int(np.random.SeedSequence([seed, 1_000_003, replicate]).generate_state(1)[0])


def replicate_parameters(parameters: ParameterSet, posterior: pd.DataFrame,
                         rng: np.random.Generator) -> tuple[int, ParameterSet]:
    """Draw one posterior row with ``rng``; returns its index and the parameter set."""
    i = int(rng.integers(len(posterior)))
    values = {k: float(v) for k, v in posterior.iloc[i].items()}
    return i, parameters.with_values(values, source=f"ABC posterior sample {i}")


def criterion_value(c: SuccessCriterion, endpoints: pd.DataFrame,
                    differences: pd.DataFrame) -> float:
    """The statistic a criterion judges, from one trial's tables (NaN if absent)."""
    table = endpoints if c.versus is None else differences
    sel = (table["arm"] == c.arm) & (table["endpoint"] == c.endpoint)
    sel &= table["visit_day"].isna() if c.visit_day is None else (table["visit_day"] == c.visit_day)
    rows = table[sel.fillna(False)]
    return float(rows.iloc[0][c.statistic]) if len(rows) else float("nan")


def probability_of_success(replicates: pd.DataFrame, spec: TrialSpec) -> pd.DataFrame:
    """Per criterion: replicates, how many met it, the fraction and its Clopper–Pearson
    interval (:data:`SUCCESS_COLUMNS`). ``replicates`` has ``criterion`` and ``met``."""
    rows = []
    for c in spec.replicates.success:
        sub = replicates[replicates["criterion"] == c.label]
        n, x = len(sub), int(sub["met"].sum())
        lo, hi = clopper_pearson(x, n, confidence=spec.confidence)
        rows.append(dict(criterion=c.label, n_replicates=n, n_met=x,
                         probability=x / n if n else np.nan, ci_low=float(lo), ci_high=float(hi)))
    return pd.DataFrame(rows, columns=list(SUCCESS_COLUMNS))
