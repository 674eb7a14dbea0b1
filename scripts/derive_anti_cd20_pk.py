"""Derive the anti-CD20 parameters that are computed from published figures.

Run ``python scripts/derive_anti_cd20_pk.py`` to print every derived value with its
arithmetic; ``--check`` compares them with the values in the parameter files
(``src/immunoreset/model/therapies/{anti_cd20_targets,rituximab,obinutuzumab}.toml``)
and exits 1 on a mismatch. Every input below is quoted with its source and trust tag
([P] read in the paper or its table, [S] secondary: label copy, transcription, review).

Two-compartment model (amounts A1, A2 in mg; volumes V1, V2 in L; clearances in L/day)::

    k10 = CL / V1,  k12 = Q / V1,  k21 = Q / V2
    alpha, beta = roots of s^2 - (k10 + k12 + k21) s + k10 k21 = 0   (beta the smaller)
    terminal half-life = ln 2 / beta

Given V1, CL, Q and the terminal half-life, V2 follows from ``beta`` being a root::

    beta^2 - (k10 + k12 + k21) beta + k10 k21 = 0
    =>  k21 = beta (k10 + k12 - beta) / (k10 - beta),   V2 = Q / k21
"""

from __future__ import annotations

import math
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
THERAPIES = ROOT / "src" / "immunoreset" / "model" / "therapies"

# --- published inputs -------------------------------------------------------------------

#: Ng 2006 (RA, 2-compartment, linear), Ternant 2019 Br J Clin Pharmacol 85:2002, Table 3 [P table].
NG_V1_L = 2.98
NG_CL_L_PER_DAY = 0.257
NG_HALF_LIFE_DAYS = 20.2
#: Lioger 2017 (RA) Br J Clin Pharmacol 83:1773, Table 2 (as transcribed in nlmixr2lib
#: Lioger_2017_rituximab; its V1, k10 and terminal half-life agree with Ternant 2019 Table 3:
#: V1 4 L, CL 0.44 L/day, 18.5 days) [P table, secondary transcription].
LIOGER_V1_L = 4.1
LIOGER_K10 = 0.11
LIOGER_K12 = 0.42
LIOGER_K21 = 0.25
LIOGER_CD19_EXPONENT_ON_K10 = 0.035       # k10 ∝ (CD19 count)^0.035
LIOGER_BASELINE_CD19_PER_UL = 214.0       # Table 1, median before course 1
DEPLETED_CD19_PER_UL = 5.0                # Breedveld 2007 / RA trials: "depleted" = < 5 cells/µL
#: Obinutuzumab: Gibiansky 2014 CPT Pharmacometrics Syst Pharmacol 3:e144, Table 3 (as
#: transcribed in nlmixr2lib Gibiansky_2014_obinutuzumab) [P table, secondary transcription];
#: Gazyva label (RxList copy): linear CL 0.09 L/day, Vss 3.8 L, terminal t½ 28.4 days [S].
GIBIANSKY_V1_L = 2.76
GIBIANSKY_V2_L = 1.01
GIBIANSKY_Q_L_PER_DAY = 1.29
GIBIANSKY_CL_INF_L_PER_DAY = 0.0828
LABEL_OBI_CL_L_PER_DAY = 0.09
LABEL_OBI_VSS_L = 3.8
LABEL_OBI_HALF_LIFE_DAYS = 28.4
#: Rituximab-induced CD19⁺ death: 35-fold the turnover 0.02/day (Pan/Standing, paediatric
#: autoimmune disease, Br J Clin Pharmacol 2019, PMC6624401, abstract) [P].
B_TURNOVER_PER_DAY = 0.02
RITUXIMAB_DEATH_FOLD = 35.0
#: Type II anti-CD20 depletes B cells of RA and SLE patients at least 2-fold more
#: efficiently than type I in whole-blood assays (Reddy V et al. Arthritis Rheumatol
#: 2015;67:2046, PMC4737120, abstract) [P].
TYPE_II_FOLD = 2.0
#: Synovial B cells 26 → 11 cells/mm² 4 weeks after rituximab 1,000 mg days 1 + 15
#: (Vos K et al. Arthritis Rheum 2007;56:772) [P].
VOS_BEFORE, VOS_AFTER, VOS_DAYS = 26.0, 11.0, 28.0
#: Marrow CD19⁺ B cells 4.6 % → 3.8 % 3 months after rituximab 1,000 mg days 1 + 15 (ar2798,
#: Arthritis Res Ther 2009, n = 8, Fig. 1) [P]; blood fell significantly in the same patients.
MARROW_BEFORE, MARROW_AFTER, MARROW_DAYS = 4.6, 3.8, 84.0
#: Core-model blood/tissue traffic (src/immunoreset/model/data/sle_cd19_cart.toml:
#: b_blood_to_tissue_rate 49/day, b_tissue_to_blood_rate 1/day; Westermann & Pabst 1992).
B_BLOOD_TO_TISSUE, B_TISSUE_TO_BLOOD = 49.0, 1.0
#: CD20⁺ share of the marrow precursor pool: 1 / (1 + 0.25), from the marrow CD19⁺CD20⁻ :
#: CD19⁺CD20⁺ ratio 0.25 (Hosseini 2020 supplementary Table 2; see anti_cd20_targets.toml).
PRECURSOR_CD20_FRACTION = 0.8


