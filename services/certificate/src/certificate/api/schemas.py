"""Request and response bodies of the certificate routes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal, TypedDict

from pydantic import BaseModel, ConfigDict, Field, field_validator

from certificate.domain.statuses import CertificateStatus, DocumentKind, FileVerdict, HistoryAction, LabelKind
from certificate.domain.validity import china_today
from certificate.models import Certificate, Label


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
    status: CertificateStatus
    status_label: str
    stamped: bool
    stamped_at: datetime | None
    ended_at: datetime | None
    end_reason: str | None


class HistoryOut(BaseModel):
    action: HistoryAction
    action_label: str
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
    kind: LabelKind
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
    status: CertificateStatus
    status_label: str
    created_at: datetime


class VerifyOut(BaseModel):
    """The public answer behind a QR code: live status and what the document itself shows."""

    status: CertificateStatus
    status_label: str
    kind: DocumentKind | None = None
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

    @classmethod
    def of_certificate(cls, cert: Certificate) -> VerifyOut:
        return cls(
            **_ending(cert.status, cert),
            kind=DocumentKind.CERTIFICATE,
            kind_label=DocumentKind.CERTIFICATE.label,
            number=cert.number,
            enterprise_name=cert.enterprise_name,
            standard_no=cert.standard_no,
            standard_name=cert.standard_name,
            key_field_product=cert.key_field_product,
            product_name=cert.key_field_product,
            models=[m.spec or m.name for m in cert.models if not m.appended],
            year=cert.year,
            agency_name=cert.agency_name,
            issued_on=cert.issued_on,
            issued_at=cert.issued_on,
            valid_until=cert.valid_until,
            stamped=cert.stamped_key is not None,
        )

    @classmethod
    def of_label(cls, label: Label, status: CertificateStatus) -> VerifyOut:
        cert = label.certificate
        issued_on = china_today(label.created_at) if label.created_at else None
        kind = DocumentKind.of_label(label.kind)
        return cls(
            **_ending(status, cert),
            kind=kind,
            kind_label=kind.label,
            number=label.number,
            enterprise_name=label.enterprise_name,
            standard_no=cert.standard_no if cert else None,
            standard_name=cert.standard_name if cert else label.standard or None,
            key_field_product=label.key_field_product,
            product_name=label.product_name,
            model=label.model,
            models=[label.model],
            star=label.star,
            year=label.year,
            agency_name=cert.agency_name if cert else None,
            issued_on=issued_on,
            issued_at=issued_on,
            valid_until=cert.valid_until if cert else None,
            certificate_number=cert.number if cert else None,
        )


class _Ending(TypedDict, total=False):
    status: CertificateStatus
    status_label: str
    ended_at: datetime | None
    revoked_reason: str | None


def _ending(status: CertificateStatus, cert: Certificate | None) -> _Ending:
    """The live status; when it ended, since when (and why, when revoked). Only what the document shows."""
    fields: _Ending = {"status": status, "status_label": status.label}
    if cert is not None and status is not CertificateStatus.VALID:
        fields["ended_at"] = cert.ended_at
        if status is CertificateStatus.REVOKED:
            fields["revoked_reason"] = cert.end_reason
    return fields


class OfflineKeyOut(BaseModel):
    """A public key that signs (or signed) the fields in QR codes (certificate.offline)."""

    kid: str = Field(description="密钥标识（二维码签名中的 kid）", examples=["3f9a1c2e"])
    algorithm: Literal["SM2-SM3"] = Field(
        description="签名算法：SM2 签名、SM3 杂凑，默认用户标识 1234567812345678"
    )
    public_key: str = Field(description="SM2 公钥，非压缩格式十六进制（04‖x‖y，130 位）")
    status: Literal["active", "retired"] = Field(
        description="active 正在签发；retired 已停用但已印制的二维码仍可核验"
    )
    since: date = Field(description="启用日期")
    until: date | None = Field(default=None, description="停用日期；在用为空")


class OfflineKeysOut(BaseModel):
    """Every key a QR code's signature may name, for offline checks (cache them: they change at a rotation)."""

    keys: list[OfflineKeyOut]


class FileVerifyOut(BaseModel):
    """The answer to a checked file: the verdict, one sentence of what it means, and for a document the
    platform issued, what the record says now (status, and since when and why it ended)."""

    verdict: FileVerdict
    verdict_label: str
    meaning: str = Field(description="一句话说明结论的含义（给店员、消费者看）")
    detail: str | None = Field(default=None, description="判断依据，例如“签名之后文件被追加了修改”")
    number: str | None = Field(default=None, description="文件中的证书或标识编号（仅在签名有效时给出）")
    signed_at: datetime | None = Field(default=None, description="平台签名时间")
    signer: str | None = Field(default=None, description="签名证书的名称")
    document: VerifyOut | None = Field(default=None, description="平台记录中该证书或标识的现状")
