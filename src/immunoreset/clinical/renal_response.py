"""Renal response in lupus nephritis: complete (CRR), partial (PRR) and overall (CRR or PRR).

Each visit is judged against the patient's first visit (the baseline), on the urine
protein-to-creatinine ratio (UPCR, g/g = mg/mg), the estimated glomerular filtration rate
(eGFR, mL/min/1.73 m²), and — where the definition has them — a prednisone ceiling and a
rescue-therapy rule. A *definition* is a small frozen, validated value object
(:class:`RenalResponseDefinition`, its response criteria :class:`RenalCriteria`); the
lupus nephritis trials' definitions are named constants in :data:`RENAL_DEFINITIONS`:

============  ================================================================================
name          source
============  ================================================================================
``lunar``     LUNAR (rituximab): Rovin BH et al., Arthritis Rheum 2012;64:1215-1226,
              doi:10.1002/art.34359 (Methods, efficacy end points); primary end point week 52
``nobility``  NOBILITY (obinutuzumab, phase 2): Furie RA et al., Ann Rheum Dis 2022;81:100-107,
              doi:10.1136/annrheumdis-2021-220920; primary outcome of ClinicalTrials.gov
              NCT02550652 (week 52; week 76 reported)
``regency``   REGENCY (obinutuzumab, phase 3): Furie RA et al., N Engl J Med 2025,
              doi:10.1056/NEJMoa2410965 (abstract: primary end point, week 76)
``regency_prednisone``  REGENCY key secondary end point: CRR with prednisone ≤ 7.5 mg/day
              between weeks 64 and 76
``bliss_ln``  BLISS-LN (belimumab): Furie R et al., N Engl J Med 2020;383:1117-1128,
              doi:10.1056/NEJMoa2001180 (PERR and CRR, week 104)
``aurora``    AURORA 1 (voclosporin): Rovin BH et al., Lancet 2021;397:2070-2080,
              doi:10.1016/S0140-6736(21)00578-X (abstract: primary end point, week 52)
============  ================================================================================

Scoring rules (also in ``docs/clinical.md``):

* **Baseline** is the patient's first visit (by ``day``); its response is missing (empty),
  as for SRI-4.
* **Not evaluable** (missing, not 0): the patient's baseline UPCR is missing or does not meet
  the definition's entry threshold (e.g. LUNAR and NOBILITY enrolled UPCR > 1.0 g/g), or an
  input the definition needs is missing at the visit or at baseline (UPCR; eGFR where a
  criterion uses it; prednisone on the visits of the prednisone window). A virtual or real
  patient without active nephritis at baseline is therefore never counted as a responder.
* **CRR**: every clause of ``definition.complete``, the prednisone ceiling if any, and no
  rescue. **PRR** (partial, *exclusive*): the clauses of ``definition.partial`` and no rescue,
  but not CRR. **Overall** = CRR or PRR. A definition without partial criteria (REGENCY,
  AURORA here) has missing PRR and overall response everywhere.
* **Rescue** (``rescue_is_failure``): a rescue therapy or treatment failure recorded at this
  visit or any earlier visit of the patient makes the visit a non-responder (LUNAR:
  cyclophosphamide rescue; REGENCY: the intercurrent events; BLISS-LN: treatment failure;
  AURORA: rescue medication). No rescue recorded = none.
* **Thresholds**: "< x" and "≤ x" as published (:attr:`RenalCriteria.upcr_max_inclusive`);
  relative clauses are inclusive ("eGFR ≥ 85 % of baseline", "UPCR fall ≥ 50 %") and are
  compared after rounding to 1e-9 so that floating-point noise never decides a boundary.
* **eGFR**: ``egfr=None`` means *not measured and taken as stable at baseline*, so the eGFR
  clauses are met and only UPCR (and the prednisone/rescue rules) decide. This is how the
  model read-out is scored (the SLE model has no eGFR); the visit-table path instead needs
  an eGFR value, or reports the visit as not evaluable.

Interpretations made here:

* LUNAR and NOBILITY state kidney function as serum creatinine ≤ 115 % of baseline (when
  normal at baseline). The visit table carries eGFR, so the clause is encoded as eGFR ≥ 85 %
  of baseline — the form REGENCY uses; CKD-EPI eGFR ∝ creatinine^-1.2 at typical values, so
  a 15 % creatinine rise is a 1.15^-1.2 = 0.846 eGFR ratio, close to 0.85. The "normal at
  follow-up when abnormal at baseline" branch (creatinine ≤ ULN) is not encoded.
* LUNAR and NOBILITY also require inactive urinary sediment for CRR (< 5 resp. < 10 RBC/hpf,
  no red-cell casts) and a bounded RBC rise for PRR; sediment is **not encoded** (neither
  the model nor most visit records carry casts), so these definitions are their proteinuria
  and kidney-function clauses.
* BLISS-LN compares eGFR with the *pre-flare* value; here, with the baseline visit.
* Prednisone windows (REGENCY weeks 64-76, AURORA weeks 44-52) are read as: the dose at every
  recorded visit in the ``prednisone_window_days`` up to and including this visit is at most
  the ceiling. AURORA's "more than 10 mg for ≥ 3 consecutive days or ≥ 7 days" allows short
  excursions that visit records cannot show; any recorded excess counts here.
* The LUNAR/NOBILITY partial-response thresholds (≥ 50 % UPCR fall, to < 1.0 if baseline UPCR
  ≤ 3.0, or to ≤ 3.0 if baseline > 3.0) and the BLISS-LN entry threshold (UPCR ≥ 1.0) are the
  standard restatements of those papers; the full texts were not available to check them
  (``RenalResponseDefinition.notes`` says so per definition).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import numpy.typing as npt
import pandas as pd

from immunoreset.clinical._history import first_and_previous
from immunoreset.errors import InputError

__all__ = [
    "AURORA",
    "BLISS_LN",
    "DEFAULT_RENAL_DEFINITION",
    "EGFR_MAX_ML_PER_MIN_PER_1_73M2",
    "LUNAR",
    "NOBILITY",
    "REGENCY",
    "REGENCY_PREDNISONE",
    "RENAL_DEFINITIONS",
    "UPCR_G_PER_G_PER_G_PER_DAY",
    "UPCR_MAX_G_PER_G",
    "RenalCriteria",
    "RenalResponse",
    "RenalResponseDefinition",
    "renal_definition",
    "renal_response",
]

#: Plausibility bound on a UPCR threshold or value, g/g (= mg/mg). Nephrotic range starts at
#: 3.5 g/g (Ginsberg 1983); 30 g/g is beyond any report. Guards against mg/g (x 1000) and
#: mg/mmol (x 113). This package's limit, not a published cut-off.
UPCR_MAX_G_PER_G: float = 30.0
#: Plausibility bound on an eGFR threshold or value, mL/min/1.73 m². Normal young adults are
#: near 120; this package's limit, not a published cut-off.
EGFR_MAX_ML_PER_MIN_PER_1_73M2: float = 200.0
#: UPCR (g/g) per g/day of 24-hour urine protein: the model's ``proteinuria`` (g/day) is read
#: as UPCR at its numerical value. Ginsberg JM et al., N Engl J Med 1983;309:1543-1546 (the
#: spot protein/creatinine ratio estimates grams of protein per day, since adults excrete
#: about 1 g creatinine a day; "> 3.5 mg/mg represents nephrotic-range proteinuria"), and
#: KDIGO 2024 lupus nephritis guideline (response thresholds stated in g/g of a 24-h urine
#: PCR, e.g. complete response < 0.5 g/g).
UPCR_G_PER_G_PER_G_PER_DAY: float = 1.0
_DECIMALS = 9  # rounding of relative comparisons (floating-point noise)
_UPCR_HINT = "did you pass mg/g (divide by 1000) or mg/mmol (divide by 113)?"


def _check_number(where: str, value: object, low: float, high: float, expected: str,
                  *, low_open: bool = True, hint: str = "") -> float:
    """``value`` as a float in (low, high] (or [low, high]); else InputError."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(f"{where}: got {value!r}, expected {expected}")
    x = float(value)
    too_low = x <= low if low_open else x < low
    if too_low or x > high:
        tail = f" ({hint})" if hint and x > high else ""
        raise InputError(f"{where}: got {x:g}, expected {expected}{tail}")
    return x


