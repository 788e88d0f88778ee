"""When a key-field product is open for self-declaration, and the legal moves of a plan."""

from datetime import UTC, datetime, timedelta

import pytest
from benchmark.domain import (
    ClosedReason,
    PlanStatus,
    notice_ends,
    openness,
    plan_transition,
)
from benchmark.errors import PlanNotDraft

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_notice_lasts_fourteen_days():
    assert notice_ends(T0) == T0 + timedelta(days=14)


@pytest.mark.parametrize(
    ("ends", "final", "now", "reasons"),
    [
        (None, False, T0, [ClosedReason.NO_AGENCY, ClosedReason.NO_FINAL_PLAN]),
        (None, True, T0, [ClosedReason.NO_AGENCY]),
        (
            T0 + timedelta(days=14),
            True,
            T0 + timedelta(days=14) - timedelta(microseconds=1),
            [ClosedReason.NOTICE_RUNNING],
        ),
        (T0 + timedelta(days=14), False, T0 + timedelta(days=20), [ClosedReason.NO_FINAL_PLAN]),
        (T0 + timedelta(days=14), True, T0 + timedelta(days=14), []),  # the end instant counts as ended
    ],
)
def test_open_only_when_notice_ended_and_plan_final(ends, final, now, reasons):
    state = openness(notice_ends_at=ends, has_final_plan=final, now=now)
    assert list(state.reasons) == reasons
    assert state.open is (not reasons)
    if reasons:
        assert "评估方案终稿" in state.message  # the FAQ answer is always shown when closed
    else:
        assert state.message is None


def test_running_notice_message_says_until_when():
    state = openness(notice_ends_at=T0 + timedelta(days=14), has_final_plan=True, now=T0)
    assert "公示至 2026-01-15 00:00" in state.message


def test_plan_moves():
    assert plan_transition(PlanStatus.DRAFT, PlanStatus.FINAL) is PlanStatus.FINAL
    assert plan_transition(PlanStatus.FINAL, PlanStatus.SUPERSEDED) is PlanStatus.SUPERSEDED
    for previous, new in [
        (PlanStatus.FINAL, PlanStatus.DRAFT),
        (PlanStatus.FINAL, PlanStatus.FINAL),
        (PlanStatus.SUPERSEDED, PlanStatus.FINAL),
        (PlanStatus.DRAFT, PlanStatus.SUPERSEDED),
    ]:
        with pytest.raises(PlanNotDraft):
            plan_transition(previous, new)
