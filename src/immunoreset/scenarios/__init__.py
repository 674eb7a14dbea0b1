"""Published studies reproduced in silico."""

from immunoreset.scenarios._mackensen2022 import TRAJECTORY_VARIABLES, reproduce

SCENARIOS = ("mackensen2022",)

__all__ = ["SCENARIOS", "TRAJECTORY_VARIABLES", "reproduce"]