def _check_flag(where: str, value: object) -> None:
    if not isinstance(value, bool):
        raise InputError(f"{where}: got {value!r}, expected True or False")


@dataclass(frozen=True)
class RenalCriteria:
    """The proteinuria and kidney-function clauses of one response (complete or partial).

    A visit meets them when all of:

    * UPCR < ``upcr_max`` (≤ when ``upcr_max_inclusive``) — or, when the baseline UPCR is
      above ``nephrotic_baseline_above``, UPCR ≤ ``nephrotic_upcr_max`` instead;
    * if ``upcr_fall_min`` is set, UPCR ≤ (1 − ``upcr_fall_min``) × baseline UPCR (e.g. 0.5 =
      a fall of at least 50 %);
    * if ``egfr_min_fraction`` or ``egfr_at_least`` is set: eGFR ≥ ``egfr_min_fraction`` ×
      baseline eGFR, *or* eGFR ≥ ``egfr_at_least`` (mL/min/1.73 m²) — either suffices when
      both are set, as in "no more than 20 % below baseline or ≥ 60".

    Every field is checked at construction (bad values raise
    :class:`~immunoreset.errors.InputError` naming the field, the value and what was expected).
    """

    upcr_max: float
    upcr_max_inclusive: bool = False
    upcr_fall_min: float | None = None
    nephrotic_baseline_above: float | None = None
    nephrotic_upcr_max: float | None = None
    egfr_min_fraction: float | None = None
    egfr_at_least: float | None = None

    def __post_init__(self) -> None:
        name = type(self).__name__
        upcr = f"a UPCR in g/g above 0 and at most {UPCR_MAX_G_PER_G:g}"
        _check_number(f"{name}.upcr_max", self.upcr_max, 0.0, UPCR_MAX_G_PER_G, upcr,
                      hint=_UPCR_HINT)
        _check_flag(f"{name}.upcr_max_inclusive", self.upcr_max_inclusive)
        if self.upcr_fall_min is not None:
            _check_number(f"{name}.upcr_fall_min", self.upcr_fall_min, 0.0, 1.0 - 1e-12,
                          "a fraction of the baseline UPCR between 0 and 1 (0.5 = a fall of "
                          "at least 50 %), or None")
        pair = (self.nephrotic_baseline_above, self.nephrotic_upcr_max)
        if (pair[0] is None) != (pair[1] is None):
            raise InputError(f"{name}.nephrotic_baseline_above, nephrotic_upcr_max: got "
                             f"{pair[0]!r} and {pair[1]!r}, expected both or neither")
        if pair[0] is not None:
            _check_number(f"{name}.nephrotic_baseline_above", pair[0], 0.0, UPCR_MAX_G_PER_G,
                          upcr, hint=_UPCR_HINT)
            _check_number(f"{name}.nephrotic_upcr_max", pair[1], 0.0, UPCR_MAX_G_PER_G, upcr,
                          hint=_UPCR_HINT)
        if self.egfr_min_fraction is not None:
            _check_number(f"{name}.egfr_min_fraction", self.egfr_min_fraction, 0.0, 1.0,
                          "a fraction of the baseline eGFR above 0 and at most 1 (0.85 = no "
                          "more than 15 % below baseline), or None")
        if self.egfr_at_least is not None:
            _check_number(f"{name}.egfr_at_least", self.egfr_at_least, 0.0,
                          EGFR_MAX_ML_PER_MIN_PER_1_73M2,
                          f"an eGFR in mL/min/1.73 m² above 0 and at most "
                          f"{EGFR_MAX_ML_PER_MIN_PER_1_73M2:g}, or None")

    @property
    def uses_egfr(self) -> bool:
        """Whether a kidney-function clause is part of these criteria."""
        return self.egfr_min_fraction is not None or self.egfr_at_least is not None

    def describe(self) -> str:
        """The criteria in words, e.g. ``UPCR < 0.5 g/g; eGFR ≥ 85 % of baseline``."""
        parts = [f"UPCR {'≤' if self.upcr_max_inclusive else '<'} {self.upcr_max:g} g/g"]
        if self.nephrotic_baseline_above is not None:
            parts[0] += (f" (≤ {self.nephrotic_upcr_max:g} g/g if baseline UPCR > "
                         f"{self.nephrotic_baseline_above:g})")
        if self.upcr_fall_min is not None:
            parts.append(f"UPCR fall ≥ {100 * self.upcr_fall_min:g} % from baseline")
        egfr = []
        if self.egfr_min_fraction is not None:
            egfr.append(f"eGFR ≥ {100 * self.egfr_min_fraction:g} % of baseline")
        if self.egfr_at_least is not None:
            egfr.append(f"eGFR ≥ {self.egfr_at_least:g} mL/min/1.73 m²")
        if egfr:
            parts.append(" or ".join(egfr))
        return "; ".join(parts)


