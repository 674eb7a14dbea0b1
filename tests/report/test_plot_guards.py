"""Plotting never sees non-finite or overflowing values."""

from __future__ import annotations

import numpy as np
import pandas as pd

from immunoreset.report._plots import figure_png, finite_for_plotting, plot_time_course
from immunoreset.report._variables import variable_info


def _summary(values: list[float]) -> pd.DataFrame:
    days = np.arange(len(values), dtype=float)
    v = np.array(values)
    return pd.DataFrame({"arm": "car_t", "day": days, "n": 4, "mean": v, "q05": v, "q25": v,
                         "median": v, "q75": v, "q95": v})


def test_non_finite_and_overflowing_values_become_nan() -> None:
    out = finite_for_plotting(_summary([1.0, np.inf, -np.inf, 1e300, np.nan, 5.0]))
    assert out["median"].tolist()[0] == 1.0 and out["median"].tolist()[5] == 5.0
    assert out["median"].isna().tolist() == [False, True, True, True, True, False]


def test_a_panel_with_overflowing_values_still_renders() -> None:
    for name in ("car_t_blood", "anti_dsdna", "sledai_2k"):
        fig = plot_time_course(_summary([1.0, 1e300, np.inf, 3.0]), variable_info(name))
        assert figure_png(fig)[:8] == b"\x89PNG\r\n\x1a\n"
    fig = plot_time_course(_summary([np.inf, np.inf]), variable_info("car_t_blood"))
    assert figure_png(fig)[:4] == b"\x89PNG"


def test_a_long_legend_grows_the_panel_instead_of_being_cut_off() -> None:
    from immunoreset.report._markers import Marker
    from immunoreset.report._plots import PANEL_SIZE

    marks = [Marker("hline", float(k + 1), f"Target: a long calibration label number {k} [target_{k}]")
             for k in range(6)]
    fig = plot_time_course(_summary([1.0, 2.0, 3.0]), variable_info("anti_dsdna"), markers=marks)
    width, height = fig.get_size_inches()
    assert width == PANEL_SIZE[0] and height > PANEL_SIZE[1] + 0.19 * 4  # 7 one-column rows
    short = plot_time_course(_summary([1.0, 2.0, 3.0]), variable_info("anti_dsdna"))
    assert tuple(short.get_size_inches()) == PANEL_SIZE
