"""Rituximab: chimeric type I anti-CD20 IgG1.

Two-compartment PK in rheumatoid arthritis (Ng 2006: V1, linear CL, terminal half-life;
Lioger 2017: the intercompartmental clearance; V2 derived from them by
``scripts/derive_anti_cd20_pk.py``) with a target-mediated clearance that falls as the
CD20⁺ B-cell mass is depleted (Lioger 2017: CD19 count on the elimination rate), and a
saturating killing hazard of CD20⁺ B cells (paediatric autoimmune PD: 35-fold the CD19⁺
death rate). The maths is :func:`~immunoreset.model.therapies.anti_cd20_targets.antibody_module`;
parameters and their sources: ``rituximab.toml`` and ``anti_cd20_targets.toml``.
"""

from immunoreset.model.therapies.anti_cd20_targets import antibody_module

MODULE = antibody_module("rituximab", "rituximab (type I anti-CD20): two-compartment PK with "
                         "target-mediated clearance, killing of CD20⁺ B cells")
