"""Drug regimens, the therapy catalogue and lymphodepletion regimens as data."""

from __future__ import annotations

import math

import pytest

from immunoreset.errors import InputError
from immunoreset.therapy import (
    CarTProduct,
    DrugRegimen,
    Lymphodepletion,
    RateSegment,
    Regimen,
    body_surface_area_m2,
    catalogue,
)


def test_bolus_doses_scale_with_body_size() -> None:
    r = DrugRegimen("x", "rituximab", doses=(375.0, 375.0), days=(0.0, 7.0), unit="mg/m2")
    ev = r.events(3, -1, height_cm=180.0, weight_kg=80.0)
    bsa = body_surface_area_m2(180.0, 80.0)
    assert ev == [(0.0, 3, 375.0 * bsa), (7.0, 3, 375.0 * bsa)]
    per_kg = DrugRegimen("y", "teclistamab", doses=(1.5,), days=(0.0,), unit="mg/kg")
    assert per_kg.events(2, -1, height_cm=170.0, weight_kg=64.0) == [(0.0, 2, 1.5 * 64.0)]


def test_rate_segments_step_up_and_back_to_zero() -> None:
    r = DrugRegimen("b", "blinatumomab", segments=(RateSegment(0, 7, 0.009),
                                                   RateSegment(7, 28, 0.028)))
    ev = r.events(-1, 5, height_cm=170.0, weight_kg=70.0)
    # the running sum of the jumps is the rate in force; it ends at 0
    total = 0.0
    for _day, state, amount in sorted(ev):
        assert state == 5
        total += amount
        assert total >= -1e-15
    assert math.isclose(total, 0.0, abs_tol=1e-15)
    assert r.rate_at(3.0) == pytest.approx(0.009)
    assert r.rate_at(7.0) == pytest.approx(0.028)
    assert r.rate_at(28.0) == 0.0
    assert (r.first_day, r.last_day) == (0, 28)


def test_overlapping_segments_and_regimens_are_refused() -> None:
    with pytest.raises(InputError, match="segments overlap"):
        DrugRegimen("b", "blinatumomab", segments=(RateSegment(0, 10, 1.0), RateSegment(7, 28, 1.0)))
    a = DrugRegimen("p1", "prednisone", segments=(RateSegment(0, 30, 20.0),))
    b = DrugRegimen("p2", "prednisone", segments=(RateSegment(20, 60, 10.0),))
    with pytest.raises(InputError, match="at the same time"):
        Regimen("arm", drugs=(a, b))
    c = DrugRegimen("m", "mycophenolate", segments=(RateSegment(0, 30, 2000.0),))
    Regimen("arm", drugs=(a, c))  # two drugs at once are fine


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"doses": (1.0,), "days": ()}, "one day per dose"),
    ({}, "expected doses and days, or rate segments"),
    ({"doses": (-1.0,), "days": (0.0,)}, r"doses\[0\]: got -1.0"),
    ({"doses": (1.0,), "days": (0.0,), "unit": "g"}, "unit: got 'g'"),
])
def test_bad_drug_regimens_name_the_field(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InputError, match=match):
        DrugRegimen("x", "rituximab", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"segment\.stop"):
        RateSegment(5, 5, 1.0)


def test_lymphodepletion_regimens_are_catalogue_data() -> None:
    lds = catalogue().lymphodepletion
    assert {"flu_cy", "flu30_cy300", "flu30_cy500", "flu40_cy500", "cyclophosphamide",
            "none"} <= set(lds)
    assert lds["flu_cy"] == Lymphodepletion.flu_cy()  # Erlangen, as the code default
    totals = {name: (sum(d.amount_mg_per_m2 for d in ld.doses if d.drug == "fludarabine"),
                     sum(d.amount_mg_per_m2 for d in ld.doses if d.drug == "cyclophosphamide"))
              for name, ld in lds.items()}
    assert totals["flu_cy"] == (75.0, 1000.0)
    assert totals["flu30_cy300"] == (90.0, 900.0)
    assert totals["flu30_cy500"] == (90.0, 1500.0)
    assert totals["flu40_cy500"] == (80.0, 1000.0)
    assert totals["none"] == (0.0, 0.0)
    assert all(d.day < 0 for ld in lds.values() for d in ld.doses)
    assert all(catalogue().lymphodepletion_sources[n] for n in lds)


def test_products_carry_their_target_and_state() -> None:
    core = catalogue().product("MB-CART19.1")
    assert (core.target, core.kind, core.dose_state, core.modules) == ("CD19", "autologous",
                                                                       "car_t_infused", ())
    assert catalogue().product("CD19 CAR-T (MB-CART19.1)") is core  # the old default name
    with pytest.raises(InputError, match=r"car_t\.product: got 'nope'"):
        catalogue().product("nope")
    with pytest.raises(InputError, match=r"car_t\.target"):
        CarTProduct(target="CD22")


def test_a_product_whose_state_the_model_lacks_is_a_clear_error() -> None:
    car = CarTProduct(name="bcma", target="BCMA", dose_state="bcma_car_t_infused",
                      modules=("bcma_car_t",))
    with pytest.raises(InputError, match=r"bcma_car_t_infused.*which the model lacks"):
        Regimen("arm", car_t=car).events(height_cm=170.0, weight_kg=70.0,
                                         car_t_distribution_volume_l=5.0)


def test_repeat_infusions_and_anti_car_immunity_route_later_doses() -> None:
    from immunoreset.spec._arm import CarTTable

    mrna = CarTTable(product="RNA-CART19", dose_per_kg=1e6).products()[0]
    assert (mrna.day, mrna.repeat_days) == (0.0, (7.0, 14.0, 21.0, 28.0, 35.0))  # catalogue
    assert mrna.redose_state == ""  # no immunity: every dose into the same state
    re = CarTTable(product="MB-CART19.1", dose_per_kg=1e6, days=[0, 270],
                   anti_car_immunity=True).products()[0]
    assert re.redose_state == "car_t_redose_infused" and "car_t_anti_car" in re.modules
    index = {"car_t_infused": 1, "car_t_redose_infused": 2}
    ev = Regimen("a", car_t=re).events(height_cm=170.0, weight_kg=70.0,
                                       car_t_distribution_volume_l=5.0, state_index=index)
    assert [(d, i) for d, i, _ in ev] == [(0.0, 1), (270.0, 2)]
    assert ev[0][2] == ev[1][2] == pytest.approx(1e6 * 70.0 / 5e6)
    with pytest.raises(Exception, match="offers no anti-CAR immunity"):
        CarTTable(product="ALLO-501", flat_dose=1e8, anti_car_immunity=True)
    with pytest.raises(Exception, match="increasing days from 0"):
        CarTTable(product="MB-CART19.1", dose_per_kg=1e6, days=[7, 0])
