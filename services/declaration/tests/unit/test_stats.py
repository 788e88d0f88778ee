"""The dashboard's arithmetic: percentiles, rates, the Beijing week, review times, provinces, safe CSV."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from declaration.domain import stats
from declaration.stats.export import to_csv


def test_percentile_interpolates_between_ranks():
    assert stats.percentile([], 50) is None
    assert stats.percentile([7.0], 90) == 7.0
    assert stats.percentile([1, 2, 3, 4], 50) == 2.5
    # rank (5-1)*0.9 = 3.6: between the 4th (40) and the 5th (100) value
    assert stats.percentile([100, 10, 30, 20, 40], 90) == pytest.approx(76.0)
    assert stats.percentile([3, 1, 2], 0) == 1 and stats.percentile([3, 1, 2], 100) == 3
    with pytest.raises(ValueError):
        stats.percentile([1], 101)


def test_rate_is_none_without_decisions():
    assert stats.rate(0, 0) is None
    assert stats.rate(2, 3) == pytest.approx(2 / 3)
    assert stats.rate(0, 4) == 0
    with pytest.raises(ValueError):
        stats.rate(3, 2)


def test_beijing_week_starts_monday_midnight_in_beijing():
    # Sunday 2026-03-15 17:00 UTC is Monday 01:00 in Beijing: the week of Monday 16 March
    start, end = stats.beijing_week(datetime(2026, 3, 15, 17, 0, tzinfo=UTC))
    assert start.isoformat() == "2026-03-16T00:00:00+08:00" and end - start == timedelta(days=7)
    start, _ = stats.beijing_week(datetime(2026, 3, 15, 15, 59, tzinfo=UTC))  # Sunday 23:59 in Beijing
    assert start.isoformat() == "2026-03-09T00:00:00+08:00"


def test_expiry_window_is_ninety_beijing_days():
    first, last = stats.expiry_window(datetime(2026, 12, 31, 16, 30, tzinfo=UTC))
    assert (first, last) == (date(2027, 1, 1), date(2027, 4, 1))


def test_province_prefers_the_region_code_then_the_credit_code():
    assert stats.province_of("650102", "91110108MA01C2Q57B") == "新疆维吾尔自治区"
    assert stats.province_of("", "91110108MA01C2Q57B") == "北京市"
    assert stats.province_of(None, "91440300MA5DC0BB2Y") == "广东省"
    assert stats.province_of("99", "91990000MA5DC0BB2Y") == stats.UNKNOWN_PROVINCE
    assert stats.province_of("", "") == stats.UNKNOWN_PROVINCE


def _m(did, action, role, to, at, *, frm=None):
    return stats.Move(did, None, action, role, frm, to, at, at)


def test_review_time_runs_from_arrival_on_the_agencys_desk_to_its_decision():
    did, t = uuid.uuid4(), datetime(2026, 3, 2, tzinfo=UTC)
    moves = [
        _m(did, "submit", "enterprise", "with_agency", t),
        _m(did, "pass", "agency", "group_review", t + timedelta(hours=5)),
        _m(did, "fail", "working_group", "group_returned", t + timedelta(hours=8)),
        _m(did, "pass", "agency", "group_review", t + timedelta(hours=20)),
    ]
    times = stats.agency_review_times(reversed(moves))  # arrival order does not matter
    assert sorted(rt.hours for rt in times) == [5.0, 12.0]
    assert stats.waiting_since(moves[:3]) == t + timedelta(hours=8)
    assert stats.waiting_since(moves) is None


def test_csv_has_a_bom_and_never_a_formula():
    data = to_csv(["名称", "数"], [['=HYPERLINK("x")', 1], ["+1", -2], ["@a", None], ["正常", True]])
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "名称,数"
    assert lines[1].startswith("\"'=HYPERLINK")
    assert lines[2] == "'+1,-2" and lines[3] == "'@a," and lines[4] == "正常,是"
