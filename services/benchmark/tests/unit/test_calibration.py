"""The threshold calibrator's calculation: its shares against a brute-force count over the values written
out here (plain comparisons, not the engine's ``meets``), the top-share suggestion's definition, the
histogram, hiding below 5 enterprises, and the errors of a bad query."""

from __future__ import annotations

import math
import uuid
from decimal import Decimal
from itertools import pairwise

import pytest
from benchmark.domain import Interval, define_indicator
from benchmark.domain.calibration import (
    MIN_ENTERPRISES,
    calibrate,
    enterprise_key,
    histogram,
    parse_proposals,
    parse_top_share,
    read_entries,
    recorded_value,
)
from benchmark.domain.indicators import DEFAULT_GRADES
from benchmark.domain.numbers import plain
from benchmark.errors import CalibrationShareInvalid, CalibrationThresholdInvalid
from hypothesis import given, settings
from hypothesis import strategies as st

DIRECTIONS = ("higher", "lower", "range", "grade", "bool")
# a small pool of values, so ties and values exactly on a threshold are frequent
numbers = st.decimals(min_value=Decimal("-50"), max_value=Decimal("50"), places=1)
shares = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(1), places=2)


def indicator(code: str, direction: str, threshold):
    return define_indicator(
        {"code": code, "name": f"指标{code}", "direction": direction, "forerunner": threshold}
    )


def brute_passes(direction: str, value, threshold) -> bool:
    """Whether a value passes, written out per direction from the rule table (inclusive thresholds)."""
    if direction == "higher":
        return value >= threshold
    if direction == "lower":
        return value <= threshold
    if direction == "range":
        return threshold.low <= value <= threshold.high
    if direction == "grade":
        return DEFAULT_GRADES.index(value) >= DEFAULT_GRADES.index(threshold)
    return value == threshold


@st.composite
def value_of(draw, direction: str):
    if direction in ("higher", "lower", "range"):
        return draw(numbers)
    if direction == "grade":
        return draw(st.sampled_from(DEFAULT_GRADES))
    return draw(st.booleans())


@st.composite
def threshold_of(draw, direction: str):
    if direction == "range":
        a, b = draw(numbers), draw(numbers)
        return Interval(min(a, b), max(a, b))
    return draw(value_of(direction))


def as_raw(threshold) -> object:
    """A threshold as a plan or a query writes it."""
    if isinstance(threshold, Interval):
        return f"{plain(threshold.low)}~{plain(threshold.high)}"
    if isinstance(threshold, bool):
        return "是" if threshold else "否"
    return plain(threshold) if isinstance(threshold, Decimal) else threshold


@st.composite
def plans(draw, min_size: int = 1, max_size: int = 3):
    """Indicators of random directions with random current and proposed thresholds, and enterprises'
    values (some enterprises leave an indicator out)."""
    directions = draw(st.lists(st.sampled_from(DIRECTIONS), min_size=min_size, max_size=max_size))
    indicators, proposed = [], {}
    for n, direction in enumerate(directions):
        code = f"i{n}"
        indicators.append(indicator(code, direction, as_raw(draw(threshold_of(direction)))))
        if draw(st.booleans()):
            proposed[code] = draw(threshold_of(direction))
    enterprises = draw(st.integers(min_value=0, max_value=30))
    entries = {}
    for e in range(enterprises):
        entry = {}
        for i in indicators:
            if draw(st.integers(0, 9)) > 0:  # one in ten values missing
                entry[i.code] = draw(value_of(i.direction.value))
        entries[f"e{e}"] = entry
    return indicators, proposed, entries


@settings(max_examples=300, deadline=None)
@given(plan=plans(), top_share=shares)
def test_each_share_is_the_brute_force_count(plan, top_share):
    indicators, proposed, entries = plan
    result = calibrate(indicators, entries, proposed=proposed, top_share=top_share)
    for i, out in zip(indicators, result.indicators, strict=True):
        values = [e[i.code] for e in entries.values() if i.code in e]
        assert out.enterprises == len(values)
        if len(values) < MIN_ENTERPRISES:
            assert out.hidden and out.current is None and out.bins == () and out.suggestion is None
            continue
        direction = i.direction.value
        expected = sum(1 for v in values if brute_passes(direction, v, i.forerunner))
        assert (out.current.passing, out.current.total) == (expected, len(values))
        if i.code in proposed:
            expected = sum(1 for v in values if brute_passes(direction, v, proposed[i.code]))
            assert (out.proposed.passing, out.proposed.total) == (expected, len(values))
        else:
            assert out.proposed is None
        assert sum(b.count for b in out.bins) == len(values)


