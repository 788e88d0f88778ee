"""Comparison results against hand-computed expectations, for every direction and on the thresholds."""

from decimal import Decimal

import pytest
from benchmark.domain import (
    PlanSpec,
    ProductType,
    Verdict,
    compare_forerunner,
    compare_star,
    define_indicators,
)
from benchmark.errors import ComparisonInputError, GradingStandardMissing, StarNotDeclarable


def by_code(result):
    return {r.code: r for r in result.indicators}


def test_forerunner_all_pass_with_margins(jacket_plan, good_jacket):
    result = compare_forerunner(jacket_plan, good_jacket)
    assert result.verdict is Verdict.PASSED
    assert result.plan_version == 7
    r = by_code(result)
    assert r["down_content"].margin == Decimal("2.5")  # 92.5 - 90
    assert r["formaldehyde"].margin == Decimal(5)  # 20 - 15
    assert r["ph"].margin == Decimal("2.2")  # nearer bound: 8.5 - 6.3
    assert r["colourfast"].margin == Decimal(1)  # 4-5 is one step above 4
    assert r["azo_free"].margin is None
    assert all(x.passed for x in result.indicators)


@pytest.mark.parametrize(
    ("code", "value"),
    [
        ("down_content", "90"),
        ("down_content", "90.000"),
        ("formaldehyde", "20"),
        ("ph", "4.0"),
        ("ph", "8.5"),
        ("ph", 4),
        ("colourfast", "4"),
        ("colourfast", "4级"),
        ("colourfast", 4),
    ],
)
def test_a_value_exactly_on_the_threshold_passes_with_zero_margin(jacket_plan, good_jacket, code, value):
    result = compare_forerunner(jacket_plan, {**good_jacket, code: value})
    assert result.verdict is Verdict.PASSED
    assert by_code(result)[code].margin == 0


@pytest.mark.parametrize(
    ("code", "value", "margin"),
    [
        ("down_content", "89.9", Decimal("-0.1")),
        ("formaldehyde", "20.01", Decimal("-0.01")),
        ("ph", "3.9", Decimal("-0.1")),  # below the low bound
        ("ph", "8.51", Decimal("-0.01")),  # above the high bound
        ("colourfast", "3-4", Decimal(-1)),
        ("azo_free", "否", None),
    ],
)
def test_just_past_the_threshold_fails_and_says_how_far(jacket_plan, good_jacket, code, value, margin):
    result = compare_forerunner(jacket_plan, {**good_jacket, code: value})
    assert result.verdict is Verdict.FAILED
    assert not result.verdict.may_continue
    failed = [r for r in result.indicators if not r.passed]
    assert [r.code for r in failed] == [code]
    assert failed[0].margin == margin


def test_float_inputs_do_not_drift_across_the_threshold(jacket_plan, good_jacket):
    # 0.1 + 0.2 != 0.3 in binary; a float threshold check would call 8.5 - 0.0 style sums wrong.
    # The value travels as the number people typed.
    result = compare_forerunner(jacket_plan, {**good_jacket, "ph": 8.5, "formaldehyde": 20.0})
    assert result.verdict is Verdict.PASSED


def test_result_dict_carries_everything_the_portal_shows(jacket_plan, good_jacket):
    data = compare_forerunner(jacket_plan, {**good_jacket, "down_content": 89}).as_dict()
    assert data["verdict"] == "failed" and data["verdict_label"] == "对标失败"
    assert data["plan_version"] == 7
    assert data["failed_count"] == 1 and data["passed_count"] == 4
    first = data["indicators"][0]
    assert first == {
        "code": "down_content",
        "name": "含绒量",
        "unit": "%",
        "direction": "higher",
        "direction_label": "越大越好",
        "value": "89",
        "threshold": "90",
        "passed": False,
        "margin": "-1",
        "star_reached": None,
    }
    ph = data["indicators"][2]
    assert ph["threshold"] == {"min": "4.0", "max": "8.5"}


def test_every_bad_value_is_reported_naming_its_indicator(jacket_plan):
    values = {"down_content": "九十", "formaldehyde": -1, "ph": "15", "colourfast": "6", "fill_power": 18}
    with pytest.raises(ComparisonInputError) as caught:
        compare_forerunner(jacket_plan, values)
    found = {(i.indicator, i.code) for i in caught.value.issues}
    assert found == {
        ("down_content", "not_a_number"),
        ("formaldehyde", "out_of_domain"),
        ("ph", "out_of_domain"),
        ("colourfast", "unknown_grade"),
        ("azo_free", "missing_value"),
        ("fill_power", "unknown_indicator"),
    }
    messages = {i.indicator: i.message for i in caught.value.issues}
    assert "「含绒量」(down_content)" in messages["down_content"]
    assert "[0, 14]" in messages["ph"]
    assert caught.value.code == "comparison_values_invalid"


