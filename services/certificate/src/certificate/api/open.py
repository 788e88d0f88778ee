"""The open data API's lists this service owns (``/api/open/v1/certificates``, ``/api/open/v1/labels``): every
certificate and label with its live status — what the public verification page shows of each, one by one,
as a list (never the credit code, the files or who holds the account)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from kit import open_data
from kit.open_data import Column, OpenPage, OpenParamsDep
from kit.web import QueryText, ReadSessionDep, RuntimeDep
from pydantic import BaseModel
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from certificate.config import settings_of
from certificate.domain import numbers
from certificate.domain.statuses import CertificateStatus, LabelKind
from certificate.models import Certificate, Label
from certificate.service.labels import label_status

router = APIRouter(prefix=open_data.PREFIX, tags=["开放数据"])

Year = Annotated[int | None, Query(ge=1990, le=2100)]
Text = Annotated[QueryText, Query(max_length=100)]


class CertificateItem(BaseModel):
    """A forerunner certificate (企业标准“领跑者”证书) as its verification page shows it."""

    number: str
    status: CertificateStatus
    status_label: str
    enterprise_name: str
    year: int
    field: str
    key_field_product: str
    standard_no: str
    standard_name: str
    models: list[str]
    agency_name: str
    issued_on: date
    valid_until: date
    ended_at: datetime | None
    revoked_reason: str | None
    verify_url: str


class LabelItem(BaseModel):
    """A forerunner label or a star-product label with its live status (a forerunner label shares its
    certificate's; a star label stands until revoked)."""

    number: str
    kind: LabelKind
    kind_label: str
    status: CertificateStatus
    status_label: str
    enterprise_name: str
    year: int
    key_field_product: str
    product_name: str
    model: str
    star: int | None
    standard: str
    certificate_number: str | None
    valid_until: date | None
    verify_url: str


CERTIFICATE_COLUMNS = (
    Column("number", "证书编号"),
    Column("status_label", "状态"),
    Column("enterprise_name", "企业名称"),
    Column("year", "年度"),
    Column("field", "领域"),
    Column("key_field_product", "重点领域产品"),
    Column("standard_no", "企业标准编号"),
    Column("standard_name", "企业标准名称"),
    Column("models", "产品规格型号"),
    Column("agency_name", "评估机构"),
    Column("issued_on", "发证日期"),
    Column("valid_until", "有效期至"),
    Column("ended_at", "终止时间"),
    Column("revoked_reason", "撤销原因"),
    Column("verify_url", "查验地址"),
)

LABEL_COLUMNS = (
    Column("number", "标识编号"),
    Column("kind_label", "标识类型"),
    Column("status_label", "状态"),
    Column("enterprise_name", "企业名称"),
    Column("year", "年度"),
    Column("key_field_product", "重点领域产品"),
    Column("product_name", "产品名称"),
    Column("model", "规格型号"),
    Column("star", "星级"),
    Column("standard", "标准"),
    Column("certificate_number", "证书编号"),
    Column("valid_until", "有效期至"),
    Column("verify_url", "查验地址"),
)


def _certificate_item(cert: Certificate, base_url: str) -> dict[str, Any]:
    status = CertificateStatus(cert.status)
    ended = status is not CertificateStatus.VALID
    return CertificateItem(
        number=cert.number,
        status=status,
        status_label=status.label,
        enterprise_name=cert.enterprise_name,
        year=cert.year,
        field=cert.field,
        key_field_product=cert.key_field_product,
        standard_no=cert.standard_no,
        standard_name=cert.standard_name,
        # the models printed on the certificate (appended ones have labels of their own)
        models=[m.spec or m.name for m in cert.models if not m.appended],
        agency_name=cert.agency_name,
        issued_on=cert.issued_on,
        valid_until=cert.valid_until,
        ended_at=cert.ended_at if ended else None,
        revoked_reason=cert.end_reason if status is CertificateStatus.REVOKED else None,
        verify_url=numbers.verify_url(base_url, cert.verify_code),
    ).model_dump(mode="json")


def _label_item(label: Label, base_url: str) -> dict[str, Any]:
    status = label_status(label)
    kind = LabelKind(label.kind)
    cert = label.certificate
    return LabelItem(
        number=label.number,
        kind=kind,
        kind_label=kind.label,
        status=status,
        status_label=status.label,
        enterprise_name=label.enterprise_name,
        year=label.year,
        key_field_product=label.key_field_product,
        product_name=label.product_name,
        model=label.model,
        star=label.star,
        standard=label.standard,
        certificate_number=cert.number if cert else None,
        valid_until=cert.valid_until if cert else None,
        verify_url=numbers.verify_url(base_url, label.verify_code),
    ).model_dump(mode="json")


@router.get(
    "/certificates",
    response_model=OpenPage[CertificateItem],
    operation_id="open_certificates",
    summary="领跑者证书及其状态（开放数据）",
    responses=open_data.responses("领跑者证书"),
)
async def open_certificates(
    request: Request,
    runtime: RuntimeDep,
    session: ReadSessionDep,
    params: OpenParamsDep,
    status: CertificateStatus | None = None,
    year: Year = None,
    field: Text = None,
) -> Response:
    base_url = settings_of(runtime).public_base_url
    query = select(Certificate)
    if status is not None:
        query = query.where(Certificate.status == status)
    if year is not None:
        query = query.where(Certificate.year == year)
    if field:
        query = query.where(Certificate.field == field)

    async def items(_: AsyncSession, rows: list[Any]) -> list[dict[str, Any]]:
        return [_certificate_item(c, base_url) for c in rows]

    spec = open_data.OpenList(
        query=query,
        keys=(Certificate.year, Certificate.number),
        key_of=lambda c: (c.year, c.number),
        items=items,
        columns=CERTIFICATE_COLUMNS,
        slug="certificates",
        label="领跑者证书",
    )
    return await open_data.serve(request, params, session, spec)


@router.get(
    "/labels",
    response_model=OpenPage[LabelItem],
    operation_id="open_labels",
    summary="领跑者标识与星级产品标识及其状态（开放数据）",
    responses=open_data.responses("标识"),
)
async def open_labels(
    request: Request,
    runtime: RuntimeDep,
    session: ReadSessionDep,
    params: OpenParamsDep,
    kind: LabelKind | None = None,
    status: CertificateStatus | None = None,
    year: Year = None,
    star: Annotated[int | None, Query(ge=1, le=5, description="星级（星级产品标识）")] = None,
) -> Response:
    base_url = settings_of(runtime).public_base_url
    query = select(Label)
    if kind is not None:
        query = query.where(Label.kind == kind)
    if year is not None:
        query = query.where(Label.year == year)
    if star is not None:
        query = query.where(Label.star == star)
    if status is not None:
        # a label's status is its certificate's; a star label (no certificate) is valid
        of_certificate = select(Certificate.id).where(Certificate.status == status)
        condition: ColumnElement[bool] = Label.certificate_id.in_(of_certificate)
        if status is CertificateStatus.VALID:
            condition = or_(Label.certificate_id.is_(None), condition)
        query = query.where(condition)

    async def items(_: AsyncSession, rows: list[Any]) -> list[dict[str, Any]]:
        return [_label_item(label, base_url) for label in rows]

    spec = open_data.OpenList(
        query=query,
        keys=(Label.year, Label.number),
        key_of=lambda label: (label.year, label.number),
        items=items,
        columns=LABEL_COLUMNS,
        slug="labels",
        label="标识",
    )
    return await open_data.serve(request, params, session, spec)
