"""SLEDAI-2K and clinical SLEDAI against the published weights (Gladman 2002, as reproduced by
medicalcriteria.com, HHE Rheumatology 2019 Table 4 and pediatriconcall)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from immunoreset.clinical import (
    CLINICAL_DESCRIPTORS,
    DESCRIPTORS,
    SLEDAI_2K_MAX,
    SLEDAI_2K_WEIGHTS,
    clinical_sledai,
    score_visits,
    sledai_2k,
)

from .helpers import DESCRIPTOR_NAMES, quiet_row, table

# Weights copied by hand from the published SLEDAI-2K form (8 × 8 neuro/vasculitis items,
# 4 × 6 musculoskeletal/renal items, 2 × 7 mucocutaneous/serosal/serology items, 1 × 3).
PUBLISHED_WEIGHTS = {
    "seizure": 8, "psychosis": 8, "organic_brain_syndrome": 8, "visual_disturbance": 8,
    "cranial_nerve_disorder": 8, "lupus_headache": 8, "cva": 8, "vasculitis": 8,
    "arthritis": 4, "myositis": 4, "urinary_casts": 4, "hematuria": 4, "proteinuria": 4,
    "pyuria": 4,
    "rash": 2, "alopecia": 2, "mucosal_ulcers": 2, "pleurisy": 2, "pericarditis": 2,
    "low_complement": 2, "increased_dna_binding": 2,
    "fever": 1, "thrombocytopenia": 1, "leukopenia": 1,
}  # fmt: skip


def frame(rows: list[set[str]]) -> pd.DataFrame:
    return pd.DataFrame([{d: int(d in r) for d in DESCRIPTOR_NAMES} for r in rows])


def test_weights_are_the_published_ones_in_the_published_order() -> None:
    assert dict(SLEDAI_2K_WEIGHTS) == PUBLISHED_WEIGHTS
    assert list(DESCRIPTORS) == DESCRIPTOR_NAMES


def test_all_weights_sum_to_105() -> None:
    assert SLEDAI_2K_MAX == 105  # 8*8 + 6*4 + 7*2 + 3*1 = 64 + 24 + 14 + 3


@pytest.mark.parametrize(("descriptor", "weight"), list(PUBLISHED_WEIGHTS.items()))
def test_each_descriptor_alone_scores_its_weight(descriptor: str, weight: int) -> None:
    scored = score_visits(table(quiet_row(present=[descriptor])), instruments=["sledai_2k"])
    assert scored["sledai_2k"].tolist() == [weight]


@pytest.mark.parametrize("descriptor", ["low_complement", "increased_dna_binding"])
def test_clinical_sledai_ignores_each_serological_descriptor(descriptor: str) -> None:
    scores = frame([{descriptor}])
    assert sledai_2k(scores).tolist() == [2]
    assert clinical_sledai(scores).tolist() == [0]


def test_a_typical_active_nephritis_visit_scores_by_hand() -> None:
    # Arthritis 4 + proteinuria 4 + haematuria 4 + rash 2 + low complement 2 +
    # increased DNA binding 2 + leukopenia 1 = 19; without serology: 19 - 4 = 15.
    visit = {"arthritis", "proteinuria", "hematuria", "rash", "low_complement",
             "increased_dna_binding", "leukopenia"}  # fmt: skip
    assert sledai_2k(frame([visit])).tolist() == [19]
    assert clinical_sledai(frame([visit])).tolist() == [15]


def test_no_descriptor_scores_zero_and_all_descriptors_score_105() -> None:
    assert sledai_2k(frame([set(), set(DESCRIPTOR_NAMES)])).tolist() == [0, 105]
    assert clinical_sledai(frame([set(), set(DESCRIPTOR_NAMES)])).tolist() == [0, 101]


def test_clinical_sledai_needs_only_the_22_clinical_columns() -> None:
    clinical_only = frame([{"fever"}]).drop(columns=["low_complement", "increased_dna_binding"])
    assert clinical_sledai(clinical_only).tolist() == [1]
    assert len(CLINICAL_DESCRIPTORS) == 22


subsets = st.lists(st.sets(st.sampled_from(DESCRIPTOR_NAMES)), min_size=1, max_size=20)


@settings(deadline=None, max_examples=200)
@given(subsets)
def test_sledai_2k_is_the_weighted_sum_of_present_descriptors(rows: list[set[str]]) -> None:
    expected = [sum(PUBLISHED_WEIGHTS[d] for d in r) for r in rows]
    assert sledai_2k(frame(rows)).tolist() == expected


@settings(deadline=None, max_examples=200)
@given(subsets)
def test_sledai_2k_lies_in_0_to_105_and_clinical_sledai_never_exceeds_it(
    rows: list[set[str]],
) -> None:
    total = sledai_2k(frame(rows)).to_numpy()
    clinical = clinical_sledai(frame(rows)).to_numpy()
    assert np.all((total >= 0) & (total <= 105))
    assert np.all(clinical <= total)


@settings(deadline=None, max_examples=200)
@given(st.sets(st.sampled_from(DESCRIPTOR_NAMES)), st.sampled_from(DESCRIPTOR_NAMES))
def test_adding_a_descriptor_never_lowers_sledai_2k(present: set[str], extra: str) -> None:
    before, after = sledai_2k(frame([present, present | {extra}])).tolist()
    assert after >= before
    assert after - before == (0 if extra in present else PUBLISHED_WEIGHTS[extra])
