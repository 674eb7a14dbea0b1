"""Virtual patients similar to a real one: the nearest neighbours on the baseline read-outs."""

from __future__ import annotations

import numpy as np
import pytest

from immunoreset.errors import InputError
from immunoreset.model import load_parameters
from immunoreset.population import (
    PatientProfile,
    baseline_readouts,
    sample_cohort,
    similar_patients,
)

POOL_N = 80


@pytest.fixture(scope="module")
def pool():
    return sample_cohort(POOL_N, load_parameters(), seed=11)


def _profile_of(row) -> PatientProfile:
    return PatientProfile(sledai_2k=float(row.sledai_2k), anti_dsdna_iu_per_ml=float(row.anti_dsdna),
                          c3_g_per_l=float(row.c3), proteinuria_g_per_day=float(row.proteinuria),
                          b_cells_per_ul=float(row.b_cells_blood))


def test_baseline_readouts_are_the_steady_state_and_the_scored_baseline_visit(pool) -> None:
    from immunoreset.simulation import simulate_arm
    from immunoreset.therapy import Regimen

    table = baseline_readouts(pool)
    s = pool.model.state_index
    ok = table["plausible"].to_numpy()
    assert ok.all()  # the packaged parameters: every patient of this pool is plausible
    np.testing.assert_array_equal(table["anti_dsdna"], pool.y0[:, s["anti_dsdna"]])
    np.testing.assert_array_equal(table["c3"], pool.y0[:, s["c3"]])
    np.testing.assert_array_equal(table["b_cells_blood"],
                                  pool.y0[:, s["naive_b_blood"]] + pool.y0[:, s["autoreactive_b_blood"]])
    # The SLEDAI-2K read here is the one the simulation scores at the baseline visit (day -7).
    res = simulate_arm(pool.subset(range(10)), Regimen.refractory_background(),
                       days=np.arange(-7.0, -5.0))
    np.testing.assert_array_equal(table["sledai_2k"][:10], res.values["sledai_2k"][:, 0])


def test_a_pool_patients_own_readouts_find_it_first_at_distance_zero(pool) -> None:
    table = baseline_readouts(pool)
    for i in (3, 41, 77):
        found = similar_patients(pool, _profile_of(table.iloc[i]), k=5)
        assert found.rows[0] == i
        assert found.distance[0] == 0.0
        assert np.all(np.diff(found.distance) >= 0)  # nearest first
        assert found.cohort.patient_id[0] == pool.patient_id[i]


def test_the_distance_is_the_rms_of_standardised_differences(pool) -> None:
    table = baseline_readouts(pool)
    profile = PatientProfile(sledai_2k=12.0, anti_dsdna_iu_per_ml=150.0)
    found = similar_patients(pool, profile, k=POOL_N)
    s_sledai = np.std(table["sledai_2k"], ddof=1)
    f = np.log(table["anti_dsdna"])
    expected = np.sqrt((((table["sledai_2k"] - 12.0) / s_sledai) ** 2
                        + ((f - np.log(150.0)) / np.std(f, ddof=1)) ** 2) / 2)
    np.testing.assert_allclose(found.pool["distance"], expected, rtol=1e-12)
    # with one read-out, the order is that of |log(value / observed)| (one scale for all)
    alone = similar_patients(pool, PatientProfile(anti_dsdna_iu_per_ml=150.0), k=POOL_N)
    np.testing.assert_array_equal(alone.rows, np.argsort(np.abs(f - np.log(150.0)), kind="stable"))


def test_the_matched_group_is_closer_to_the_patient_than_the_pool(pool) -> None:
    profile = PatientProfile(sledai_2k=16.0, anti_dsdna_iu_per_ml=600.0, c3_g_per_l=0.45)
    found = similar_patients(pool, profile, k=10)
    table = found.comparison().set_index("readout")
    for col, value in (("sledai_2k", 16.0), ("anti_dsdna", 600.0), ("c3", 0.45)):
        assert abs(table.loc[col, "matched_median"] - value) < abs(table.loc[col, "pool_median"] - value)
    assert np.isnan(table.loc["proteinuria", "observed"])  # not given


def test_no_readouts_give_the_first_patients_of_the_pool(pool) -> None:
    found = similar_patients(pool, PatientProfile(), k=7)
    np.testing.assert_array_equal(found.rows, np.arange(7))
    np.testing.assert_array_equal(found.distance, np.zeros(7))


def test_covariates_of_the_profile_replace_those_of_the_matched_patients(pool) -> None:
    profile = PatientProfile(sex="M", age_years=51.0, weight_kg=92.5, height_cm=181.0)
    found = similar_patients(pool, profile, k=4)
    assert found.cohort.sex == ("M",) * 4
    np.testing.assert_array_equal(found.cohort.weight_kg, [92.5] * 4)
    np.testing.assert_array_equal(found.cohort.height_cm, [181.0] * 4)
    np.testing.assert_array_equal(found.cohort.age, [51.0] * 4)
    # the dynamics' inputs are the pool's
    np.testing.assert_array_equal(found.cohort.params, pool.params[:4])
    np.testing.assert_array_equal(found.cohort.y0, pool.y0[:4])


def test_a_readout_outside_the_pool_is_said(pool) -> None:
    found = similar_patients(pool, PatientProfile(anti_dsdna_iu_per_ml=5.0), k=3)
    (note,) = found.notes
    assert note.startswith("anti_dsdna 5 IU/mL is outside the pool's range")


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"sex": "X"}, r"patient\.sex: got 'X', expected 'F' or 'M'"),
    ({"c3_g_per_l": -0.1}, r"patient\.c3_g_per_l: got -0\.1, expected a number >= 0"),
    ({"sledai_2k": 110.0}, r"patient\.sledai_2k: got 110, expected 0-105 points"),
    ({"weight_kg": 0.0}, r"patient\.weight_kg: got 0, expected a number > 0"),
    ({"anti_dsdna_iu_per_ml": float("nan")}, r"anti_dsdna_iu_per_ml: got nan"),
])
def test_bad_profiles_are_refused(kwargs, match) -> None:
    with pytest.raises(InputError, match=match):
        PatientProfile(**kwargs)


def test_k_beyond_the_plausible_pool_is_refused(pool) -> None:
    with pytest.raises(InputError, match=r"matching\.similar: got 81, expected an integer 1-80"):
        similar_patients(pool, PatientProfile(), k=81)
