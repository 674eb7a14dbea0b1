"""BCMA⁺ targets, and the core CAR-T law applied to a therapy product's own cells.

BCMA is on plasmablasts and plasma cells and not on B cells or their precursors
(Carpenter RO et al. Clin Cancer Res 2013;19:2048: protein only on plasma cells; Girgis S
et al. Target Oncol 2022: preferentially on plasmablasts and differentiated plasma cells).
In the model the BCMA⁺ pools are

* lymphoid tissue: ``plasmablasts_autoreactive``, ``plasmablasts_other``,
  ``anti_ro_plasmablasts`` (module ``anti_ro``);
* marrow: ``llpc_autoreactive``, ``anti_ro_llpc`` and the protective long-lived plasma
  cells. The core keeps those as a fraction of baseline (``llpc_protective``); their number
  is ``N · llpc_protective`` with ``N = llpc_protective_count`` (blood-equivalent cells/µL,
  from marrow cellularity and the plasma-cell share of it). A CAR product's hazard per
  target ``h`` then removes ``h · N · p`` cells per day, which is ``h · p`` in the fraction:
  the protective pool takes the same per-cell hazard as every other marrow target and
  counts ``N · p`` cells in the target mass. The core's vaccine IgG follows that pool
  (``antibodies.py``), so a kill there shows in ``vaccine_igg`` with the IgG half-life.

:func:`car_t_product` builds the module of a CAR-T product that is not the core's CD19
CAR-T: its own infused, effector, memory and programme states, with the core's law
(``model/modules/car_t.py``, ``docs/core.md``) and the core's parameters unless a product
names its own: lag, programme, antigen- and homeostatic-cytokine-driven expansion,
Kimmel's homeostatic competition, effector death and memory conversion, memory
reactivation by engagement, and killing limited per CAR-T cell and saturating in targets
in every compartment it reaches. Its cells share the core's homeostatic lymphocyte space
(the core ``lymphocytes`` are T cells and CD19 CAR-T): the module adds the terms that make
T-cell reconstitution, the IL-7/IL-15 sink and the CD19 CAR-T's homeostatic growth see the
product's cells as well, each exactly 0 while the product is absent. (Two products built
here in one model each see the core cells and their own, not each other.)
Lymphodepletion kills its cells as it kills the core's CAR-T; engaged effectors release
IL-6 as the core's do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sympy as sp
from sympy import log

from immunoreset.errors import InputError
from immunoreset.model.declare import (
    Expression,
    Flow,
    Module,
    State,
    Term,
    e,
    k,
    smax,
    smin,
    where,
    x,
)

#: BCMA⁺ target pools per compartment: (state killed, cells it counts in the target mass).
BCMA_TARGETS: dict[str, tuple[tuple[str, sp.Expr], ...]] = {
    "tissue": (("plasmablasts_autoreactive", x.plasmablasts_autoreactive),
               ("plasmablasts_other", x.plasmablasts_other),
               ("anti_ro_plasmablasts", x.anti_ro_plasmablasts)),
    "marrow": (("llpc_autoreactive", x.llpc_autoreactive),
               ("llpc_protective", e.llpc_protective_cells),
               ("anti_ro_llpc", x.anti_ro_llpc)),
}

#: The core parameters of the CAR-T law, by role; a product may name its own for a role.
CORE_RATES: dict[str, str] = {
    "activation": "car_t_activation_rate",
    "programme": "car_t_programme_rate",
    "antigen_expansion": "car_t_antigen_expansion_rate",
    "cytokine_proliferation": "car_t_cytokine_proliferation_rate",
    "homeostatic": "car_t_homeostatic_rate",
    "capacity": "car_t_capacity_fraction",
    "effector_death": "car_t_effector_death_rate",
    "memory_conversion": "car_t_memory_conversion_rate",
    "memory_reactivation": "car_t_memory_reactivation_rate",
    "memory_death": "car_t_memory_death_rate",
    "kill": "car_t_kill_rate",
    "kill_half_saturation": "car_t_kill_half_saturation",
    "il6": "il6_production_per_car_t",
}

#: Parameters of the compartments and of the shared lymphocyte space (always the core's).
_SHARED = ("car_t_distribution_volume", "blood_volume", "car_t_lymphoid_share",
           "car_t_marrow_share", "car_t_tissue_access", "car_t_homeostatic_rate",
           "car_t_capacity_fraction", "t_cells_baseline", "t_cell_reconstitution_rate",
           "homeostatic_cytokine_turnover_rate", "homeostatic_cytokine_other_sink")


def shares(product: str) -> dict[str, sp.Expr]:
    """Share of a product's cells in each compartment (``docs/core.md``): the core's blood
    and lymphoid-tissue shares, and the core's marrow share times the product's own access
    to the marrow plasma-cell niches (parameter ``<product>_marrow_access``)."""
    return {"blood": k.blood_volume / k.car_t_distribution_volume,
            "tissue": k.car_t_lymphoid_share * k.car_t_tissue_access,
            "marrow": k.car_t_marrow_share * getattr(k, f"{product}_marrow_access")}


MODULE = Module(
    "bcma_targets",
    "BCMA⁺ plasma-cell targets: the protective long-lived plasma cells as cells",
    parameters=("llpc_protective_count",),
    expressions=(
        Expression("llpc_protective_cells", k.llpc_protective_count * x.llpc_protective,
                   "protective long-lived plasma cells (blood-equivalent cells/µL)",
                   observe=True),
    ),
)


def _sum(items: Sequence[sp.Expr]) -> sp.Expr:
    return sp.Add(*items) if items else sp.Integer(0)


def car_t_product(name: str, meaning: str, *, antigen: str,
                  targets: Mapping[str, Sequence[tuple[str, sp.Expr]]],
                  rates: Mapping[str, str] | None = None,
                  parameters: Sequence[str] = ()) -> Module:
    """The module of CAR-T product ``name`` (also the prefix of its states): the core
    law with ``targets`` (per compartment of :func:`shares`, the pools it kills and the
    cells each counts) and the core's rate parameters except those ``rates`` maps to the
    product's own (role → parameter, roles of :data:`CORE_RATES`). Its own parameter
    ``<name>_marrow_access`` scales its marrow share. ``parameters``: other parameters the
    targets name."""
    rate = {**CORE_RATES, **(rates or {})}
    unknown = sorted(set(rates or {}) - set(CORE_RATES))
    if unknown:
        raise InputError(f"car_t_product {name}: rates: got role {unknown[0]!r}, expected one "
                         f"of {', '.join(CORE_RATES)}")
    r = {role: getattr(k, p) for role, p in rate.items()}
    s = {n: getattr(x, f"{name}_{n}") for n in ("infused", "effector", "memory", "stimulation")}
    ex = {n: getattr(e, f"{name}_{n}") for n in (
        "total", "body_equivalent", "engagement", "space_fill", "homeostatic_growth",
        "expansion_rate")}
    cells = s["infused"] + s["effector"] + s["memory"]
    target_mass = {c: _sum([count for _, count in pools]) for c, pools in targets.items()}
    share = shares(name)
    occupancy = {c: share[c] * ex["body_equivalent"] for c in targets}

    def hazard(c: str) -> sp.Symbol:
        return getattr(e, f"{name}_kill_hazard_{c}")

    extinct = (s["effector"] * k.car_t_distribution_volume * e.microlitres_per_litre
               < e.one_cell)
    core_extinct = (x.car_t_effector * k.car_t_distribution_volume * e.microlitres_per_litre
                    < e.one_cell)
    floor = e.lymphocyte_space_floor * k.t_cells_baseline
    cd19_growth = k.car_t_homeostatic_rate * log(
        k.car_t_capacity_fraction / smax(ex["space_fill"], e.space_fill_floor))
    return Module(
        name,
        meaning,
        states=(
            State(f"{name}_infused", "cell/uL",
                  f"infused {antigen} CAR-T cells not yet activated (the lag), blood "
                  "concentration", "blood"),
            State(f"{name}_effector", "cell/uL",
                  f"effector {antigen} CAR-T cells, blood concentration", "blood"),
            State(f"{name}_memory", "cell/uL",
                  f"memory-like {antigen} CAR-T cells, blood concentration", "blood"),
            State(f"{name}_stimulation", "dimensionless",
                  f"proliferative programme of effector {antigen} CAR-T: engagement averaged "
                  "over its duration (0-1)", "blood", start=ex["engagement"]),
        ),
        parameters=tuple(dict.fromkeys((*rate.values(), *_SHARED, f"{name}_marrow_access",
                                        *parameters))),
        expressions=(
            Expression(f"{name}_total", s["effector"] + s["memory"],
                       f"activated {antigen} CAR-T cells/µL of blood"),
            Expression(f"{name}_blood", cells,
                       f"{antigen} CAR-T cells/µL of blood (infused, effector and memory)",
                       observe=True),
            Expression(f"{name}_body_equivalent",
                       ex["total"] * k.car_t_distribution_volume / k.blood_volume,
                       f"the body's activated {antigen} CAR-T in blood-equivalent cells/µL"),
            *(Expression(f"{name}_kill_hazard_{c}",
                         r["kill"] * occupancy[c]
                         / (r["kill_half_saturation"] + target_mass[c] + occupancy[c]),
                         f"{antigen} CAR-T killing hazard per target in {c} (1/day)")
              for c in targets),
            Expression(f"{name}_engagement",
                       _sum([share[c] * target_mass[c]
                             / (r["kill_half_saturation"] + target_mass[c] + occupancy[c])
                             for c in targets]),
                       f"fraction of {antigen} CAR-T cells engaged with a target (0-1)",
                       observe=True),
            Expression(f"{name}_kills_per_cell", r["kill"] * ex["engagement"],
                       f"targets killed per {antigen} CAR-T cell per day (whole body)",
                       observe=True),
            Expression(f"{name}_expansion_rate",
                       (r["antigen_expansion"] * s["stimulation"] + r["cytokine_proliferation"])
                       * e.car_t_cytokine_support,
                       f"antigen- and cytokine-driven {antigen} CAR-T proliferation rate (1/day)",
                       observe=True),
            Expression(f"{name}_space_fill", e.lymphocyte_space_fill + cells / k.t_cells_baseline,
                       "fill of the homeostatic space with this product's cells counted"),
            Expression(f"{name}_homeostatic_growth",
                       r["homeostatic"] * log(r["capacity"]
                                              / smax(ex["space_fill"], e.space_fill_floor)),
                       f"homeostatic {antigen} CAR-T growth (< 0 above the CAR-T capacity)"),
        ),
        flows=(
            Flow(f"{name}_infused", f"{name}_effector", r["activation"] * s["infused"],
                 "activation of infused cells (end of the lag)"),
            Flow(f"{name}_effector", f"{name}_memory", r["memory_conversion"] * s["effector"],
                 "effector to memory conversion"),
            Flow(f"{name}_memory", f"{name}_effector",
                 r["memory_reactivation"] * ex["engagement"] * s["memory"],
                 "antigen-driven memory reactivation"),
        ),
        terms=(
            Term(f"{name}_effector",
                 where(extinct, smin(ex["homeostatic_growth"], 0) * s["effector"],
                       (ex["expansion_rate"] + ex["homeostatic_growth"]) * s["effector"]),
                 "expansion (antigen, cytokine and homeostatic; none below one cell)"),
            Term(f"{name}_effector", -r["effector_death"] * s["effector"], "effector death"),
            Term(f"{name}_memory", -r["memory_death"] * s["memory"], "memory loss"),
            Term(f"{name}_stimulation",
                 r["programme"] * (ex["engagement"] - s["stimulation"]),
                 "the programme follows engagement with a delay 1 / rate"),
            *(Term(pool, -hazard(c) * getattr(x, pool), f"{antigen} CAR-T kill")
              for c, pools in targets.items() for pool, _ in pools),
            *(Term(st, -e.lymphodepletion_hazard * s[n], "lymphodepletion kill")
              for n, st in (("infused", f"{name}_infused"), ("effector", f"{name}_effector"),
                            ("memory", f"{name}_memory"))),
            Term("il6", r["il6"] * s["effector"] * ex["engagement"],
                 f"release by antigen-engaged effector {antigen} CAR-T"),
            # The shared homeostatic space: each term is the core formula with this
            # product's cells added to the lymphocytes, minus the core formula.
            Term("t_cells", k.t_cell_reconstitution_rate * x.t_cells
                 * log(smax(e.lymphocytes, floor) / smax(e.lymphocytes + cells, floor)),
                 f"Gompertz reconstitution: {antigen} CAR-T share the space"),
            Term("homeostatic_cytokine",
                 -k.homeostatic_cytokine_turnover_rate * x.homeostatic_cytokine
                 * (1 - k.homeostatic_cytokine_other_sink) * cells / k.t_cells_baseline,
                 f"consumption by {antigen} CAR-T"),
            Term("car_t_effector",
                 where(core_extinct, smin(cd19_growth, 0) - smin(e.car_t_homeostatic_growth, 0),
                       cd19_growth - e.car_t_homeostatic_growth) * x.car_t_effector,
                 f"CD19 CAR-T homeostatic growth: {antigen} CAR-T share the space"),
        ),
    )
