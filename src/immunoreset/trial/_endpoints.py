"""The endpoint library: per-patient outcomes computed from an arm's simulated course.

Every endpoint is an :class:`Endpoint` (name, kind, timing, definition, unit, source) in
:data:`ENDPOINTS`; :func:`patient_outcomes` turns one arm's daily values into one row per
patient with one column per endpoint (and visit). The analysis
(:mod:`immunoreset.trial._analysis`) only aggregates these columns, so each definition lives
here and nowhere else.

Conventions (also in ``docs/trials.md``):

* Time is in days from CAR-T infusion (day 0); in an arm without CAR-T day 0 is the nominal
  start of the trial. The baseline visit is the first simulated day (before any dose).
* **Numerically failed patients** (solver status not ``ok``) stay in the denominators of the
  proportion endpoints with the *unfavourable* outcome: non-responders for efficacy
  endpoints, events for safety endpoints (worst case). They are left out of means and of
  Kaplan–Meier curves, and the proportion failing is always reported
  (``numerically_failed``).
* **SRI-4** needs BILAG-2004 grades, which the model does not produce. It is computed by the
  clinical library with every BILAG domain graded E (never involved), i.e. the BILAG clauses
  ("no new A, at most one new B") are taken as met: the SRI-4 here is its SLEDAI-2K and PGA
  clauses, an upper bound on the full index.
* **ICANS**: the model has no neurological inputs (ICE score, consciousness, seizures,
  oedema), so ICANS is grade 0 for every solved patient by construction; the endpoint is
  reported to make that explicit, not as a prediction.
* **Renal response** (``complete_renal_response``, ``partial_renal_response``,
  ``renal_response`` = CRR or PRR) is scored by the clinical library
  (:func:`~immunoreset.clinical.renal_response`) with the trial's renal definition (default
  LUNAR). UPCR at each visit is the model's ``proteinuria`` (g/day read as g/g,
  :data:`~immunoreset.clinical.UPCR_G_PER_G_PER_G_PER_DAY`, Ginsberg 1983). **eGFR is not
  modelled: it is taken as stable at baseline**, so the eGFR clauses are met and UPCR
  decides (with the definition's prednisone ceiling, read from the arm's background; no
  rescue therapy is modelled). Only patients whose pre-treatment UPCR meets the
  definition's entry threshold (LUNAR: > 1.0 g/g) are in the denominator; the others are
  not evaluable (NaN), never responders.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from immunoreset.clinical import (
    DEFAULT_RENAL_DEFINITION,
    UPCR_G_PER_G_PER_G_PER_DAY,
    RenalResponseDefinition,
    renal_definition,
    renal_response,
)
from immunoreset.diseases import ANTI_DSDNA_ULN_IU_PER_ML, C3_LLN_G_PER_L
from immunoreset.simulation import B_CELL_RETURN_CELLS_PER_UL, ArmResult

__all__ = [
    "ENDPOINTS",
    "RENAL_ENDPOINTS",
    "VACCINE_TITRE_LOSS_FRACTION",
    "Endpoint",
    "column",
    "endpoint",
    "patient_outcomes",
]

#: Vaccine-titre loss: vaccine-specific IgG below this fraction of its baseline. A fourfold
#: fall, the mirror of the fourfold-rise convention for seroconversion in vaccine serology
#: (e.g. WHO, Manual for the laboratory diagnosis of influenza, 2011). Convention, ASSUMED.
VACCINE_TITRE_LOSS_FRACTION = 0.25

Kind = Literal["proportion", "mean", "time_to_event"]
Timing = Literal["visit", "follow_up", "event"]


@dataclass(frozen=True)
class Endpoint:
    """One endpoint of the library.

    ``kind``: ``proportion`` (0/1 per patient), ``mean`` (a number per patient) or
    ``time_to_event`` (time and event indicator per patient, Kaplan–Meier).
    ``timing``: ``visit`` (evaluated at every scheduled visit), ``follow_up`` (once over
    days 0 … follow-up) or ``event`` (time to event, censored at the end of follow-up).
    ``favourable``: for proportions, whether the outcome is good (efficacy, failed patients
    count 0) or bad (safety, failed patients count 1); ``None`` for descriptive endpoints
    (failed patients left out).
    """

    name: str
    kind: Kind
    timing: Timing
    label: str
    unit: str
    definition: str
    source: str
    favourable: bool | None = True


ENDPOINTS: dict[str, Endpoint] = {e.name: e for e in (
    Endpoint("doris", "proportion", "visit", "DORIS remission", "proportion",
             "DORIS 2021 remission at the visit (clinical SLEDAI-2K = 0, PGA < 0.5, "
             "prednisone ≤ 5 mg/day, stable antimalarials/immunosuppressants/biologics allowed)",
             "van Vollenhoven et al., Lupus Sci Med 2021;8:e000538"),
    Endpoint("drug_free_doris", "proportion", "visit", "Drug-free DORIS remission", "proportion",
             "DORIS remission with no prednisone, antimalarial, immunosuppressant or biologic",
             "van Vollenhoven 2021; Mackensen et al., Nat Med 2022;28:2124"),
    Endpoint("lldas", "proportion", "visit", "LLDAS", "proportion",
             "Lupus Low Disease Activity State at the visit; 'new features' are judged "
             "against the previous scheduled visit",
             "Franklyn et al., Ann Rheum Dis 2016;75:1615"),
    Endpoint("sri4", "proportion", "visit", "SRI-4 (BILAG clauses taken as met)", "proportion",
             "SLEDAI-2K fall ≥ 4 from baseline and PGA rise < 0.3; BILAG domains not "
             "modelled (graded E), so an upper bound on SRI-4",
             "Furie et al., Arthritis Rheum 2009;61:1143"),
    Endpoint("sledai_2k_change", "mean", "visit", "Change in SLEDAI-2K", "points",
             "SLEDAI-2K at the visit minus SLEDAI-2K at baseline (negative = improvement)",
             "Gladman et al., J Rheumatol 2002;29:288", favourable=None),
    Endpoint("anti_dsdna_seroconversion", "proportion", "visit", "Anti-dsDNA seroconversion",
             "proportion",
             f"anti-dsDNA < {ANTI_DSDNA_ULN_IU_PER_ML:g} IU/mL at the visit, among patients "
             "positive at baseline", "ELISA cut-off, KYSA-1 NCT05938725"),
    Endpoint("c3_normalisation", "proportion", "visit", "C3 normalisation", "proportion",
             f"C3 ≥ {C3_LLN_G_PER_L:g} g/L at the visit, among patients with low C3 at "
             "baseline", "laboratory reference range 0.9-1.8 g/L"),
    Endpoint("b_cell_aplasia", "proportion", "visit", "B-cell aplasia", "proportion",
             f"blood B cells < {B_CELL_RETURN_CELLS_PER_UL:g} cells/µL at the visit",
             "detection threshold of Mackensen 2022", favourable=None),
    Endpoint("vaccine_titre_loss", "proportion", "visit", "Vaccine-titre loss", "proportion",
             f"vaccine-specific IgG < {VACCINE_TITRE_LOSS_FRACTION:g} × baseline at the visit "
             "(fourfold fall)", "convention, see VACCINE_TITRE_LOSS_FRACTION",
             favourable=False),
    Endpoint("complete_renal_response", "proportion", "visit", "Complete renal response",
             "proportion",
             "CRR at the visit by the trial's renal definition ([endpoints] renal_definition, "
             "default LUNAR: UPCR < 0.5 g/g, eGFR >= 85 % of baseline); UPCR = model "
             "proteinuria (g/day read as g/g); eGFR not modelled, taken as stable at baseline; "
             "among patients whose baseline UPCR meets the definition's entry threshold",
             "Rovin et al., Arthritis Rheum 2012;64:1215 (LUNAR) and the other definitions of "
             "immunoreset.clinical.renal_response"),
    Endpoint("partial_renal_response", "proportion", "visit", "Partial renal response",
             "proportion",
             "PRR (partial and not complete) at the visit by the trial's renal definition "
             "(LUNAR: UPCR fall >= 50 % to < 1.0 g/g, or to <= 3.0 if baseline > 3.0); eGFR "
             "taken as stable at baseline; among patients meeting the entry threshold",
             "Rovin et al., Arthritis Rheum 2012;64:1215 (LUNAR)"),
    Endpoint("renal_response", "proportion", "visit", "Overall renal response (CRR or PRR)",
             "proportion",
             "complete or partial renal response at the visit by the trial's renal definition; "
             "eGFR taken as stable at baseline; among patients meeting the entry threshold",
             "Rovin et al., Arthritis Rheum 2012;64:1215 (LUNAR primary end point)"),
    Endpoint("car_t_peak", "mean", "follow_up", "Peak CAR-T expansion", "cells/µL",
             "highest blood CAR-T count over follow-up (not applicable, NaN, in arms without CAR-T)",
             "Mackensen 2022 (peak on days 7-10)", favourable=None),
    Endpoint("crs_grade_ge1", "proportion", "follow_up", "CRS grade ≥ 1", "proportion",
             "highest ASTCT CRS grade over follow-up ≥ 1", "Lee et al., BBMT 2019;25:625",
             favourable=False),
    Endpoint("crs_grade_ge2", "proportion", "follow_up", "CRS grade ≥ 2", "proportion",
             "highest ASTCT CRS grade over follow-up ≥ 2", "Lee et al., BBMT 2019;25:625",
             favourable=False),
    Endpoint("crs_grade_ge3", "proportion", "follow_up", "CRS grade ≥ 3", "proportion",
             "highest ASTCT CRS grade over follow-up ≥ 3", "Lee et al., BBMT 2019;25:625",
             favourable=False),
    Endpoint("icans", "proportion", "follow_up", "ICANS (any grade; not modelled)", "proportion",
             "ICANS grade ≥ 1 over follow-up; the model has no neurological inputs, so 0 by "
             "construction for every solved patient", "Lee et al., BBMT 2019;25:625",
             favourable=False),
    Endpoint("time_to_b_cell_return", "time_to_event", "event", "Time to B-cell return", "days",
             f"days from infusion to the first day with B cells ≥ {B_CELL_RETURN_CELLS_PER_UL:g}"
             "/µL after aplasia, among patients who reached aplasia; censored at end of "
             "follow-up", "Mackensen 2022 (B-cell return at 110 ± 32 days)"),
    Endpoint("b_cell_aplasia_duration", "time_to_event", "event", "Duration of B-cell aplasia",
             "days", "days from the first day of aplasia (B cells < 10/µL) to B-cell return; "
             "censored at end of follow-up", "Mackensen 2022"),
    Endpoint("relapse_free_survival", "time_to_event", "event", "Relapse-free survival", "days",
             "days from the first DORIS remission to the first later day without DORIS "
             "(loss of remission), among patients who reached DORIS; censored at end of "
             "follow-up", "van Vollenhoven 2021"),
)}

#: The renal-response endpoints, and those that need a definition with partial criteria.
RENAL_ENDPOINTS: tuple[str, ...] = ("complete_renal_response", "partial_renal_response",
                                    "renal_response")
PARTIAL_RENAL_ENDPOINTS: tuple[str, ...] = ("partial_renal_response", "renal_response")

#: Always computed and reported, whatever the spec lists.
FAILED = Endpoint("numerically_failed", "proportion", "follow_up", "Failed numerically",
                  "proportion", "solver status not 'ok' (the patient stays in every "
                  "denominator with the unfavourable outcome)", "—", favourable=False)


def endpoint(name: str) -> Endpoint:
    """The library endpoint ``name`` (``numerically_failed`` included)."""
    return FAILED if name == FAILED.name else ENDPOINTS[name]


def column(name: str, visit_day: int | None = None, part: str | None = None) -> str:
    """Column of the per-patient table: ``doris@d90``, ``crs_grade_ge2``,
    ``relapse_free_survival.time`` / ``.event``."""
    col = name if visit_day is None else f"{name}@d{visit_day}"
    return col if part is None else f"{col}.{part}"


def _first_true(mask: np.ndarray) -> np.ndarray:
    """Index of the first True per row, -1 where none."""
    has = mask.any(axis=1)
    return np.where(has, np.argmax(mask, axis=1), -1)


def _onset_and_end(onset_mask: np.ndarray, end_mask: np.ndarray, days: np.ndarray,
                   follow_up: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: onset day (first ``onset_mask``), end day (first ``end_mask`` after onset) or
    ``follow_up`` if none (event 0); NaN onset where the onset never happens."""
    m = onset_mask.shape[1]
    i0 = _first_true(onset_mask)
    after = end_mask & (np.arange(m)[None, :] > i0[:, None])
    i1 = _first_true(after)
    onset = np.where(i0 >= 0, days[np.maximum(i0, 0)], np.nan)
    event = ((i0 >= 0) & (i1 >= 0)).astype(np.float64)
    end = np.where(event > 0, days[np.maximum(i1, 0)], follow_up)
    event = np.where(i0 >= 0, event, np.nan)
    return onset, np.where(i0 >= 0, end, np.nan), event


