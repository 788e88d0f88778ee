"""The benchmark service's enums with their Chinese labels (the one place they are written).
``PUBLIC_ENUMS`` are the ones whose values reach clients; the portal's labels are generated from them."""

from __future__ import annotations

from enum import StrEnum

from kit.audit_chain import AuditBreakKind


class Direction(StrEnum):
    """How an indicator's value is judged against its threshold (判定方向)."""

    HIGHER = "higher"
    LOWER = "lower"
    RANGE = "range"
    BOOL = "bool"
    GRADE = "grade"

    @property
    def label(self) -> str:
        return _DIRECTION_LABELS[self]

    @property
    def numeric(self) -> bool:
        return self in (Direction.HIGHER, Direction.LOWER, Direction.RANGE)


_DIRECTION_LABELS = {
    Direction.HIGHER: "越大越好",
    Direction.LOWER: "越小越好",
    Direction.RANGE: "在区间内",
    Direction.BOOL: "是否",
    Direction.GRADE: "等级",
}


class ProductType(StrEnum):
    PRODUCT = "product"
    SERVICE = "service"

    @property
    def label(self) -> str:
        return "产品类" if self is ProductType.PRODUCT else "服务类"

    @property
    def compared(self) -> bool:
        """The seed: 服务类无需对标 — service-type products skip comparison."""
        return self is ProductType.PRODUCT


class PlanStatus(StrEnum):
    DRAFT = "draft"
    FINAL = "final"
    SUPERSEDED = "superseded"

    @property
    def label(self) -> str:
        return {"draft": "草稿", "final": "终稿", "superseded": "已被新版本取代"}[self.value]


class ClosedReason(StrEnum):
    """Why a key-field product is not open for self-declaration."""

    NO_AGENCY = "no_agency"
    NOTICE_RUNNING = "notice_running"
    NO_FINAL_PLAN = "no_final_plan"

    @property
    def label(self) -> str:
        return {
            "no_agency": "该重点领域产品尚未确定评估机构",
            "notice_running": "评估机构尚未完成14天的公示",
            "no_final_plan": "评估机构尚未在平台上传评估方案终稿",
        }[self.value]


class ComparisonKind(StrEnum):
    FORERUNNER = "forerunner"
    STAR = "star"

    @property
    def label(self) -> str:
        return {"forerunner": "领跑者对标", "star": "星级对标"}[self.value]


class Verdict(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_REQUIRED = "not_required"

    @property
    def label(self) -> str:
        return {"passed": "对标成功", "failed": "对标失败", "not_required": "服务类无需对标"}[self.value]

    @property
    def may_continue(self) -> bool:
        """The seed: on failure the declaration cannot go on; success or no comparison can."""
        return self is not Verdict.FAILED


class HiddenReason(StrEnum):
    """Why the threshold calibrator shows nothing of an indicator (or of the joint share); the answer
    carries the sentence for people."""

    TOO_FEW_ENTERPRISES = "too_few_enterprises"


PUBLIC_ENUMS: tuple[type[StrEnum], ...] = (
    Direction,
    ProductType,
    PlanStatus,
    ClosedReason,
    ComparisonKind,
    Verdict,
    AuditBreakKind,  # the audit chain's verification (kit.audit_chain)
)
