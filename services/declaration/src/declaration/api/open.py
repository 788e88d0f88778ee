"""The open data API's lists this service owns (``/api/open/v1/forerunners``, ``/api/open/v1/star-products``):
what the public pages already show — the published forerunner list (领跑者榜单) and the star products
enterprises declared themselves (自我声明) — never contacts, phones, credit codes or anything under review."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from kit import open_data
from kit.open_data import Column, OpenPage, OpenParamsDep
from kit.web import ReadSessionDep
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from declaration import repository
from declaration.api.deps import Text, Year
from declaration.domain.statuses import ListStatus, StarStatus
from declaration.models import Declaration, Product, StarProduct

router = APIRouter(prefix=open_data.PREFIX, tags=["开放数据"])


class ForerunnerModel(BaseModel):
    name: str
    spec: str


class ForerunnerItem(BaseModel):
    """One standard on a published forerunner list (领跑者榜单)."""

    declaration_id: uuid.UUID
    year: int
    field: str
    product_code: str
    product_name: str
    agency_org_id: uuid.UUID | None
    agency_name: str
    enterprise_name: str
    standard_no: str
    standard_name: str
    models: list[ForerunnerModel]
    published_at: datetime | None


class StarProductItem(BaseModel):
    """A star product an enterprise declared itself (自我声明 3 星级、4 星级)."""

    id: uuid.UUID
    year: int
    field: str
    product_name: str
    name: str
    model: str
    star: int
    enterprise_name: str
    plan_version: int | None
    declared_at: datetime | None


def _models_text(models: Any) -> str:
    return "；".join(f"{m['name']} {m['spec']}".strip() for m in models or [])


FORERUNNER_COLUMNS = (
    Column("year", "年度"),
    Column("field", "领域"),
    Column("product_code", "重点领域产品编号"),
    Column("product_name", "重点领域产品"),
    Column("enterprise_name", "企业名称"),
    Column("standard_no", "企业标准编号"),
    Column("standard_name", "企业标准名称"),
    Column("models", "产品规格型号", _models_text),
    Column("agency_name", "评估机构"),
    Column("published_at", "发布时间"),
    Column("declaration_id", "记录编号"),
)

STAR_COLUMNS = (
    Column("year", "年度"),
    Column("field", "领域"),
    Column("product_name", "重点领域产品"),
    Column("name", "产品名称"),
    Column("model", "规格型号"),
    Column("star", "星级"),
    Column("enterprise_name", "企业名称"),
    Column("plan_version", "评估方案版本"),
    Column("declared_at", "声明时间"),
    Column("id", "记录编号"),
)


async def _forerunner_items(session: AsyncSession, rows: list[Any]) -> list[dict[str, Any]]:
    models = await repository.models_of_many(session, [d.id for d, _ in rows])
    by_declaration: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for m in models:
        by_declaration.setdefault(m.declaration_id, []).append({"name": m.name, "spec": m.spec})
    return [
        ForerunnerItem(
            declaration_id=d.id,
            year=d.year,
            field=d.field,
            product_code=p.code if p else "",
            product_name=d.product_name,
            agency_org_id=p.agency_org_id if p else None,
            agency_name=p.agency_name if p else "",
            # the name as it stood when the list was published, as on the public list page
            enterprise_name=(d.enterprise_snapshot or {}).get("name") or d.enterprise_name,
            standard_no=d.standard_no,
            standard_name=d.standard_name,
            models=[ForerunnerModel(**m) for m in by_declaration.get(d.id, [])],
            published_at=d.published_at,
        ).model_dump(mode="json")
        for d, p in rows
    ]


async def _star_items(_: AsyncSession, rows: list[Any]) -> list[dict[str, Any]]:
    return [
        StarProductItem(
            id=s.id,
            year=s.year,
            field=s.field,
            product_name=s.product_name,
            name=s.name,
            model=s.model,
            star=s.star,
            enterprise_name=s.enterprise_name,
            plan_version=s.plan_version,
            declared_at=s.declared_at,
        ).model_dump(mode="json")
        for s in rows
    ]


@router.get(
    "/forerunners",
    response_model=OpenPage[ForerunnerItem],
    operation_id="open_forerunners",
    summary="已发布的领跑者榜单（开放数据）",
    responses=open_data.responses("领跑者榜单"),
)
async def open_forerunners(
    request: Request,
    session: ReadSessionDep,
    params: OpenParamsDep,
    year: Year = None,
    field: Text = None,
    agency_org_id: uuid.UUID | None = None,
    agency: Annotated[Text, Query(description="评估机构名称（全称）")] = None,
) -> Response:
    query = (
        select(Declaration, Product)
        .outerjoin(Product, Product.product_id == Declaration.product_id)
        .where(Declaration.list_status == ListStatus.PUBLISHED)
    )
    if year is not None:
        query = query.where(Declaration.year == year)
    if field:
        query = query.where(Declaration.field == field)
    if agency_org_id is not None:
        query = query.where(Product.agency_org_id == agency_org_id)
    if agency:
        query = query.where(Product.agency_name == agency)
    spec = open_data.OpenList(
        query=query,
        keys=(Declaration.year, Declaration.id),
        key_of=lambda row: (row[0].year, row[0].id),
        items=_forerunner_items,
        columns=FORERUNNER_COLUMNS,
        slug="forerunners",
        label="领跑者榜单",
        scalars=False,
    )
    return await open_data.serve(request, params, session, spec)


@router.get(
    "/star-products",
    response_model=OpenPage[StarProductItem],
    operation_id="open_star_products",
    summary="自我声明的星级产品（开放数据）",
    responses=open_data.responses("自我声明星级产品"),
)
async def open_star_products(
    request: Request,
    session: ReadSessionDep,
    params: OpenParamsDep,
    year: Year = None,
    field: Text = None,
    star: Annotated[int | None, Query(ge=1, le=5, description="星级")] = None,
) -> Response:
    query = select(StarProduct).where(StarProduct.status == StarStatus.DECLARED)
    if year is not None:
        query = query.where(StarProduct.year == year)
    if field:
        query = query.where(StarProduct.field == field)
    if star is not None:
        query = query.where(StarProduct.star == star)
    spec = open_data.OpenList(
        query=query,
        keys=(StarProduct.year, StarProduct.id),
        key_of=lambda s: (s.year, s.id),
        items=_star_items,
        columns=STAR_COLUMNS,
        slug="star-products",
        label="自我声明星级产品",
    )
    return await open_data.serve(request, params, session, spec)
