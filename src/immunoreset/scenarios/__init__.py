"""Published studies reproduced in silico."""

from immunoreset.scenarios._mackensen2022 import MARKERS, reproduce

SCENARIOS = ("mackensen2022",)

__all__ = ["MARKERS", "SCENARIOS", "reproduce"]
