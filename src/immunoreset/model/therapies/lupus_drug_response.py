"""How the standard lupus drugs act on the disease: one combined inhibition per pathway.

Glucocorticoids, mycophenolic acid (MPA) and hydroxychloroquine each inhibit a fraction
``E_i`` of some disease flux. Given together, their inhibitions combine as independent
actions (Bliss): the flux that is left is ``Π (1 − E_i)``. Each drug module therefore adds
its *inhibition hazard* ``h_i = −ln(1 − E_i)`` to a pathway state here, and this module
applies ``1 − exp(−ρ Σ h_i)`` to the core fluxes, which can never exceed the flux itself,
however many drugs are composed. A pathway state relaxes to the sum of the hazards within
about an hour (a numerical device, far faster than any drug's own kinetics), so it is the
sum to within that lag and 0 when no drug is given.

Two pathways:

* **autoreactive B-cell activation**: recruitment of naive tissue B cells into the
  autoreactive pool, their stimulated proliferation and their differentiation into
  plasmablasts (``b_lineage``); cells held back stay where they are.
* **inflammation**: the production of inflammatory activity by immune complexes
  (``sle_disease``), the IFN/innate arm.

``ρ`` (``lupus_drug_responsiveness``) is the patient's responsiveness to these drugs: 1 in a
population that responds as the drugs' pharmacology says (the lupus-nephritis trial
population), 0 in the refractory Erlangen-like population, whose calibrated course already
is the course on the drugs they had failed (see ``docs/therapies/lupus_drugs.md``).
"""

from sympy import exp

from immunoreset.model.declare import Constant, Expression, Module, State, Term, e, k, x

MODULE = Module(
    "lupus_drug_response",
    "combined inhibition of autoreactive B-cell activation and inflammation by lupus drugs",
    states=(
        State("b_activation_inhibition", "dimensionless",
              "summed inhibition hazard −ln(1 − E) of the lupus drugs on autoreactive B-cell "
              "activation, proliferation and plasmablast formation", "lymphoid tissue"),
        State("inflammation_inhibition", "dimensionless",
              "summed inhibition hazard −ln(1 − E) of the lupus drugs on the production of "
              "inflammatory activity", "kidney"),
    ),
    parameters=("lupus_drug_responsiveness",),
    constants=(Constant("drug_inhibition_relaxation_rate", 24.0, "1/day",
                        "relaxation of a pathway state to the sum of the drugs' hazards "
                        "(1 hour: a numerical device, faster than every drug's kinetics)"),),
    expressions=(
        Expression("b_activation_inhibited_fraction",
                   1 - exp(-k.lupus_drug_responsiveness * x.b_activation_inhibition),
                   "fraction of autoreactive B-cell activation, proliferation and plasmablast "
                   "formation blocked by the lupus drugs (0-1)", observe=True),
        Expression("inflammation_inhibited_fraction",
                   1 - exp(-k.lupus_drug_responsiveness * x.inflammation_inhibition),
                   "fraction of the production of inflammatory activity blocked by the lupus "
                   "drugs (0-1)", observe=True),
    ),
    terms=(
        Term("b_activation_inhibition",
             -e.drug_inhibition_relaxation_rate * x.b_activation_inhibition,
             "relaxation to the drugs' summed hazard"),
        Term("inflammation_inhibition",
             -e.drug_inhibition_relaxation_rate * x.inflammation_inhibition,
             "relaxation to the drugs' summed hazard"),
        # cells held back from recruitment stay naive
        Term("naive_b_tissue", e.b_activation_inhibited_fraction * e.autoreactive_recruitment,
             "recruitment blocked by lupus drugs"),
        Term("autoreactive_b_tissue",
             -e.b_activation_inhibited_fraction * e.autoreactive_recruitment,
             "recruitment blocked by lupus drugs"),
        Term("autoreactive_b_tissue",
             -e.b_activation_inhibited_fraction * e.autoreactive_proliferation,
             "proliferation blocked by lupus drugs"),
        # cells held back from differentiation stay autoreactive B cells
        Term("autoreactive_b_tissue",
             e.b_activation_inhibited_fraction * e.autoreactive_differentiation,
             "plasmablast formation blocked by lupus drugs"),
        Term("plasmablasts_autoreactive",
             -e.b_activation_inhibited_fraction * e.autoreactive_differentiation,
             "plasmablast formation blocked by lupus drugs"),
        Term("inflammation", -e.inflammation_inhibited_fraction * e.inflammation_production,
             "inflammation production blocked by lupus drugs"),
    ),
)
