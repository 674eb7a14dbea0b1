"""A synthetic virtual trial in the long trajectory format, for report tests and demos.

The shapes are hand-made caricatures of the Mackensen 2022 course (CAR-T expansion peaking
around day 9, B-cell aplasia for about 110 days, falling anti-dsDNA, rising C3, DORIS
remission in most treated patients); they test the report, not the model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

UNITS: dict[str, str] = {
    "car_t_blood": "cells/µL",
    "t_cells_blood": "cells/µL",
    "b_cells_blood": "cells/µL",
    "b_cells_tissue": "fraction of baseline",
    "naive_b_fraction": "fraction of B cells",
    "anti_dsdna": "IU/mL",
    "vaccine_igg": "fraction of baseline",
    "total_igg": "g/L",
    "c3": "g/L",
    "proteinuria_g_per_day": "g/day",
    "il6": "pg/mL",
    "pga": "0–3",
    "sledai_2k": "points",
    "clinical_sledai": "points",
    "doris": "",
    "drug_free_doris": "",
    "crs_grade": "grade 0–4",
}


def make_wide_chunk(
    n: int, arm: str, days: np.ndarray, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Wide arrays ``variable → (n, n_days)`` for ``n`` patients of ``arm``."""
    t = days[None, :].astype(float)
    treated = arm == "car_t"
    after = t > 0
    tt = np.where(after, t, 1.0)
    out: dict[str, np.ndarray] = {}
    peak = rng.lognormal(np.log(60.0), 0.6, (n, 1))
    peak_day = rng.normal(9.0, 1.5, (n, 1)).clip(6, 14)
    car_t = peak * np.exp(-(np.log(tt / peak_day) ** 2) / (2 * 0.45**2))
    out["car_t_blood"] = np.where(after & treated, car_t, 0.0)
    b0 = rng.lognormal(np.log(150.0), 0.5, (n, 1))
    ret = rng.normal(110.0, 32.0, (n, 1)).clip(40, None)
    regrow = 1.0 / (1.0 + np.exp(-(t - ret) / 12.0))
    b_treated = np.where(t < 1, b0, np.where(t < ret - 30, 0.0, 1.4 * b0 * regrow))
    out["b_cells_blood"] = b_treated if treated else b0 * rng.lognormal(0, 0.1, t.shape)
    out["b_cells_tissue"] = (
        np.where(t < 1, 1.0, 0.05 + 0.95 * regrow) if treated else np.ones_like(t) * np.ones((n, 1))
    )
    out["naive_b_fraction"] = (
        np.where(t < ret, 0.3, 0.6 + 0.3 * np.exp(-(t - ret) / 200.0))
        if treated
        else np.full_like(t * np.ones((n, 1)), 0.3)
    )
    t0 = rng.lognormal(np.log(900.0), 0.3, (n, 1))
    dip = np.where(treated & (t >= -5) & (t < 20), 0.2, 1.0)
    out["t_cells_blood"] = t0 * dip + out["car_t_blood"]
    ds0 = rng.lognormal(np.log(250.0), 0.7, (n, 1))
    decay = np.exp(-np.clip(t, 0, None) / 60.0)
    out["anti_dsdna"] = ds0 * (decay + 0.03) if treated else ds0 * np.ones_like(t)
    out["vaccine_igg"] = (1.0 - 0.15 * (1 - decay)) if treated else np.ones_like(t)
    out["vaccine_igg"] = out["vaccine_igg"] * np.ones((n, 1))
    igg0 = rng.normal(12.0, 2.0, (n, 1))
    out["total_igg"] = igg0 * (1.0 - 0.3 * (1 - decay)) if treated else igg0 * np.ones_like(t)
    c30 = rng.normal(0.6, 0.12, (n, 1))
    out["c3"] = c30 + (1.1 - c30) * (1 - decay) if treated else c30 * np.ones_like(t)
    p0 = rng.lognormal(np.log(2.0), 0.5, (n, 1))
    out["proteinuria_g_per_day"] = p0 * (0.1 + 0.9 * decay) if treated else p0 * np.ones_like(t)
    spike = np.exp(-((t - 5.0) ** 2) / 8.0) * rng.lognormal(np.log(80.0), 0.5, (n, 1))
    out["il6"] = 4.0 + (spike if treated else 0.0) * np.ones_like(t)
    active = rng.integers(12, 20, (n, 1)).astype(float)
    out["sledai_2k"] = np.round(active * (0.05 + 0.95 * decay)) if treated else active + 0 * t
    out["clinical_sledai"] = np.maximum(out["sledai_2k"] - 4, 0)
    out["pga"] = np.round(2.2 * decay * 4) / 4 if treated else np.full_like(t, 2.0)
    out["pga"] = out["pga"] * np.ones((n, 1))
    remission_day = rng.normal(120.0, 40.0, (n, 1)) if treated else np.full((n, 1), np.inf)
    responder = rng.random((n, 1)) < (0.9 if treated else 0.05)
    out["doris"] = ((t >= remission_day) & responder).astype(float)
    out["drug_free_doris"] = ((t >= remission_day + 60) & responder).astype(float)
    out["crs_grade"] = (
        ((t >= 2) & (t <= 6) & (rng.random((n, 1)) < 0.7)).astype(float)
        if treated
        else np.zeros_like(t) * np.ones((n, 1))
    )
    return {
        k: np.broadcast_to(np.asarray(v, dtype=float), (n, days.size)).copy()
        for k, v in out.items()
    }


def make_synthetic_run(
    n_per_arm: int = 8, *, seed: int = 7, days: np.ndarray | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``(trajectories (long), patients, calibration)`` for a two-arm synthetic trial."""
    rng = np.random.default_rng(seed)
    days = np.arange(-7, 731) if days is None else days
    frames = []
    patient_rows = []
    for arm in ("car_t", "untreated"):
        ids = [f"{arm[:2].upper()}{i:04d}" for i in range(n_per_arm)]
        wide = make_wide_chunk(n_per_arm, arm, days, rng)
        for name, values in wide.items():
            frames.append(
                pd.DataFrame(
                    {
                        "patient_id": np.repeat(ids, days.size),
                        "arm": arm,
                        "day": np.tile(days, n_per_arm).astype(np.int32),
                        "variable": name,
                        "value": values.reshape(-1),
                        "unit": UNITS[name],
                    }
                )
            )
        for i, pid in enumerate(ids):
            patient_rows.append(
                {
                    "patient_id": pid,
                    "arm": arm,
                    "age_years": float(rng.normal(30, 8)),
                    "sex": "female" if rng.random() < 0.9 else "male",
                    "baseline_sledai": float(wide["sledai_2k"][i, 0]),
                    "status": "ok" if i != 1 else "max_steps",
                }
            )
    trajectories = pd.concat(frames, ignore_index=True)
    for column in ("patient_id", "arm", "variable", "unit"):
        trajectories[column] = trajectories[column].astype("category")
    patients = pd.DataFrame(patient_rows)
    patients["arm"] = patients["arm"].astype("category")
    calibration = pd.DataFrame(
        {
            "target_id": ["car_t_peak_day", "b_cell_return_day", "doris_month6", "c3_month6"],
            "observed": [9.0, 110.0, 1.0, 1.0],
            "acceptance": ["7–10", "110 ± 32", "≥ 0.8", "≥ 0.9"],
            "model_value": [9.0, 118.4, 0.62, 1.05],
            "passed": [True, True, False, True],
        }
    )
    return trajectories, patients, calibration


@pytest.fixture(scope="session")
def synthetic_run() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A small synthetic trial: 8 patients per arm, days -7 to 730."""
    return make_synthetic_run()
