"""Antibodies: anti-dsDNA from autoreactive antibody-secreting cells; vaccine and total IgG
in turnover form relative to their pre-treatment production."""

from immunoreset.model.declare import Module, State, Term, e, k, x

MODULE = Module(
    "antibodies",
    "anti-dsDNA, protective (vaccine) IgG and total IgG",
    states=(
        State("anti_dsdna", "IU/mL", "serum anti-dsDNA IgG", "blood",
              start=k.anti_dsdna_secretion_rate
              * (x.plasmablasts_autoreactive + x.llpc_autoreactive) / k.igg_elimination_rate),
        State("vaccine_igg", "dimensionless", "protective (vaccine) IgG, fraction of baseline",
              "blood", clamped=False, start=1),
        State("total_igg", "g/L", "total serum IgG", "blood", clamped=False,
              start=k.total_igg_baseline),
    ),
    parameters=("igg_elimination_rate", "anti_dsdna_secretion_rate", "total_igg_baseline",
                "total_igg_llpc_fraction"),
    terms=(
        Term("anti_dsdna", k.anti_dsdna_secretion_rate
             * (x.plasmablasts_autoreactive + x.llpc_autoreactive), "secretion"),
        Term("anti_dsdna", -k.igg_elimination_rate * x.anti_dsdna, "IgG catabolism"),
        Term("vaccine_igg", k.igg_elimination_rate * (x.llpc_protective - x.vaccine_igg),
             "production by protective plasma cells and catabolism"),
        Term("total_igg", k.igg_elimination_rate
             * (k.total_igg_baseline * ((1 - k.total_igg_llpc_fraction) * e.other_plasmablast_fraction
                                        + k.total_igg_llpc_fraction * x.llpc_protective)
                - x.total_igg), "production by plasmablasts and plasma cells, and catabolism"),
    ),
)
