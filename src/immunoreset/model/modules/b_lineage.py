"""B lineage: marrow precursors with feedback, naive and autoreactive B in blood and tissue.

* Marrow precursors are produced at a rate raised up to ``(1 + g)``-fold when blood B cells
  fall below their pre-treatment level (Hosseini 2020), and mature into naive B cells.
* Naive and autoreactive memory/activated B cells recirculate between blood and lymphoid
  tissue.
* Autoreactive B cells are recruited from tissue naive B cells and proliferate under the
  stimulation ``S = hill(IC / K_S + g_F F, n)`` (immune complexes and flare triggers) inside
  a niche of capacity ``K_M``, and differentiate into plasmablasts. This positive loop
  (B → plasmablasts → anti-dsDNA → immune complexes → S → B) is the bistable switch.
"""

from immunoreset.model.declare import (
    Derived,
    Expression,
    Flow,
    Module,
    State,
    Term,
    e,
    hill,
    k,
    smax,
    x,
)

MODULE = Module(
    "b_lineage",
    "CD19⁺ B lineage: precursors, naive and autoreactive B cells",
    states=(
        State("b_precursors", "cell/uL",
              "CD19+ B-cell precursors in bone marrow (blood-equivalent)", "marrow",
              start=k.b_precursor_production
              / (k.b_precursor_maturation_rate + k.b_precursor_death_rate)),
        State("naive_b_blood", "cell/uL", "naive/transitional B cells in blood", "blood"),
        State("naive_b_tissue", "cell/uL",
              "naive B cells in lymphoid tissue (blood-equivalent)", "lymphoid tissue"),
        State("autoreactive_b_blood", "cell/uL",
              "autoreactive memory/activated B cells in blood", "blood"),
        State("autoreactive_b_tissue", "cell/uL",
              "autoreactive memory/activated B cells in lymphoid tissue (blood-equivalent)",
              "lymphoid tissue", start=k.autoreactive_capacity, rest=0),
    ),
    parameters=(
        "b_precursor_production", "b_precursor_maturation_rate", "b_precursor_death_rate",
        "marrow_feedback_gain", "naive_b_death_rate", "b_blood_to_tissue_rate",
        "b_tissue_to_blood_rate", "autoreactive_recruitment_rate",
        "autoreactive_proliferation_rate", "autoreactive_death_rate", "autoreactive_capacity",
        "autoreactive_differentiation_rate", "other_plasmablast_activation_rate",
        "stimulation_half_ic", "stimulation_hill", "flare_stimulation_gain",
    ),
    derived=(Derived("blood_b_reference", "cell/uL",
                     "pre-treatment blood B cells (marrow feedback set point)",
                     x.naive_b_blood + x.autoreactive_b_blood),),
    expressions=(
        Expression("blood_b_cells", x.naive_b_blood + x.autoreactive_b_blood,
                   "CD19⁺ B cells in blood (cells/µL)"),
        Expression("marrow_feedback",
                   1 + k.marrow_feedback_gain
                   * smax(0, (e.blood_b_reference - e.blood_b_cells) / e.blood_b_reference),
                   "fold increase of marrow output when blood B cells are low (written as a "
                   "difference over the set point: exactly 0 at the set point, where the "
                   "Jacobian then takes the flat branch)"),
        Expression("autoreactive_stimulation",
                   hill(x.immune_complexes / k.stimulation_half_ic
                        + k.flare_stimulation_gain * x.flare_trigger, k.stimulation_hill),
                   "stimulation of autoreactive B cells by immune complexes and flares (0-1)"),
        Expression("autoreactive_recruitment",
                   k.autoreactive_recruitment_rate * e.autoreactive_stimulation * x.naive_b_tissue,
                   "recruitment of tissue naive B cells into the autoreactive pool (cells/µL/day)"),
        Expression("autoreactive_proliferation",
                   k.autoreactive_proliferation_rate * e.autoreactive_stimulation
                   * x.autoreactive_b_tissue * (1 - x.autoreactive_b_tissue / k.autoreactive_capacity),
                   "stimulated proliferation of autoreactive tissue B cells in their niche "
                   "(cells/µL/day)"),
        Expression("autoreactive_differentiation",
                   k.autoreactive_differentiation_rate * x.autoreactive_b_tissue,
                   "differentiation of autoreactive tissue B cells into plasmablasts (cells/µL/day)"),
    ),
    flows=(
        Flow("b_precursors", "naive_b_blood", k.b_precursor_maturation_rate * x.b_precursors,
             "maturation"),
        Flow("naive_b_blood", "naive_b_tissue", k.b_blood_to_tissue_rate * x.naive_b_blood,
             "naive B homing to lymphoid tissue"),
        Flow("naive_b_tissue", "naive_b_blood", k.b_tissue_to_blood_rate * x.naive_b_tissue,
             "naive B return to blood"),
        Flow("naive_b_tissue", "autoreactive_b_tissue", e.autoreactive_recruitment,
             "recruitment into the autoreactive pool"),
        Flow("naive_b_tissue", "plasmablasts_other",
             k.other_plasmablast_activation_rate * x.naive_b_tissue,
             "activation into non-autoreactive plasmablasts"),
        Flow("autoreactive_b_blood", "autoreactive_b_tissue",
             k.b_blood_to_tissue_rate * x.autoreactive_b_blood,
             "autoreactive B homing to lymphoid tissue"),
        Flow("autoreactive_b_tissue", "autoreactive_b_blood",
             k.b_tissue_to_blood_rate * x.autoreactive_b_tissue,
             "autoreactive B return to blood"),
        Flow("autoreactive_b_tissue", "plasmablasts_autoreactive", e.autoreactive_differentiation,
             "differentiation into plasmablasts"),
    ),
    terms=(
        Term("b_precursors", k.b_precursor_production * e.marrow_feedback, "marrow production"),
        Term("b_precursors", -k.b_precursor_death_rate * x.b_precursors, "precursor apoptosis"),
        Term("naive_b_blood", -k.naive_b_death_rate * x.naive_b_blood, "naive B death"),
        Term("naive_b_tissue", -k.naive_b_death_rate * x.naive_b_tissue, "naive B death"),
        Term("autoreactive_b_blood", -k.autoreactive_death_rate * x.autoreactive_b_blood,
             "autoreactive B death"),
        Term("autoreactive_b_tissue", -k.autoreactive_death_rate * x.autoreactive_b_tissue,
             "autoreactive B death"),
        Term("autoreactive_b_tissue", e.autoreactive_proliferation,
             "stimulated proliferation in the niche"),
    ),
)
