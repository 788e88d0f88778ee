"""Request and response bodies of the certificate routes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class ModelOut(BaseModel):
    model_id: uuid.UUID
    name: str
    spec: str
    appended: bool
    # The same values under the names the portal's list pages read.
    id: uuid.UUID
    model: str
    label_id: uuid.UUID | None = Field(default=None, description="已申领的领跑者标识；未申领为空")


class CertificateOut(BaseModel):
    id: uuid.UUID
    number: str
    verify_url: str
    declaration_id: uuid.UUID
    enterprise_name: str
    credit_code: str
    key_field_product: str
    field: str
    year: int
    standard_no: str
    standard_name: str
    agency_name: str
    models: list[ModelOut]
    issued_on: date
    issued_at: date = Field(description="同 issued_on（发证日期）")
    product_name: str = Field(description="同 key_field_product（重点领域产品）")
    valid_until: date
    status: Literal["valid", "revoked", "expired"]
    status_label: str
    stamped: bool
    stamped_at: datetime | None
    ended_at: datetime | None
    end_reason: str | None


class CertificatePage(BaseModel):
    items: list[CertificateOut]
    total: int
    page: int
    page_size: int


class HistoryOut(BaseModel):
    action: str
    actor_role: str
    reason: str | None
    at: datetime


class DownloadLink(BaseModel):
    url: str = Field(description="短时下载链接（相对网关地址），过期后需重新获取")
    expires_in: int = Field(description="有效秒数")
    filename: str


class RevokeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=2, max_length=500, description="撤销原因")

    @field_validator("reason")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        value = value.strip()
        if len(value) < 2:
            raise ValueError("撤销原因至少 2 个字")
        return value


class LabelApplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model_id: uuid.UUID = Field(description="申领标识的产品规格/型号")


class LabelOut(BaseModel):
    id: uuid.UUID
    kind: Literal["forerunner", "star"]
    kind_label: str
    number: str
    verify_url: str
    certificate_id: uuid.UUID | None
    model_id: uuid.UUID
    star: int | None
    enterprise_name: str
    key_field_product: str
    product_name: str
    model: str
    standard: str
    standard_no: str | None
    standard_name: str | None
    year: int
    status: Literal["valid", "revoked", "expired"]
    status_label: str
    created_at: datetime


class LabelPage(BaseModel):
    items: list[LabelOut]
    total: int
    page: int
    page_size: int


class VerifyOut(BaseModel):
    """The public answer behind a QR code: live status and what the document itself shows."""

    status: Literal["valid", "revoked", "expired"]
    status_label: str
    kind: Literal["certificate", "forerunner_label", "star_label"] | None = None
    kind_label: str | None = None
    number: str | None = None
    enterprise_name: str | None = None
    standard_no: str | None = None
    standard_name: str | None = None
    key_field_product: str | None = None
    product_name: str | None = None
    model: str | None = None
    models: list[str] | None = None
    star: int | None = None
    year: int | None = None
    agency_name: str | None = None
    issued_on: date | None = None
    issued_at: date | None = None
    valid_until: date | None = None
    stamped: bool | None = None
    certificate_number: str | None = None
    ended_at: datetime | None = None
    revoked_reason: str | None = None