@dataclass(frozen=True)
class RenalResponseDefinition:
    """A named renal-response definition with its source.

    ``entry_upcr_min``: the baseline UPCR (g/g) a patient needs to be evaluable, strictly
    above it unless ``entry_upcr_inclusive`` (the trial's proteinuria inclusion criterion).
    ``complete`` / ``partial``: the criteria of CRR and PRR (``partial=None``: no partial
    response defined). ``prednisone_max_mg_per_day``: ceiling (inclusive) of the
    prednisone-equivalent dose for CRR, on every visit within ``prednisone_window_days`` up
    to and including the visit (0 = this visit only). ``rescue_is_failure``: rescue therapy
    or treatment failure at or before the visit makes it a non-responder.
    ``assessment_weeks``: the trial's assessment times (information for reports; a trial
    spec schedules its own visits). ``notes``: what of the definition is interpreted or was
    not verified against the paper.
    """

    name: str
    label: str
    complete: RenalCriteria
    source: str
    partial: RenalCriteria | None = None
    entry_upcr_min: float = 0.0
    entry_upcr_inclusive: bool = False
    prednisone_max_mg_per_day: float | None = None
    prednisone_window_days: float = 0.0
    rescue_is_failure: bool = True
    assessment_weeks: tuple[int, ...] = ()
    notes: str = ""

    def __post_init__(self) -> None:
        cls = type(self).__name__
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise InputError(f"{cls}.name: got {self.name!r}, expected an identifier such as "
                             "'lunar'")
        for key in ("label", "source"):
            value = getattr(self, key)
            if not isinstance(value, str) or not value.strip():
                raise InputError(f"{cls}.{key}: got {value!r}, expected a non-empty text")
        if not isinstance(self.complete, RenalCriteria):
            raise InputError(f"{cls}.complete: got {self.complete!r}, expected RenalCriteria")
        if self.partial is not None and not isinstance(self.partial, RenalCriteria):
            raise InputError(f"{cls}.partial: got {self.partial!r}, expected RenalCriteria "
                             "or None")
        _check_number(f"{cls}.entry_upcr_min", self.entry_upcr_min, 0.0, UPCR_MAX_G_PER_G,
                      f"a UPCR in g/g between 0 and {UPCR_MAX_G_PER_G:g}", low_open=False,
                      hint=_UPCR_HINT)
        _check_flag(f"{cls}.entry_upcr_inclusive", self.entry_upcr_inclusive)
        _check_flag(f"{cls}.rescue_is_failure", self.rescue_is_failure)
        if self.prednisone_max_mg_per_day is not None:
            _check_number(f"{cls}.prednisone_max_mg_per_day", self.prednisone_max_mg_per_day,
                          0.0, 2000.0, "a prednisone-equivalent dose in mg/day between 0 and "
                          "2000, or None", low_open=False)
        window = _check_number(f"{cls}.prednisone_window_days", self.prednisone_window_days,
                               0.0, 3650.0, "days between 0 and 3650", low_open=False)
        if window > 0 and self.prednisone_max_mg_per_day is None:
            raise InputError(f"{cls}.prednisone_window_days: got {window:g}, expected 0 when "
                             "prednisone_max_mg_per_day is None (a window needs a ceiling)")
        weeks = self.assessment_weeks
        if not isinstance(weeks, tuple) or any(
            isinstance(w, bool) or not isinstance(w, int) or w < 1 for w in weeks
        ):
            raise InputError(f"{cls}.assessment_weeks: got {weeks!r}, expected a tuple of "
                             "whole weeks >= 1")

    @property
    def uses_egfr(self) -> bool:
        """Whether any criterion of the definition has a kidney-function clause."""
        return self.complete.uses_egfr or (self.partial is not None and self.partial.uses_egfr)

    def entry(self) -> str:
        """The entry criterion in words, e.g. ``baseline UPCR > 1 g/g``."""
        return f"baseline UPCR {'≥' if self.entry_upcr_inclusive else '>'} {self.entry_upcr_min:g} g/g"

    def describe(self) -> str:
        """One line: CRR, PRR and the other rules of the definition."""
        crr = self.complete.describe()
        if self.prednisone_max_mg_per_day is not None:
            crr += f"; prednisone ≤ {self.prednisone_max_mg_per_day:g} mg/day"
            if self.prednisone_window_days:
                crr += f" over the {self.prednisone_window_days:g} days before"
        prr = "none" if self.partial is None else self.partial.describe()
        rescue = "; rescue/treatment failure = non-responder" if self.rescue_is_failure else ""
        return f"{self.label}: CRR {crr}; PRR {prr}; evaluable if {self.entry()}{rescue}"


