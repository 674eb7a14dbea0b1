"""Virtual patients: covariates, parameter variability, organ profile, flare triggers.

Each virtual patient draws everything from its own random stream — a child of the run's
seed (``numpy.random.SeedSequence(seed).spawn``) — so patient *i* is the same patient
whatever the cohort size, the chunking or the worker count. A candidate parameter set is
accepted only if its untreated steady state is a patient of the cohort (plausible-patient
selection): an inflamed attractor exists, anti-dsDNA is positive and nephritis is active.
The baseline SLEDAI-2K, anti-dsDNA, C3, proteinuria and B cells are then *read from that
state*, never sampled beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from immunoreset.errors import InputError
from immunoreset.model import CompiledModel, ParameterSet, default_model, equilibrium
from immunoreset.population._criteria import InclusionCriteria
from immunoreset.population._profile import (
    ERLANGEN_INVOLVEMENT,
    INVOLVEMENT_DESCRIPTORS,
    NAMED_PROFILES,
    InvolvementProfile,
)
from immunoreset.population._variability import Correlation, Variability

__all__ = ["Cohort", "CohortSpec", "erlangen_patients", "sample_cohort"]

#: Maximal number of candidate parameter sets drawn per patient.
MAX_CANDIDATES = 60

# Body size by sex: German adults (Destatis 2025 via epd news; secondary source):
# women 1.66 m / 69.2 kg, men 1.79 m / 85.8 kg. Spread ASSUMED (CV 4% height, 15% weight).
_HEIGHT_CM = {"F": 166.0, "M": 179.0}
_WEIGHT_KG = {"F": 69.2, "M": 85.8}
_HEIGHT_CV = 0.04
_WEIGHT_CV = 0.15


@dataclass(frozen=True)
class CohortSpec:
    """How to draw an Erlangen-like cohort.

    ``female_fraction``: 4 of 5 (Mackensen 2022). ``age_mean``/``age_sd`` in years:
    median 22, range 18-24 (Mackensen 2022; Boulougoura 2023).
    """

    female_fraction: float = 0.8
    age_mean: float = 22.0
    age_sd: float = 2.5
    age_min: float = 18.0
    age_max: float = 40.0
    involvement: InvolvementProfile = ERLANGEN_INVOLVEMENT
    inclusion: InclusionCriteria = field(default_factory=InclusionCriteria)
    correlations: tuple[Correlation, ...] = ()
    flare_start_day: float = -7.0
    flare_end_day: float = 730.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.female_fraction <= 1.0:
            raise InputError(f"female_fraction: got {self.female_fraction!r}, expected 0-1")
        if not self.flare_end_day > self.flare_start_day:
            raise InputError("flare_end_day must be after flare_start_day")


@dataclass(frozen=True)
class Cohort:
    """A set of virtual patients (arrays are ``(n_patients, ...)``).

    ``params``: RHS parameter vectors including derived slots; ``y0``: steady states;
    ``thresholds``: ``(n_patients, len(INVOLVEMENT_DESCRIPTORS))`` descriptor thresholds as
    fractions of baseline inflammation (``inf`` = never present); ``flares``: per patient a
    tuple of ``(day, amplitude)``.
    """

    patient_id: tuple[str, ...]
    sex: tuple[str, ...]
    age: np.ndarray
    height_cm: np.ndarray
    weight_kg: np.ndarray
    params: np.ndarray
    y0: np.ndarray
    thresholds: np.ndarray
    flares: tuple[tuple[tuple[float, float], ...], ...]
    plausible: np.ndarray
    candidates: np.ndarray
    #: The model the patients are states and parameters of (layout, RHS, Jacobian).
    model: CompiledModel = field(default_factory=default_model)

    def __len__(self) -> int:
        return len(self.patient_id)

    def subset(self, rows: Sequence[int]) -> Cohort:
        """The patients at ``rows`` (in that order), as a cohort of their own."""
        idx = list(rows)
        return Cohort(tuple(self.patient_id[i] for i in idx), tuple(self.sex[i] for i in idx),
                      self.age[idx], self.height_cm[idx], self.weight_kg[idx], self.params[idx],
                      self.y0[idx], self.thresholds[idx], tuple(self.flares[i] for i in idx),
                      self.plausible[idx], self.candidates[idx], self.model)

    def covariates(self) -> dict[str, np.ndarray]:
        """Covariates and baseline read-outs, one entry per column."""
        y = self.y0
        s = self.model.state_index
        return {
            "sex": np.array(self.sex), "age": self.age, "height_cm": self.height_cm,
            "weight_kg": self.weight_kg,
            "baseline_anti_dsdna": y[:, s["anti_dsdna"]],
            "baseline_c3": y[:, s["c3"]],
            "baseline_proteinuria": y[:, s["proteinuria"]],
            "baseline_b_cells_blood": y[:, s["naive_b_blood"]] + y[:, s["autoreactive_b_blood"]],
            "n_flare_triggers": np.array([len(f) for f in self.flares]),
            "plausible": self.plausible, "candidates_drawn": self.candidates,
        }


@dataclass(frozen=True)
class _FlareLaw:
    """Flare triggers of one patient: a Poisson number (``rate`` per day) on uniform days
    within ``[start, end)`` (days), amplitudes ``amplitude · exp(sigma · z)``, z standard normal."""

    rate: float
    start: float
    end: float
    amplitude: float
    sigma: float

    @classmethod
    def of(cls, parameters: ParameterSet, spec: CohortSpec) -> _FlareLaw:
        """The law given by the flare parameters and the cohort's flare window."""
        cv = parameters.value("flare_amplitude_cv")
        return cls(parameters.value("flare_rate"), spec.flare_start_day, spec.flare_end_day,
                   parameters.value("flare_amplitude"), float(np.sqrt(np.log1p(cv * cv))))

    def draw(self, rng: np.random.Generator) -> tuple[tuple[float, float], ...]:
        """One patient's ``(day, amplitude)`` triggers, sorted by day."""
        n = rng.poisson(self.rate * (self.end - self.start))
        days = np.sort(rng.uniform(self.start, self.end, n))
        amps = self.amplitude * np.exp(self.sigma * rng.standard_normal(n))
        return tuple(zip(days.tolist(), amps.tolist(), strict=True))


