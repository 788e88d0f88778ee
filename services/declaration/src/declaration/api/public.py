"""Routes of the public notice (公示) and the published list (领跑者榜单), open to everyone, and the working
group's handling of notices and objections (异议)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from kit.paging import Page, PageDep
from kit.phones import is_mobile
from kit.ratelimit import enforce
from kit.security import WorkingGroupPrincipal
from kit.web import client_ip

from declaration.api.deps import RuntimeDep, SettingsDep, Text, Year
from declaration.api.schemas import (
    NoticeRow,
    ObjectionIn,
    ObjectionOut,
    ObjectionRaised,
    ObjectionResolution,
    PublicNoticeRow,
    PublishedPage,
    ResolutionIn,
)
from declaration.errors import InvalidPhone
from declaration.service import notices, queries

router = APIRouter(prefix="/api/declarations", tags=["declarations"])


@router.get("/public/forerunners", operation_id="public_forerunners", summary="领跑者榜单（公开）")
async def public_forerunners(
    runtime: RuntimeDep, page: PageDep, year: Year = None, field: Text = None, q: Text = None
) -> PublishedPage:
    items, total, years = await queries.published_list(runtime, year=year, field=field, q=q, page=page)
    return PublishedPage.of(items, total, page, years=years)


@router.get("/public/notices", operation_id="public_notices", summary="公示中的企业标准（公开）")
async def public_notices(runtime: RuntimeDep, page: PageDep) -> Page[PublicNoticeRow]:
    items, total = await notices.public_notices(runtime, page=page)
    return Page[PublicNoticeRow].of(items, total, page)


@router.post(
    "/public/notices/{notice_id}/objections",
    status_code=201,
    operation_id="raise_objection",
    summary="对公示提出异议（公开）",
)
async def raise_objection(
    request: Request, runtime: RuntimeDep, settings: SettingsDep, notice_id: uuid.UUID, body: ObjectionIn
) -> ObjectionRaised:
    await enforce(
        runtime.redis,
        f"{settings.bus_namespace}:decl:objection:{client_ip(request)}",
        limit=settings.objection_limit_per_hour,
        window_seconds=3600,
        message="提交异议过于频繁，请稍后再试",
    )
    if not is_mobile(body.phone):
        raise InvalidPhone(details={"field": "phone"})
    objection = await notices.raise_objection(
        runtime,
        notice_id,
        declaration_id=body.declaration_id,
        name=body.name,
        phone=body.phone,
        reason=body.reason,
    )
    return ObjectionRaised.model_validate(objection, from_attributes=True)


@router.get("/notices", operation_id="list_notices", summary="公示（工作组）：进行中、已结束、因异议暂缓发布")
async def list_notices(
    runtime: RuntimeDep, _: WorkingGroupPrincipal, page: PageDep, state: Text = None
) -> Page[NoticeRow]:
    items, total = await notices.list_notices(runtime, state=state, page=page)
    return Page[NoticeRow].of(items, total, page)


@router.get("/objections", operation_id="list_objections", summary="公示异议（工作组）")
async def list_objections(
    runtime: RuntimeDep, _: WorkingGroupPrincipal, page: PageDep, status: Text = None
) -> Page[ObjectionOut]:
    items, total = await notices.list_objections(runtime, status=status, page=page)
    return Page[ObjectionOut].of(items, total, page)


@router.post(
    "/objections/{objection_id}/resolution", operation_id="resolve_objection", summary="处理异议（工作组）"
)
async def resolve_objection(
    runtime: RuntimeDep, principal: WorkingGroupPrincipal, objection_id: uuid.UUID, body: ResolutionIn
) -> ObjectionResolution:
    o = await notices.resolve_objection(
        runtime, principal, objection_id, uphold=body.uphold, opinion=body.opinion
    )
    return ObjectionResolution.model_validate(o, from_attributes=True)
