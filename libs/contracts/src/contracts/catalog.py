"""``catalog.*`` events (producer: benchmark). Key-field products, agency designations and final
assessment plans, so other services keep the copy they need without reading benchmark's tables.

Numbers travel as decimal strings (never floats) so a consumer sees exactly the thresholds the agency
published. Additive changes only within v1.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

PRODUCT_SAVED = "catalog.product_saved"
AGENCY_DESIGNATED = "catalog.agency_designated"
DESIGNATION_WITHDRAWN = "catalog.designation_withdrawn"
PLAN_FINALISED = "catalog.plan_finalised"


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ProductSaved(_Payload):
    """A key-field product (重点领域产品) was created or changed by the working group."""

    product_id: uuid.UUID
    code: str
    name: str
    field: str
    year: int
    product_type: Literal["product", "service"]  # 产品类 / 服务类 (服务类无需对标)


class AgencyDesignated(_Payload):
    """An assessment agency was designated for a product; its public notice runs 14 days. The product
    opens for self-declaration once ``notice_end`` has passed and a plan is final."""

    product_id: uuid.UUID
    agency_org_id: uuid.UUID
    agency_name: str
    notice_start: datetime
    notice_end: datetime


class DesignationWithdrawn(_Payload):
    """The working group withdrew the agency's designation for a product (撤销评估机构确定). The product is
    closed for self-declaration until another agency is designated (``catalog.agency_designated``);
    declarations still under review leave the withdrawn agency's desk and wait for the next agency.
    ``notice_start`` is the withdrawn designation's, so a consumer that already saw a newer designation
    of the same product can tell the withdrawal is about an older one and ignore it."""

    designation_id: uuid.UUID
    product_id: uuid.UUID
    product_code: str
    product_name: str
    year: int
    agency_org_id: uuid.UUID
    agency_name: str
    notice_start: datetime
    reason: str
    withdrawn_at: datetime


class Indicator(_Payload):
    """One core indicator (核心指标) as the plan defines it.

    ``direction``: higher | lower | range | bool | grade. Thresholds by direction: higher/lower — a
    decimal string (inclusive minimum/maximum); range — ``{"min": "4.0", "max": "8.5"}`` (closed);
    bool — the required true/false; grade — the lowest acceptable grade, a label of ``grades``
    (the scale, worst first). ``stars`` holds the thresholds of stars 1..5 or is null when the plan
    has no grading standard.
    """

    code: str
    name: str
    unit: str
    direction: Literal["higher", "lower", "range", "bool", "grade"]
    forerunner: Any
    stars: list[Any] | None = None
    lower_bound: str | None = None
    upper_bound: str | None = None
    grades: list[str] | None = None


class PlanFinalised(_Payload):
    """The agency uploaded the final version (终稿) of a product's assessment plan. It replaces any
    earlier final version; results always record the ``version`` they were computed against."""

    product_id: uuid.UUID
    plan_id: uuid.UUID
    version: int
    title: str
    group_standard: str
    product_type: Literal["product", "service"]
    graded: bool  # stars 1..5 defined for every indicator (star self-declaration possible)
    finalised_at: datetime
    indicators: list[Indicator]
