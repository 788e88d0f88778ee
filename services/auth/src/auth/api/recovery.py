"""账号找回 (phone lost, password forgotten): the public request and the operator's review."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, Response, UploadFile, status
from kit.downloads import content_disposition
from kit.paging import PageDep
from kit.security import EnterprisePrincipal, OperatorPrincipal
from kit.uploads import check_upload
from pydantic import AfterValidator, StringConstraints

from auth.api.deps import CtxDep, IpDep
from auth.api.schemas import (
    CreatedOut,
    DecisionIn,
    OwnRecoveryPage,
    RecoveryAnswerOut,
    RecoveryCodeIn,
    RecoveryOut,
    RecoveryPage,
    Text,
    _credit_code,
    _phone,
)
from auth.domain.statuses import RecoveryStatus
from auth.service import recovery

router = APIRouter(prefix="/api/auth", tags=["账号找回"])


def _optional_phone(value: str | None) -> str | None:
    value = (value or "").strip()
    return _phone(value) if value else None


@router.post(
    "/recovery-requests",
    status_code=status.HTTP_201_CREATED,
    response_model=CreatedOut,
    operation_id="auth_submit_recovery",
)
async def submit(
    credit_code: Annotated[str, StringConstraints(max_length=40), AfterValidator(_credit_code), Form()],
    enterprise_name: Annotated[Annotated[str, Text(2, 200)], Form()],
    contact_name: Annotated[Annotated[str, Text(1, 50)], Form()],
    reason: Annotated[Annotated[str, Text(2, 1000)], Form()],
    letter: Annotated[UploadFile, File(description="授权书扫描件：PDF、JPG 或 PNG，不超过 10 MB")],
    ctx: CtxDep,
    ip: IpDep,
    new_phone: Annotated[
        str | None, StringConstraints(max_length=20), AfterValidator(_optional_phone), Form()
    ] = None,
) -> dict:
    """原预留手机号不再使用且忘记密码：提交申请，由工作人员审核，结果以短信发送至新手机号（未填写则发送至原手机号）。
    原预留手机号同时收到短信（含撤销码），企业收到站内消息；审核通过后经冷静期才生效。"""
    await recovery.guard_rate(ctx, ip)
    checked = await check_upload(
        letter,
        allowed={"pdf", "jpeg", "png"},
        max_bytes=ctx.settings.recovery_letter_max_bytes,
        what="授权书",
    )
    request_id = await recovery.submit(
        ctx,
        credit_code=credit_code,
        enterprise_name=enterprise_name,
        contact_name=contact_name,
        new_phone=new_phone,
        reason=reason,
        letter=checked,
        ip=ip,
    )
    return {"id": request_id}


@router.get("/recovery-requests", response_model=RecoveryPage, operation_id="auth_list_recovery")
async def list_requests(
    operator: OperatorPrincipal, ctx: CtxDep, page: PageDep, status: RecoveryStatus | None = None
) -> RecoveryPage:
    items, total = await recovery.list_requests(
        ctx, status=status.value if status else None, offset=page.offset, limit=page.limit
    )
    return RecoveryPage.of(items, total, page)


@router.get("/recovery-requests/{request_id}", response_model=RecoveryOut, operation_id="auth_get_recovery")
async def get_request(request_id: uuid.UUID, operator: OperatorPrincipal, ctx: CtxDep) -> dict:
    """一条申请：申请人填写的信息与平台登记的企业名称、联系人、预留手机号（脱敏）对照，不一致处标出。"""
    return await recovery.get_request(ctx, request_id)


@router.post(
    "/recovery-requests/cancel", response_model=RecoveryAnswerOut, operation_id="auth_cancel_recovery"
)
async def cancel(body: RecoveryCodeIn, ctx: CtxDep, ip: IpDep) -> dict:
    """撤销账号找回申请（公开）：凭原预留手机号收到的撤销码，在审核中或冷静期内撤销。"""
    await recovery.guard_code_rate(ctx, ip)
    return await recovery.cancel_with_code(ctx, code=body.code, ip=ip)


@router.post(
    "/recovery-requests/confirm", response_model=RecoveryAnswerOut, operation_id="auth_confirm_recovery"
)
async def confirm(body: RecoveryCodeIn, ctx: CtxDep, ip: IpDep) -> dict:
    """确认账号找回申请（公开）：凭原预留手机号收到的确认码，使已通过的申请不待冷静期届满立即生效。"""
    await recovery.guard_code_rate(ctx, ip)
    return await recovery.confirm_with_code(ctx, code=body.code, ip=ip)


@router.get(
    "/recovery-requests/{request_id}/letter",
    operation_id="auth_recovery_letter",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, "image/png": {}, "image/jpeg": {}}}},
)
async def get_letter(request_id: uuid.UUID, operator: OperatorPrincipal, ctx: CtxDep) -> Response:
    data, content_type = await recovery.letter(ctx, request_id)
    suffix = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}.get(content_type, "bin")
    return Response(
        data,
        media_type=content_type,
        headers={
            "Content-Disposition": content_disposition(f"授权书-{request_id}.{suffix}"),
            "Cache-Control": "no-store",
        },
    )


@router.post(
    "/recovery-requests/{request_id}/decision",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="auth_decide_recovery",
)
async def decide(
    request_id: uuid.UUID, body: DecisionIn, operator: OperatorPrincipal, ctx: CtxDep, ip: IpDep
) -> Response:
    """审核找回申请：通过后进入冷静期（默认 24 小时），期满（或原预留手机号确认）后平台生成新密码并以短信发送
    （工作人员看不到密码），预留手机号更换为新手机号；驳回时短信告知意见。"""
    await recovery.decide(ctx, operator, request_id, approve=body.approve, opinion=body.opinion, ip=ip)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/enterprise/recovery-requests",
    response_model=OwnRecoveryPage,
    operation_id="auth_own_recovery_requests",
)
async def own_requests(principal: EnterprisePrincipal, ctx: CtxDep, page: PageDep) -> OwnRecoveryPage:
    """以本企业名义提交、仍在审核中或冷静期内的账号找回申请（企业登录后可直接撤销）。"""
    items, total = await recovery.open_for_owner(ctx, principal, offset=page.offset, limit=page.limit)
    return OwnRecoveryPage.of(items, total, page)


@router.post(
    "/enterprise/recovery-requests/{request_id}/cancel",
    response_model=RecoveryAnswerOut,
    operation_id="auth_cancel_own_recovery",
)
async def cancel_own(request_id: uuid.UUID, principal: EnterprisePrincipal, ctx: CtxDep, ip: IpDep) -> dict:
    """企业登录后撤销以本企业名义提交的账号找回申请（原预留手机号已不可用时也能撤销）。"""
    return await recovery.cancel_as_owner(ctx, principal, request_id, ip=ip)
