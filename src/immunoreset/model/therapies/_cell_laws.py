"""The core CAR-T laws (``model/modules/car_t.py``, ``docs/core.md``) written for a cell
population of its own, so a product gets its own states and reuses the core's laws and
parameters. One place for every product module (BCMA, compound, allogeneic, re-dosed,
mRNA).

* :func:`car_t_cells` — an integrating population ``<p>_infused``, ``<p>_effector``,
  ``<p>_memory``, ``<p>_stimulation``: lag, programme, antigen- and homeostatic-cytokine-
  driven expansion, Kimmel's homeostatic competition, effector death and memory conversion,
  memory reactivation by engagement, killing limited per CAR-T cell and saturating in
  targets in every compartment it reaches (:func:`killing`), IL-6 release by engaged
  effectors, the lymphodepletion kill, the shared homeostatic space, and an optional extra
  loss hazard (host rejection, anti-CAR clearance) on its three cell states;
  :func:`car_t_product` wraps it as a :class:`~immunoreset.model.declare.Module`;
* :func:`transient_cells` — a population that does not proliferate and loses its CAR at a
  first-order rate (mRNA CAR-T): one state ``<p>``, the same kill, IL-6 release and
  lymphodepletion kill, and an optional extra hazard;
* :func:`anti_car_immunity` — an anti-CAR response ``<p>_immunity`` (0-1) primed by
  CAR-expressing cells and waning with long-lived plasma cells, and the clearance hazard
  ``<p>_clearance`` it puts on re-dosed cells.

Targets are given per compartment as ``(state killed, cells it counts in the target
mass)`` (:data:`CD19_TARGETS` are the core's); a product's compartment shares are the
core's, with the marrow share scaled by the product's own ``<p>_marrow_access`` where it
has one (BCMA⁺ plasma-cell niches) and by the core's tissue access otherwise.

The homeostatic space. The core's T cells, IL-7/IL-15 consumption and CAR-T homeostatic
growth see ``L = T + C_I + C_E + C_M`` (``e.lymphocytes``). A new integrating population
``N`` belongs to that space too: its own growth reads ``(L + N) / T0``, and correction terms,
each exactly 0 when ``N = 0``, give the core states what they would see with ``N`` in the
space:

* ``t_cells``:  ``r T ln(max(L, εT0) / max(L + N, εT0))``
* ``homeostatic_cytokine``:  ``-k_H H (1 - f) N / T0``
* ``car_t_effector``: the core homeostatic growth at fill ``(L + N) / T0`` minus that at
  ``L / T0`` (on the core's own extinction switch).

With one extra population present these are the core's equations exactly; with several
at once the logarithmic terms add pairwise instead of jointly (a second-order error in the
smaller population). Killing is not shared: each population saturates on the targets with
its own cells in the denominator (``K + T_c + C_c``), so two co-infused populations kill
up to ``2k`` per target, not ``k`` (docs/therapies/products.md).

The generated-code cache key hashes the private helper files beside the modules
(``model/_build.py``), so a change here rebuilds every model composed with a therapy
module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sympy as sp
from sympy import Expr, log

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
from immunoreset.model.modules.car_t import COMPARTMENT_TARGETS

__all__ = ["CD19_TARGETS", "CORE_RATES", "KILLING_PARAMETERS", "Targets", "anti_car_immunity",
           "car_t_cells", "car_t_product", "killing", "shares", "transient_cells"]

#: Target pools per compartment: ``(state killed, cells it counts in the target mass)``.
Targets = Mapping[str, Sequence[tuple[str, Expr]]]

#: The core CD19 CAR-T's targets (``model/modules/car_t.py``).
CD19_TARGETS: dict[str, tuple[tuple[str, Expr], ...]] = {
    c: tuple((pool, getattr(x, pool)) for pool in pools) for c, pools in COMPARTMENT_TARGETS.items()}

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

#: Core parameters of the compartments (the kill's shares).
_COMPARTMENT_PARAMETERS = ("car_t_distribution_volume", "blood_volume", "car_t_lymphoid_share",
                           "car_t_marrow_share", "car_t_tissue_access")
#: Core parameters of the shared lymphocyte space.
_SPACE_PARAMETERS = ("car_t_homeostatic_rate", "car_t_capacity_fraction", "t_cells_baseline",
                     "t_cell_reconstitution_rate", "homeostatic_cytokine_turnover_rate",
                     "homeostatic_cytokine_other_sink")
#: Core parameters the kill and IL-6 release use (with the core rates).
KILLING_PARAMETERS = (*_COMPARTMENT_PARAMETERS, "car_t_kill_rate", "car_t_kill_half_saturation",
                      "il6_production_per_car_t")


def shares(product: str, *, own_marrow_access: bool = False) -> dict[str, Expr]:
    """Share of a population's cells in each compartment: the core's blood and
    lymphoid-tissue shares; the core's marrow share times ``<product>_marrow_access`` when
    ``own_marrow_access``, else times the core's tissue access (as the core CAR-T)."""
    access = getattr(k, f"{product}_marrow_access") if own_marrow_access else k.car_t_tissue_access
    return {"blood": k.blood_volume / k.car_t_distribution_volume,
            "tissue": k.car_t_lymphoid_share * k.car_t_tissue_access,
            "marrow": k.car_t_marrow_share * access}


