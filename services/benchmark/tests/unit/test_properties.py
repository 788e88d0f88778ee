"""Property-based tests of the comparison engine: every direction, the boundaries, exactness, and the
star level as "the highest level every indicator reaches" computed by brute force."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from benchmark.domain import (
    PlanSpec,
    ProductType,
    Verdict,
    compare_forerunner,
    compare_star,
    define_indicator,
    define_indicators,
)
from benchmark.domain.indicators import DEFAULT_GRADES, STAR_LEVELS
from benchmark.domain.numbers import plain
from benchmark.errors import ComparisonInputError
from hypothesis import assume, given, settings
from hypothesis import strategies as st

# Values as people publish them: up to 6 integer digits and 4 decimals, negatives included.
decimals = st.decimals(min_value=Decimal("-999999.9999"), max_value=Decimal("999999.9999"), places=4,
                       allow_nan=False, allow_infinity=False)  # fmt: skip


def plan_of(*rows: dict) -> PlanSpec:
    return PlanSpec(1, ProductType.PRODUCT, define_indicators(list(rows), product_type=ProductType.PRODUCT))


def only(result):
    (row,) = result.indicators
    return row


@given(value=decimals, threshold=decimals)
def test_higher_is_better(value, threshold):
    plan = plan_of({"code": "x", "name": "指标", "direction": "higher", "forerunner": plain(threshold)})
    row = only(compare_forerunner(plan, {"x": plain(value)}))
    assert row.passed is (value >= threshold)
    assert row.margin == value - threshold


@given(value=decimals, threshold=decimals)
def test_lower_is_better(value, threshold):
    plan = plan_of({"code": "x", "name": "指标", "direction": "lower", "forerunner": plain(threshold)})
    row = only(compare_forerunner(plan, {"x": plain(value)}))
    assert row.passed is (value <= threshold)
    assert row.margin == threshold - value


@given(value=decimals, a=decimals, b=decimals)
def test_within_a_closed_range(value, a, b):
    low, high = min(a, b), max(a, b)
    plan = plan_of(
        {"code": "x", "name": "指标", "direction": "range", "forerunner": f"{plain(low)}~{plain(high)}"}
    )
    row = only(compare_forerunner(plan, {"x": plain(value)}))
    assert row.passed is (low <= value <= high)
    assert (row.margin >= 0) is row.passed
    # the margin is the distance to the nearer bound (negative outside)
    assert row.margin == min(value - low, high - value)


@given(value=st.booleans(), required=st.booleans())
def test_yes_no(value, required):
    plan = plan_of({"code": "x", "name": "指标", "direction": "bool", "forerunner": required})
    row = only(compare_forerunner(plan, {"x": "是" if value else "否"}))
    assert row.passed is (value == required)
    assert row.margin is None


@given(value=st.sampled_from(DEFAULT_GRADES), threshold=st.sampled_from(DEFAULT_GRADES))
def test_ordered_grade(value, threshold):
    plan = plan_of({"code": "x", "name": "色牢度", "direction": "grade", "forerunner": threshold})
    row = only(compare_forerunner(plan, {"x": value}))
    rank = DEFAULT_GRADES.index
    assert row.passed is (rank(value) >= rank(threshold))
    assert row.margin == rank(value) - rank(threshold)


@given(threshold=decimals, direction=st.sampled_from(["higher", "lower"]), as_float=st.booleans())
def test_a_value_equal_to_its_threshold_always_passes(threshold, direction, as_float):
    plan = plan_of({"code": "x", "name": "指标", "direction": direction, "forerunner": plain(threshold)})
    # the same number as a JSON float (its shortest repr) or as a string with extra trailing zeros
    value = float(threshold) if as_float else plain(threshold) + ("0" if "." in plain(threshold) else ".00")
    row = only(compare_forerunner(plan, {"x": value}))
    assert row.passed and row.margin == 0


@given(low=decimals, high=decimals)
def test_both_range_ends_are_inside(low, high):
    assume(low <= high)
    plan = plan_of(
        {"code": "x", "name": "指标", "direction": "range", "forerunner": [plain(low), plain(high)]}
    )
    assert compare_forerunner(plan, {"x": plain(low)}).passed
    assert compare_forerunner(plan, {"x": plain(high)}).passed


@given(value=decimals, threshold=decimals)
def test_string_float_and_int_inputs_agree(value, threshold):
    plan = plan_of({"code": "x", "name": "指标", "direction": "higher", "forerunner": plain(threshold)})
    from_text = only(compare_forerunner(plan, {"x": plain(value)}))
    from_float = only(compare_forerunner(plan, {"x": float(plain(value))}))
    assert from_text.passed == from_float.passed
    assert from_text.margin == from_float.margin


# -- stars -------------------------------------------------------------------------------------------


@st.composite
def graded_indicator(draw, code: str) -> dict:
    """A random indicator of any direction with five thresholds growing stricter (or equal) per star."""
    direction = draw(st.sampled_from(["higher", "lower", "range", "bool", "grade"]))
    row = {"code": code, "name": f"指标{code}", "direction": direction}
    if direction in ("higher", "lower"):
        levels = sorted(draw(st.lists(decimals, min_size=5, max_size=5)), reverse=direction == "lower")
        stars = [plain(t) for t in levels]
    elif direction == "range":
        lows = sorted(draw(st.lists(decimals, min_size=5, max_size=5)))
        highs = sorted(draw(st.lists(decimals, min_size=5, max_size=5)), reverse=True)
        assume(lows[-1] <= highs[-1])
        stars = [f"{plain(lo)}~{plain(hi)}" for lo, hi in zip(lows, highs, strict=True)]
    elif direction == "bool":
        stars = [draw(st.booleans())] * 5
    else:
        ranks = sorted(draw(st.lists(st.integers(0, len(DEFAULT_GRADES) - 1), min_size=5, max_size=5)))
        stars = [DEFAULT_GRADES[r] for r in ranks]
    row["forerunner"] = stars[-1]
    for level, threshold in zip(STAR_LEVELS, stars, strict=True):
        row[f"star_{level}"] = threshold
    return row


def random_value(draw, indicator) -> object:
    if indicator.direction.value == "bool":
        return draw(st.booleans())
    if indicator.direction.value == "grade":
        return draw(st.sampled_from(DEFAULT_GRADES))
    return plain(draw(decimals))


@settings(max_examples=200)
@given(data=st.data(), count=st.integers(1, 4), star=st.sampled_from([3, 4]))
def test_star_level_is_the_highest_every_indicator_reaches(data, count, star):
    rows = [data.draw(graded_indicator(f"i{n}")) for n in range(count)]
    plan = plan_of(*rows)
    values = {i.code: random_value(data.draw, i) for i in plan.indicators}
    result = compare_star(plan, values, star)

    parsed = {i.code: i.parse_value(values[i.code]) for i in plan.indicators}

    def all_reach(level: int) -> bool:
        return all(i.meets(parsed[i.code], i.stars[level - 1]) for i in plan.indicators)

    expected = max((level for level in STAR_LEVELS if all_reach(level)), default=0)
    assert result.highest_star == expected
    assert (result.verdict is Verdict.PASSED) is (expected >= star)
    assert all(r.passed is (r.star_reached >= star) for r in result.indicators)


@given(st.sets(st.sampled_from(["a", "b", "c", "d"]), min_size=1), st.sets(st.text(min_size=1, max_size=8)))
def test_missing_and_extra_values_are_each_reported(present, extra):
    plan = plan_of(*({"code": c, "name": c, "direction": "higher", "forerunner": "1"} for c in "abcd"))
    extra = {e for e in extra if e not in "abcd"}
    values = {c: "1" for c in present} | {e: "1" for e in extra}
    missing = set("abcd") - present
    if not missing and not extra:
        assert compare_forerunner(plan, values).passed
        return
    with pytest.raises(ComparisonInputError) as caught:
        compare_forerunner(plan, values)
    reported = {(i.indicator, i.code) for i in caught.value.issues}
    assert reported == {(m, "missing_value") for m in missing} | {(e, "unknown_indicator") for e in extra}


@given(raw=st.one_of(st.text(max_size=12), st.booleans(), st.none(), st.lists(st.integers(), max_size=2),
                     st.floats(allow_nan=True, allow_infinity=True)))  # fmt: skip
def test_any_input_either_compares_or_is_refused_naming_the_indicator(raw):
    plan = plan_of({"code": "x", "name": "含绒量", "direction": "higher", "forerunner": "90",
                    "lower_bound": "0", "upper_bound": "100"})  # fmt: skip
    try:
        result = compare_forerunner(plan, {"x": raw})
    except ComparisonInputError as exc:
        assert [i.indicator for i in exc.issues] == ["x"]
        assert "含绒量" in exc.issues[0].message
    else:
        value = only(result).value
        assert isinstance(value, Decimal) and Decimal(0) <= value <= Decimal(100)


@given(stars=st.lists(decimals, min_size=5, max_size=5))
def test_star_thresholds_out_of_order_are_refused(stars):
    row = {"code": "x", "name": "指标", "direction": "higher", "forerunner": "1"}
    row |= {f"star_{n}": plain(t) for n, t in enumerate(stars, start=1)}
    ordered = all(a <= b for a, b in itertools.pairwise(stars))
    try:
        define_indicator(row)
    except Exception as exc:
        assert not ordered
        assert {i.code for i in exc.issues} == {"stars_not_monotonic"}
    else:
        assert ordered


@settings(max_examples=25, deadline=None)
@given(data=st.data(), count=st.integers(1, 5), graded=st.booleans(), title=st.text(min_size=1, max_size=30))
def test_any_valid_plan_round_trips_through_the_excel_template(data, count, graded, title):
    from benchmark.domain.workbook import build_template, parse_workbook

    title = "".join(c for c in title if c.isprintable()).strip()
    assume(title)
    rows = [data.draw(graded_indicator(f"i{n}")) for n in range(count)]
    if not graded:
        for row in rows:
            row.update({f"star_{level}": None for level in STAR_LEVELS})
    indicators = define_indicators(rows, product_type=ProductType.PRODUCT)
    workbook = build_template(
        product_name="羽绒服", title=title, group_standard="T/CAQP 1-2024", indicators=indicators
    )
    parsed = parse_workbook(workbook, product_type=ProductType.PRODUCT)
    assert parsed.indicators == indicators
    assert parsed.title == title
