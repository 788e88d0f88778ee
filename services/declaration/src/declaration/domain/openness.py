"""When a key-field product is open for self-declaration (企业自主申报, and the star-product self-declaration
too): the seed's FAQ says only when the agency's 14-day designation notice has ended AND the final plan
(终稿) is on the platform. One rule, one message per unmet part."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class ProductFacts(Protocol):
    @property
    def agency_org_id(self) -> object | None: ...
    @property
    def notice_end(self) -> datetime | None: ...
    @property
    def plan_version(self) -> int | None: ...


NO_AGENCY = "该重点领域产品尚未确定评估机构，暂时无法自主申报"
NOTICE_RUNNING = "该重点领域产品的评估机构尚未完成 14 天公示，暂时无法自主申报"
NO_FINAL_PLAN = "评估机构尚未在平台上传评估方案终稿，暂时无法自主申报"


def closed_reason(product: ProductFacts, now: datetime) -> str | None:
    """Why ``product`` is not open yet, or None when it is."""
    if product.agency_org_id is None or product.notice_end is None:
        return NO_AGENCY
    if product.notice_end > now:
        return NOTICE_RUNNING
    if product.plan_version is None:
        return NO_FINAL_PLAN
    return None