@dataclass(frozen=True)
class _ThresholdLaw:
    """Descriptor thresholds (fractions of baseline inflammation): a descriptor involved at
    baseline is uniform in ``[low, high)``, else a flare-prone one in ``[flare_low,
    flare_high)``, else ``inf``; ``baseline`` and ``flare_prone`` are the probabilities per
    descriptor ``(len(INVOLVEMENT_DESCRIPTORS),)``."""

    low: float
    high: float
    flare_low: float
    flare_high: float
    baseline: np.ndarray
    flare_prone: np.ndarray

    @classmethod
    def of(cls, parameters: ParameterSet, involvement: InvolvementProfile) -> _ThresholdLaw:
        """The law given by the threshold parameters and the organ-involvement profile."""
        base, flare = dict(involvement.baseline), dict(involvement.flare_prone)
        return cls(parameters.value("organ_threshold_low"), parameters.value("organ_threshold_high"),
                   parameters.value("flare_domain_threshold_low"),
                   parameters.value("flare_domain_threshold_high"),
                   np.array([base.get(name, 0.0) for name in INVOLVEMENT_DESCRIPTORS]),
                   np.array([flare.get(name, 0.0) for name in INVOLVEMENT_DESCRIPTORS]))

    def draw(self, rngs: Sequence[np.random.Generator],
             fixed: Sequence[Sequence[str]] | None) -> np.ndarray:
        """Thresholds ``(len(rngs), len(INVOLVEMENT_DESCRIPTORS))``, one patient per generator.

        Each generator draws ``(3, n_descriptors)`` uniforms: row 0 decides involvement at
        baseline (unless ``fixed`` names each patient's involved descriptors), row 1 places
        the threshold, row 2 decides flare-proneness.
        """
        u = np.array([r.uniform(size=(3, len(INVOLVEMENT_DESCRIPTORS))) for r in rngs])
        if fixed is None:
            involved = u[:, 0] < self.baseline
        else:
            involved = np.array([[name in f for name in INVOLVEMENT_DESCRIPTORS] for f in fixed])
        flare_prone = u[:, 2] < self.flare_prone
        return np.where(involved, self.low + (self.high - self.low) * u[:, 1],
                        np.where(flare_prone, self.flare_low + (self.flare_high - self.flare_low) * u[:, 1],
                                 np.inf))


