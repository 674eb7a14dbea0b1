"""SLE disease module: model state → clinical visit record → clinical scores.

The scores never see model states: this module writes, for every patient and day, a visit
record in the clinical library's visit format (:mod:`immunoreset.clinical.visits`) and
the library scores it. Mapping (documented choices):

* ``proteinuria_g_per_day``, ``c3_g_per_l``, ``c4_g_per_l``, ``anti_dsdna_iu_per_ml`` are
  the model states; their limits are fixed clinical constants (C3 LLN 0.9 g/L, C4 LLN
  0.1 g/L — reference ranges 0.9-1.8 and 0.1-0.4 g/L of one lupus cohort, Lupus Sci Med;
  anti-dsDNA ULN 30 IU/mL, KYSA-1 ELISA cut-off), never fitted;
* the other SLEDAI-2K descriptors are present when the patient's inflammation exceeds the
  patient's threshold for that descriptor (a fraction of its baseline inflammation,
  :mod:`immunoreset.population._profile`);
* PGA = ``pga_scale`` × inflammation (inflammation is a 0-1 fraction of maximal activity);
* drugs: prednisone, antimalarial, immunosuppressant, biologic from the arm's regimen;
* CRS inputs from IL-6: temperature rises linearly in log IL-6 from 37 °C at baseline to
  38 °C at ``il6_fever_threshold``; each further ASTCT organ-support step (hypotension
  without vasopressors and low-flow oxygen; one vasopressor and high-flow oxygen; several
  vasopressors and positive pressure) needs ``il6_crs_severity_fold`` times more IL-6.
  Fever is never masked (no tocilizumab or steroids are modelled).
* Not modelled, and therefore not in the record: BILAG-2004 grades (so SRI-4 is not
  computed) and ICANS inputs (no neurotoxicity model; none was seen in SLE).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from immunoreset.model import CompiledModel, default_model
from immunoreset.population import INVOLVEMENT_DESCRIPTORS
from immunoreset.therapy import Regimen

__all__ = [
    "ANTI_DSDNA_ULN_IU_PER_ML",
    "C3_LLN_G_PER_L",
    "C4_LLN_G_PER_L",
    "MODEL_INSTRUMENTS",
    "crs_grades",
    "observables",
    "visit_table",
]

#: C3 lower limit of normal, g/L (reference range 0.9-1.8 g/L; clinical_reference.md §5.4).
C3_LLN_G_PER_L = 0.9
#: C4 lower limit of normal, g/L (reference range 0.1-0.4 g/L, same laboratory).
C4_LLN_G_PER_L = 0.1
#: Anti-dsDNA upper limit of normal, IU/mL (ELISA positivity cut-off, KYSA-1 NCT05938725).
ANTI_DSDNA_ULN_IU_PER_ML = 30.0
#: Body temperature without fever, °C (normothermia).
BASELINE_TEMPERATURE_C = 37.0
#: One degree above normothermia reaches the ASTCT fever limit of 38 °C.
FEVER_RISE_C = 1.0
#: Instruments the model's visit records support.
MODEL_INSTRUMENTS: tuple[str, ...] = ("sledai_2k", "clinical_sledai", "doris",
                                      "drug_free_doris", "crs_grade")


def _model(model: CompiledModel | None) -> CompiledModel:
    return default_model() if model is None else model


def observables(y: np.ndarray, params: np.ndarray, *,
                model: CompiledModel | None = None) -> dict[str, np.ndarray]:
    """Model read-outs from states ``y`` of shape ``(n_patients, n_days, n_states)``.

    Returns arrays ``(n_patients, n_days)`` in physical units (see :data:`UNITS`). States
    and parameters are read by name from ``model`` (the SLE / CD19 CAR-T model by default;
    any composition that contains its states).
    """
    model = _model(model)
    s = model.state_index

    def st(name: str) -> np.ndarray:
        return y[:, :, s[name]]

    b_blood = st("naive_b_blood") + st("autoreactive_b_blood")
    with np.errstate(invalid="ignore", divide="ignore"):
        naive_fraction = np.divide(st("naive_b_blood"), b_blood, out=np.full(b_blood.shape, np.nan),
                                   where=b_blood > 0)
    b_tissue = st("naive_b_tissue") + st("autoreactive_b_tissue")
    b_tissue /= b_tissue[:, :1].copy()  # fraction of the first output day (baseline)
    b_marrow = st("b_precursors") / st("b_precursors")[:, :1]
    inflammation = st("inflammation")
    pga = params[:, None, model.parameter_index["pga_scale"]] * inflammation
    derived = model.observe(y, params)
    return {
        **derived,
        "car_t_blood": st("car_t_infused") + st("car_t_effector") + st("car_t_memory"),
        "t_cells_blood": st("t_cells"),
        "b_cells_blood": b_blood,
        "b_cells_tissue": b_tissue,
        "b_cells_marrow": b_marrow,
        "naive_b_fraction": naive_fraction,
        "autoreactive_b_tissue": st("autoreactive_b_tissue"),
        "anti_dsdna": st("anti_dsdna"),
        "vaccine_igg": st("vaccine_igg"),
        "total_igg": st("total_igg"),
        "c3": st("c3"),
        "c4": st("c4"),
        "proteinuria_g_per_day": st("proteinuria"),
        "il6": st("il6"),
        "inflammation": inflammation,
        "pga": np.clip(pga, 0.0, 3.0, out=pga),
    }


UNITS: dict[str, str] = {
    "car_t_blood": "cells/uL", "t_cells_blood": "cells/uL", "b_cells_blood": "cells/uL",
    "b_cells_tissue": "fraction of baseline", "b_cells_marrow": "fraction of baseline",
    "naive_b_fraction": "fraction",
    "autoreactive_b_tissue": "cells/uL", "anti_dsdna": "IU/mL",
    "vaccine_igg": "fraction of baseline", "total_igg": "g/L", "c3": "g/L", "c4": "g/L",
    "proteinuria_g_per_day": "g/day", "il6": "pg/mL", "inflammation": "fraction",
    "pga": "0-3", "fludarabine_concentration": "mg/L", "lymphodepletion_hazard": "1/day",
    "car_t_engagement": "fraction", "car_t_kills_per_cell": "cells/cell/day",
    "car_t_expansion_rate": "1/day", "sledai_2k": "points", "clinical_sledai": "points", "doris": "0/1",
    "drug_free_doris": "0/1", "crs_grade": "grade",
}


def _temperature(il6: np.ndarray, params: np.ndarray, index: Mapping[str, int]) -> np.ndarray:
    """Body temperature (°C) from IL-6 (pg/mL) ``(n_patients, n_days)``: linear in log IL-6
    from 37 °C at the patient's baseline IL-6 to 38 °C at its fever IL-6, at most 41 °C."""
    base = params[:, None, index["il6_baseline"]]
    fever = params[:, None, index["il6_fever_threshold"]]
    with np.errstate(divide="ignore", invalid="ignore"):
        rise = np.log(np.maximum(il6, 1e-12) / base) / np.log(fever / base)
    return BASELINE_TEMPERATURE_C + FEVER_RISE_C * np.clip(rise, 0.0, 4.0, out=rise)


