"""The open data API's list this service owns (``/api/open/v1/key-products``): the key-field products
(重点领域产品) with their final assessment plan (评估方案终稿), as the public product list and plan pages show
them. Products without a final plan are not listed: nothing about them is settled yet."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from kit import open_data
from kit.open_data import Column, OpenPage, OpenParamsDep, cell_text
from kit.web import QueryText, ReadSessionDep
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from benchmark.api.schemas import IndicatorOut
from benchmark.domain import PlanStatus, ProductType
from benchmark.models import AssessmentPlan, KeyFieldProduct
from benchmark.service.plans import plan_indicators

router = APIRouter(prefix=open_data.PREFIX, tags=["开放数据"])


class KeyProductItem(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    field: str
    year: int
    product_type: ProductType
    product_type_label: str
    plan_version: int
    plan_title: str
    group_standard: str
    finalised_at: datetime | None
    indicators: list[IndicatorOut]


def _indicators_text(indicators: Any) -> str:
    """核心指标 as one cell: 名称（代码）门槛 单位, one after another."""
    parts = []
    for i in indicators or []:
        threshold = i["forerunner"]
        if isinstance(threshold, dict):
            threshold = f"{threshold['min']}~{threshold['max']}"
        parts.append(
            f"{i['name']}（{i['code']}）{i['direction_label']} {cell_text(threshold)}{i['unit']}".strip()
        )
    return "；".join(parts)


COLUMNS = (
    Column("code", "产品编号"),
    Column("name", "重点领域产品"),
    Column("field", "领域"),
    Column("year", "年度"),
    Column("product_type_label", "产品类型"),
    Column("plan_version", "评估方案版本"),
    Column("plan_title", "评估方案名称"),
    Column("group_standard", "团体标准"),
    Column("finalised_at", "定稿时间"),
    Column("indicators", "核心指标及领跑者门槛", _indicators_text),
)


async def _items(_: AsyncSession, rows: list[Any]) -> list[dict[str, Any]]:
    items = []
    for product, plan in rows:
        product_type = ProductType(product.product_type)
        items.append(
            KeyProductItem(
                id=product.id,
                code=product.code,
                name=product.name,
                field=product.field,
                year=product.year,
                product_type=product_type,
                product_type_label=product_type.label,
                plan_version=plan.version,
                plan_title=plan.title,
                group_standard=plan.group_standard,
                finalised_at=plan.finalised_at,
                indicators=[
                    IndicatorOut.model_validate(i.to_dict()) for i in plan_indicators(plan, product_type)
                ],
            ).model_dump(mode="json")
        )
    return items


@router.get(
    "/key-products",
    response_model=OpenPage[KeyProductItem],
    operation_id="open_key_products",
    summary="重点领域产品及其评估方案终稿（开放数据）",
    responses=open_data.responses("重点领域产品"),
)
async def open_key_products(
    request: Request,
    session: ReadSessionDep,
    params: OpenParamsDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    field: Annotated[QueryText, Query(max_length=50)] = None,
    product_type: ProductType | None = None,
) -> Response:
    query = select(KeyFieldProduct, AssessmentPlan).join(
        AssessmentPlan,
        (AssessmentPlan.product_id == KeyFieldProduct.id) & (AssessmentPlan.status == PlanStatus.FINAL.value),
    )
    if year is not None:
        query = query.where(KeyFieldProduct.year == year)
    if field:
        query = query.where(KeyFieldProduct.field == field)
    if product_type is not None:
        query = query.where(KeyFieldProduct.product_type == product_type.value)
    spec = open_data.OpenList(
        query=query,
        keys=(KeyFieldProduct.year, KeyFieldProduct.code),
        key_of=lambda row: (row[0].year, row[0].code),
        items=_items,
        columns=COLUMNS,
        slug="key-products",
        label="重点领域产品",
        scalars=False,
    )
    return await open_data.serve(request, params, session, spec)
