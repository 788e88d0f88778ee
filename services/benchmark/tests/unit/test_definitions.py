"""Defining core indicators: what an agency may write, and every fault reported with its field."""

from decimal import Decimal

import pytest
from benchmark.domain import (
    Direction,
    Interval,
    ProductType,
    define_indicator,
    define_indicators,
    indicator_fields,
)
from benchmark.errors import PlanDefinitionError


def base(**kw):
    return {"code": "x", "name": "指标", "unit": "%", "direction": "higher", "forerunner": "1", **kw}


def faults(fields) -> set[tuple[str, str]]:
    with pytest.raises(PlanDefinitionError) as caught:
        define_indicator(fields)
    return {(i.field, i.code) for i in caught.value.issues}


@pytest.mark.parametrize(
    ("raw", "direction"),
    [
        ("higher", Direction.HIGHER),
        ("越大越好", Direction.HIGHER),
        ("≤", Direction.LOWER),
        ("在区间内", Direction.RANGE),
        ("是否", Direction.BOOL),
        ("等级", Direction.GRADE),
    ],
)
def test_directions_by_code_or_chinese_label(raw, direction):
    forerunner = {"range": "1~2", "bool": "是", "grade": "3"}.get(direction.value, "1")
    assert define_indicator(base(direction=raw, forerunner=forerunner)).direction is direction


@pytest.mark.parametrize(
    "raw", ["4.0~8.5", "4.0～8.5", "4.0-8.5", "4.0 至 8.5", ["4.0", "8.5"], {"min": 4.0, "max": 8.5}]
)
def test_range_thresholds_in_every_written_form(raw):
    indicator = define_indicator(base(direction="range", forerunner=raw))
    assert indicator.forerunner == Interval(Decimal("4.0"), Decimal("8.5"))


def test_negative_range_bounds():
    indicator = define_indicator(base(direction="range", forerunner="-1--0.5"))
    assert indicator.forerunner == Interval(Decimal(-1), Decimal("-0.5"))


def test_every_fault_of_a_row_is_reported_with_its_field():
    assert faults({"code": "1x", "name": "", "direction": "up", "forerunner": None}) == {
        ("code", "invalid_code"), ("name", "missing_name"), ("direction", "invalid_direction"),
    }  # fmt: skip
    assert faults(base(forerunner="abc", lower_bound="z", star_1="1")) == {
        ("forerunner", "not_a_number"), ("lower_bound", "not_a_number"),
        ("star_2", "missing_threshold"), ("star_3", "missing_threshold"),
        ("star_4", "missing_threshold"), ("star_5", "missing_threshold"),
    }  # fmt: skip
    assert faults(base(direction="range", forerunner="8.5~4.0")) == {("forerunner", "range_reversed")}
    assert faults(base(direction="range", forerunner="4.0")) == {("forerunner", "not_a_range")}
    assert faults(base(lower_bound="0", upper_bound="100", forerunner="101")) == {
        ("forerunner", "out_of_domain")
    }
    assert faults(base(lower_bound="5", upper_bound="1")) == {("upper_bound", "bounds_reversed")}
    assert faults(base(direction="bool", forerunner="maybe")) == {("forerunner", "not_a_flag")}
    assert faults(base(direction="bool", forerunner="是", lower_bound=0)) == {
        ("lower_bound", "bound_not_applicable")
    }
    assert faults(base(direction="grade", forerunner="6")) == {("forerunner", "unknown_grade")}
    assert faults(base(direction="grade", forerunner="A", grades="A,A")) == {("grades", "invalid_grades")}
    assert faults(base(grades="1,2")) == {("grades", "grades_not_applicable")}
    assert faults(base(name="含\x00绒量", unit="%\x1b")) == {
        ("name", "invalid_text"),
        ("unit", "invalid_text"),
    }


def test_star_thresholds_must_not_loosen():
    stars = {
        "star_1": "4.0~9.0",
        "star_2": "4.0~8.5",
        "star_3": "4.0~9.0",
        "star_4": "4.5~8.5",
        "star_5": "4.5~8.0",
    }
    assert faults(base(direction="range", forerunner="4.5~8.0", **stars)) == {
        ("star_3", "stars_not_monotonic")
    }
    lower = {"star_1": "300", "star_2": "150", "star_3": "75", "star_4": "80", "star_5": "20"}
    assert faults(base(direction="lower", forerunner="20", **lower)) == {("star_4", "stars_not_monotonic")}
    flags = {"star_1": "否", "star_2": "是", "star_3": "是", "star_4": "是", "star_5": "是"}
    assert faults(base(direction="bool", forerunner="是", **flags)) == {("star_2", "stars_not_monotonic")}


def test_list_level_rules():
    ok = base()
    with pytest.raises(PlanDefinitionError) as caught:
        define_indicators([ok, ok], product_type=ProductType.PRODUCT)
    assert [(i.row, i.code) for i in caught.value.issues] == [(2, "duplicate_indicator")]

    graded = base(code="g", **{f"star_{n}": str(n) for n in range(1, 6)})
    with pytest.raises(PlanDefinitionError) as caught:
        define_indicators([graded, ok], product_type=ProductType.PRODUCT)
    assert [(i.indicator, i.code) for i in caught.value.issues] == [("x", "grading_incomplete")]

    with pytest.raises(PlanDefinitionError) as caught:
        define_indicators([], product_type=ProductType.PRODUCT)
    assert caught.value.issues[0].code == "no_indicators"
    assert define_indicators([], product_type=ProductType.SERVICE) == ()

    with pytest.raises(PlanDefinitionError) as caught:
        define_indicators([base(code=f"c{n}") for n in range(101)], product_type=ProductType.PRODUCT)
    assert caught.value.issues[0].code == "too_many_indicators"


def test_fields_round_trip_through_the_definition():
    row = base(
        direction="grade",
        forerunner="3-4",
        grades=["1", "1-2", "2", "2-3", "3", "3-4", "4", "4-5", "5"],
        **{f"star_{n}": g for n, g in zip(range(1, 6), ["2", "3", "3", "3-4", "4"], strict=True)},
    )
    indicator = define_indicator(row)
    assert define_indicator(indicator_fields(indicator)) == indicator
