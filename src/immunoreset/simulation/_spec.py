"""What a study simulates: parameters, cohort recipe, named arms, days, solver, outputs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from immunoreset.engine import SolverSettings
from immunoreset.errors import InputError
from immunoreset.model import SLE_CD19_CART, ModelSpec, ParameterSet
from immunoreset.population import CohortSpec, GivenPatients
from immunoreset.report import Marker
from immunoreset.simulation._arm import DEFAULT_DAYS, DEFAULT_SOLVER
from immunoreset.therapy import Regimen

__all__ = ["DEFAULT_VISIT_DAYS", "SAVE_MODES", "TRAJECTORY_VARIABLES", "StudySpec"]

#: Variables written to trajectories.parquet.
TRAJECTORY_VARIABLES: tuple[str, ...] = (
    "car_t_blood", "car_t_kills_per_cell", "t_cells_blood", "b_cells_blood", "b_cells_tissue",
    "b_cells_marrow",
    "autoreactive_b_tissue", "naive_b_fraction",
    "anti_dsdna", "vaccine_igg", "total_igg", "c3", "c4", "proteinuria_g_per_day", "il6",
    "pga", "sledai_2k", "clinical_sledai", "doris", "drug_free_doris", "crs_grade",
)
#: What a run writes: per-patient summaries only, values at the visit days, or daily values.
SAVE_MODES: tuple[str, ...] = ("summary", "visits", "full")
#: Default visit days (screening, infusion, weeks 1-2-4-8, months 3-6-9-12-17-24).
DEFAULT_VISIT_DAYS: tuple[int, ...] = (-7, 0, 7, 14, 28, 56, 90, 180, 270, 365, 517, 730)


@dataclass(frozen=True)
class StudySpec:
    """What to simulate (validated at construction).

    ``n`` virtual patients per arm (plus the five named Erlangen patients when
    ``include_erlangen``), every arm over the same (paired) patients; daily solution over
    ``days``; ``visit_days`` are written with ``save="visits"``. ``labels``: display
    label per arm (reports; default the arm name). ``model``: the composed model (the SLE
    model, with any modules of the config's ``[model]`` table).
    """

    title: str
    parameters: ParameterSet
    arms: Mapping[str, Regimen]
    n: int
    seed: int
    include_erlangen: bool = False
    cohort: CohortSpec = field(default_factory=CohortSpec)
    days: np.ndarray = field(default_factory=lambda: DEFAULT_DAYS.copy())
    visit_days: tuple[int, ...] = DEFAULT_VISIT_DAYS
    solver: SolverSettings = DEFAULT_SOLVER
    evaluate_targets: bool = False
    markers: Mapping[str, Sequence[Marker]] | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    #: The composed model (its modules and parameter specs); ``parameters`` must match it.
    model: ModelSpec = SLE_CD19_CART
    #: Given patients (fitted digital twins) simulated instead of sampled virtual patients.
    patients: GivenPatients | None = None

    def __post_init__(self) -> None:
        self.model.check_parameters(tuple(self.parameters))
        if isinstance(self.n, bool) or not isinstance(self.n, int) or self.n < 0:
            raise InputError(f"n: got {self.n!r}, expected an integer >= 0")
        if self.n == 0 and not self.include_erlangen:
            raise InputError("n: got 0 and no named patients; nothing to simulate")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise InputError(f"seed: got {self.seed!r}, expected an integer >= 0")
        if self.patients is not None and (self.n != len(self.patients) or self.include_erlangen):
            raise InputError(f"patients: {len(self.patients)} given patients, expected n = "
                             f"{len(self.patients)} and no named patients (got n = {self.n})")
        if not self.arms:
            raise InputError("arms: expected at least one arm")
        unknown = sorted(set(self.labels) - set(self.arms))
        if unknown:
            raise InputError(f"labels: got a label for {unknown[0]!r}, expected arm names")
        outside = [d for d in self.visit_days if d < self.days[0] or d > self.days[-1]]
        if outside:
            raise InputError(f"visit_days: day {outside[0]} is outside the simulated days "
                             f"{self.days[0]:g}..{self.days[-1]:g}")