def _sum(items: Sequence[Expr]) -> Expr:
    return sp.Add(*items) if items else sp.Integer(0)


def killing(p: str, cells: Expr, what: str, *, targets: Targets = CD19_TARGETS,
            share: Mapping[str, Expr] | None = None, kill: Expr = k.car_t_kill_rate,
            half_saturation: Expr = k.car_t_kill_half_saturation,
            ) -> tuple[tuple[Expression, ...], tuple[Term, ...]]:
    """Kill expressions and terms of population ``p`` whose killing cells are ``cells``
    (a blood concentration, cell/µL): ``<p>_body_equivalent``, ``<p>_kill_hazard_<c>``,
    ``<p>_engagement`` (0-1) and ``<p>_kills_per_cell`` (both observed), and the kill term
    on every target pool — the core's law with ``p``'s cells alone in the denominator."""
    share = dict(share if share is not None else shares(p))
    body = getattr(e, f"{p}_body_equivalent")
    mass = {c: _sum([count for _, count in pools]) for c, pools in targets.items()}
    occupancy = {c: share[c] * body for c in targets}
    expressions = (
        Expression(f"{p}_body_equivalent", cells * k.car_t_distribution_volume / k.blood_volume,
                   f"the body's activated {what} in blood-equivalent cells/µL"),
        *(Expression(f"{p}_kill_hazard_{c}",
                     kill * occupancy[c] / (half_saturation + mass[c] + occupancy[c]),
                     f"killing hazard of {what} per target in {c} (1/day)")
          for c in targets),
        Expression(f"{p}_engagement",
                   _sum([share[c] * mass[c] / (half_saturation + mass[c] + occupancy[c])
                         for c in targets]),
                   f"fraction of {what} engaged with a target (0-1)", observe=True),
        Expression(f"{p}_kills_per_cell", kill * getattr(e, f"{p}_engagement"),
                   f"targets killed per {what} cell per day (whole body)", observe=True),
    )
    terms = tuple(Term(pool, -getattr(e, f"{p}_kill_hazard_{c}") * getattr(x, pool),
                       f"{what} kill")
                  for c, pools in targets.items() for pool, _ in pools)
    return expressions, terms


