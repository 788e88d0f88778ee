"""The demo catalogue is valid and covers what the portal must show."""

from benchmark.domain import Direction, PlanSpec, ProductType, compare_forerunner, define_indicators
from benchmark.domain.demo_data import AGENCIES, PRODUCTS


def test_demo_plans_are_valid_and_cover_every_direction():
    directions = set()
    fields = set()
    for demo in PRODUCTS:
        indicators = define_indicators(demo.indicators, product_type=demo.product_type)
        directions |= {i.direction for i in indicators}
        fields.add(demo.field)
        assert demo.agency_key in {a.key for a in AGENCIES}
        if demo.product_type is ProductType.PRODUCT:
            assert PlanSpec(1, demo.product_type, indicators).graded, demo.name
    assert directions == set(Direction)
    assert len([p for p in PRODUCTS if p.product_type is ProductType.PRODUCT and p.plan_final]) >= 6
    assert any(p.product_type is ProductType.SERVICE for p in PRODUCTS)
    assert len(fields) >= 5
    assert len({p.code for p in PRODUCTS}) == len(PRODUCTS)


def test_forerunner_thresholds_equal_the_five_star_level():
    # a forerunner standard is the advanced (5-star) level: the demo plans say so consistently
    for demo in PRODUCTS:
        for row in demo.indicators:
            if row["star_5"] is not None:
                assert row["forerunner"] == row["star_5"], (demo.code, row["code"])


def test_the_refrigerator_example_from_the_issue():
    demo = next(p for p in PRODUCTS if p.name == "家用电冰箱")
    plan = PlanSpec(1, demo.product_type, define_indicators(demo.indicators, product_type=demo.product_type))
    energy = plan.indicator("energy_daily")
    assert energy.direction is Direction.LOWER and energy.unit == "kWh/24h"
    result = compare_forerunner(plan, {"energy_daily": "0.50", "noise": "35", "freezing_capacity": "10.0"})
    assert result.passed