@dataclass(frozen=True)
class Derived:
    file: str
    name: str
    value: float
    arithmetic: str


def beta(cl: float, v1: float, q: float, v2: float) -> float:
    """Terminal (smaller) eigenvalue of the two-compartment model, 1/day."""
    k10, k12, k21 = cl / v1, q / v1, q / v2
    s = k10 + k12 + k21
    return (s - math.sqrt(s * s - 4.0 * k10 * k21)) / 2.0


def peripheral_volume(cl: float, v1: float, q: float, half_life: float) -> float:
    """V2 that gives the terminal half-life ``half_life`` (module docstring)."""
    b = math.log(2.0) / half_life
    k10, k12 = cl / v1, q / v1
    k21 = b * (k10 + k12 - b) / (k10 - b)
    return q / k21


def derive() -> list[Derived]:
    out: list[Derived] = []
    # Rituximab: Ng 2006 V1, CL, t½ with Lioger 2017 Q.
    q = LIOGER_K12 * LIOGER_V1_L
    out.append(Derived("rituximab", "rituximab_intercompartmental_clearance", q,
                       f"Lioger 2017 k12 x V1 = {LIOGER_K12} x {LIOGER_V1_L} = {q:.4f} L/day"))
    v2 = peripheral_volume(NG_CL_L_PER_DAY, NG_V1_L, q, NG_HALF_LIFE_DAYS)
    b = math.log(2.0) / NG_HALF_LIFE_DAYS
    k10, k12 = NG_CL_L_PER_DAY / NG_V1_L, q / NG_V1_L
    out.append(Derived(
        "rituximab", "rituximab_peripheral_volume", v2,
        f"beta = ln2/{NG_HALF_LIFE_DAYS} = {b:.6f}/day; k10 = {NG_CL_L_PER_DAY}/{NG_V1_L} = "
        f"{k10:.6f}; k12 = {q:.4f}/{NG_V1_L} = {k12:.6f}; k21 = beta (k10 + k12 - beta) / "
        f"(k10 - beta) = {b * (k10 + k12 - b) / (k10 - b):.6f}; V2 = Q / k21 = {v2:.4f} L"))
    ratio = (LIOGER_BASELINE_CD19_PER_UL / DEPLETED_CD19_PER_UL) ** LIOGER_CD19_EXPONENT_ON_K10
    cl_t = NG_CL_L_PER_DAY * (ratio - 1.0)
    out.append(Derived(
        "rituximab", "rituximab_target_clearance", cl_t,
        f"Lioger 2017: k10 ∝ CD19^{LIOGER_CD19_EXPONENT_ON_K10}; baseline "
        f"{LIOGER_BASELINE_CD19_PER_UL:g} vs depleted {DEPLETED_CD19_PER_UL:g} cells/µL: "
        f"({LIOGER_BASELINE_CD19_PER_UL:g}/{DEPLETED_CD19_PER_UL:g})^"
        f"{LIOGER_CD19_EXPONENT_ON_K10} - 1 = {ratio - 1.0:.4f} of the linear CL "
        f"{NG_CL_L_PER_DAY} L/day = {cl_t:.5f} L/day"))
    kmax = (RITUXIMAB_DEATH_FOLD - 1.0) * B_TURNOVER_PER_DAY
    out.append(Derived(
        "rituximab", "rituximab_max_kill_rate", kmax,
        f"({RITUXIMAB_DEATH_FOLD:g} - 1) x {B_TURNOVER_PER_DAY} /day = {kmax:.4f} /day "
        "(the drug's share of a 35-fold CD19+ death rate)"))
    out.append(Derived(
        "obinutuzumab", "obinutuzumab_max_kill_rate", TYPE_II_FOLD * kmax,
        f"{TYPE_II_FOLD:g} x rituximab {kmax:.4f} /day = {TYPE_II_FOLD * kmax:.4f} /day"))
    # Target reference: Lioger's baseline blood count as body CD20⁺ mass (blood-equivalent).
    ref = LIOGER_BASELINE_CD19_PER_UL * (1.0 + B_BLOOD_TO_TISSUE / B_TISSUE_TO_BLOOD)
    out.append(Derived(
        "anti_cd20_targets", "anti_cd20_target_reference", ref,
        f"{LIOGER_BASELINE_CD19_PER_UL:g} cells/µL in blood x (1 + {B_BLOOD_TO_TISSUE:g}/"
        f"{B_TISSUE_TO_BLOOD:g}) (the core's blood/tissue traffic: 2 % of recirculating B "
        f"cells in blood) = {ref:.0f} blood-equivalent cells/µL"))
    # Access factors: fraction surviving f = exp(-a kmax t) with the drug saturating.
    f_t = VOS_AFTER / VOS_BEFORE
    a_t = -math.log(f_t) / (kmax * VOS_DAYS)
    out.append(Derived(
        "anti_cd20_targets", "anti_cd20_tissue_access", a_t,
        f"Vos 2007: f = {VOS_AFTER:g}/{VOS_BEFORE:g} = {f_t:.4f} at {VOS_DAYS:g} days; "
        f"f = exp(-a kmax t) => a = -ln f / (kmax t) = {-math.log(f_t):.4f} / "
        f"({kmax:.4f} x {VOS_DAYS:g}) = {a_t:.5f}"))
    f_m = MARROW_AFTER / MARROW_BEFORE
    p = PRECURSOR_CD20_FRACTION
    a_m = -math.log((f_m - (1.0 - p)) / p) / (kmax * MARROW_DAYS)
    out.append(Derived(
        "anti_cd20_targets", "anti_cd20_marrow_access", a_m,
        f"ar2798: f = {MARROW_AFTER:g}/{MARROW_BEFORE:g} = {f_m:.4f} of marrow CD19+ cells at "
        f"{MARROW_DAYS:g} days, of which a CD20+ share p = {p:g} is exposed: f = (1 - p) + p "
        f"exp(-a kmax t) => a = -ln((f - 1 + p)/p) / (kmax t) = "
        f"{-math.log((f_m - (1.0 - p)) / p):.4f} / ({kmax:.4f} x {MARROW_DAYS:g}) = {a_m:.5f}"))
    return out