@settings(max_examples=300, deadline=None)
@given(plan=plans(), top_share=shares)
def test_the_joint_share_is_the_brute_force_count_over_complete_entries(plan, top_share):
    indicators, proposed, entries = plan
    result = calibrate(indicators, entries, proposed=proposed, top_share=top_share)
    complete = [e for e in entries.values() if all(i.code in e for i in indicators)]
    assert result.joint_enterprises == len(complete)
    if len(complete) < MIN_ENTERPRISES:
        assert result.joint_current is None and result.joint_proposed is None
        assert result.as_dict()["joint"]["hidden_reason"] == "too_few_enterprises"
        return

    def passing_all(thresholds) -> int:
        return sum(
            1
            for e in complete
            if all(brute_passes(i.direction.value, e[i.code], thresholds[i.code]) for i in indicators)
        )

    current = {i.code: i.forerunner for i in indicators}
    assert result.joint_current.passing == passing_all(current)
    assert result.joint_proposed.passing == passing_all({**current, **proposed})
    suggested = {o.indicator.code: o.suggestion for o in result.indicators if o.suggestion is not None}
    assert result.joint_suggested.passing == passing_all({**current, **suggested})
    assert result.joint_current.total == len(complete)


@settings(max_examples=300, deadline=None)
@given(
    direction=st.sampled_from(("higher", "lower", "range", "grade")),
    data=st.data(),
    top_share=shares,
)
def test_the_suggestion_is_the_strictest_entered_threshold_keeping_the_top_share(direction, data, top_share):
    values = data.draw(st.lists(value_of(direction), min_size=MIN_ENTERPRISES, max_size=40))
    ind = indicator("x", direction, as_raw(data.draw(threshold_of(direction))))
    out = calibrate([ind], {f"e{n}": {"x": v} for n, v in enumerate(values)}, top_share=top_share).indicators[
        0
    ]
    keep = math.ceil(top_share * len(values))
    suggestion = out.suggestion

    def count(threshold) -> int:
        return sum(1 for v in values if brute_passes(direction, v, threshold))

    assert out.suggested.passing == count(suggestion) >= keep
    if direction == "range":
        assert suggestion.low in values and suggestion.high in values
        width = suggestion.high - suggestion.low
        # no narrower interval between two entered values holds as many
        for low in values:
            for high in values:
                if low <= high and high - low < width:
                    assert count(Interval(low, high)) < keep
    else:
        assert suggestion in values
        # every stricter entered value keeps fewer than the top share
        for v in values:
            stricter = not brute_passes(direction, suggestion, v)
            if stricter:
                assert count(v) < keep


@settings(max_examples=200, deadline=None)
@given(values=st.lists(numbers, min_size=1, max_size=60))
def test_every_number_falls_in_its_bin(values):
    bins = histogram(indicator("x", "higher", "0"), values)
    assert sum(b.count for b in bins) == len(values)
    assert len(bins) <= 14
    for b in bins:
        inside = [v for v in values if b.low <= v < b.high or (b.low == b.high == v)]
        assert len(inside) == b.count
    assert all(x.high == y.low for x, y in pairwise(bins))


def test_grades_and_answers_are_counted_per_category():
    grade = indicator("g", "grade", "4")
    assert [(b.label, b.count) for b in histogram(grade, ["4", "4-5", "4", "2"])] == [
        ("1", 0), ("1-2", 0), ("2", 1), ("2-3", 0), ("3", 0), ("3-4", 0), ("4", 2), ("4-5", 1), ("5", 0),
    ]  # fmt: skip
    answer = indicator("b", "bool", "是")
    assert [(b.label, b.count) for b in histogram(answer, [True, False, True])] == [("是", 2), ("否", 1)]


