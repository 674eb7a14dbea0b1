"""Inclusion criteria of a virtual trial, applied to each candidate's pre-treatment state."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from immunoreset.errors import InputError
from immunoreset.model import CompiledModel, default_model

__all__ = ["InclusionCriteria"]


@dataclass(frozen=True)
class InclusionCriteria:
    """Who enters the cohort, judged on the model's untreated steady state.

    Defaults describe the Erlangen population: anti-dsDNA positive (≥ 30 IU/mL, ELISA cut-off
    of KYSA-1 NCT05938725) and active nephritis (proteinuria > 0.5 g/day, the SLEDAI-2K
    renal descriptor; all five Erlangen patients had biopsy-proven active nephritis).
    ``min_sledai_2k`` (e.g. 8) is checked on the scored baseline visit when set.
    ``max_proteinuria_g_per_day`` is a plausibility bound on the proteinuria a patient can
    reach at maximal inflammation (ASSUMED 20 g/day, heavy nephrotic range; lupus nephritis
    cohorts report mean baselines of 5.5-6.4 g/day, Korbet & Lewis 2012 NDT 27:2813).
    """

    min_anti_dsdna_iu_per_ml: float = 30.0
    min_proteinuria_g_per_day: float = 0.5
    max_proteinuria_g_per_day: float = 20.0
    min_sledai_2k: float | None = None

    def __post_init__(self) -> None:
        for name in ("min_anti_dsdna_iu_per_ml", "min_proteinuria_g_per_day", "max_proteinuria_g_per_day"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v < 0:
                raise InputError(f"population.inclusion.{name}: got {v!r}, expected a number >= 0")
        if self.max_proteinuria_g_per_day <= self.min_proteinuria_g_per_day:
            raise InputError("population.inclusion.max_proteinuria_g_per_day must exceed "
                             "min_proteinuria_g_per_day")
        if self.min_sledai_2k is not None and not (0 <= self.min_sledai_2k <= 105):
            raise InputError(f"population.inclusion.min_sledai_2k: got {self.min_sledai_2k!r}, "
                             "expected 0-105")

    def state_ok(self, y0: np.ndarray, params: np.ndarray, found: np.ndarray, *,
                 model: CompiledModel | None = None) -> np.ndarray:
        """Boolean ``(n,)``: the steady-state criteria (without SLEDAI-2K); states and
        parameters read by name from ``model`` (the default model if None)."""
        model = default_model() if model is None else model
        s, p = model.state_index, model.parameter_index
        ads = y0[:, s["anti_dsdna"]]
        prot = y0[:, s["proteinuria"]]
        prot_max = params[:, p["proteinuria_normal"]] + params[:, p["proteinuria_inflammation_gain"]]
        with np.errstate(invalid="ignore"):
            return (found & (ads >= self.min_anti_dsdna_iu_per_ml)
                    & (prot > self.min_proteinuria_g_per_day)
                    & (prot_max <= self.max_proteinuria_g_per_day))
