"""Per-patient first and previous visit of every row, without a Python loop over rows."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["first_and_previous"]


def first_and_previous(
    patient_id: npt.ArrayLike | pd.Series, day: npt.ArrayLike
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Positions of each row's first visit and previous visit of the same patient.

    Rows may come in any order; visits of a patient are ordered by ``day``. Returns two
    integer arrays of length ``n_visits``: the position (0-based, in the input order) of the
    patient's first visit, and of the visit just before, or -1 on a patient's first visit.
    """
    ids = (
        patient_id
        if isinstance(patient_id, pd.Series)
        else pd.Series(np.asarray(patient_id, dtype=object))
    )
    codes, _ = pd.factorize(ids, sort=False)
    days = np.asarray(day, dtype=float)
    n = codes.size
    order = np.lexsort((days, codes))
    sorted_codes = codes[order]
    starts = np.ones(n, dtype=bool)
    starts[1:] = sorted_codes[1:] != sorted_codes[:-1]
    positions = np.arange(n)
    group_start = np.maximum.accumulate(np.where(starts, positions, 0)) if n else positions
    first = np.empty(n, dtype=np.intp)
    first[order] = order[group_start]
    previous = np.empty(n, dtype=np.intp)
    previous[order] = np.where(starts, -1, order[positions - 1])
    return first, previous
