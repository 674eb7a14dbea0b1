"""The Erlangen calibration targets and their evaluation on a simulated cohort.

``data/calibration_targets.csv`` is a copy of ``shared/data/calibration_targets.csv``
(Mackensen 2022 and the sources it lists). Each target has one or more *criteria*; a
criterion is evaluated on the virtual Erlangen-like cohort (named patients excluded) from
the arm results, with the fixed read-out thresholds of the targets file.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

from immunoreset.model import ParameterSet
from immunoreset.simulation import ArmResult, b_cell_return_days

__all__ = ["Criterion", "evaluate_targets", "evaluate_trajectories", "load_targets"]


def load_targets() -> pd.DataFrame:
    """The calibration targets table (target_id, quantity, definition, observed, ...)."""
    with resources.files("immunoreset.calibration").joinpath(
            "data", "calibration_targets.csv").open() as fh:
        return pd.read_csv(fh)


@dataclass(frozen=True)
class Criterion:
    """One pass/fail check of a target: its value and whether it is inside the band."""

    target_id: str
    name: str
    value: float
    low: float
    high: float

    @property
    def passed(self) -> bool:
        return bool(np.isfinite(self.value) and self.low <= self.value <= self.high)


def _day(r: ArmResult, name: str, day: float) -> np.ndarray:
    return r.values[name][:, int(np.searchsorted(r.days, day))]


def _frac(x: np.ndarray) -> float:
    x = x[np.isfinite(x)] if x.dtype.kind == "f" else x
    return float(np.mean(x)) if x.size else float("nan")


def _criteria(car: ArmResult, unt: ArmResult) -> list[Criterion]:
    c: list[Criterion] = []
    inf = float("inf")
    add = lambda t, n, v, lo, hi: c.append(Criterion(t, n, float(v), lo, hi))  # noqa: E731
    base_sledai = _day(car, "sledai_2k", -7)
    add("baseline_sledai", "cohort median", np.nanmedian(base_sledai), 10, 16)
    add("baseline_sledai", "fraction within 6-20", _frac((base_sledai >= 6) & (base_sledai <= 20)), 0.9, 1)
    bb = _day(car, "b_cells_blood", -7)
    add("baseline_b_cells", "cohort median (cells/uL)", np.nanmedian(bb), 70, 300)
    add("baseline_b_cells", "fraction within 20-800", _frac((bb >= 20) & (bb <= 800)), 0.9, 1)
    prot = _day(car, "proteinuria_g_per_day", -7)
    add("baseline_nephritis", "fraction > 0.5 g/day", _frac(prot > 0.5), 0.8, 1)
    add("baseline_nephritis", "cohort median (g/day)", np.nanmedian(prot), 1.0, inf)
    cart = car.values["car_t_blood"]
    ipk = np.nanargmax(np.nan_to_num(cart, nan=-1.0), axis=1)
    peak = cart[np.arange(cart.shape[0]), ipk]
    add("car_t_tmax", "median Tmax (day)", np.nanmedian(car.days[ipk]), 7, 10)
    add("car_t_peak_level", "median peak (cells/uL)", np.nanmedian(peak), 50, 500)
    add("car_t_peak_level", "fraction within 20-3000", _frac((peak >= 20) & (peak <= 3000)), 0.9, 1)
    add("car_t_persistence", "median day-180 / peak", np.nanmedian(_day(car, "car_t_blood", 180) / peak), 0, 0.05)
    t = car.values["t_cells_blood"][:, (car.days >= -3) & (car.days <= 5)]
    add("t_cell_nadir", "median nadir (cells/uL)", np.nanmedian(np.nanmin(t, axis=1)), 30, 130)
    deep = (_day(car, "b_cells_blood", 14) < 1) & (_day(car, "b_cells_tissue", 14) < 0.01)
    add("b_cell_depletion", "fraction depleted by day 14", _frac(deep), 0.95, 1)
    ret = b_cell_return_days(car.values["b_cells_blood"], car.days)
    add("b_cell_return_day", "mean return day", np.nanmean(ret), 94, 126)
    add("b_cell_return_day", "SD of return day", np.nanstd(ret, ddof=1), 16, 48)
    add("b_cell_return_day", "fraction not returned by day 730", _frac(~np.isfinite(ret)), 0, 0.05)
    naive = car.values["naive_b_fraction"]
    j_ret = np.searchsorted(car.days, np.nan_to_num(ret, nan=car.days[-1]))
    ok_ret = np.isfinite(ret)
    at_ret = naive[np.arange(naive.shape[0]), j_ret][ok_ret]
    returned180 = ok_ret & (ret <= 180)
    at180 = _day(car, "naive_b_fraction", 180)[returned180]
    add("b_cell_return_naive", "fraction naive >= 0.9 at return", _frac(at_ret >= 0.9), 0.95, 1)
    add("b_cell_return_naive", "fraction naive >= 0.9 at day 180", _frac(at180 >= 0.9), 0.95, 1)
    add("b_cells_day730", "median at day 730 (cells/uL)", np.nanmedian(_day(car, "b_cells_blood", 730)), 100, 900)
    ads0 = _day(car, "anti_dsdna", -7)
    add("anti_dsdna", "fraction positive at baseline", _frac(ads0 >= 30), 1, 1)
    add("anti_dsdna", "baseline median (IU/mL)", np.nanmedian(ads0), 150, 1500)
    add("anti_dsdna", "fraction negative by day 180", _frac(_day(car, "anti_dsdna", 180) < 30), 0.9, 1)
    add("anti_dsdna", "fraction negative at day 90 (stated)", _frac(_day(car, "anti_dsdna", 90) < 30), 0, 1)
    c3 = _day(car, "c3", 180)
    add("complement", "fraction C3 >= 0.9 g/L at day 180", _frac(c3 >= 0.9), 0.9, 1)
    add("complement", "median C3 at day 180 (g/L)", np.nanmedian(c3), 0.8, 2.0)
    add("doris_m3", "drug-free DORIS at day 90", _frac(_day(car, "drug_free_doris", 90) == 1), 0.95, 1)
    s90 = _day(car, "sledai_2k", 90)
    add("sledai_m3", "median SLEDAI-2K at day 90", np.nanmedian(s90), 0, 0)
    add("sledai_m3", "95th percentile SLEDAI-2K at day 90", np.nanpercentile(s90, 95), 0, 4)
    add("drug_free_remission", "drug-free DORIS at day 517", _frac(_day(car, "drug_free_doris", 517) == 1), 0.9, 1)
    crs = np.nanmax(car.values["crs_grade"], axis=1)
    add("crs", "fraction grade >= 1", _frac(crs >= 1), 0.3, 0.9)
    add("crs", "fraction grade >= 3", _frac(crs >= 3), 0, 0.01)
    add("vaccine_titres", "fraction vaccine IgG >= 0.8 at day 365", _frac(_day(car, "vaccine_igg", 365) >= 0.8), 0.95, 1)
    igg = _day(car, "total_igg", 365) / _day(car, "total_igg", -7) - 1.0
    add("total_igg", "mean change at day 365", np.nanmean(igg), -0.40, -0.05)
    cs = unt.values["clinical_sledai"]
    months = (unt.days >= 90) & (unt.days <= 365)
    add("untreated_course", "median clinical SLEDAI months 3-12", np.nanmedian(cs[:, months]), 4, inf)
    add("untreated_course", "fraction clinical SLEDAI 0 at day 365", _frac(_day(unt, "clinical_sledai", 365) == 0), 0, 0.1)
    monthly = unt.values["sledai_2k"][:, np.isin(unt.days, np.arange(0, 366, 30))]
    flares = (np.diff(monthly, axis=1) >= 4).sum(axis=1) / (monthly.shape[1] - 1) * 12
    add("untreated_course", "clinical flares per patient-year", np.nanmean(flares), 0.5, 4)
    return c


def evaluate_targets(car_t: ArmResult, untreated: ArmResult) -> pd.DataFrame:
    """One row per criterion: ``target_id, observed, acceptance, model_value, passed``."""
    targets = load_targets().set_index("target_id")
    rows = []
    for cr in _criteria(car_t, untreated):
        rows.append({"target_id": cr.target_id, "criterion": cr.name,
                     "observed": targets.loc[cr.target_id, "observed"],
                     "acceptance": targets.loc[cr.target_id, "acceptance_for_the_model"],
                     "model_value": cr.value, "low": cr.low, "high": cr.high,
                     "passed": cr.passed})
    return pd.DataFrame(rows)



def evaluate_trajectories(path: str, parameters: ParameterSet | None = None) -> pd.DataFrame:
    """Recompute every criterion from a run's ``trajectories.parquet`` alone.

    Uses the virtual patients (ids not starting with ``erlangen_``) of the ``car_t`` and
    ``untreated`` arms, and of the core constraints' arms where the run has them
    (``parameters``: the population values it ran with, the packaged ones by default);
    the result equals the run's ``calibration.csv``.
    """
    import pyarrow.parquet as pq

    from immunoreset.calibration._constraints import CONSTRAINT_ARMS, evaluate_all
    from immunoreset.model import load_parameters
    from immunoreset.therapy import Regimen

    regimens = {"car_t": Regimen.erlangen_car_t(), "untreated": Regimen.refractory_background(),
                **CONSTRAINT_ARMS}
    table = pq.read_table(path, filters=[("arm", "in", list(regimens))]).to_pandas()
    table = table[~table["patient_id"].astype(str).str.startswith("erlangen_")]
    results = {}
    present = set(table["arm"].astype(str).unique())
    for arm, regimen in ((a, r) for a, r in regimens.items() if a in present):
        sub = table[table["arm"] == arm]
        ids = list(dict.fromkeys(sub["patient_id"].astype(str)))
        days = np.sort(sub["day"].unique()).astype(np.float64)
        values = {}
        for var, grp in sub.groupby("variable", observed=True):
            wide = grp.pivot(index="patient_id", columns="day", values="value")
            values[str(var)] = wide.loc[ids].to_numpy(dtype=np.float64)
        results[arm] = ArmResult(arm, regimen, tuple(ids), days, values,
                                 np.zeros(len(ids), dtype=np.int8), np.zeros(len(ids), dtype=np.int64))
    return evaluate_all(results, load_parameters() if parameters is None else parameters)
