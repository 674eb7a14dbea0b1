"""The 'why patients remit' panel: one figure per arm that has the read-outs, split by the
drug-free DORIS status at the last day."""

from __future__ import annotations

import numpy as np
import pandas as pd

from immunoreset.report._why import WHY_VARIABLES, render_why


def _long(arm: str, n: int, remit: np.ndarray) -> pd.DataFrame:
    days = np.array([-7.0, 0.0, 28.0, 365.0])
    rows = []
    for i in range(n):
        for var, _, _ in WHY_VARIABLES:
            for d in days:
                rows.append((f"{arm}{i}", arm, d, var, 1.0 + i + d / 100))
        for d in days:
            rows.append((f"{arm}{i}", arm, d, "drug_free_doris", float(remit[i] and d == days[-1])))
    return pd.DataFrame(rows, columns=["patient_id", "arm", "day", "variable", "value"])


def test_one_figure_per_arm_with_the_remitters_counted() -> None:
    remit = np.array([True, True, False, True, False])
    traj = pd.concat([_long("car_t", 5, remit), _long("untreated", 5, np.zeros(5, bool))])
    figs = render_why(traj)
    assert [f.key for f in figs] == ["why_car_t", "why_untreated"]
    assert figs[0].caption.startswith("3 of 5 patients") and figs[1].caption.startswith("0 of 5")
    assert all(f.png[:8] == b"\x89PNG\r\n\x1a\n" and len(f.png) > 10_000 for f in figs)


def test_an_arm_without_the_read_outs_gets_no_figure() -> None:
    traj = _long("car_t", 3, np.array([True, False, True]))
    assert render_why(traj[traj["variable"] != "b_cells_marrow"]) == []
