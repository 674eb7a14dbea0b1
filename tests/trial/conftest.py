"""Fixtures of the trial tests."""

from .helpers import write_spec

__all__ = ["write_spec"]
