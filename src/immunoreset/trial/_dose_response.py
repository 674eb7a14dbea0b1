"""Dose–response: endpoint estimates over the arms of a dose grid.

An arm whose ``car_t.dose_per_kg`` (or ``flat_dose``) is a list expands into one arm per
dose, all of one *family*; the dose–response table gathers each family's endpoint rows with
their dose, for the report's curves and ``dose_response.csv``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from immunoreset.trial._spec import TrialSpec

__all__ = ["DOSE_RESPONSE_COLUMNS", "dose_response_table"]

DOSE_RESPONSE_COLUMNS: tuple[str, ...] = ("family", "arm", "dose", "dose_unit", "endpoint",
                                          "visit_day", "estimate", "ci_low", "ci_high", "n")


def dose_response_table(endpoints: pd.DataFrame, spec: TrialSpec) -> pd.DataFrame:
    """Rows of ``endpoints`` for arms of a dose grid, with ``family``, ``dose`` and
    ``dose_unit`` (cells/kg or cells), sorted by family, endpoint, visit and dose.
    Empty when the spec has no dose grid."""
    info = [(a.name, a.family, *a.dose) for a in spec.arms
            if a.family is not None and a.dose is not None]
    if not info:
        return pd.DataFrame(columns=list(DOSE_RESPONSE_COLUMNS))
    arms = pd.DataFrame(info, columns=["arm", "family", "dose", "dose_unit"])
    table = endpoints.merge(arms, on="arm", how="inner")
    table = table.sort_values(["family", "endpoint", "visit_day", "dose"], na_position="first")
    table["dose"] = table["dose"].astype(np.float64)
    return table.loc[:, list(DOSE_RESPONSE_COLUMNS)].reset_index(drop=True)
