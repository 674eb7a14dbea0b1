"""T-cell engagement: bispecific antibodies redirect endogenous T cells to kill the B-lineage
pools that carry their target antigen (the mechanism blinatumomab, teclistamab and
mosunetuzumab share; each drug module adds its own PK and calls :func:`engager`).

Counts are in the core currency, *blood-equivalent* cells/µL (``car_t.py``): the body's
endogenous T cells are ``T V_dist / V_blood`` for a blood count ``T`` (``t_cells``), of
which a share ``φ_c`` sits in compartment ``c`` — blood ``V_blood / V_dist``, lymphoid
tissue and marrow the T-lymphocyte shares the CAR-T module uses (CAR-T distribute like T
lymphocytes). For a drug at plasma concentration ``C``::

    f_c = a_c C / (EC50 + a_c C)                 fraction of T cells armed in c (Hill 1);
                                                 a_c: the drug's tissue or marrow access
    T_c = φ_c T V_dist / V_blood                 T cells in c
    X_c = Σ w_p X_p                               antigen⁺ targets in c (w: antigen⁺ share)
    h_c = k f_c T_c / (K + X_c + T_c)            killing hazard of an antigen⁺ cell in c
    kills per T cell = k Σ_c f_c φ_c X_c / (K + X_c + T_c)  ≤ k
    IL-6' += p_IL6 T Σ_c f_c φ_c X_c / (K + X_c + T_c)      engaged T cells that are killing

This is the core CAR-T kill (Chaudhury 2020 form, ``car_t.py``) with the T cells as the
effectors: ``k`` is at once the most targets one armed T cell kills per day and the
highest hazard of one target; ``K`` is the core's effector–target half-saturation. All T
cells compete for target contact, and a contact kills when the T cell carries the drug,
so at saturating drug ``h ≈ k`` and at low drug ``h ≈ k f`` (the in-vitro EC50 keeps its
meaning: half-maximal killing). IL-6 is released per engaged T cell in a killing contact,
at the core's per-engaged-CAR-T rate.

Targets by antigen: CD19 the CAR-T targets (marrow precursors, naive and autoreactive B in
blood and tissue, the CD19⁺ plasmablasts); CD20 the B pools without plasmablasts or
long-lived plasma cells, marrow precursors by their CD20⁺ share (pro-B cells are CD20⁻);
BCMA the plasmablasts (tissue) and long-lived plasma cells (marrow). The protective LLPC
state is a fraction of its pre-treatment pool, so it gets the same per-cell hazard as the
autoreactive LLPC beside it (a per-cell hazard scales a fraction as it scales a count);
it is left out of the target count ``X`` (its size in cells is not a model state; the
saturation is by T cells, ``T_c`` ≫ ``X_c``, so the count hardly matters).

Left out: T-cell redistribution and margination after the first dose, T-cell activation
and proliferation by the engager, CD3 sink and target-mediated drug disposition, drug
competition when two engagers are given together (their kills add).
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

from immunoreset.model.declare import Expression, Module, Term, e, k, x
from immunoreset.model.modules.car_t import COMPARTMENT_TARGETS as _CD19

#: Compartments an engager acts in.
COMPARTMENTS = ("blood", "tissue", "marrow")

#: Target pools of each antigen per compartment: (pool, antigen⁺ share of the pool as a
#: parameter name or None for 1, counted in the target count X).
TARGETS: Mapping[str, Mapping[str, tuple[tuple[str, str | None, bool], ...]]] = {
    "cd19": {c: tuple((p, None, True) for p in pools) for c, pools in _CD19.items()},
    "cd20": {
        "blood": (("naive_b_blood", None, True), ("autoreactive_b_blood", None, True)),
        "tissue": (("naive_b_tissue", None, True), ("autoreactive_b_tissue", None, True)),
        "marrow": (("b_precursors", "tce_precursor_cd20_fraction", True),),
    },
    "bcma": {
        "tissue": (("plasmablasts_autoreactive", None, True), ("plasmablasts_other", None, True)),
        "marrow": (("llpc_autoreactive", None, True), ("llpc_protective", None, False)),
    },
}

_share = {"blood": k.blood_volume / k.car_t_distribution_volume,
          "tissue": k.car_t_lymphoid_share,
          "marrow": k.car_t_marrow_share}


def _weight(share: str | None) -> sp.Expr:
    return sp.Integer(1) if share is None else getattr(k, share)


def _targets(antigen: str, c: str) -> sp.Expr:
    return sum((_weight(w) * getattr(x, p) for p, w, counted in TARGETS[antigen][c] if counted),
               start=sp.Integer(0))


def _expressions() -> tuple[Expression, ...]:
    out = [
        Expression("tce_t_cells_body",
                   x.t_cells * k.car_t_distribution_volume / k.blood_volume,
                   "the body's endogenous T cells in blood-equivalent cells/µL"),
        *(Expression(f"tce_t_cells_{c}", _share[c] * e.tce_t_cells_body,
                     f"endogenous T cells in {c} (blood-equivalent cells/µL)")
          for c in COMPARTMENTS),
    ]
    for antigen, by_c in TARGETS.items():
        for c in by_c:
            den = k.car_t_kill_half_saturation + _targets(antigen, c) + getattr(e, f"tce_t_cells_{c}")
            out += [
                Expression(f"tce_{antigen}_encounter_{c}", getattr(e, f"tce_t_cells_{c}") / den,
                           f"share of the maximal killing hazard of a {antigen.upper()}⁺ cell in "
                           f"{c} when every T cell there is armed (T / (K + X + T))"),
                Expression(f"tce_{antigen}_contact_{c}", _share[c] * _targets(antigen, c) / den,
                           f"fraction of the body's T cells in contact with a {antigen.upper()}⁺ "
                           f"target in {c}"),
            ]
    return tuple(out)


MODULE = Module(
    "t_cell_engagement",
    "endogenous T cells by compartment and their encounters with CD19⁺, CD20⁺ and BCMA⁺ "
    "targets: the shared part of the T-cell engagers",
    parameters=("blood_volume", "car_t_distribution_volume", "car_t_lymphoid_share",
                "car_t_marrow_share", "car_t_kill_half_saturation",
                "tce_precursor_cd20_fraction"),
    expressions=_expressions(),
)


def engager(drug: str, antigen: str, concentration: sp.Expr) -> tuple[
        tuple[str, ...], tuple[Expression, ...], tuple[Term, ...]]:
    """The killing and IL-6 release of one engager: ``(parameters, expressions, terms)``
    for the drug module ``drug`` at plasma ``concentration`` (mg/L), against ``antigen``
    (``cd19``, ``cd20`` or ``bcma``).

    Uses the drug's parameters ``<drug>_half_maximal_concentration`` (EC50, mg/L),
    ``<drug>_kill_rate`` (1/day), ``<drug>_tissue_access`` and ``<drug>_marrow_access``
    (interstitial over plasma concentration) and the core ``il6_production_per_car_t``.
    """
    if antigen not in TARGETS:
        raise ValueError(f"antigen: got {antigen!r}, expected one of {', '.join(TARGETS)}")
    p = {name: getattr(k, f"{drug}_{name}") for name in
         ("half_maximal_concentration", "kill_rate", "tissue_access", "marrow_access")}
    access = {"blood": sp.Integer(1), "tissue": p["tissue_access"], "marrow": p["marrow_access"]}
    comps = tuple(TARGETS[antigen])
    exprs: list[Expression] = []
    for c in COMPARTMENTS:
        local = access[c] * concentration
        exprs.append(Expression(f"{drug}_armed_{c}", local / (p["half_maximal_concentration"] + local),
                                f"fraction of T cells in {c} armed by {drug} (0-1)"))
    for c in comps:
        exprs.append(Expression(
            f"{drug}_kill_hazard_{c}",
            p["kill_rate"] * getattr(e, f"{drug}_armed_{c}") * getattr(e, f"tce_{antigen}_encounter_{c}"),
            f"{drug}: killing hazard of a {antigen.upper()}⁺ cell in {c} (1/day)"))
    in_contact = sum((getattr(e, f"{drug}_armed_{c}") * getattr(e, f"tce_{antigen}_contact_{c}")
                      for c in comps), start=sp.Integer(0))
    exprs += [
        Expression(f"{drug}_killing_t_cells", x.t_cells * in_contact,
                   f"T cells armed by {drug} in a killing contact (blood-concentration "
                   "currency of the CAR-T effectors, cells/µL)", observe=True),
        Expression(f"{drug}_kills_per_t_cell", p["kill_rate"] * in_contact,
                   f"{antigen.upper()}⁺ cells killed per endogenous T cell per day (whole body)",
                   observe=True),
    ]
    terms = [Term(pool, -_weight(w) * getattr(e, f"{drug}_kill_hazard_{c}") * getattr(x, pool),
                  f"{drug}-redirected T-cell kill")
             for c in comps for pool, w, _ in TARGETS[antigen][c]]
    terms.append(Term("il6", k.il6_production_per_car_t * getattr(e, f"{drug}_killing_t_cells"),
                      f"release by T cells engaged by {drug} in a killing contact"))
    shares = sorted({w for c in comps for _, w, _ in TARGETS[antigen][c] if w})
    params = (*(f"{drug}_{name}" for name in p), "il6_production_per_car_t", *shares)
    return params, tuple(exprs), tuple(terms)