def patient_outcomes(result: ArmResult, *, visits: Sequence[int], follow_up_days: int,
                     baseline: Mapping[str, np.ndarray],
                     visit_scores: Mapping[str, np.ndarray] | None = None,
                     endpoints: Sequence[str] = tuple(ENDPOINTS),
                     renal: str | RenalResponseDefinition = DEFAULT_RENAL_DEFINITION,
                     ) -> pd.DataFrame:
    """One row per patient of ``result`` with the outcome columns of ``endpoints``.

    Arguments:
        result: the arm's simulation; ``values[var]`` are ``(n_patients, n_days)`` on
            ``result.days`` (daily, from a pre-treatment baseline day to at least
            ``follow_up_days``).
        visits: scheduled visit days (days after infusion, within follow-up).
        follow_up_days: last day of follow-up; time-to-event endpoints are censored there.
        baseline: pre-treatment values per patient, ``(n_patients,)``, for ``anti_dsdna``
            (IU/mL) and ``c3`` (g/L) — known even for patients whose solve failed — and
            optionally ``proteinuria`` (g/day; the renal baseline, else the first simulated
            day).
        visit_scores: ``lldas`` and ``sri4`` as ``(n_patients, len(visits))`` 0/1 arrays
            (scored on the visit schedule); required if those endpoints are asked for.
        endpoints: names from :data:`ENDPOINTS`.
        renal: the renal-response definition (name or object) of the renal endpoints.

    Returns:
        Columns ``patient_id, arm, solver_status, numerically_failed`` and, per endpoint,
        ``name@dDAY`` (visit endpoints), ``name`` (follow-up endpoints) or
        ``name.time`` / ``name.event`` (time to event; NaN where the patient is not at
        risk). Proportions are 0/1 floats, NaN where the patient is not eligible.
    """
    from immunoreset.simulation import NOT_ELIGIBLE, status_names

    days = np.asarray(result.days, dtype=np.float64)
    v = result.values
    n = len(result.patient_ids)
    not_eligible = result.status == NOT_ELIGIBLE
    failed = result.status > 0  # a solver failure (not a patient failing inclusion)
    j_visit = [int(np.searchsorted(days, d)) for d in visits]
    for d, j in zip(visits, j_visit, strict=True):
        if j >= days.size or days[j] != d:
            raise ValueError(f"visit day {d} is not a simulated day")
    base_j = 0
    window = (days >= 0) & (days <= follow_up_days)
    out: dict[str, object] = {
        "patient_id": list(result.patient_ids),
        "arm": result.arm,
        "solver_status": status_names(result.status),
        FAILED.name: failed.astype(np.float64),
    }

    def impute(values: np.ndarray, ep: Endpoint) -> np.ndarray:
        """Failed patients: unfavourable outcome (or NaN for descriptive endpoints);
        patients not eligible: NaN (not counted)."""
        fill = np.nan if ep.favourable is None else (0.0 if ep.favourable else 1.0)
        shape = (-1,) + (1,) * (values.ndim - 1)
        out = np.where(failed.reshape(shape), fill, values)
        return np.where(not_eligible.reshape(shape), np.nan, out)

    def at_visits(var: str) -> np.ndarray:
        return v[var][:, j_visit]

    renal_parts: dict[str, np.ndarray] = {}
    renal_eligible = np.ones(n, dtype=bool)
    renal_def = renal_definition(renal)
    if set(RENAL_ENDPOINTS) & set(endpoints):
        renal_parts, renal_eligible = _renal_outcomes(result, at_visits, baseline, base_j,
                                                      renal_def)

    for name in endpoints:
        ep = ENDPOINTS[name]
        res: np.ndarray | None = None
        if name in ("doris", "drug_free_doris"):
            res = (at_visits(name) >= 0.5).astype(np.float64)
        elif name in ("lldas", "sri4"):
            if visit_scores is None or name not in visit_scores:
                raise ValueError(f"endpoint {name!r} needs visit_scores[{name!r}]")
            res = np.nan_to_num(np.asarray(visit_scores[name], dtype=np.float64), nan=0.0)
        elif name == "sledai_2k_change":
            res = at_visits("sledai_2k") - v["sledai_2k"][:, [base_j]]
        elif name == "anti_dsdna_seroconversion":
            eligible = baseline["anti_dsdna"] >= ANTI_DSDNA_ULN_IU_PER_ML
            res = (at_visits("anti_dsdna") < ANTI_DSDNA_ULN_IU_PER_ML).astype(np.float64)
            res = impute(res, ep)
            res[~eligible] = np.nan
        elif name == "c3_normalisation":
            eligible = baseline["c3"] < C3_LLN_G_PER_L
            res = (at_visits("c3") >= C3_LLN_G_PER_L).astype(np.float64)
            res = impute(res, ep)
            res[~eligible] = np.nan
        elif name in RENAL_ENDPOINTS:
            res = impute(renal_parts[name], ep)
            res[~renal_eligible] = np.nan
            if renal_def.partial is None and name in PARTIAL_RENAL_ENDPOINTS:
                res[:] = np.nan  # the definition has no partial response: nothing to count
        elif name == "b_cell_aplasia":
            res = (at_visits("b_cells_blood") < B_CELL_RETURN_CELLS_PER_UL).astype(np.float64)
        elif name == "vaccine_titre_loss":
            res = (at_visits("vaccine_igg") < VACCINE_TITRE_LOSS_FRACTION).astype(np.float64)
        elif name == "car_t_peak":
            if result.regimen.car_t is None:  # no CAR-T given: nothing to report, not round-off
                res = np.full(n, np.nan)
            else:
                res = np.nanmax(np.where(window[None, :], v["car_t_blood"], -np.inf), axis=1)
        elif name.startswith("crs_grade_ge"):
            k = int(name[-1])
            worst = np.nanmax(np.where(window[None, :], v["crs_grade"], -np.inf), axis=1)
            res = (worst >= k).astype(np.float64)
        elif name == "icans":
            res = np.zeros(n)  # no ICANS inputs in the model: grade 0 by construction
        elif ep.kind == "time_to_event":
            w = np.flatnonzero(window)
            tdays = days[w]
            if name in ("time_to_b_cell_return", "b_cell_aplasia_duration"):
                b = v["b_cells_blood"][:, w]
                onset, end, event = _onset_and_end(b < B_CELL_RETURN_CELLS_PER_UL,
                                                   b >= B_CELL_RETURN_CELLS_PER_UL, tdays,
                                                   follow_up_days)
                time = end if name == "time_to_b_cell_return" else end - onset
            else:  # relapse_free_survival
                dr = v["doris"][:, w]
                onset, end, event = _onset_and_end(dr >= 0.5, dr < 0.5, tdays, follow_up_days)
                time = end - onset
            time = np.where(failed, np.nan, time)
            event = np.where(failed, np.nan, event)
            out[column(name, part="time")] = time
            out[column(name, part="event")] = event
            continue
        else:  # pragma: no cover - every library endpoint is handled above
            raise KeyError(name)
        if ep.kind == "mean" or name not in ("anti_dsdna_seroconversion", "c3_normalisation",
                                             *RENAL_ENDPOINTS):
            # NaN comparisons give 0 above: failed patients get their imputed outcome here.
            res = impute(res, ep) if ep.kind == "proportion" else np.where(
                failed.reshape(-1, 1) if res.ndim == 2 else failed, np.nan, res)
        if ep.timing == "visit":
            for k, day in enumerate(visits):
                out[column(name, day)] = res[:, k]
        else:
            out[column(name)] = res
    return pd.DataFrame(out)


