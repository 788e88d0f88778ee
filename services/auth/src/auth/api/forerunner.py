"""领跑者企业身份认证."""

from __future__ import annotations

from fastapi import APIRouter, Response
from kit.security import EnterprisePrincipal

from auth.api.cookies import with_refresh_cookie
from auth.api.deps import CtxDep, IpDep
from auth.api.schemas import ForerunnerStatusOut, ForerunnerVerifyIn, TokensOut
from auth.service import forerunner

router = APIRouter(prefix="/api/auth", tags=["领跑者企业身份认证"])


@router.get("/forerunner-auth", response_model=ForerunnerStatusOut, operation_id="auth_forerunner_status")
async def status(principal: EnterprisePrincipal, ctx: CtxDep) -> dict:
    """是否可以认证，以及入围名单中的手机号（脱敏）。不满足条件时说明两种途径。"""
    return await forerunner.status(ctx, principal)


@router.post("/forerunner-auth", response_model=TokensOut, operation_id="auth_forerunner_verify")
async def verify(
    body: ForerunnerVerifyIn, principal: EnterprisePrincipal, ctx: CtxDep, ip: IpDep, response: Response
) -> dict:
    """输入发送到所选手机号的验证码完成认证；返回带 forerunner_verified 的新凭证（门户的刷新 Cookie 随之更新）。"""
    pair = await forerunner.verify(ctx, principal, ref=body.ref, sms_code=body.sms_code, ip=ip)
    return with_refresh_cookie(response, ctx, pair)