def consistency() -> list[str]:
    """Checks of the sources against each other (printed, not asserted)."""
    lines = []
    q = LIOGER_K12 * LIOGER_V1_L
    v2 = LIOGER_V1_L * LIOGER_K12 / LIOGER_K21
    b = beta(LIOGER_K10 * LIOGER_V1_L, LIOGER_V1_L, q, v2)
    lines.append(f"Lioger 2017: CL = {LIOGER_K10 * LIOGER_V1_L:.3f} L/day, V2 = {v2:.2f} L, "
                 f"terminal t½ = {math.log(2) / b:.1f} d (Ternant 2019 Table 3: CL 0.44, 18.5 d)")
    for cl, what in ((GIBIANSKY_CL_INF_L_PER_DAY, "Gibiansky CL_inf"),
                     (LABEL_OBI_CL_L_PER_DAY, "label CL")):
        b = beta(cl, GIBIANSKY_V1_L, GIBIANSKY_Q_L_PER_DAY, GIBIANSKY_V2_L)
        lines.append(f"obinutuzumab with {what} {cl} L/day and Gibiansky V1/V2/Q: terminal "
                     f"t½ = {math.log(2) / b:.1f} d (label {LABEL_OBI_HALF_LIFE_DAYS} d), Vss = "
                     f"{GIBIANSKY_V1_L + GIBIANSKY_V2_L:.2f} L (label {LABEL_OBI_VSS_L} L)")
    return lines


def check() -> int:
    bad = 0
    for d in derive():
        params = tomllib.loads((THERAPIES / f"{d.file}.toml").read_text())["parameter"]
        value = next(p["value"] for p in params if p["name"] == d.name)
        if not math.isclose(value, d.value, rel_tol=1e-3):
            print(f"MISMATCH {d.file}.toml {d.name}: file {value}, derived {d.value:.6g}")
            bad += 1
    print("all derived values match the parameter files" if not bad else f"{bad} mismatches")
    return 1 if bad else 0


def main(argv: list[str]) -> int:
    if "--check" in argv:
        return check()
    for d in derive():
        print(f"{d.file}.toml  {d.name} = {d.value:.6g}\n    {d.arithmetic}")
    print()
    for line in consistency():
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
