"""Vectorised mapping of categorical columns (e.g. oxygen support) to integer codes."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from immunoreset.errors import InputError

__all__ = ["category_codes"]


def category_codes(
    values: npt.ArrayLike | pd.Series | pd.Categorical, labels: tuple[str, ...], name: str
) -> npt.NDArray[np.int8]:
    """Position of each value in ``labels`` (int8); raises InputError on any other value."""
    if isinstance(values, pd.Categorical) and tuple(values.categories) == labels:
        codes = np.asarray(values.codes)
    else:
        series = (
            values if isinstance(values, pd.Series) else pd.Series(np.asarray(values, dtype=object))
        )
        known = series.isin(labels).to_numpy()
        if not known.all():
            value = series.iloc[int(np.argmax(~known))]
            raise InputError(f"{name}: got {value!r}, expected one of {', '.join(labels)}")
        codes = np.asarray(pd.Categorical(series, categories=list(labels)).codes)
    if (codes < 0).any():
        raise InputError(f"{name}: got an empty value, expected one of {', '.join(labels)}")
    return codes.astype(np.int8, copy=False)
