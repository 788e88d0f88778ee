"""Operator routes for the open data API's keys (开放数据接口密钥): issue (the key is answered once), list
(never the key), revoke."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, status
from kit.paging import Page, PageDep
from kit.security import OperatorPrincipal
from pydantic import BaseModel, Field, StringConstraints

from auth.api.deps import CtxDep, IpDep
from auth.service import api_keys

router = APIRouter(prefix="/api/auth/api-keys", tags=["运营管理"])

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Contact = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class ApiKeyIn(BaseModel):
    name: Name = Field(description="使用密钥的单位名称")
    contact: Contact = Field(default="", description="联系人及联系方式（仅运营人员可见）")
    limit_per_minute: int | None = Field(
        default=None, ge=1, le=1_000_000, description="每分钟请求上限；不填为平台默认值（1200）"
    )


class ApiKeyOut(BaseModel):
    id: uuid.UUID
    name: str
    contact: str
    limit_per_minute: int
    hint: str = Field(description="密钥开头几位，用于辨认（完整密钥只在签发时显示一次）")
    created_at: datetime
    revoked_at: datetime | None
    active: bool
    last_used_at: datetime | None = Field(description="最近一次使用的时间（约一分钟内的精度）")


class ApiKeyIssued(ApiKeyOut):
    key: str = Field(description="密钥本身：只在此次答复中出现，平台只保存其摘要，请立即妥善保存")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ApiKeyIssued,
    operation_id="auth_issue_api_key",
    summary="签发开放数据接口密钥（运营）",
)
async def issue_api_key(body: ApiKeyIn, operator: OperatorPrincipal, ctx: CtxDep, ip: IpDep) -> ApiKeyIssued:
    issued = await api_keys.issue(
        ctx, operator, name=body.name, contact=body.contact, limit_per_minute=body.limit_per_minute, ip=ip
    )
    return ApiKeyIssued.model_validate(issued)


@router.get(
    "",
    response_model=Page[ApiKeyOut],
    operation_id="auth_list_api_keys",
    summary="开放数据接口密钥（运营）",
)
async def list_api_keys(operator: OperatorPrincipal, ctx: CtxDep, page: PageDep) -> Page[ApiKeyOut]:
    # operators issue a handful of keys: read whole, paged in memory like the other short lists
    keys = [ApiKeyOut.model_validate(k) for k in await api_keys.list_keys(ctx)]
    return Page[ApiKeyOut].of_all(keys, page)


@router.delete(
    "/{key_id}",
    response_model=ApiKeyOut,
    operation_id="auth_revoke_api_key",
    summary="撤销开放数据接口密钥（运营）",
    responses={
        404: {"description": "密钥不存在（api_key_not_found）"},
        409: {"description": "已撤销（api_key_revoked）"},
    },
)
async def revoke_api_key(key_id: uuid.UUID, operator: OperatorPrincipal, ctx: CtxDep, ip: IpDep) -> ApiKeyOut:
    return ApiKeyOut.model_validate(await api_keys.revoke(ctx, operator, key_id, ip=ip))
