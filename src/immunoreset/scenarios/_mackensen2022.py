"""Scenario ``mackensen2022``: the Erlangen CD19 CAR-T study in SLE, reproduced in silico.

Two paired arms over the same virtual patients with the same flare triggers: ``car_t``
(fludarabine/cyclophosphamide, then 1×10⁶ CAR-T cells/kg on day 0, all lupus drugs
stopped) and ``untreated`` (no lymphodepletion, no CAR-T, refractory background therapy).
Patients: the five Erlangen patients ``erlangen_P1`` … ``P5`` plus ``n`` Erlangen-like
virtual patients per arm. ``calibration.csv`` compares the virtual cohort with every
criterion of the calibration targets.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from immunoreset.errors import InputError
from immunoreset.model import load_parameters
from immunoreset.report import Marker
from immunoreset.simulation import RunOptions, StudySpec, run_study
from immunoreset.therapy import Regimen

__all__ = ["MARKERS", "mackensen2022_spec", "reproduce"]

MARKERS = {
    "anti_dsdna": (Marker("hline", 30.0, "Anti-dsDNA positivity (30 IU/mL)", source="KYSA-1 NCT05938725"),),
    "c3": (Marker("hline", 0.9, "C3 lower limit of normal (0.9 g/L)",
                  source="calibration_targets.csv: complement (C3 >= 0.9 g/L; Mackensen 2022)"),),
    "b_cells_blood": (Marker("hline", 10.0, "B-cell return threshold (10 cells/µL)",
                             source="Mackensen et al. Nat Med 2022;28:2124 (flow-cytometry threshold)"),
                      Marker("point", (110.0, 10.0), "B-cell return, mean ± SD (Mackensen 2022)", xerr=32.0,
                             source="Mackensen et al. Nat Med 2022;28:2124")),
    "car_t_blood": (Marker("vspan", (7.0, 10.0), "Observed CAR-T peak, days 7-10 (Erlangen, digitized)",
                           source="Park, Mugundu & Singh 2025 Clin Transl Sci 18:e70146"),),
    "proteinuria_g_per_day": (Marker("hline", 0.5, "SLEDAI-2K proteinuria (> 0.5 g/day)",
                                     source="Gladman et al. J Rheumatol 2002;29:288 (SLEDAI-2K)"),),
}


def mackensen2022_spec(*, n: int = 200, seed: int = 1) -> StudySpec:
    """The study the reproduction runs: arms ``car_t`` (Erlangen Flu/Cy + 1e6 CAR-T/kg)
    and ``untreated`` (refractory background), and the core constraints' arms (the same
    dose without lymphodepletion, 1e4/kg after Flu/Cy, Flu/Cy alone) over the five Erlangen
    patients and ``n`` Erlangen-like virtual patients."""
    from immunoreset.calibration import CONSTRAINT_ARMS

    arms = {"car_t": Regimen.erlangen_car_t(), "untreated": Regimen.refractory_background(),
            **CONSTRAINT_ARMS}
    return StudySpec(title="Mackensen 2022 reproduction: CD19 CAR-T in SLE",
                     parameters=load_parameters(), arms=arms, n=n, seed=seed,
                     include_erlangen=True, evaluate_targets=True, markers=MARKERS)


def reproduce(out: str | Path, *, n: int = 200, seed: int = 1, progress: bool = True,
              command: str = "reproduce mackensen2022", resume: bool = False,
              overwrite: bool = False) -> Path:
    """Run the Erlangen reproduction into ``out``; returns the output folder.

    ``n`` virtual patients per arm (plus the five named patients), one explicit ``seed``.
    Bad input raises :class:`~immunoreset.errors.InputError` before anything is created.
    """
    from immunoreset.spec import MAX_PATIENTS, MAX_SEED

    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_PATIENTS:
        raise InputError(f"--n: got {n!r}, expected an integer 1-{MAX_PATIENTS:,}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise InputError(f"--seed: got {seed!r}, expected an integer 0-{MAX_SEED:,}")
    spec = mackensen2022_spec(n=n, seed=seed)
    arms = spec.arms
    config = {"scenario": "mackensen2022", "n_per_arm": n, "seed": seed,
              "arms": {a: asdict(r) for a, r in arms.items()}, "include_erlangen": True}
    return run_study(out, spec, command=command, config=config,
                     options=RunOptions(save="full", progress=progress, resume=resume,
                                        overwrite=overwrite))
