"""The calibration targets as marks on the time-course panels, each with its source.

Every target of ``calibration_targets.csv`` whose criterion is a level or a day on a
variable that has a panel is drawn there: the acceptance window of a cohort median at a
day as a point with a vertical bar, a window of days as a vertical band, a window of
levels as a horizontal band. Targets judged on derived quantities (ratios, flare rates,
fractions of patients) have no mark; ``calibration.csv`` and the report's calibration
table give them all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from immunoreset.report._markers import Marker

__all__ = ["TARGET_MARKS", "calibration_markers", "merge_markers"]

#: target_id → (variable, kind, value, yerr, label): the drawable criteria of the targets.
TARGET_MARKS: tuple[tuple[str, str, str, float | tuple[float, float], float | None, str], ...] = (
    ("baseline_sledai", "sledai_2k", "point", (-7.0, 13.0), 3.0, "Target: baseline median 10–16"),
    ("baseline_b_cells", "b_cells_blood", "point", (-7.0, 185.0), 115.0,
     "Target: baseline median 70–300 cells/µL"),
    ("baseline_nephritis", "proteinuria_g_per_day", "hline", 1.0, None,
     "Target: baseline median ≥ 1 g/day"),
    ("car_t_tmax", "car_t_blood", "vspan", (7.0, 10.0), None, "Target: median CAR-T peak day 7–10"),
    ("car_t_peak_level", "car_t_blood", "hspan", (50.0, 500.0), None,
     "Target: median CAR-T peak 50–500 cells/µL"),
    ("t_cell_nadir", "t_cells_blood", "hspan", (30.0, 130.0), None,
     "Target: median T-cell nadir 30–130 cells/µL (days −3…5)"),
    ("b_cell_return_day", "b_cells_blood", "vspan", (94.0, 126.0), None,
     "Target: mean B-cell return day 94–126"),
    ("b_cells_day730", "b_cells_blood", "point", (730.0, 500.0), 400.0,
     "Target: day-730 median 100–900 cells/µL"),
    ("anti_dsdna", "anti_dsdna", "point", (-7.0, 825.0), 675.0,
     "Target: baseline median 150–1500 IU/mL"),
    ("complement", "c3", "point", (180.0, 1.4), 0.6, "Target: day-180 median C3 0.8–2.0 g/L"),
    ("sledai_m3", "sledai_2k", "point", (90.0, 0.0), None, "Target: day-90 median SLEDAI-2K 0"),
    ("doris_m3", "drug_free_doris", "point", (90.0, 0.975), 0.025,
     "Target: drug-free DORIS ≥ 95% at day 90"),
    ("drug_free_remission", "drug_free_doris", "point", (517.0, 0.95), 0.05,
     "Target: drug-free DORIS ≥ 90% at day 517"),
    ("vaccine_titres", "vaccine_igg", "hline", 0.8, None,
     "Target: vaccine IgG ≥ 0.8 of baseline at day 365 in ≥ 95%"),
)


def calibration_markers() -> dict[str, tuple[Marker, ...]]:
    """Variable → the marks of the calibration targets drawn on its panel, each with the
    target's source (from the packaged targets file)."""
    from immunoreset.calibration import load_targets

    sources = load_targets().set_index("target_id")["source"].astype(str).to_dict()
    out: dict[str, list[Marker]] = {}
    for target, variable, kind, value, yerr, label in TARGET_MARKS:
        mark = Marker(kind, value, f"{label} [{target}]", yerr=yerr,  # type: ignore[arg-type]
                      source=sources[target])
        out.setdefault(variable, []).append(mark)
    return {v: tuple(m) for v, m in out.items()}


def merge_markers(*groups: Mapping[str, Sequence[Marker]] | None) -> dict[str, tuple[Marker, ...]]:
    """The marks of every group, per variable; a mark drawn twice (same kind and value) once."""
    out: dict[str, list[Marker]] = {}
    for group in groups:
        for variable, marks in (group or {}).items():
            have = out.setdefault(variable, [])
            for m in marks:
                if not any(h.kind == m.kind and h.value == m.value for h in have):
                    have.append(m)
    return {v: tuple(m) for v, m in out.items()}
