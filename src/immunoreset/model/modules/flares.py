"""Flare triggers: stochastic innate/autoantigen pulses (state jumps drawn per patient by
the population) that decay at a first-order rate."""

from immunoreset.model.declare import Module, State, Term, k, x

MODULE = Module(
    "flares",
    "stochastic flare triggers",
    states=(State("flare_trigger", "dimensionless",
                  "stochastic flare trigger (innate/autoantigen pulse)", "blood"),),
    parameters=("flare_decay_rate",),
    terms=(Term("flare_trigger", -k.flare_decay_rate * x.flare_trigger, "decay"),),
)
