"""账号找回 when the reserved phone is lost: a public request with an authorisation letter, decided by an
operator. The operator never sees or sets a password: on approval the platform generates one and sends
it to the new phone (or the old one); every decision is audited with who and why (QUALITY 6)."""

from __future__ import annotations

import uuid
from typing import Any

from kit.errors import Conflict, NotFound
from kit.phones import mask
from kit.ratelimit import enforce
from kit.security import Principal
from kit.storage import new_key
from kit.uploads import CheckedFile

from auth import repository as repo
from auth.domain import texts
from auth.domain.enums import AuditAction, RecoveryStatus
from auth.domain.passwords import generate_password
from auth.models import RecoveryRequest
from auth.service import events, tokens
from auth.service.accounts import clear_failures, send_sms
from auth.service.context import AuthContext, audit, fingerprint

RECOVERY_BUCKET = "lp-recovery"
_SUFFIX = {"pdf": ".pdf", "png": ".png", "jpeg": ".jpg"}


async def guard_rate(ctx: AuthContext, ip: str) -> None:
    await enforce(
        ctx.redis, f"lp:auth:recovery-ip:{fingerprint(ip)}", limit=ctx.settings.recovery_requests_per_ip_hour,
        window_seconds=3600, message="提交过于频繁，请稍后再试",
    )


async def submit(ctx: AuthContext, *, credit_code: str, enterprise_name: str, contact_name: str,
                 new_phone: str | None, reason: str, letter: CheckedFile, ip: str) -> uuid.UUID:
    key = new_key("letters", _SUFFIX[letter.kind])
    await ctx.runtime.storage.put(RECOVERY_BUCKET, key, letter.data, content_type=letter.content_type)
    async with ctx.db.transaction() as session:
        now = await ctx.now()
        org = await repo.organisation_by_credit_code(session, credit_code)
        request = RecoveryRequest(
            id=uuid.uuid4(), credit_code=credit_code, enterprise_name=enterprise_name, contact_name=contact_name,
            new_phone=new_phone, reason=reason, letter_key=key, letter_type=letter.content_type, ip=ip,
            created_at=now, status=RecoveryStatus.pending.value,
        )
        session.add(request)
        audit(session, at=now, action=AuditAction.recovery_requested, subject_org_id=org.id if org else None, ip=ip,
              request_id=request.id, new_phone=mask(new_phone) if new_phone else None)
    return request.id


def view(request: RecoveryRequest, *, account_found: bool | None = None) -> dict[str, Any]:
    status = RecoveryStatus(request.status)
    return {
        "id": request.id,
        "credit_code": request.credit_code,
        "enterprise_name": request.enterprise_name,
        "contact_name": request.contact_name,
        "new_phone": mask(request.new_phone) if request.new_phone else None,  # operators are not the owner
        "reason": request.reason,
        "status": status.value,
        "status_label": status.label,
        "letter_url": f"/api/auth/recovery-requests/{request.id}/letter",
        "created_at": request.created_at,
        "decided_at": request.decided_at,
        "decided_by": request.decided_by,
        "opinion": request.opinion,
        "account_found": account_found,
    }


async def list_requests(ctx: AuthContext, *, status: str | None, offset: int, limit: int) -> tuple[list, int]:
    async with ctx.db.session() as session:
        rows, total = await repo.recovery_requests(session, status=status, offset=offset, limit=limit)
        items = []
        for row in rows:
            org = await repo.organisation_by_credit_code(session, row.credit_code)
            items.append(view(row, account_found=org is not None and org.org_type == "enterprise"))
    return items, total


async def letter(ctx: AuthContext, request_id: uuid.UUID) -> tuple[bytes, str]:
    async with ctx.db.session() as session:
        request = await repo.recovery_request(session, request_id)
    if request is None:
        raise NotFound("申请不存在", code="recovery_request_not_found")
    return await ctx.runtime.storage.get(RECOVERY_BUCKET, request.letter_key), request.letter_type


async def decide(ctx: AuthContext, operator: Principal, request_id: uuid.UUID, *, approve: bool, opinion: str,
                 ip: str) -> None:
    password = generate_password() if approve else None
    password_hash = await ctx.passwords.hash(password) if password else None
    account_id = None
    sids: list[str] = []
    async with ctx.db.transaction() as session:
        now = await ctx.now()
        request = await repo.recovery_request(session, request_id, for_update=True)
        if request is None:
            raise NotFound("申请不存在", code="recovery_request_not_found")
        if request.status != RecoveryStatus.pending.value:
            raise Conflict("该申请已审核，不能重复处理", code="recovery_already_decided")
        org = await repo.organisation_by_credit_code(session, request.credit_code)
        account = await repo.enterprise_account(session, org.id, for_update=True) if org else None
        if approve:
            if account is None or org is None:
                raise Conflict("未找到该统一社会信用代码对应的企业账号，只能驳回", code="recovery_account_not_found")
            if request.new_phone and await repo.phone_taken(session, request.new_phone, except_account=account.id):
                raise Conflict("新手机号已被其他账号使用，只能驳回", code="phone_registered")
            if request.new_phone and request.new_phone != account.phone:
                account.phone = request.new_phone
                org.contact_phone = request.new_phone
                org.updated_at = now
                profile = await repo.profile(session, org.id)
                if profile is not None:
                    await session.flush()
                    await events.enterprise_updated(session, ctx, org, profile)
            account.password_hash = password_hash
            account.password_generated = True  # only good for changing it, for 7 days
            account.password_set_at = now
            sids = await repo.revoke_sessions(session, account_id=account.id, at=now, reason="recovery")
            account_id = account.id
        target = request.new_phone or (account.phone if account else None)
        request.status = (RecoveryStatus.approved if approve else RecoveryStatus.rejected).value
        request.decided_at, request.decided_by, request.opinion = now, operator.account_id, opinion
        audit(session, at=now, action=AuditAction.recovery_decided, result=request.status,
              actor_account_id=operator.account_id, actor_org_id=operator.org_id,
              subject_org_id=org.id if org else None, ip=ip, request_id=request.id, approve=approve, opinion=opinion,
              sms_to=mask(target) if target else None)
        login_name = account.login_name if account else None
    if account_id is not None:
        await tokens.refuse_account(ctx, account_id)
        await tokens.refuse_sessions(ctx, sids)
        await clear_failures(ctx, account_id)
    if target:
        text = (
            texts.RECOVERY_APPROVED.format(login_name=login_name, password=password,
                                           days=ctx.settings.generated_password_days)
            if approve else texts.RECOVERY_REJECTED.format(opinion=opinion)
        )
        await send_sms(ctx, target, text)