_LUNAR_PARTIAL = RenalCriteria(upcr_max=1.0, upcr_fall_min=0.5, nephrotic_baseline_above=3.0,
                               nephrotic_upcr_max=3.0, egfr_min_fraction=0.85)
_CREATININE_NOTE = ("kidney function stated as serum creatinine <= 115 % of baseline, encoded "
                    "as eGFR >= 85 % of baseline; urinary sediment clause not encoded")

#: LUNAR (rituximab + MMF + glucocorticoids; primary end point overall response at week 52).
#: CRR: UPCR < 0.5, serum creatinine normal or ≤ 115 % of baseline, inactive sediment
#: (Rovin 2012; restated by Gomez Mendez LM et al., CJASN 2018;13:1502 — "UPCR < 0.5 mg/mg,
#: and normal serum creatinine or an increase in creatinine < 15 %" — and in Table 1 of
#: Hindawi BioMed Res Int 2017:5312960). Entry: UPCR > 1.0 (shared/data/standard_of_care_arms.csv).
LUNAR = RenalResponseDefinition(
    name="lunar",
    label="LUNAR (Rovin 2012)",
    complete=RenalCriteria(upcr_max=0.5, egfr_min_fraction=0.85),
    partial=_LUNAR_PARTIAL,
    entry_upcr_min=1.0,
    assessment_weeks=(52,),
    source="Rovin BH et al., Arthritis Rheum 2012;64:1215-1226, doi:10.1002/art.34359 "
           "(Methods: efficacy end points; abstract: cyclophosphamide rescue)",
    notes=f"{_CREATININE_NOTE}; PRR thresholds (>= 50 % UPCR fall to < 1.0, or to <= 3.0 "
          "if baseline > 3.0) as commonly restated, not checked against the full text",
)