def _support_limits(params: np.ndarray, index: Mapping[str, int]) -> np.ndarray:
    """IL-6 (pg/mL) that reaches organ-support steps 1, 2, 3, ``(n_patients, 1, 3)``: step
    *k* needs the fever IL-6 times ``il6_crs_severity_fold**k``."""
    fever = params[:, None, index["il6_fever_threshold"]]
    fold = params[:, None, index["il6_crs_severity_fold"]]
    return np.stack([fever * fold**k for k in (1, 2, 3)], axis=-1)


def _organ_support(il6: np.ndarray, limits: np.ndarray) -> dict[str, np.ndarray]:
    """Hypotension (0/1), vasopressors (count) and oxygen device of the ASTCT organ-support
    step that IL-6 (pg/mL) reaches; ``limits[..., k - 1]`` (from :func:`_support_limits`,
    broadcast against ``il6``) is the IL-6 of step *k*."""
    step = np.zeros(il6.shape, dtype=np.int8)
    for k in range(3):
        step += (il6 >= limits[..., k]).astype(np.int8)
    oxygen = np.array(["none", "low_flow", "high_flow", "positive_pressure"])[step]
    return {"hypotension": (step >= 1).astype(np.int8),
            "vasopressors": np.where(step >= 3, 2, np.where(step == 2, 1, 0)).astype(np.int8),
            "oxygen": oxygen}


def _crs_inputs(il6: np.ndarray, params: np.ndarray,
                index: Mapping[str, int]) -> dict[str, np.ndarray]:
    """CRS columns of the visit records from IL-6 ``(n_patients, n_days)`` (pg/mL)."""
    return {"temperature_c": _temperature(il6, params, index),
            **_organ_support(il6, _support_limits(params, index)),
            "fever_masked": np.zeros(il6.shape, dtype=np.int8)}