def test_hand_computed_calibration():
    down = indicator("down", "higher", "90")
    form = indicator("form", "lower", "20")
    values = {  # five enterprises; e5 left formaldehyde out
        "e1": {"down": Decimal(95), "form": Decimal(10)},
        "e2": {"down": Decimal(92), "form": Decimal(25)},
        "e3": {"down": Decimal(90), "form": Decimal(20)},
        "e4": {"down": Decimal(85), "form": Decimal(15)},
        "e5": {"down": Decimal(80)},
    }
    result = calibrate([down, form], values, proposed={"down": Decimal(91)}, top_share=Decimal("0.4"))
    d, f = result.indicators
    assert (d.current.passing, d.current.total) == (3, 5)  # 95, 92, 90
    assert (d.proposed.passing, d.proposed.total) == (2, 5)  # 95, 92
    assert d.suggestion == Decimal(92)  # top 40 % of 5 = 2 enterprises
    assert f.hidden and f.enterprises == 4 and f.current is None
    assert result.joint_enterprises == 4 and result.joint_current is None  # only four have both values
    view = result.as_dict()
    assert view["indicators"][1]["hidden_reason"] == "too_few_enterprises"
    assert "不足 5 家" in view["indicators"][1]["hidden_message"]
    assert [q["p"] for q in view["indicators"][0]["quantiles"]] == [10, 25, 50, 75, 90]
    assert view["indicators"][0]["quantiles"][2]["value"] == "90"  # the median of 80 85 90 92 95
    assert view["indicators"][0]["current"] == {"passing": 3, "total": 5, "share": 0.6}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, Decimal("0.2")), ("", Decimal("0.2")), ("0.1", Decimal("0.1")), ("1", Decimal(1)),
     ("20%", Decimal("0.2")), ("５％", Decimal("0.05"))],
)  # fmt: skip
def test_top_share_reads_decimals_and_percentages(raw, expected):
    assert parse_top_share(raw) == expected


@pytest.mark.parametrize("raw", ["0", "-0.2", "1.5", "abc", "120%", "1e-1", "NaN"])
def test_a_bad_top_share_is_refused_in_chinese(raw):
    with pytest.raises(CalibrationShareInvalid) as caught:
        parse_top_share(raw)
    assert caught.value.code == "calibration_share_invalid" and "领先比例" in caught.value.message


def test_proposals_are_read_like_the_plan_reads_thresholds():
    indicators = [
        indicator("down", "higher", "90"),
        indicator("ph", "range", "4~8.5"),
        indicator("azo", "bool", "是"),
    ]
    proposed = parse_proposals(indicators, ["down:92.5", "ph:4.5~8", "azo:否"])
    assert proposed == {"down": Decimal("92.5"), "ph": Interval(Decimal("4.5"), Decimal(8)), "azo": False}
    with pytest.raises(CalibrationThresholdInvalid) as caught:
        parse_proposals(indicators, ["down:abc", "ph:9~4", "nope:1", "just text", "down:91"])
    assert caught.value.code == "calibration_threshold_invalid"
    assert {(i.get("indicator"), i["code"]) for i in caught.value.details} == {
        ("down", "not_a_number"), ("ph", "range_reversed"), ("nope", "unknown_indicator"),
        (None, "not_a_proposal"),
    }  # fmt: skip


def test_values_that_no_longer_fit_the_indicator_are_left_out():
    indicators = [indicator("down", "higher", "90"), indicator("g", "grade", "4")]
    rows = [("k1", "down", "91.5"), ("k1", "g", "4-5"), ("k2", "down", "true"), ("k2", "g", "优"),
            ("k3", "gone", "1")]  # fmt: skip
    assert read_entries(indicators, rows) == {"k1": {"down": Decimal("91.5"), "g": "4-5"}}


def test_recorded_values_read_back_as_the_same_value():
    ind = indicator("azo", "bool", "是")
    assert ind.parse_value(recorded_value(True)) is True and ind.parse_value(recorded_value(False)) is False
    assert recorded_value(Decimal("-0.50")) == "-0.50"


def test_the_enterprise_key_is_a_keyed_pseudonym():
    org = uuid.uuid4()
    key = enterprise_key("secret-a", org)
    assert key == enterprise_key("secret-a", org) and len(key) == 64
    assert key != enterprise_key("secret-b", org) and key != enterprise_key("secret-a", uuid.uuid4())
    assert org.hex not in key and str(org) not in key
