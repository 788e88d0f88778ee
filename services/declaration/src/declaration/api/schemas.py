"""Request bodies and response models. Request bodies are ``extra="forbid"``: a client sending status,
tenant or review fields gets 422, so such fields can never be written through these routes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from kit.paging import Page
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from declaration.domain.statuses import EvidenceStatus, ListStatus, ObjectionStatus, StarAction, StarStatus
from declaration.service.comparison import ComparisonAnswer


def has_nul(value: Any) -> bool:
    """PostgreSQL refuses NUL in text and JSONB; such input is the client's error, never a 500."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(has_nul(v) for v in value)
    return False


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        if has_nul(data):
            raise ValueError("内容包含非法字符")
        return data


class DeclarationCreate(Body):
    product_id: uuid.UUID
    product_type: Literal["product", "service"] | None = None
    standard_no: str = Field(min_length=1, max_length=60)
    standard_name: str = Field(min_length=1, max_length=200)


class DeclarationPatch(Body):
    standard_no: str | None = Field(default=None, min_length=1, max_length=60)
    standard_name: str | None = Field(default=None, min_length=1, max_length=200)


# An indicator value as an enterprise or agency gives it: a number, a decimal string, 是/否 (or true/false)
# or a grade label; the benchmark service judges it.
IndicatorValue = str | int | float | bool


class BenchmarkIn(Body):
    values: dict[str, IndicatorValue] = Field(min_length=1, max_length=200)

    @field_validator("values")
    @classmethod
    def _short(cls, v: dict[str, Any]) -> dict[str, Any]:
        for key, value in v.items():
            if len(key) > 64 or (isinstance(value, str) and len(value) > 100):
                raise ValueError("指标代码或数值过长")
        return v


class ModelIn(Body):
    name: str = Field(min_length=1, max_length=200)
    spec: str = Field(min_length=1, max_length=200)
    intro: str | None = Field(default=None, max_length=5000)


class ProductsIn(Body):
    models: list[ModelIn] = Field(min_length=1, max_length=100)


class AgencyReviewIn(Body):
    decision: Literal["pass", "fail", "incomplete"]
    opinion: str | None = Field(default=None, max_length=2000)


class GroupReviewIn(Body):
    decision: Literal["pass", "fail"]
    opinion: str | None = Field(default=None, max_length=2000)


class PhoneIn(Body):
    contact_phone: str = Field(min_length=1, max_length=20)


class ObjectionIn(Body):
    declaration_id: uuid.UUID | None = None
    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(min_length=11, max_length=11)
    reason: str = Field(min_length=5, max_length=2000)


class ResolutionIn(Body):
    uphold: bool
    opinion: str = Field(min_length=1, max_length=2000)


class StarCreate(Body):
    product_id: uuid.UUID
    name: str = Field(min_length=1, max_length=200)
    model: str = Field(min_length=1, max_length=200)
    star: Literal[3, 4]


class StarPatch(Body):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    model: str | None = Field(default=None, min_length=1, max_length=200)
    star: Literal[3, 4] | None = None
    intro: str | None = Field(default=None, max_length=5000)


class StarBenchmarkIn(BenchmarkIn):
    star: Literal[3, 4] | None = None


# ---------------------------------------------------------------- responses


class NoticeBlock(BaseModel):
    """The 14-day public notice (公示) of a declaration."""

    notice_id: uuid.UUID
    starts_at: datetime = Field(description="公示开始")
    ends_at: datetime = Field(description="公示结束")
    closed_at: datetime | None = None
    running: bool = Field(description="公示期内")
    days_left: int = Field(description="剩余天数（不足一天按一天计；公示期满为 0）")
    objections: int = Field(description="异议数")
    open_objections: int = Field(description="待处理的异议数")
    held: bool = Field(description="有待处理的异议：公示期满后暂缓发布，待工作组处理")
    state_label: str


class DeclarationRow(BaseModel):
    """One row of the list page (the seed's columns)."""

    seq: int = Field(description="序号")
    id: uuid.UUID
    year: int
    field: str = Field(description="领域名称")
    product_name: str = Field(description="重点领域产品")
    enterprise_name: str
    standard_no: str = Field(description="企业标准号")
    standard_name: str = Field(description="企业标准名称")
    completion: str = Field(description="信息完成度 x/3")
    created_at: datetime = Field(description="创建时间")
    list_status: ListStatus
    list_status_label: str = Field(description="名单状态")
    evidence_status: EvidenceStatus
    evidence_status_label: str = Field(description="证明材料状态")
    origin: Literal["self", "candidate"]
    actions: list[Literal["edit", "delete", "append_model", "review", "reviews"]] = Field(
        description="操作: edit, delete, append_model, review, reviews"
    )
    agency_name: str = Field(default="", description="评估机构（该重点领域产品指定的评估机构）")
    notice: NoticeBlock | None = Field(default=None, description="公示（进入公示后）")


class DeclarationPage(Page[DeclarationRow]):
    total_exact: bool = Field(description="false: more than `total` rows match (shown as 10,000+)")


class ModelOut(BaseModel):
    """A model (规格/型号) of a declaration; ``appended`` ones were added after publication."""

    model_id: uuid.UUID
    name: str
    spec: str
    intro: str | None = None
    appended: bool
    picture_count: int
    created_at: datetime


class EvidenceOut(BaseModel):
    """An evidence file with its short-lived download link."""

    id: uuid.UUID
    filename: str
    content_type: str
    size: int
    uploaded_at: datetime
    download_url: str
    link_expires_in: int = Field(description="下载链接有效秒数")