def car_t_cells(p: str, what: str, *, targets: Targets = CD19_TARGETS,
                rates: Mapping[str, str] | None = None, own_marrow_access: bool = False,
                extra_hazard: Expr | None = None, extra_hazard_meaning: str = "",
                ) -> tuple[tuple[State, ...], tuple[str, ...], tuple[Expression, ...],
                           tuple[Flow, ...], tuple[Term, ...]]:
    """``(states, parameters, expressions, flows, terms)`` of an integrating CAR-T
    population ``p``: the core's equations on its own states (module docstring), with the
    core's rate parameters except those ``rates`` maps to the population's own (role →
    parameter, roles of :data:`CORE_RATES`), plus ``-extra_hazard × cells`` on its
    infused, effector and memory states."""
    unknown = sorted(set(rates or {}) - set(CORE_RATES))
    if unknown:
        raise InputError(f"car_t_cells {p}: rates: got role {unknown[0]!r}, expected one of "
                         f"{', '.join(CORE_RATES)}")
    rate = {**CORE_RATES, **(rates or {})}
    r = {role: getattr(k, name) for role, name in rate.items()}
    s = {n: getattr(x, f"{p}_{n}") for n in ("infused", "effector", "memory", "stimulation")}
    ex = {n: getattr(e, f"{p}_{n}") for n in ("engagement", "space_fill", "homeostatic_growth",
                                               "expansion_rate")}
    cells = s["infused"] + s["effector"] + s["memory"]
    kill_expressions, kill_terms = killing(
        p, s["effector"] + s["memory"], what, targets=targets,
        share=shares(p, own_marrow_access=own_marrow_access), kill=r["kill"],
        half_saturation=r["kill_half_saturation"])
    extinct = s["effector"] * k.car_t_distribution_volume * e.microlitres_per_litre < e.one_cell
    core_extinct = (x.car_t_effector * k.car_t_distribution_volume * e.microlitres_per_litre
                    < e.one_cell)
    floor = e.lymphocyte_space_floor * k.t_cells_baseline
    cd19_growth = k.car_t_homeostatic_rate * log(
        k.car_t_capacity_fraction / smax(ex["space_fill"], e.space_fill_floor))
    states = (
        State(f"{p}_infused", "cell/uL", f"infused {what} not yet activated (the lag), blood "
              "concentration", "blood"),
        State(f"{p}_effector", "cell/uL", f"effector {what}, blood concentration", "blood"),
        State(f"{p}_memory", "cell/uL", f"memory-like {what}, blood concentration", "blood"),
        State(f"{p}_stimulation", "dimensionless",
              f"proliferative programme of effector {what}: engagement averaged over its "
              "duration (0-1)", "blood", start=ex["engagement"]),
    )
    parameters = tuple(dict.fromkeys((*rate.values(), *_COMPARTMENT_PARAMETERS,
                                      *_SPACE_PARAMETERS,
                                      *((f"{p}_marrow_access",) if own_marrow_access else ()))))
    expressions = (
        Expression(f"{p}_blood", cells, f"{what} in blood (cells/µL: infused, effector and "
                   "memory)", observe=True),
        *kill_expressions,
        Expression(f"{p}_expansion_rate",
                   (r["antigen_expansion"] * s["stimulation"] + r["cytokine_proliferation"])
                   * e.car_t_cytokine_support,
                   f"antigen- and cytokine-driven proliferation rate of effector {what} (1/day)",
                   observe=True),
        Expression(f"{p}_space_fill", e.lymphocyte_space_fill + cells / k.t_cells_baseline,
                   f"fill of the homeostatic space with the {what} counted"),
        Expression(f"{p}_homeostatic_growth",
                   r["homeostatic"] * log(r["capacity"] / smax(ex["space_fill"], e.space_fill_floor)),
                   f"homeostatic growth of {what} (< 0 above the CAR-T carrying capacity)"),
    )
    flows = (
        Flow(f"{p}_infused", f"{p}_effector", r["activation"] * s["infused"],
             "activation of infused cells (end of the lag)"),
        Flow(f"{p}_effector", f"{p}_memory", r["memory_conversion"] * s["effector"],
             "effector to memory conversion"),
        Flow(f"{p}_memory", f"{p}_effector", r["memory_reactivation"] * ex["engagement"] * s["memory"],
             "antigen-driven memory reactivation"),
    )
    terms = (
        Term(f"{p}_effector",
             where(extinct, smin(ex["homeostatic_growth"], 0) * s["effector"],
                   (ex["expansion_rate"] + ex["homeostatic_growth"]) * s["effector"]),
             "expansion (antigen, cytokine and homeostatic; none below one cell)"),
        Term(f"{p}_effector", -r["effector_death"] * s["effector"], "effector death"),
        Term(f"{p}_memory", -r["memory_death"] * s["memory"], "memory loss"),
        Term(f"{p}_stimulation", r["programme"] * (ex["engagement"] - s["stimulation"]),
             "the programme follows engagement with a delay 1 / rate"),
        *kill_terms,
        *(Term(f"{p}_{n}", -e.lymphodepletion_hazard * s[n], "lymphodepletion kill")
          for n in ("infused", "effector", "memory")),
        Term("il6", r["il6"] * s["effector"] * ex["engagement"],
             f"release by antigen-engaged effector {what}"),
        # The shared homeostatic space: each term is the core formula with this
        # population's cells added to the lymphocytes, minus the core formula.
        Term("t_cells", k.t_cell_reconstitution_rate * x.t_cells
             * log(smax(e.lymphocytes, floor) / smax(e.lymphocytes + cells, floor)),
             f"Gompertz reconstitution: {what} share the space"),
        Term("homeostatic_cytokine",
             -k.homeostatic_cytokine_turnover_rate * x.homeostatic_cytokine
             * (1 - k.homeostatic_cytokine_other_sink) * cells / k.t_cells_baseline,
             f"consumption by {what}"),
        Term("car_t_effector",
             where(core_extinct, smin(cd19_growth, 0) - smin(e.car_t_homeostatic_growth, 0),
                   cd19_growth - e.car_t_homeostatic_growth) * x.car_t_effector,
             f"CD19 CAR-T homeostatic growth: {what} share the space"),
    )
    if extra_hazard is not None:
        terms += tuple(Term(f"{p}_{n}", -extra_hazard * s[n], extra_hazard_meaning)
                       for n in ("infused", "effector", "memory"))
    return states, parameters, expressions, flows, terms