#: NOBILITY (obinutuzumab + MMF + glucocorticoids). CRR per the registered primary outcome
#: (ClinicalTrials.gov NCT02550652): UPCR < 0.5, serum creatinine ≤ 15 % above baseline
#: (≤ ULN if above ULN at baseline), inactive sediment (< 10 RBC/hpf, no red-cell casts).
#: Entry UPCR > 1.0 (NCT02550652 inclusion). PRR as LUNAR's (same sponsor's definition).
NOBILITY = RenalResponseDefinition(
    name="nobility",
    label="NOBILITY (Furie 2022)",
    complete=RenalCriteria(upcr_max=0.5, egfr_min_fraction=0.85),
    partial=_LUNAR_PARTIAL,
    entry_upcr_min=1.0,
    assessment_weeks=(52, 76, 104),
    source="Furie RA et al., Ann Rheum Dis 2022;81:100-107, doi:10.1136/annrheumdis-2021-220920; "
           "ClinicalTrials.gov NCT02550652 (primary outcome measure; inclusion UPCR > 1.0)",
    notes=f"{_CREATININE_NOTE}; PRR thresholds taken as LUNAR's, not checked against the "
          "full text",
)

#: REGENCY (obinutuzumab, phase 3). Primary end point at week 76: UPCR < 0.5 (mg/mg), eGFR
#: ≥ 85 % of baseline, no intercurrent event (rescue therapy, treatment failure, death or early
#: withdrawal). Entry: UPCR ≥ 1 on a 24-h collection (NCT04221477). No PRR in the abstract.
REGENCY = RenalResponseDefinition(
    name="regency",
    label="REGENCY (Furie 2025)",
    complete=RenalCriteria(upcr_max=0.5, egfr_min_fraction=0.85),
    entry_upcr_min=1.0,
    entry_upcr_inclusive=True,
    assessment_weeks=(76,),
    source="Furie RA et al., N Engl J Med 2025, doi:10.1056/NEJMoa2410965 (abstract: primary "
           "end point); ClinicalTrials.gov NCT04221477 (inclusion UPCR >= 1)",
    notes="death and early withdrawal (intercurrent events) are outside a visit record; "
          "record them as rescue to count them as non-responders",
)

