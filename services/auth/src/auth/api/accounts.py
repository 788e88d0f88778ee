"""Registration, SMS codes, login, tokens, passwords and ``/me``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Cookie, Header, Request, Response, status
from kit.errors import Unauthorized
from kit.security import PendingPrincipal, current_principal

from auth.api.cookies import clear_refresh_cookie, expired_refresh_cookie, with_refresh_cookie
from auth.api.deps import CtxDep, IpDep
from auth.api.schemas import (
    LoginIn,
    LoginUnlockIn,
    MeOut,
    PasswordChangeIn,
    PasswordResetIn,
    RefreshIn,
    RegisterIn,
    RegisterOut,
    SmsCodeIn,
    SmsCodeOut,
    TokensOut,
)
from auth.domain.statuses import OrgType, SmsPurpose
from auth.errors import EnterpriseOnly, PhoneRequired, RefRequired, RefreshMissing, SmsPurposeElsewhere
from auth.service import accounts, forerunner

router = APIRouter(prefix="/api/auth", tags=["账号与登录"])


@router.post(
    "/sms-codes",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=SmsCodeOut,
    operation_id="auth_request_sms_code",
)
async def request_sms_code(
    body: SmsCodeIn,
    ctx: CtxDep,
    ip: IpDep,
    request: Request,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> dict:
    """短信验证码：注册、找回密码，或（登录后，携带 ref）领跑者企业身份认证。"""
    if body.purpose is SmsPurpose.forerunner_auth:
        principal = await current_principal(request, authorization)
        if principal.org_type is not OrgType.enterprise:
            raise EnterpriseOnly("仅企业用户可进行领跑者企业身份认证")
        if not body.ref:
            raise RefRequired("请选择接收验证码的手机号")
        return {"resend_after": await forerunner.request_code(ctx, principal, ref=body.ref, ip=ip)}
    if body.purpose is SmsPurpose.change_phone:
        raise SmsPurposeElsewhere(
            "修改联系电话的验证码请在“基本信息 - 修改联系电话”中获取",
            details={"route": "POST /api/auth/enterprise/phone/sms-code"},
        )
    if body.phone is None:
        raise PhoneRequired("请填写手机号")
    return {"resend_after": await accounts.request_code(ctx, phone=body.phone, purpose=body.purpose, ip=ip)}


@router.post(
    "/register", status_code=status.HTTP_201_CREATED, response_model=RegisterOut, operation_id="auth_register"
)
async def register(body: RegisterIn, ctx: CtxDep, ip: IpDep) -> dict:
    """企业注册：密码由平台生成并以短信发送，登录名为统一社会信用代码。"""
    return await accounts.register(
        ctx,
        enterprise_name=body.enterprise_name,
        credit_code=body.credit_code,
        contact_name=body.contact_name,
        phone=body.phone,
        sms_code=body.sms_code,
        ip=ip,
    )


@router.post("/login", response_model=TokensOut, operation_id="auth_login")
async def login(body: LoginIn, ctx: CtxDep, ip: IpDep, response: Response) -> dict:
    """以统一社会信用代码（或手机号）和密码登录。同一地址对同一账号连续失败 5 次，该地址锁定 15 分钟（其他地址不受影响）；
    同一地址或网段多次失败后须等待逐步加长的时间；账号在各地址累计失败较多时短暂放缓。"""
    pair = await accounts.login(ctx, login_name=body.login_name, password=body.password, ip=ip)
    return with_refresh_cookie(response, ctx, pair)


@router.post("/login/unlock", status_code=status.HTTP_204_NO_CONTENT, operation_id="auth_unlock_login")
async def unlock_login(body: LoginUnlockIn, ctx: CtxDep, ip: IpDep) -> Response:
    """以预留手机号的短信验证码（用途 unlock_login）解除账号的登录锁定与延迟，密码不变。"""
    await accounts.unlock_login(
        ctx, login_name=body.login_name, phone=body.phone, sms_code=body.sms_code, ip=ip
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/refresh", response_model=TokensOut, operation_id="auth_refresh")
async def refresh(
    ctx: CtxDep,
    ip: IpDep,
    response: Response,
    body: RefreshIn | None = None,
    lp_refresh: Annotated[str | None, Cookie(include_in_schema=False)] = None,
) -> dict:
    """以刷新凭证换取新的凭证对；旧刷新凭证被再次使用时整个会话失效。刷新凭证取自请求体 ``refresh_token``
    （接口客户端），或门户的 HttpOnly Cookie ``lp_refresh``（仅发往本接口）；应答同时更新该 Cookie。"""
    token = body.refresh_token if body is not None else lp_refresh
    if not token or len(token) > 200:
        clear_refresh_cookie(response)
        raise RefreshMissing("登录已失效，请重新登录")
    try:
        pair = await accounts.refresh(ctx, refresh_token=token, ip=ip)
    except Unauthorized as exc:
        exc.headers = {**(exc.headers or {}), "Set-Cookie": expired_refresh_cookie()}
        raise
    return with_refresh_cookie(response, ctx, pair)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, operation_id="auth_logout")
async def logout(principal: PendingPrincipal, ctx: CtxDep, ip: IpDep) -> Response:
    await accounts.logout(ctx, principal, ip=ip)
    answer = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_refresh_cookie(answer)
    return answer


@router.get("/me", response_model=MeOut, operation_id="auth_me")
async def me(principal: PendingPrincipal, ctx: CtxDep) -> dict:
    return await accounts.me(ctx, principal)


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT, operation_id="auth_change_password")
async def change_password(
    body: PasswordChangeIn, principal: PendingPrincipal, ctx: CtxDep, ip: IpDep
) -> Response:
    """修改密码（首次登录必须修改初始密码）；成功后所有会话失效，需重新登录。"""
    await accounts.change_password(
        ctx, principal, current_password=body.current_password, new_password=body.new_password, ip=ip
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/password/reset", status_code=status.HTTP_204_NO_CONTENT, operation_id="auth_reset_password")
async def reset_password(body: PasswordResetIn, ctx: CtxDep, ip: IpDep) -> Response:
    """忘记密码：以预留手机号的短信验证码设置新密码。"""
    await accounts.reset_password(
        ctx,
        login_name=body.login_name,
        phone=body.phone,
        sms_code=body.sms_code,
        new_password=body.new_password,
        ip=ip,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
