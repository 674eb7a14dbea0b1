"""The core constraints (``data/core_constraints.csv``): what the model must meet besides
the Erlangen targets, evaluated from simulated arms of the same virtual patients.

``data/core_constraints.csv`` is a copy of ``shared/data/core_constraints.csv``. Each
constraint gives one or more :class:`~immunoreset.calibration.Criterion` rows, computed
from the arms :data:`CONSTRAINT_ARMS` names (Erlangen Flu/Cy + 1e6/kg, the same dose
without lymphodepletion, 1e4/kg after Flu/Cy, Flu/Cy alone). ``priors_respected`` is a
property of the parameter file (:func:`prior_ratios`), not of a run.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources

import numpy as np
import pandas as pd

from immunoreset.calibration._targets import Criterion
from immunoreset.model import ParameterSet
from immunoreset.simulation import ArmResult
from immunoreset.therapy import CarTProduct, Lymphodepletion, Regimen

__all__ = ["CONSTRAINT_ARMS", "constraint_criteria", "evaluate_all", "evaluate_constraints",
           "load_constraints", "prior_penalty", "prior_ratios"]

#: Largest whole-body kills per CAR-T cell per day (Halle 2016: 2-16; up to 20 in models).
MAX_KILLS_PER_CELL = 20.0
#: Band of the median net CAR-T doubling time during expansion (days; liso-cel 0.755 d).
DOUBLING_BAND_DAYS = (0.5, 1.2)
#: Largest ratio of the no-lymphodepletion CAR-T peak to the Erlangen peak.
MAX_PEAK_RATIO_WITHOUT_LD = 0.10
#: Tmax after 1e4/kg must be later than after 1e6/kg by at least (days).
MIN_TMAX_DELAY_DAYS = 2.0
#: Largest drug-free DORIS at day 365 after lymphodepletion alone.
MAX_LD_ALONE_REMISSION = 0.10
#: Band of the share of the body's recirculating B cells in blood at steady state: about
#: 2% of the body's lymphocytes are in blood (Westermann & Pabst 1992 Clin Investig 70:539);
#: the band allows a factor of two either way.
BLOOD_SHARE_BAND = (0.01, 0.04)
#: Largest ratio of a fitted value to its literature prior, either way.
MAX_PRIOR_RATIO = 3.0


def load_constraints() -> pd.DataFrame:
    """The core-constraints table (constraint_id, quantity, criterion_for_the_model, ...)."""
    with resources.files("immunoreset.calibration").joinpath(
            "data", "core_constraints.csv").open() as fh:
        return pd.read_csv(fh)


def _erlangen_without_ld() -> Regimen:
    return Regimen("car_t_no_ld", Lymphodepletion.none(), CarTProduct(dose_per_kg=1e6))


#: Arm name → regimen of the arms the constraints read (besides ``car_t``).
CONSTRAINT_ARMS: Mapping[str, Regimen] = {
    "car_t_no_ld": _erlangen_without_ld(),
    "car_t_1e4": Regimen.erlangen_car_t(dose_per_kg=1e4),
    "ld_alone": Regimen("ld_alone", Lymphodepletion.flu_cy(), None),
}


def _day(r: ArmResult, name: str, day: float) -> np.ndarray:
    return r.values[name][:, int(np.searchsorted(r.days, day))]


def _peaks(r: ArmResult) -> tuple[np.ndarray, np.ndarray]:
    cart = np.nan_to_num(r.values["car_t_blood"], nan=-1.0)
    ipk = np.argmax(cart, axis=1)
    return cart[np.arange(cart.shape[0]), ipk], r.days[ipk]


def lag_end_days(r: ArmResult) -> np.ndarray:
    """Per patient, the end of the CAR-T lag: the first day after infusion on which blood
    CAR-T exceed twice their day-0 level (``nan`` where they never do)."""
    d = r.days
    cart = np.nan_to_num(r.values["car_t_blood"], nan=0.0)
    i0 = int(np.searchsorted(d, 0.0))
    doubled = (cart > 2.0 * cart[:, [i0]]) & (np.arange(d.size)[None, :] > i0)
    return np.where(doubled.any(axis=1), d[np.argmax(doubled, axis=1)], np.nan)


def doubling_times(r: ArmResult) -> np.ndarray:
    """Per patient, the net CAR-T doubling time of the expansion phase in blood (days), as
    a population-kinetics fit measures it.

    The oncology popCK models (Stein 2019 CPT:PSP 8:285; liso-cel 2021, PMC8613160) grow
    CAR-T exponentially at one rate from the end of the lag to Tmax, and their doubling
    time is ln 2 over that rate. The same read-out of a simulated course: ln 2 over
    ``ln(C(Tmax) / C(t_2)) / (Tmax - t_2)``, ``t_2`` the end of the lag
    (:func:`lag_end_days`). ``inf`` where CAR-T never double before the peak.
    """
    cart = np.maximum(np.nan_to_num(r.values["car_t_blood"], nan=0.0), 1e-300)
    rows = np.arange(cart.shape[0])
    ipk = np.argmax(cart, axis=1)
    t2 = lag_end_days(r)
    i2 = np.searchsorted(r.days, np.nan_to_num(t2, nan=r.days[-1]))
    ok = np.isfinite(t2) & (ipk > i2)
    i2 = np.where(ok, i2, 0)
    span = np.where(ok, r.days[ipk] - r.days[i2], 1.0)
    rate = np.where(ok, np.log(cart[rows, ipk] / cart[rows, i2]) / span, 0.0)
    return np.where(rate > 0, np.log(2) / np.where(rate > 0, rate, 1.0), np.inf)


def fastest_doubling_times(r: ArmResult) -> np.ndarray:
    """Per patient, the shortest net CAR-T doubling time in blood (days) over days 0-28:
    ln 2 over the fastest daily log-growth of ``car_t_blood`` (the steepest day of the
    expansion, which a single-rate popCK fit averages away)."""
    d = r.days
    cart = np.maximum(r.values["car_t_blood"], 1e-300)
    growth = np.diff(np.log(cart), axis=1) / np.diff(d)[None, :]
    window = (d[1:] > 0) & (d[1:] <= 28)
    best = np.max(growth[:, window], axis=1)
    return np.where(best > 0, np.log(2) / np.where(best > 0, best, 1.0), np.inf)


def _depletion_day(r: ArmResult) -> np.ndarray:
    """Per patient, the first day after infusion with blood B cells below 1 cell/µL (the
    last simulated day + 1 where they never fall so low, so that medians stay finite)."""
    b = r.values["b_cells_blood"]
    after = r.days >= 0
    below = b[:, after] < 1.0
    first = np.argmax(below, axis=1)
    return np.where(below.any(axis=1), r.days[after][first], r.days[-1] + 1.0)


def constraint_criteria(arms: Mapping[str, ArmResult],
                        parameters: ParameterSet) -> list[Criterion]:
    """Criteria of every constraint from ``arms`` (``car_t`` and :data:`CONSTRAINT_ARMS`)
    run with the population values ``parameters``."""
    car, no_ld = arms["car_t"], arms["car_t_no_ld"]
    low_dose, ld = arms["car_t_1e4"], arms["ld_alone"]
    c: list[Criterion] = []
    add = lambda t, n, v, lo, hi: c.append(Criterion(t, n, float(v), lo, hi))  # noqa: E731
    for label, r in (("Erlangen", car), ("1e6/kg without lymphodepletion", no_ld)):
        kpc = r.values["car_t_kills_per_cell"]
        _, tmax = _peaks(r)
        add("kills_per_car_t_cell", f"{label}: largest kills per CAR-T cell per day",
            np.nanmax(kpc[:, r.days >= 0]), 0, MAX_KILLS_PER_CELL)
        at_peak = kpc[np.arange(kpc.shape[0]), np.searchsorted(r.days, tmax)]
        for what, v in (("at infusion", _day(r, "car_t_kills_per_cell", 0)),
                        ("at the peak", at_peak), ("at day 28", _day(r, "car_t_kills_per_cell", 28))):
            add("kills_per_car_t_cell", f"{label}: median kills per CAR-T cell per day {what} (stated)",
                np.nanmedian(v), 0, np.inf)
    kill = parameters.value("car_t_kill_rate")
    add("car_t_kill_rate_prior", "car_t_kill_rate (1/day) within 3x of 1.15-2.76/day",
        kill, 1.15 / MAX_PRIOR_RATIO, 2.76 * MAX_PRIOR_RATIO)
    worst = prior_ratios(parameters)["ratio"].map(lambda r: max(r, 1 / r)).max()
    add("priors_respected", "largest fitted/prior ratio (either way)", worst, 1, MAX_PRIOR_RATIO)
    add("car_t_expansion_phase", "median doubling time of the expansion phase, end of the "
        "lag to the peak, as a popCK fit reads it (days)",
        np.nanmedian(doubling_times(car)), *DOUBLING_BAND_DAYS)
    add("car_t_expansion_phase", "median shortest daily doubling time (days, stated)",
        np.nanmedian(fastest_doubling_times(car)), 0, np.inf)
    add("car_t_expansion_phase", "median lag: first day blood CAR-T exceed twice the infused "
        "level (days, stated)", np.nanmedian(lag_end_days(car)), 0, np.inf)
    peak_ld, tmax_ld = _peaks(car)
    peak_no, _ = _peaks(no_ld)
    add("expansion_needs_lymphodepletion", "median peak without / with lymphodepletion",
        np.nanmedian(peak_no) / np.nanmedian(peak_ld), 0, MAX_PEAK_RATIO_WITHOUT_LD)
    peak_low, tmax_low = _peaks(low_dose)
    add("dose_sets_timing", "median Tmax 1e4/kg minus 1e6/kg (days)",
        np.nanmedian(tmax_low) - np.nanmedian(tmax_ld), MIN_TMAX_DELAY_DAYS, np.inf)
    add("dose_sets_timing", "median day blood B < 1 cell/uL, 1e4/kg minus 1e6/kg",
        np.nanmedian(_depletion_day(low_dose)) - np.nanmedian(_depletion_day(car)),
        np.nextafter(0.0, 1.0), np.inf)
    add("dose_sets_timing", "median peak 1e4/kg over 1e6/kg", np.nanmedian(peak_low)
        / np.nanmedian(peak_ld), 0, np.nextafter(1.0, 0.0))
    out, back = parameters.value("b_blood_to_tissue_rate"), parameters.value("b_tissue_to_blood_rate")
    add("blood_tissue_traffic", "steady-state share of recirculating B cells in blood, "
        "tissue-to-blood / (tissue-to-blood + blood-to-tissue rate)", back / (back + out),
        *BLOOD_SHARE_BAND)
    add("lymphodepletion_alone", "drug-free DORIS at day 365 after Flu/Cy alone",
        np.mean(_day(ld, "drug_free_doris", 365) == 1), 0, MAX_LD_ALONE_REMISSION)
    nadir = ld.values["t_cells_blood"][:, (ld.days >= -3) & (ld.days <= 14)]
    add("lymphodepletion_exposure", "Erlangen Flu/Cy: median T-cell nadir (cells/uL, stated)",
        np.nanmedian(np.nanmin(nadir, axis=1)), 0, np.inf)
    bnadir = ld.values["b_cells_blood"][:, (ld.days >= -3) & (ld.days <= 14)]
    add("lymphodepletion_exposure", "Erlangen Flu/Cy: median B-cell nadir (cells/uL, stated)",
        np.nanmedian(np.nanmin(bnadir, axis=1)), 0, np.inf)
    return c


def prior_ratios(parameters: ParameterSet) -> pd.DataFrame:
    """Every parameter with a literature prior: value, prior, ratio, status."""
    rows = [{"parameter": p.name, "value": p.value, "prior": p.prior, "ratio": p.value / p.prior,
             "prior_log_sd": p.prior_log_sd, "status": p.status, "prior_source": p.prior_source}
            for p in parameters.parameters if p.prior is not None]
    return pd.DataFrame(rows)


def prior_penalty(parameters: ParameterSet) -> float:
    """Negative log prior (up to a constant): ``Σ ½ (ln(value / prior) / sd)²`` over the
    parameters that carry a prior — the MAP term of the calibration loss."""
    return float(sum(0.5 * (np.log(p.value / p.prior) / p.prior_log_sd) ** 2
                     for p in parameters.parameters if p.prior is not None))


def evaluate_constraints(arms: Mapping[str, ArmResult], parameters: ParameterSet) -> pd.DataFrame:
    """One row per constraint criterion, in the columns of
    :func:`~immunoreset.calibration.evaluate_targets` (``target_id`` = constraint id)."""
    table = load_constraints().set_index("constraint_id")
    rows = []
    for cr in constraint_criteria(arms, parameters):
        rows.append({"target_id": cr.target_id, "criterion": cr.name,
                     "observed": table.loc[cr.target_id, "evidence"],
                     "acceptance": table.loc[cr.target_id, "criterion_for_the_model"],
                     "model_value": cr.value, "low": cr.low, "high": cr.high,
                     "passed": cr.passed})
    return pd.DataFrame(rows)


def evaluate_all(arms: Mapping[str, ArmResult], parameters: ParameterSet) -> pd.DataFrame:
    """The Erlangen targets (arms ``car_t`` and ``untreated``) and, when ``arms`` also holds
    :data:`CONSTRAINT_ARMS`, every core constraint: the rows of ``calibration.csv``."""
    from immunoreset.calibration._targets import evaluate_targets

    table = evaluate_targets(arms["car_t"], arms["untreated"])
    if set(CONSTRAINT_ARMS) <= set(arms):
        table = pd.concat([table, evaluate_constraints(arms, parameters)], ignore_index=True)
    return table