@pytest.mark.parametrize("bad", ["maybe", 1, None, "", "好"])
def test_yes_no_indicator_refuses_anything_but_yes_or_no(jacket_plan, good_jacket, bad):
    with pytest.raises(ComparisonInputError) as caught:
        compare_forerunner(jacket_plan, {**good_jacket, "azo_free": bad})
    assert [i.indicator for i in caught.value.issues] == ["azo_free"]


def test_numeric_indicator_refuses_booleans(jacket_plan, good_jacket):
    with pytest.raises(ComparisonInputError) as caught:
        compare_forerunner(jacket_plan, {**good_jacket, "down_content": True})
    assert [(i.indicator, i.code) for i in caught.value.issues] == [("down_content", "not_a_number")]


def test_service_products_skip_comparison(service_plan):
    result = compare_forerunner(service_plan, {})
    assert result.verdict is Verdict.NOT_REQUIRED
    assert result.verdict.may_continue
    assert result.indicators == ()
    assert result.plan_version == 2
    assert compare_star(service_plan, {"anything": 1}, 3).verdict is Verdict.NOT_REQUIRED


# -- star comparison ---------------------------------------------------------------------------------


def test_star_picks_the_highest_level_every_indicator_reaches(jacket_plan):
    # down 86 → 4 stars; formaldehyde 75 → 3 stars (75 is exactly the 3-star maximum);
    # pH 8.7 → 2 stars (inside 4.0~9.0 only); grade 4-5 → 5; yes → 5. Lowest is 2.
    values = {"down_content": "86", "formaldehyde": "75", "ph": "8.7", "colourfast": "4-5", "azo_free": "是"}
    result = compare_star(jacket_plan, values, 3)
    reached = {r.code: r.star_reached for r in result.indicators}
    assert reached == {"down_content": 4, "formaldehyde": 3, "ph": 2, "colourfast": 5, "azo_free": 5}
    assert result.highest_star == 2
    assert result.verdict is Verdict.FAILED
    ph = by_code(result)["ph"]
    assert (ph.passed, ph.margin) == (False, Decimal("-0.2"))  # 3-star range is 4.0~8.5


def test_star_holds_when_every_indicator_reaches_it(jacket_plan):
    values = {"down_content": "85", "formaldehyde": "30", "ph": "7", "colourfast": "4", "azo_free": "是"}
    result = compare_star(jacket_plan, values, 4)
    assert result.highest_star == 4
    assert result.verdict is Verdict.PASSED
    assert result.requested_star == 4
    assert by_code(result)["down_content"].margin == 0  # exactly the 4-star minimum


def test_star_zero_when_an_indicator_misses_even_one_star(jacket_plan):
    values = {"down_content": "45", "formaldehyde": "10", "ph": "7", "colourfast": "5", "azo_free": "是"}
    result = compare_star(jacket_plan, values, 3)
    assert result.highest_star == 0
    assert by_code(result)["down_content"].star_reached == 0


@pytest.mark.parametrize("star", [1, 2, 5, 0, 6, "3", 3.0, True, None])
def test_only_three_or_four_stars_can_be_self_declared(jacket_plan, good_jacket, star):
    with pytest.raises(StarNotDeclarable):
        compare_star(jacket_plan, good_jacket, star)


def test_star_comparison_needs_a_grading_standard():
    rows = [
        {"code": "energy", "name": "耗电量", "unit": "kWh/24h", "direction": "lower", "forerunner": "0.5"}
    ]
    plan = PlanSpec(1, ProductType.PRODUCT, define_indicators(rows, product_type=ProductType.PRODUCT))
    with pytest.raises(GradingStandardMissing):
        compare_star(plan, {"energy": "0.4"}, 3)
    assert compare_forerunner(plan, {"energy": "0.5"}).passed


def test_grade_scale_with_chinese_labels():
    rows = [
        {
            "code": "sensory",
            "name": "感官品质等级",
            "unit": "",
            "direction": "等级",
            "forerunner": "特级",
            "grades": "三级,二级,一级,特级",
        }
    ]
    plan = PlanSpec(1, ProductType.PRODUCT, define_indicators(rows, product_type=ProductType.PRODUCT))
    assert compare_forerunner(plan, {"sensory": "特级"}).passed
    failed = compare_forerunner(plan, {"sensory": "二级"})
    assert failed.indicators[0].margin == Decimal(-2)
    with pytest.raises(ComparisonInputError):
        compare_forerunner(plan, {"sensory": "二"})