def car_t_product(name: str, meaning: str, *, antigen: str, targets: Targets,
                  rates: Mapping[str, str] | None = None,
                  parameters: Sequence[str] = ()) -> Module:
    """The module of CAR-T product ``name`` (also the prefix of its states): the core law
    (:func:`car_t_cells`) on ``targets`` with its own marrow access
    (``<name>_marrow_access``); ``parameters``: other parameters the targets name."""
    states, params, expressions, flows, terms = car_t_cells(
        name, f"{antigen} CAR-T cells", targets=targets, rates=rates, own_marrow_access=True)
    return Module(name, meaning, states=states,
                  parameters=tuple(dict.fromkeys((*params, *parameters))),
                  expressions=expressions, flows=flows, terms=terms)


def transient_cells(p: str, what: str, loss_rate: Expr, *, extra_hazard: Expr | None = None,
                    extra_hazard_meaning: str = ""
                    ) -> tuple[tuple[State, ...], tuple[Expression, ...], tuple[Term, ...]]:
    """State ``p`` (CAR-expressing cells, cell/µL blood) of a population that does not
    proliferate: CAR loss at ``loss_rate``, the core's kill, IL-6 release by engaged cells
    and the lymphodepletion kill, plus ``-extra_hazard × cells``."""
    cells = getattr(x, p)
    states = (State(p, "cell/uL", f"CAR-expressing {what}, blood concentration", "blood"),)
    kill_expressions, kill_terms = killing(p, cells, what)
    expressions = (Expression(f"{p}_blood", cells, f"{what} in blood (cells/µL)", observe=True),
                   *kill_expressions)
    terms = (
        Term(p, -loss_rate * cells, "loss of CAR expression (mRNA decay)"),
        Term(p, -e.lymphodepletion_hazard * cells, "lymphodepletion kill"),
        *kill_terms,
        Term("il6", k.il6_production_per_car_t * cells * getattr(e, f"{p}_engagement"),
             f"release by antigen-engaged {what}"),
    )
    if extra_hazard is not None:
        terms += (Term(p, -extra_hazard * cells, extra_hazard_meaning),)
    return states, expressions, terms


def anti_car_immunity(p: str, antigen: Expr, what: str,
                      ) -> tuple[State, tuple[str, ...], tuple[Expression, ...], tuple[Term, ...]]:
    """``(state, parameters, expressions, terms)`` of an anti-CAR response ``<p>_immunity``
    (0-1, the fraction of its maximum) against product ``what``::

        I' = k_prime · A / (A + A_half) · (1 - I) - k_LLPC · I     A = ``antigen`` (cells/µL)

    with no priming below one CAR-expressing cell in the whole body (round-off never
    primes); ``I`` wanes as antibody titres held by long-lived plasma cells do (core
    ``llpc_death_rate``). Its clearance hazard on re-dosed cells is ``<p>_clearance`` =
    ``k_clear · I`` (1/day, observed). Parameters ``<p>_priming_rate``,
    ``<p>_priming_half_saturation``, ``<p>_clearance_rate``."""
    immunity = getattr(x, f"{p}_immunity")
    state = State(f"{p}_immunity", "dimensionless",
                  f"anti-CAR immune response against the {what}, fraction of its maximum (0-1)",
                  "blood")
    parameters = (f"{p}_priming_rate", f"{p}_priming_half_saturation", f"{p}_clearance_rate",
                  "llpc_death_rate")
    drive = getattr(e, f"{p}_antigen")
    expressions = (
        Expression(f"{p}_antigen",
                   where(antigen * k.car_t_distribution_volume * e.microlitres_per_litre
                         < e.one_cell, 0,
                         antigen / (antigen + getattr(k, f"{p}_priming_half_saturation"))),
                   "CAR antigen priming the anti-CAR response, fraction of its maximal drive "
                   "(none below one CAR-expressing cell in the body)"),
        Expression(f"{p}_clearance", getattr(k, f"{p}_clearance_rate") * immunity,
                   f"anti-CAR clearance hazard of re-dosed {what} (1/day)", observe=True),
    )
    terms = (
        Term(f"{p}_immunity", getattr(k, f"{p}_priming_rate") * drive * (1 - immunity),
             "priming by CAR-expressing cells"),
        Term(f"{p}_immunity", -k.llpc_death_rate * immunity,
             "waning with long-lived plasma cells (antibody-titre half-life 11 years)"),
    )
    return state, parameters, expressions, terms