#: REGENCY key secondary end point: CRR with prednisone ≤ 7.5 mg/day between weeks 64 and 76
#: (a window of 12 weeks = 84 days before the week-76 assessment).
REGENCY_PREDNISONE = RenalResponseDefinition(
    name="regency_prednisone",
    label="REGENCY, CRR with prednisone ≤ 7.5 mg/day (Furie 2025)",
    complete=RenalCriteria(upcr_max=0.5, egfr_min_fraction=0.85),
    entry_upcr_min=1.0,
    entry_upcr_inclusive=True,
    prednisone_max_mg_per_day=7.5,
    prednisone_window_days=84.0,
    assessment_weeks=(76,),
    source="Furie RA et al., N Engl J Med 2025, doi:10.1056/NEJMoa2410965 (abstract: key "
           "secondary end point)",
    notes="the weeks 64-76 window is read as every recorded visit in the 84 days up to the "
          "assessment",
)

#: BLISS-LN (belimumab). Primary efficacy renal response (PERR): UPCR ≤ 0.7, eGFR no more
#: than 20 % below the pre-flare value or ≥ 60, no treatment failure; CRR: UPCR < 0.5, eGFR
#: no more than 10 % below pre-flare or ≥ 90, no treatment failure (as restated in the
#: BLISS-LN East Asian subgroup report, Am J Kidney Dis 2022, doi:10.1053/j.ajkd.2022.06.013,
#: and the open-label extension, Furie R et al., CJASN 2022;17:1620). The partial criteria
#: are PERR: PRR = PERR without CRR, overall response = PERR.
BLISS_LN = RenalResponseDefinition(
    name="bliss_ln",
    label="BLISS-LN (Furie 2020)",
    complete=RenalCriteria(upcr_max=0.5, egfr_min_fraction=0.9, egfr_at_least=90.0),
    partial=RenalCriteria(upcr_max=0.7, upcr_max_inclusive=True, egfr_min_fraction=0.8,
                          egfr_at_least=60.0),
    entry_upcr_min=1.0,
    entry_upcr_inclusive=True,
    assessment_weeks=(52, 104),
    source="Furie R et al., N Engl J Med 2020;383:1117-1128, doi:10.1056/NEJMoa2001180 "
           "(PERR and CRR); definitions as restated in Am J Kidney Dis 2022 (East Asian "
           "subgroup) and Clin J Am Soc Nephrol 2022;17:1620 (open-label extension)",
    notes="eGFR is compared with the baseline visit, not the pre-flare value; the urinary "
          "sediment clause of CRR is not encoded; entry UPCR >= 1.0 not checked against the "
          "full text",
)

#: AURORA 1 (voclosporin). CRR at week 52: UPCR ≤ 0.5 mg/mg, eGFR ≥ 60 or no confirmed
#: decrease from baseline > 20 %, no rescue medication, and no more than 10 mg prednisone per
#: day for ≥ 3 consecutive days or ≥ 7 days during weeks 44-52. Entry: UPCR ≥ 1.5 mg/mg
#: (class III/IV; ≥ 2 for class V) (NCT03021499 inclusion).
AURORA = RenalResponseDefinition(
    name="aurora",
    label="AURORA 1 (Rovin 2021)",
    complete=RenalCriteria(upcr_max=0.5, upcr_max_inclusive=True, egfr_min_fraction=0.8,
                           egfr_at_least=60.0),
    entry_upcr_min=1.5,
    entry_upcr_inclusive=True,
    prednisone_max_mg_per_day=10.0,
    prednisone_window_days=56.0,
    assessment_weeks=(52,),
    source="Rovin BH et al., Lancet 2021;397:2070-2080, doi:10.1016/S0140-6736(21)00578-X "
           "(abstract: primary end point); ClinicalTrials.gov NCT03021499 (inclusion)",
    notes="weeks 44-52 read as every recorded visit in the 56 days up to the assessment; "
          "short excursions above 10 mg allowed by the trial are not distinguished; the "
          "class V entry threshold (>= 2) is not used",
)

#: The named definitions, by name.
RENAL_DEFINITIONS: Mapping[str, RenalResponseDefinition] = MappingProxyType(
    {d.name: d for d in (LUNAR, NOBILITY, REGENCY, REGENCY_PREDNISONE, BLISS_LN, AURORA)}
)
#: The definition the visit-table path and the trial endpoints use unless told otherwise.
DEFAULT_RENAL_DEFINITION: str = "lunar"


