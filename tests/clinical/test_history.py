"""First and previous visit per patient, found without a loop, against a plain groupby."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from immunoreset.clinical._history import first_and_previous


@settings(deadline=None, max_examples=200)
@given(
    st.lists(
        st.tuples(st.sampled_from(["A", "B", "C"]), st.integers(-30, 400)),
        min_size=0,
        max_size=40,
        unique=True,
    )
)
def test_first_and_previous_match_a_sorted_groupby(visits: list[tuple[str, int]]) -> None:
    frame = pd.DataFrame(visits, columns=["patient", "day"])
    first, previous = first_and_previous(frame["patient"], frame["day"])
    ordered = frame.sort_values(["patient", "day"])
    position = pd.Series(np.arange(len(frame)), index=frame.index)
    expected_first = ordered.groupby("patient")["day"].transform("idxmin")
    expected_previous = (
        ordered.assign(pos=position).groupby("patient")["pos"].shift(1).fillna(-1).astype(int)
    )
    assert first.tolist() == [int(position[expected_first[i]]) for i in frame.index]
    assert previous.tolist() == [int(expected_previous[i]) for i in frame.index]
