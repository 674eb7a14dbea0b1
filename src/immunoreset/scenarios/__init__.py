"""Published studies reproduced in silico."""

from immunoreset.scenarios._mackensen2022 import MARKERS, mackensen2022_spec, reproduce

SCENARIOS = ("mackensen2022",)

__all__ = ["MARKERS", "SCENARIOS", "mackensen2022_spec", "reproduce"]