def renal_definition(definition: str | RenalResponseDefinition) -> RenalResponseDefinition:
    """The definition named ``definition`` (or ``definition`` itself); InputError if unknown."""
    if isinstance(definition, RenalResponseDefinition):
        return definition
    if isinstance(definition, str) and definition in RENAL_DEFINITIONS:
        return RENAL_DEFINITIONS[definition]
    raise InputError(f"renal_definition: got {definition!r}, expected one of "
                     f"{', '.join(RENAL_DEFINITIONS)}")


@dataclass(frozen=True)
class RenalResponse:
    """CRR, PRR and overall response of each visit: nullable boolean arrays of length
    ``n_visits`` (missing = not evaluable, and on each patient's baseline visit)."""

    complete: pd.arrays.BooleanArray
    partial: pd.arrays.BooleanArray
    overall: pd.arrays.BooleanArray


def _at_least(value: np.ndarray, bound: np.ndarray | float) -> np.ndarray:
    return np.round(value - bound, _DECIMALS) >= 0


def _meets(c: RenalCriteria, upcr: np.ndarray, base_upcr: np.ndarray,
           egfr: np.ndarray | None, base_egfr: np.ndarray | None) -> np.ndarray:
    """Whether each visit meets the criteria ``c`` (False where inputs are NaN)."""
    ceiling = np.full(upcr.shape, c.upcr_max)
    inclusive = np.full(upcr.shape, c.upcr_max_inclusive)
    if c.nephrotic_baseline_above is not None and c.nephrotic_upcr_max is not None:
        nephrotic = base_upcr > c.nephrotic_baseline_above
        ceiling = np.where(nephrotic, c.nephrotic_upcr_max, ceiling)
        inclusive = inclusive | nephrotic
    ok = np.where(inclusive, upcr <= ceiling, upcr < ceiling)
    if c.upcr_fall_min is not None:
        ok &= _at_least((1.0 - c.upcr_fall_min) * base_upcr, upcr)
    if c.uses_egfr and egfr is not None and base_egfr is not None:
        kidney = np.zeros(upcr.shape, dtype=bool)
        if c.egfr_min_fraction is not None:
            kidney |= _at_least(egfr, c.egfr_min_fraction * base_egfr)
        if c.egfr_at_least is not None:
            kidney |= egfr >= c.egfr_at_least
        ok &= kidney
    return ok


