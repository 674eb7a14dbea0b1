"""Obinutuzumab: humanised, glycoengineered type II anti-CD20 IgG1.

Two-compartment PK (Gibiansky 2014 popPK: V1, V2, Q; label: linear clearance 0.09 L/day,
terminal half-life 28.4 days, Vss 3.8 L) with a target-mediated clearance that falls as
the CD20⁺ B-cell mass is depleted, and a saturating killing hazard of CD20⁺ B cells twice
rituximab's (type II antibodies deplete B cells of RA and SLE patients at least 2-fold
more efficiently in whole-blood assays: Reddy 2015). The maths is
:func:`~immunoreset.model.therapies.anti_cd20_targets.antibody_module`; parameters and
their sources: ``obinutuzumab.toml`` and ``anti_cd20_targets.toml``.
"""

from immunoreset.model.therapies.anti_cd20_targets import antibody_module

MODULE = antibody_module("obinutuzumab", "obinutuzumab (type II glycoengineered anti-CD20): "
                         "two-compartment PK with target-mediated clearance, killing of "
                         "CD20⁺ B cells")
