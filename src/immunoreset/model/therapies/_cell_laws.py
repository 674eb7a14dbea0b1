"""The core CD19 CAR-T laws (``model/modules/car_t.py``) written for a cell population of
its own, so a product class gets its own states and reuses the core's laws and parameters.

Two builders:

* :func:`integrating_cells` — lag, expansion, effector/memory switch, per-cell-limited
  killing, IL-6 release, lymphodepletion kill, and the shared homeostatic space, exactly the
  core's equations on states ``<p>_infused``, ``<p>_effector``, ``<p>_memory``,
  ``<p>_stimulation``, with an optional extra loss hazard (host rejection, anti-CAR
  clearance) on the three cell states;
* :func:`transient_cells` — a population that does not proliferate and loses its CAR at a
  first-order rate (mRNA CAR-T): one state ``<p>``, the core's per-cell-limited kill
  (:func:`killing`), IL-6 release and lymphodepletion kill, and an optional extra hazard.

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
up to ``2k`` per target, not ``k`` (documented in docs/therapies/products.md).

The generated-code cache key hashes the private helper files beside the modules
(``model/_build.py``), so a change here rebuilds every model composed with a therapy
module.
"""

from __future__ import annotations

from sympy import Expr, log

from immunoreset.model.declare import (
    Expression,
    Flow,
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

__all__ = ["INTEGRATING_PARAMETERS", "KILLING_PARAMETERS", "integrating_cells", "killing",
           "transient_cells"]

#: Core parameters the per-cell kill uses.
KILLING_PARAMETERS = (
    "car_t_kill_rate", "car_t_kill_half_saturation", "car_t_distribution_volume", "blood_volume",
    "car_t_lymphoid_share", "car_t_marrow_share", "car_t_tissue_access",
    "il6_production_per_car_t",
)

#: Core parameters the integrating laws use (besides the kill's).
INTEGRATING_PARAMETERS = (
    *KILLING_PARAMETERS, "car_t_activation_rate", "car_t_homeostatic_rate", "car_t_capacity_fraction",
    "car_t_antigen_expansion_rate", "car_t_cytokine_proliferation_rate",
    "car_t_effector_death_rate", "car_t_memory_conversion_rate",
    "car_t_memory_reactivation_rate", "car_t_memory_death_rate", "car_t_programme_rate",
    "t_cells_baseline", "t_cell_reconstitution_rate", "homeostatic_cytokine_turnover_rate",
    "homeostatic_cytokine_other_sink",
)

_SHARE = {"blood": k.blood_volume / k.car_t_distribution_volume,
          "tissue": k.car_t_lymphoid_share * k.car_t_tissue_access,
          "marrow": k.car_t_marrow_share * k.car_t_tissue_access}


def _targets(c: str) -> Expr:
    return sum((getattr(x, s) for s in COMPARTMENT_TARGETS[c]), start=0)


def killing(p: str, cells: Expr, what: str) -> tuple[tuple[Expression, ...], tuple[Term, ...]]:
    """Kill expressions and terms of population ``p`` whose killing cells are ``cells``
    (a blood concentration, cell/µL): ``<p>_body_equivalent``, ``<p>_kill_hazard_<c>``,
    ``<p>_engagement`` (0-1) and ``<p>_kills_per_cell`` (observed), and the kill term on
    every CD19⁺ target pool — the core's law with ``p``'s cells alone in the denominator."""
    body = getattr(e, f"{p}_body_equivalent")
    expressions = (
        Expression(f"{p}_body_equivalent", cells * k.car_t_distribution_volume / k.blood_volume,
                   f"the body's {what} in blood-equivalent cells/µL"),
        *(Expression(f"{p}_kill_hazard_{c}",
                     k.car_t_kill_rate * _SHARE[c] * body
                     / (k.car_t_kill_half_saturation + _targets(c) + _SHARE[c] * body),
                     f"killing hazard of {what} per CD19⁺ target in {c} (1/day)")
          for c in COMPARTMENT_TARGETS),
        Expression(f"{p}_engagement",
                   sum((_SHARE[c] * _targets(c)
                        / (k.car_t_kill_half_saturation + _targets(c) + _SHARE[c] * body)
                        for c in COMPARTMENT_TARGETS), start=0),
                   f"fraction of {what} engaged with a CD19⁺ target (0-1)"),
        Expression(f"{p}_kills_per_cell", k.car_t_kill_rate * getattr(e, f"{p}_engagement"),
                   f"CD19⁺ cells killed per {what} cell per day (whole body)", observe=True),
    )
    terms = tuple(Term(pool, -getattr(e, f"{p}_kill_hazard_{c}") * getattr(x, pool),
                       f"{what} kill")
                  for c, pools in COMPARTMENT_TARGETS.items() for pool in pools)
    return expressions, terms


def integrating_cells(p: str, what: str, *, extra_hazard: Expr | None = None,
                      extra_hazard_meaning: str = ""
                      ) -> tuple[tuple[State, ...], tuple[Expression, ...], tuple[Flow, ...],
                                 tuple[Term, ...]]:
    """States, expressions, flows and terms of an integrating CAR-T population ``p``: the
    core's equations on its own states (see the module docstring), plus
    ``-extra_hazard × cells`` on its infused, effector and memory states."""
    infused, effector, memory, stim = (getattr(x, f"{p}_{s}") for s in
                                       ("infused", "effector", "memory", "stimulation"))
    engagement = getattr(e, f"{p}_engagement")
    in_space = getattr(e, f"{p}_in_space")
    states = (
        State(f"{p}_infused", "cell/uL", f"infused {what} not yet activated (the lag), blood "
              "concentration", "blood"),
        State(f"{p}_effector", "cell/uL", f"effector {what}, blood concentration", "blood"),
        State(f"{p}_memory", "cell/uL", f"memory-like {what}, blood concentration", "blood"),
        State(f"{p}_stimulation", "dimensionless",
              f"proliferative programme of effector {what}: engagement averaged over its "
              "duration (0-1)", "blood", start=engagement),
    )
    kill_expressions, kill_terms = killing(p, effector + memory, what)
    fill = (e.lymphocytes + in_space) / k.t_cells_baseline
    core_fill_with = e.lymphocyte_space_fill + in_space / k.t_cells_baseline
    core_growth_with = (k.car_t_homeostatic_rate
                        * log(k.car_t_capacity_fraction / smax(core_fill_with, e.space_fill_floor)))
    core_extinct = (x.car_t_effector * k.car_t_distribution_volume * e.microlitres_per_litre
                    < e.one_cell)
    extinct = effector * k.car_t_distribution_volume * e.microlitres_per_litre < e.one_cell
    growth = getattr(e, f"{p}_homeostatic_growth")
    expansion = getattr(e, f"{p}_expansion_rate")
    expressions = (
        Expression(f"{p}_blood", infused + effector + memory,
                   f"{what} in blood (cells/µL)", observe=True),
        Expression(f"{p}_in_space", infused + effector + memory,
                   f"{what} in the homeostatic lymphocyte space (cells/µL)"),
        *kill_expressions,
        Expression(f"{p}_expansion_rate",
                   (k.car_t_antigen_expansion_rate * stim + k.car_t_cytokine_proliferation_rate)
                   * e.car_t_cytokine_support,
                   f"antigen- and cytokine-driven proliferation rate of effector {what} (1/day)"),
        Expression(f"{p}_homeostatic_growth",
                   k.car_t_homeostatic_rate
                   * log(k.car_t_capacity_fraction / smax(fill, e.space_fill_floor)),
                   f"homeostatic growth of {what} (< 0 above the CAR-T carrying capacity)"),
    )
    flows = (
        Flow(f"{p}_infused", f"{p}_effector", k.car_t_activation_rate * infused,
             "activation of infused cells (end of the lag)"),
        Flow(f"{p}_effector", f"{p}_memory", k.car_t_memory_conversion_rate * effector,
             "effector to memory conversion"),
        Flow(f"{p}_memory", f"{p}_effector",
             k.car_t_memory_reactivation_rate * engagement * memory,
             "antigen-driven memory reactivation"),
    )
    floor = e.lymphocyte_space_floor * k.t_cells_baseline
    terms = (
        Term(f"{p}_effector",
             where(extinct, smin(growth, 0) * effector, (expansion + growth) * effector),
             "expansion (antigen, cytokine and homeostatic; none below one cell)"),
        Term(f"{p}_effector", -k.car_t_effector_death_rate * effector, "effector death"),
        Term(f"{p}_memory", -k.car_t_memory_death_rate * memory, "memory loss"),
        Term(f"{p}_stimulation", k.car_t_programme_rate * (engagement - stim),
             "the programme follows engagement with a delay 1 / rate"),
        *kill_terms,
        *(Term(f"{p}_{s}", -e.lymphodepletion_hazard * getattr(x, f"{p}_{s}"),
               "lymphodepletion kill") for s in ("infused", "effector", "memory")),
        Term("il6", k.il6_production_per_car_t * effector * engagement,
             f"release by antigen-engaged effector {what}"),
        Term("t_cells", k.t_cell_reconstitution_rate * x.t_cells
             * log(smax(e.lymphocytes, floor) / smax(e.lymphocytes + in_space, floor)),
             f"{what} in the shared homeostatic space"),
        Term("homeostatic_cytokine",
             -k.homeostatic_cytokine_turnover_rate * x.homeostatic_cytokine
             * (1 - k.homeostatic_cytokine_other_sink) * in_space / k.t_cells_baseline,
             f"consumption by {what}"),
        Term("car_t_effector",
             where(core_extinct, smin(core_growth_with, 0) - smin(e.car_t_homeostatic_growth, 0),
                   core_growth_with - e.car_t_homeostatic_growth) * x.car_t_effector,
             f"{what} in the space of the core CAR-T's homeostatic competition"),
    )
    if extra_hazard is not None:
        terms += tuple(Term(f"{p}_{s}", -extra_hazard * getattr(x, f"{p}_{s}"),
                            extra_hazard_meaning) for s in ("infused", "effector", "memory"))
    return states, expressions, flows, terms



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