def _renal_outcomes(result: ArmResult, at_visits: Callable[[str], np.ndarray],
                    baseline: Mapping[str, np.ndarray], base_j: int,
                    definition: RenalResponseDefinition,
                    ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """CRR, PRR and overall response ``(n_patients, n_visits)`` (NaN = not evaluable) and
    the entry mask ``(n_patients,)`` (baseline UPCR meets the definition's threshold).

    UPCR = model proteinuria × :data:`UPCR_G_PER_G_PER_G_PER_DAY`; eGFR is not modelled and
    taken as stable at baseline (``egfr=None``); prednisone is the arm's background dose."""
    proteinuria = result.values["proteinuria_g_per_day"]
    base = baseline.get("proteinuria")
    base_upcr = UPCR_G_PER_G_PER_G_PER_DAY * np.asarray(
        proteinuria[:, base_j] if base is None else base, dtype=np.float64)
    visit_upcr = UPCR_G_PER_G_PER_G_PER_DAY * at_visits("proteinuria_g_per_day")
    n, k = visit_upcr.shape
    upcr = np.column_stack([base_upcr, visit_upcr])  # (n, 1 + k): baseline visit first
    day = np.tile(np.arange(k + 1, dtype=np.float64), n)
    prednisone = np.full(upcr.size, float(result.regimen.prednisone_mg_per_day))
    scored = renal_response(upcr.ravel(), None, patient_id=np.repeat(np.arange(n), k + 1),
                            day=day, definition=definition, prednisone_mg_per_day=prednisone)
    parts = {}
    for name, values in zip(RENAL_ENDPOINTS, (scored.complete, scored.partial, scored.overall),
                            strict=True):
        as_float = pd.array(values, dtype="boolean").astype("Float64")
        parts[name] = as_float.to_numpy(dtype=np.float64, na_value=np.nan).reshape(n, k + 1)[:, 1:]
    if definition.entry_upcr_inclusive:
        eligible = base_upcr >= definition.entry_upcr_min
    else:
        eligible = base_upcr > definition.entry_upcr_min
    return parts, eligible