def _grouped_order(patient_id: npt.ArrayLike | pd.Series, day: np.ndarray,
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Row order sorted by (patient, day) and the patient code of each row."""
    ids = (patient_id if isinstance(patient_id, pd.Series)
           else pd.Series(np.asarray(patient_id, dtype=object)))
    codes, _ = pd.factorize(ids, sort=False)
    return np.lexsort((day, codes)), codes


def _ever(flag: np.ndarray, order: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Per row: whether ``flag`` is set on this visit or an earlier one of the patient."""
    f = flag[order].astype(np.int64)
    c = codes[order]
    total = np.cumsum(f)
    starts = np.ones(f.size, dtype=bool)
    starts[1:] = c[1:] != c[:-1]
    before_group = np.maximum.accumulate(np.where(starts, total - f, 0)) if f.size else total
    out = np.empty(f.size, dtype=bool)
    out[order] = (total - before_group) > 0
    return out


def _window_max(values: np.ndarray, day: np.ndarray, window: float, order: np.ndarray,
                codes: np.ndarray) -> np.ndarray:
    """Per row: the largest value over the patient's visits with day in [day − window, day]
    (NaN if any of them is NaN)."""
    v, d, c = values[order], day[order], codes[order]
    n = v.size
    if n == 0:
        return values.copy()
    span = float(d.max() - d.min()) + window + 1.0
    key = c * span + (d - d.min())
    start = np.searchsorted(key, key - window, side="left")
    longest = int((np.arange(n) - start).max())
    best = v.copy()
    for k in range(1, longest + 1):
        j = np.arange(n) - k
        inside = j >= start
        best = np.where(inside, np.maximum(best, v[np.maximum(j, 0)]), best)
    out = np.empty(n)
    out[order] = best
    return out


def renal_response(
    upcr: npt.ArrayLike,
    egfr: npt.ArrayLike | None = None,
    *,
    patient_id: npt.ArrayLike | pd.Series,
    day: npt.ArrayLike,
    definition: str | RenalResponseDefinition = DEFAULT_RENAL_DEFINITION,
    prednisone_mg_per_day: npt.ArrayLike | None = None,
    rescue: npt.ArrayLike | None = None,
) -> RenalResponse:
    """Complete, partial and overall renal response of each visit against the baseline visit.

    Parameters
    ----------
    upcr
        Urine protein-to-creatinine ratio of each visit, g/g (= mg/mg), length ``n_visits``;
        NaN where not measured.
    egfr
        eGFR of each visit, mL/min/1.73 m² (NaN where not measured). ``None``: not measured
        at all and **taken as stable at baseline**, so the eGFR clauses are met (the model
        read-out; the SLE model has no eGFR).

    Other parameters
    ----------------
    patient_id, day
        Identify each patient's baseline (first) visit; rows may be in any order.
    definition
        A :class:`RenalResponseDefinition` or the name of one in :data:`RENAL_DEFINITIONS`.
    prednisone_mg_per_day
        Prednisone-equivalent dose of each visit; required when the definition has a
        prednisone ceiling (NaN = not recorded: not evaluable where the ceiling applies).
    rescue
        0/1 per visit: rescue therapy or treatment failure recorded at the visit (NaN or
        ``None``: none recorded).

    Returns
    -------
    :class:`RenalResponse`; see the module docstring for the rules.
    """
    d = renal_definition(definition)
    days = np.asarray(day, dtype=float)
    u = np.asarray(upcr, dtype=float)
    n = days.size
    if u.shape != (n,):
        raise InputError(f"upcr: got shape {u.shape}, expected ({n},) like day")
    first, previous = first_and_previous(patient_id, days)
    base_u = u[first]
    e = base_e = None
    missing = np.isnan(u) | np.isnan(base_u) | (previous < 0)
    if egfr is not None:
        e = np.asarray(egfr, dtype=float)
        if e.shape != (n,):
            raise InputError(f"egfr: got shape {e.shape}, expected ({n},) like day")
        base_e = e[first]
        if d.uses_egfr:
            missing |= np.isnan(e) | np.isnan(base_e)
    entry = base_u >= d.entry_upcr_min if d.entry_upcr_inclusive else base_u > d.entry_upcr_min
    not_evaluable = missing | ~entry
    order, codes = _grouped_order(patient_id, days)
    rescued = np.zeros(n, dtype=bool)
    if rescue is not None and d.rescue_is_failure:
        r = np.asarray(rescue, dtype=float)
        if r.shape != (n,):
            raise InputError(f"rescue: got shape {r.shape}, expected ({n},) like day")
        rescued = _ever(np.nan_to_num(r, nan=0.0) > 0, order, codes)
    complete = _meets(d.complete, u, base_u, e, base_e) & ~rescued
    complete_missing = not_evaluable.copy()
    if d.prednisone_max_mg_per_day is not None:
        if prednisone_mg_per_day is None:
            raise InputError(f"prednisone_mg_per_day: got None, expected doses: definition "
                             f"{d.name!r} has a prednisone ceiling")
        p = np.asarray(prednisone_mg_per_day, dtype=float)
        if p.shape != (n,):
            raise InputError(f"prednisone_mg_per_day: got shape {p.shape}, expected ({n},)")
        highest = _window_max(p, days, d.prednisone_window_days, order, codes)
        complete_missing |= np.isnan(highest)
        complete &= highest <= d.prednisone_max_mg_per_day
    if d.partial is None:
        nothing = pd.arrays.BooleanArray(np.zeros(n, dtype=bool), np.ones(n, dtype=bool))
        return RenalResponse(pd.arrays.BooleanArray(complete, complete_missing), nothing,
                             nothing.copy())
    partial_met = _meets(d.partial, u, base_u, e, base_e) & ~rescued
    partial = partial_met & ~complete
    # Where CRR is unknown only for want of prednisone doses, PRR (which has no ceiling) is
    # known only if the partial criteria fail; keep it simple: unknown CRR makes PRR unknown.
    overall = complete | partial_met
    overall_missing = not_evaluable | (complete_missing & ~partial_met)
    return RenalResponse(
        pd.arrays.BooleanArray(complete, complete_missing),
        pd.arrays.BooleanArray(partial, complete_missing),
        pd.arrays.BooleanArray(overall, overall_missing),
    )
