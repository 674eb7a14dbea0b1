"""The clinician-readable HTML report of a run and the statistics behind it.

- :func:`write_report`: one self-contained HTML file (embedded PNG panels, tables, manifest).
- :class:`Marker`, :data:`MACKENSEN2022_MARKERS`: published values drawn on the panels.
- :data:`VARIABLES`, :class:`VariableInfo`: display name, unit and plot style per variable.
- :func:`summarise_time_courses`, :func:`car_t_peak`, :func:`b_cell_reappearance`: the
  numbers behind the plots and tables.
"""

from immunoreset.report._html import write_report
from immunoreset.report._markers import MACKENSEN2022, MACKENSEN2022_MARKERS, Marker
from immunoreset.report._plots import RenderedFigure, plot_time_course, render_time_course
from immunoreset.report._style import arm_display
from immunoreset.report._summary import (
    B_CELL_DETECTION_LIMIT,
    LANDMARK_DAYS,
    QUANTILES,
    b_cell_reappearance,
    car_t_peak,
    patient_matrix,
    summarise_time_courses,
)
from immunoreset.report._tables import key_results_table, landmark_table, patient_summary_table
from immunoreset.report._variables import VARIABLES, VariableInfo, variable_info

__all__ = [
    "B_CELL_DETECTION_LIMIT",
    "LANDMARK_DAYS",
    "MACKENSEN2022",
    "MACKENSEN2022_MARKERS",
    "QUANTILES",
    "VARIABLES",
    "Marker",
    "RenderedFigure",
    "VariableInfo",
    "arm_display",
    "b_cell_reappearance",
    "car_t_peak",
    "key_results_table",
    "landmark_table",
    "patient_matrix",
    "patient_summary_table",
    "plot_time_course",
    "render_time_course",
    "summarise_time_courses",
    "variable_info",
    "write_report",
]