class EvidenceUploaded(EvidenceOut):
    list_status: ListStatus
    evidence_status: EvidenceStatus
    completion: str


class CompletionDetail(BaseModel):
    declaration_info: bool
    product_info: bool
    evidence: bool


class EnterpriseBlock(BaseModel):
    """The enterprise's 基本信息 (live, or as it was when submitted)."""

    name: str = ""
    nature: str = ""
    contact_name: str = ""
    credit_code: str = ""
    region_code: str = ""
    phone_masked: str = ""
    email: str = ""
    address: str = ""


class DeclarationDetail(DeclarationRow):
    product_id: uuid.UUID
    product_type: Literal["product", "service"]
    product_type_label: str
    agency_org_id: uuid.UUID | None
    group_standard: str
    public_values: dict[str, IndicatorValue] = Field(description="对标时提交的指标值（指标代码 → 数值）")
    comparison: ComparisonAnswer | None = Field(description="对标结果（对标服务的应答）")
    comparison_verdict: Literal["passed", "failed", "not_required", "assessed"] | None
    plan_version: int | None
    completion_detail: CompletionDetail
    models: list[ModelOut]
    evidence: list[EvidenceOut]
    enterprise: EnterpriseBlock | None = Field(description="企业基本信息（当前）")
    enterprise_snapshot: EnterpriseBlock | None = Field(description="提交时的企业基本信息")
    submitted_at: datetime | None
    published_at: datetime | None
    notice_id: uuid.UUID | None


class BenchmarkOut(BaseModel):
    declaration_id: uuid.UUID
    verdict: str | None = Field(description="passed | failed | not_required")
    plan_version: int | None
    may_continue: bool
    result: ComparisonAnswer | None = Field(description="对标结果（对标服务的应答）")
    completion: str


class ReviewOut(BaseModel):
    """One line of the audit record (审核记录)."""

    id: uuid.UUID
    at: datetime
    actor_role: str
    actor_name: str | None
    action: str
    action_label: str | None
    list_from: str | None
    list_from_label: str | None
    list_to: str | None
    list_to_label: str | None
    evidence_from: str | None
    evidence_from_label: str | None
    evidence_to: str | None
    evidence_to_label: str | None
    opinion: str | None


class CandidateOut(BaseModel):
    """A row of an agency's candidate list (入围名单) with the declaration it became, if any."""

    id: uuid.UUID
    product_id: uuid.UUID
    enterprise_name: str
    credit_code: str
    standard_no: str
    standard_name: str
    contact_phone_masked: str
    values: dict[str, IndicatorValue] = Field(description="指标代码 → 数值")
    source: Literal["agency", "self"]
    source_label: str
    created_at: datetime
    updated_at: datetime
    declaration_id: uuid.UUID | None
    list_status: ListStatus | None
    list_status_label: str
    evidence_status: EvidenceStatus | None
    evidence_status_label: str


class CandidateImport(BaseModel):
    rows: int
    created: int
    updated: int
    unchanged: int


class PublishedModel(BaseModel):
    model_id: uuid.UUID
    name: str
    spec: str


class PublishedRow(BaseModel):
    declaration_id: uuid.UUID
    year: int
    field: str
    product_name: str
    enterprise_name: str
    standard_no: str
    standard_name: str
    agency_name: str
    published_at: datetime | None
    models: list[PublishedModel]


class PublishedPage(Page[PublishedRow]):
    years: list[int] = Field(description="有已发布榜单的年份，新的在前")


class PublicNoticeRow(BaseModel):
    """A standard in its public notice: how many objections it has and whether one is open, never who."""

    notice_id: uuid.UUID
    declaration_id: uuid.UUID
    year: int
    product_name: str
    field: str
    enterprise_name: str
    standard_no: str
    standard_name: str
    starts_at: datetime
    ends_at: datetime
    days_left: int
    objections: int
    open_objections: int
    held: bool
    state_label: str


class NoticeRow(NoticeBlock):
    """The working group's view of a notice entry."""

    year: int
    product_name: str
    declaration_id: uuid.UUID
    enterprise_name: str
    standard_no: str
    list_status: ListStatus
    list_status_label: str


class ObjectionRaised(BaseModel):
    id: uuid.UUID
    status: ObjectionStatus
    created_at: datetime


class ObjectionOut(BaseModel):
    id: uuid.UUID
    notice_id: uuid.UUID
    declaration_id: uuid.UUID
    enterprise_name: str
    standard_no: str
    name: str
    phone_masked: str
    reason: str
    status: ObjectionStatus
    resolution: str | None
    created_at: datetime
    resolved_at: datetime | None


class ObjectionResolution(BaseModel):
    id: uuid.UUID
    status: ObjectionStatus
    resolution: str | None
    resolved_at: datetime | None


class StarOut(BaseModel):
    """A star-product self-declaration (自我声明星级产品)."""

    id: uuid.UUID
    product_id: uuid.UUID
    product_name: str
    field: str
    year: int
    enterprise_name: str
    name: str
    model: str
    star: int
    measured_values: dict[str, IndicatorValue] = Field(description="实测值（指标代码 → 数值）")
    comparison: ComparisonAnswer | None
    comparison_verdict: Literal["passed", "failed", "not_required"] | None
    plan_version: int | None
    intro: str | None
    status: StarStatus
    status_label: str
    actions: list[StarAction] = Field(description="可进行的操作（由状态转换表得出）")
    created_at: datetime
    declared_at: datetime | None


class StarBenchmarkOut(StarOut):
    may_continue: bool