def _select(rngs: Sequence[np.random.Generator], parameters: ParameterSet, spec: CohortSpec,
            *, variability: bool, model: CompiledModel,
            fixed: Sequence[Sequence[str]] | None = None,
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Draw candidates (parameters and organ profile) per patient, in rounds, until each
    meets the inclusion criteria; returns params, y0, thresholds, accepted, candidates."""
    n = len(rngs)
    model.check_parameters(list(parameters))
    var = Variability.from_parameters(parameters, spec.correlations,
                                      n_derived=len(model.derived_names),
                                      n_base=model.spec.base_parameters)
    law = _ThresholdLaw.of(parameters, spec.involvement)
    params = np.tile(var.typical, (n, 1))
    y0 = np.full((n, model.n_states), np.nan)
    thresholds = np.full((n, len(INVOLVEMENT_DESCRIPTORS)), np.inf)
    done = np.zeros(n, dtype=bool)
    tries = np.zeros(n, dtype=np.int64)
    for _ in range(MAX_CANDIDATES if variability else 1):
        todo = np.flatnonzero(~done)
        if todo.size == 0:
            break
        cand = np.array([var.draw(rngs[int(i)]) if variability else var.typical for i in todo])
        th = law.draw([rngs[int(i)] for i in todo], None if fixed is None else [fixed[int(i)] for i in todo])
        y, full, found = equilibrium(model, cand)
        ok = spec.inclusion.state_ok(y, full, found, model=model)
        if spec.inclusion.min_sledai_2k is not None and ok.any():
            from immunoreset.diseases import baseline_sledai_2k

            sledai = np.full(todo.size, -1.0)
            sledai[ok] = baseline_sledai_2k(y[ok], full[ok], th[ok], model=model)
            ok &= sledai >= spec.inclusion.min_sledai_2k
        params[todo] = full
        y0[todo] = y
        thresholds[todo] = th
        tries[todo] += 1
        done[todo[ok]] = True
    return params, y0, thresholds, done, tries


def _child_rngs(seed: int | Sequence[int], first: int, n: int) -> list[np.random.Generator]:
    """Generators of children ``first`` … ``first + n - 1`` of ``SeedSequence(seed)``,
    built directly (identical to ``spawn``, without spawning the earlier children)."""
    root = np.random.SeedSequence(seed)
    return [np.random.default_rng(np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, k)))
            for k in range(first, first + n)]


def sample_cohort(n: int, parameters: ParameterSet, *, seed: int, spec: CohortSpec = CohortSpec(),
                  first_index: int = 0, id_prefix: str = "vp",
                  model: CompiledModel | None = None) -> Cohort:
    """Draw ``n`` Erlangen-like virtual patients (indices ``first_index`` … ``+ n - 1``).

    Patient *i* uses child *i* of ``SeedSequence(seed)``, so any slice of a cohort equals
    the same slice drawn on its own. ``model`` (the SLE / CD19 CAR-T model by default) gives
    the pre-treatment steady state; ``parameters`` must be its parameter set.
    """
    model = default_model() if model is None else model
    if not (isinstance(n, int) and n >= 0):
        raise InputError(f"n: got {n!r}, expected an integer >= 0")
    rngs = _child_rngs(seed, first_index, n)
    sex = tuple("F" if r.uniform() < spec.female_fraction else "M" for r in rngs)
    age = np.clip(np.array([r.normal(spec.age_mean, spec.age_sd) for r in rngs], dtype=np.float64),
                  spec.age_min, spec.age_max)
    height = np.array([_HEIGHT_CM[s] * np.exp(_HEIGHT_CV * r.standard_normal())
                       for s, r in zip(sex, rngs, strict=True)])
    weight = np.array([_WEIGHT_KG[s] * np.exp(_WEIGHT_CV * r.standard_normal())
                       for s, r in zip(sex, rngs, strict=True)])
    params, y0, thresholds, ok, tries = _select(rngs, parameters, spec, variability=True,
                                                model=model)
    flare = _FlareLaw.of(parameters, spec)
    flares = tuple(flare.draw(r) for r in rngs)
    ids = tuple(f"{id_prefix}{first_index + i:07d}" for i in range(n))
    return Cohort(ids, sex, age, height, weight, params, y0,
                  thresholds, flares, ok, tries, model)


# Per-patient sex and age of the five Erlangen patients (Schett ACR 2022 abstract 1651).
_ERLANGEN = (("P1", "F", 20.0), ("P2", "M", 22.0), ("P3", "F", 22.0), ("P4", "F", 24.0),
             ("P5", "F", 18.0))


def erlangen_patients(parameters: ParameterSet, *, seed: int, spec: CohortSpec = CohortSpec(),
                      model: CompiledModel | None = None) -> Cohort:
    """The five Erlangen patients as individual virtual patients ``erlangen_P1`` … ``P5``.

    Typical parameter values (no variability; five patients cannot support
    individual fits of the dynamics), their own sex and age, and an organ profile that
    reproduces their published baseline SLEDAI-2K. Flare triggers come from their own
    random streams (children of ``SeedSequence([seed, 2022])``).
    """
    model = default_model() if model is None else model
    rngs = _child_rngs([seed, 2022], 0, len(_ERLANGEN))
    params, y0, thresholds, ok, tries = _select(
        rngs, parameters, spec, variability=False, model=model,
        fixed=[NAMED_PROFILES[pid] for pid, _, _ in _ERLANGEN])
    flare = _FlareLaw.of(parameters, spec)
    flares = tuple(flare.draw(r) for r in rngs)
    sex = tuple(s for _, s, _ in _ERLANGEN)
    return Cohort(tuple(f"erlangen_{pid}" for pid, _, _ in _ERLANGEN), sex,
                  np.array([a for _, _, a in _ERLANGEN]),
                  np.array([_HEIGHT_CM[s] for s in sex]), np.array([_WEIGHT_KG[s] for s in sex]),
                  params, y0, thresholds, flares, ok, tries, model)
