"""Rules of the reference data: designation notices, plan statuses, and when a key-field product is
open for self-declaration (the seed's FAQ 为什么……无法进行自主申报？)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from benchmark.domain.statuses import ClosedReason, PlanStatus
from benchmark.errors import PlanNotDraft

NOTICE_PERIOD = timedelta(days=14)


def notice_ends(starts_at: datetime) -> datetime:
    """A designation is shown publicly for 14 days from the moment it is made."""
    return starts_at + NOTICE_PERIOD


def plan_transition(previous: PlanStatus, new: PlanStatus) -> PlanStatus:
    """The legal moves of an assessment plan. A final plan is never edited: the agency drafts the
    next version, and finalising it supersedes the old one, so every earlier result keeps pointing
    at the exact version it was computed against."""
    match (previous, new):
        case (PlanStatus.DRAFT, PlanStatus.FINAL) | (PlanStatus.FINAL, PlanStatus.SUPERSEDED):
            return new
        case _:
            # the only move a caller can ask for that is not legal is finalising a plan that is not a draft
            raise PlanNotDraft(f"评估方案不能从“{previous.label}”变为“{new.label}”")


# The seed's FAQ answer, shown whenever a product is closed.
CLOSED_EXPLANATION = (
    "重点领域产品可以进行自主申报的前提：1. 该重点领域产品已确定评估机构，且评估机构已完成14天的公示；"
    "2. 评估机构已在平台上传评估方案终稿。若未同时达到以上两个条件，则企业暂时无法自主申报企标领跑者。"
)


@dataclass(frozen=True, slots=True)
class Openness:
    open: bool
    reasons: tuple[ClosedReason, ...]
    notice_ends_at: datetime | None

    @property
    def message(self) -> str | None:
        if self.open:
            return None
        parts = []
        for reason in self.reasons:
            if reason is ClosedReason.NOTICE_RUNNING and self.notice_ends_at is not None:
                parts.append(f"{reason.label}（公示至 {self.notice_ends_at:%Y-%m-%d %H:%M} UTC）")
            else:
                parts.append(reason.label)
        return "；".join(parts) + "。" + CLOSED_EXPLANATION


def openness(*, notice_ends_at: datetime | None, has_final_plan: bool, now: datetime) -> Openness:
    """Open only when the designation notice has ended (the end instant itself counts as ended)
    and a final plan exists; otherwise every missing condition is named."""
    reasons: list[ClosedReason] = []
    if notice_ends_at is None:
        reasons.append(ClosedReason.NO_AGENCY)
    elif now < notice_ends_at:
        reasons.append(ClosedReason.NOTICE_RUNNING)
    if not has_final_plan:
        reasons.append(ClosedReason.NO_FINAL_PLAN)
    return Openness(open=not reasons, reasons=tuple(reasons), notice_ends_at=notice_ends_at)
