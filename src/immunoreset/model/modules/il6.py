"""IL-6: baseline turnover plus release by target-engaged effector CAR-T (the CRS driver)."""

from immunoreset.model.declare import Module, State, Term, e, k, x

MODULE = Module(
    "il6",
    "serum IL-6",
    states=(State("il6", "pg/mL", "serum interleukin-6", "blood", clamped=False,
                  start=k.il6_baseline),),
    parameters=("il6_elimination_rate", "il6_baseline", "il6_production_per_car_t"),
    terms=(
        Term("il6", k.il6_elimination_rate * (k.il6_baseline - x.il6), "baseline turnover"),
        Term("il6", k.il6_production_per_car_t * x.car_t_effector * e.car_t_engagement,
             "release by antigen-engaged effector CAR-T"),
    ),
)