def crs_grades(il6: np.ndarray, params: np.ndarray, *,
               model: CompiledModel | None = None) -> np.ndarray:
    """ASTCT CRS grade ``(n_patients, n_days)`` from IL-6 (pg/mL) ``(n_patients, n_days)``.

    The same CRS inputs as :func:`visit_table` graded by the same library function
    (:func:`immunoreset.clinical.crs.crs_grade`), without building visit records: the cheap
    path for daily CRS when the other instruments are scored on a few visit days only.
    Records without fever are graded 0 without calling the library (ASTCT: no CRS without
    fever, and the model never masks fever); organ support is derived for the febrile
    records only.
    """
    from immunoreset.clinical.crs import CRS_FEVER_MIN_C, crs_grade

    index = _model(model).parameter_index
    temperature = _temperature(il6, params, index)
    grade = np.zeros(il6.shape, dtype=np.int8)
    hot = temperature >= CRS_FEVER_MIN_C
    if hot.any():
        rows = np.nonzero(hot)[0]
        support = _organ_support(il6[hot], _support_limits(params, index)[rows, 0])
        grade[hot] = crs_grade(temperature[hot], np.zeros(rows.size, dtype=np.int8),
                               support["hypotension"], support["vasopressors"], support["oxygen"])
    return grade


def visit_table(obs: Mapping[str, np.ndarray], params: np.ndarray, thresholds: np.ndarray,
                baseline_inflammation: np.ndarray, regimen: Regimen,
                patient_ids: Sequence[str], days: np.ndarray, *,
                model: CompiledModel | None = None) -> pd.DataFrame:
    """Visit records, one row per patient and day, in the clinical visit-table format.

    ``obs`` from :func:`observables` (arrays ``(n_patients, n_days)``); ``thresholds``
    ``(n_patients, n_descriptors)`` as fractions of ``baseline_inflammation`` ``(n_patients,)``.
    """
    n, m = obs["inflammation"].shape
    table: dict[str, object] = {
        "patient_id": np.repeat(np.asarray(patient_ids), m),
        "day": np.tile(np.asarray(days), n),
    }
    rel = obs["inflammation"] / baseline_inflammation[:, None]
    for k, name in enumerate(INVOLVEMENT_DESCRIPTORS):
        present = rel >= thresholds[:, k][:, None]
        table[name] = present.astype(np.int8).ravel()
    table["proteinuria_g_per_day"] = obs["proteinuria_g_per_day"].ravel()
    table["c3_g_per_l"] = obs["c3"].ravel()
    table["c4_g_per_l"] = obs["c4"].ravel()
    table["anti_dsdna_iu_per_ml"] = obs["anti_dsdna"].ravel()
    table["c3_lln_g_per_l"] = C3_LLN_G_PER_L
    table["c4_lln_g_per_l"] = C4_LLN_G_PER_L
    table["anti_dsdna_uln_iu_per_ml"] = ANTI_DSDNA_ULN_IU_PER_ML
    table["pga"] = obs["pga"].ravel()
    for key, per_day in regimen.clinical_record(days).items():  # background and drugs by day
        table[key] = np.tile(per_day, n)
    for key, val in _crs_inputs(obs["il6"], params, _model(model).parameter_index).items():
        table[key] = val.ravel()
    return pd.DataFrame(table)


def baseline_sledai_2k(y0: np.ndarray, params: np.ndarray, thresholds: np.ndarray, *,
                       model: CompiledModel | None = None) -> np.ndarray:
    """SLEDAI-2K of the pre-treatment visit of candidates with states ``y0`` ``(n, n_states)``.

    Scored by the clinical library from the same visit record as any other visit.
    """
    n = y0.shape[0]
    if n == 0:
        return np.zeros(0)
    model = _model(model)
    obs = observables(y0[:, None, :], params, model=model)
    inflammation = y0[:, model.state_index["inflammation"]]
    visits = visit_table(obs, params, thresholds, inflammation, Regimen("baseline"),
                         [f"c{i}" for i in range(n)], np.array([0.0]), model=model)
    from immunoreset.clinical import score_visits

    return score_visits(visits, instruments=["sledai_2k"])["sledai_2k"].to_numpy(dtype=np.float64)
