"""SLE disease: immune complexes, complement, inflammation, renal damage and proteinuria.

Immune complexes form from anti-dsDNA and nuclear autoantigen ``N = (1 + g_N I)(1 + F)``
(inflammation releases autoantigen, Arazi & Neumann 2010; flare triggers add a pulse) and
are cleared; C3 and C4 are made, catabolised and consumed by immune complexes;
inflammation relaxes to a Hill function of immune complexes; damage accrues with
inflammation; proteinuria follows inflammation and damage.
"""

from immunoreset.model.declare import Expression, Flow, Module, State, Term, e, hill, k, x

MODULE = Module(
    "sle_disease",
    "immune complexes, complement, inflammation, damage and proteinuria",
    states=(
        State("immune_complexes", "IU/mL",
              "circulating/deposited anti-dsDNA immune complexes (anti-dsDNA equivalents)",
              "blood", start=k.immune_complex_formation_rate
              * (1 + k.autoantigen_inflammation_gain * x.inflammation) * x.anti_dsdna
              / k.immune_complex_clearance_rate),
        State("c3", "g/L", "serum complement C3", "blood", start=k.c3_normal),
        State("c4", "g/L", "serum complement C4", "blood", start=k.c4_normal),
        State("inflammation", "dimensionless",
              "pro-inflammatory activity, fraction of maximal (0-1)", "kidney", start=1),
        State("damage", "dimensionless", "accrued renal tissue damage index", "kidney"),
        State("proteinuria", "g/day", "urinary protein excretion", "kidney", clamped=False,
              start=k.proteinuria_normal),
    ),
    parameters=(
        "immune_complex_formation_rate", "immune_complex_clearance_rate",
        "autoantigen_inflammation_gain", "c3_normal", "c3_catabolic_rate", "c3_consumption_per_ic",
        "c4_normal", "c4_catabolic_rate", "c4_consumption_per_ic", "inflammation_rate",
        "inflammation_half_ic", "inflammation_hill", "damage_accrual_rate", "damage_repair_rate",
        "proteinuria_normal", "proteinuria_inflammation_gain", "proteinuria_damage_gain",
        "proteinuria_response_rate",
    ),
    expressions=(
        Expression("nuclear_autoantigen",
                   (1 + k.autoantigen_inflammation_gain * x.inflammation) * (1 + x.flare_trigger),
                   "nuclear autoantigen available to anti-dsDNA, relative to rest"),
        Expression("immune_complex_binding",
                   k.immune_complex_formation_rate * e.nuclear_autoantigen,
                   "fraction of anti-dsDNA bound into immune complexes per day"),
        Expression("inflammation_target",
                   hill(x.immune_complexes / k.inflammation_half_ic, k.inflammation_hill),
                   "inflammatory activity the immune complexes drive towards (0-1)"),
        Expression("inflammation_production", k.inflammation_rate * e.inflammation_target,
                   "production of inflammatory activity by immune complexes (1/day)"),
    ),
    flows=(
        Flow("anti_dsdna", "immune_complexes", e.immune_complex_binding * x.anti_dsdna,
             "immune-complex formation"),
    ),
    terms=(
        Term("immune_complexes", -k.immune_complex_clearance_rate * x.immune_complexes,
             "immune-complex clearance"),
        Term("c3", k.c3_catabolic_rate * (k.c3_normal - x.c3), "C3 synthesis and catabolism"),
        Term("c3", -k.c3_consumption_per_ic * x.immune_complexes * x.c3, "C3 consumption"),
        Term("c4", k.c4_catabolic_rate * (k.c4_normal - x.c4), "C4 synthesis and catabolism"),
        Term("c4", -k.c4_consumption_per_ic * x.immune_complexes * x.c4, "C4 consumption"),
        Term("inflammation", k.inflammation_rate * (e.inflammation_target - x.inflammation),
             "relaxation to the immune-complex drive"),
        Term("damage", k.damage_accrual_rate * x.inflammation, "damage accrual"),
        Term("damage", -k.damage_repair_rate * x.damage, "damage repair"),
        Term("proteinuria", k.proteinuria_response_rate
             * (k.proteinuria_normal + k.proteinuria_inflammation_gain * x.inflammation
                + k.proteinuria_damage_gain * x.damage - x.proteinuria),
             "relaxation to the renal drive"),
    ),
)
