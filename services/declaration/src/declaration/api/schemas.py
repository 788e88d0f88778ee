"""Request bodies. ``extra="forbid"``: a client sending status, tenant or review fields gets 422, so
such fields can never be written through these routes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


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


Scalar = str | int | float | bool


class BenchmarkIn(Body):
    values: dict[str, Scalar] = Field(min_length=1, max_length=200)

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
    list_status: str
    list_status_label: str = Field(description="名单状态")
    evidence_status: str
    evidence_status_label: str = Field(description="证明材料状态")
    origin: Literal["self", "candidate"]
    actions: list[str] = Field(description="操作: edit, delete, append_model, review, reviews")
    agency_name: str = Field(default="", description="评估机构（该重点领域产品指定的评估机构）")
    notice: NoticeBlock | None = Field(default=None, description="公示（进入公示后）")


class DeclarationPage(BaseModel):
    items: list[DeclarationRow]
    total: int
    total_exact: bool = Field(description="false: more than `total` rows match (shown as 10,000+)")
    page: int
    page_size: int
