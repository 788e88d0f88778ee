"""账号找回 when the reserved phone is lost: a public request with an authorisation letter, decided by an
operator. The operator never sees or sets a password.

A request can name any credit code, so the account's owner stays in control (QUALITY 6):
- the operator sees what is registered (organisation name, contact, masked current phone) beside what the
  requester claims, every mismatch marked;
- the current phone gets an SMS when a request is filed (with a code that cancels it) and when it is decided
  (with the cancel code again and a code that confirms it); the organisation is told in-site at every step
  (``enterprise.recovery_status_changed``, written by notify; no code ever travels on the bus);
- an approved request waits out a cooling-off period (``LP_RECOVERY_COOLING_OFF_SECONDS``) before it takes
  effect, unless the current phone confirms it; meanwhile the owner can cancel it;
- when it takes effect (the poller ``apply_due`` or a confirmation) a new password is generated and sent to
  the new phone (or the old one), the stored phone is replaced, every session ends and ``enterprise.updated``
  carries the new phone; the old phone is told.
Every step is in the audit log with who, what and why; the phone replacement is audited as such."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from kit.phones import mask
from kit.ratelimit import enforce
from kit.security import Principal
from kit.storage import load, new_key, store
from kit.uploads import CheckedFile
from sqlalchemy.ext.asyncio import AsyncSession

from auth import repository as repo
from auth.domain import texts
from auth.domain.passwords import generate_password
from auth.domain.statuses import AuditAction, OrgType, RecoveryClosedVia, RecoveryStatus
from auth.errors import (
    PhoneRegistered,
    RecoveryAccountNotFound,
    RecoveryAlreadyDecided,
    RecoveryCodeInvalid,
    RecoveryNotOpen,
    RecoveryRequestNotFound,
)
from auth.models import Account, EnterpriseProfile, Organisation, RecoveryRequest, RecoveryToken
from auth.service import events, tokens
from auth.service.accounts import clear_failures, send_sms
from auth.service.context import AuthContext, audit, fingerprint

log = structlog.get_logger("auth.recovery")

RECOVERY_BUCKET = "lp-recovery"
_SUFFIX = {"pdf": ".pdf", "png": ".png", "jpeg": ".jpg"}
CHINA = ZoneInfo("Asia/Shanghai")
# Codes typed from an SMS: no 0/O, 1/I/L; 10 characters of 31 are about 50 bits (and the route is rate-limited).
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
CANCEL, CONFIRM = "cancel", "confirm"


def new_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(value: str) -> str:
    return re.sub(r"[\s\-]", "", value).upper()


def _code_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def _url(ctx: AuthContext, kind: str, code: str) -> str:
    return f"{ctx.settings.public_base_url.rstrip('/')}/recovery/{kind}?code={code}"


def _beijing(at: datetime) -> str:
    return at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


async def guard_rate(ctx: AuthContext, ip: str) -> None:
    await enforce(
        ctx.redis,
        f"lp:auth:recovery-ip:{fingerprint(ip)}",
        limit=ctx.settings.recovery_requests_per_ip_hour,
        window_seconds=3600,
        message="提交过于频繁，请稍后再试",
    )


async def guard_code_rate(ctx: AuthContext, ip: str) -> None:
    """Cancel / confirm codes are guessed only one address-hour at a time."""
    await enforce(
        ctx.redis,
        f"lp:auth:recovery-code-ip:{fingerprint(ip)}",
        limit=ctx.settings.recovery_codes_per_ip_hour,
        window_seconds=3600,
        message="操作过于频繁，请稍后再试",
    )


async def _owner(
    session: AsyncSession, credit_code: str, *, for_update: bool = False
) -> tuple[Organisation | None, Account | None]:
    org = await repo.organisation_by_credit_code(session, credit_code)
    if org is None or org.org_type != OrgType.enterprise:
        return None, None
    return org, await repo.enterprise_account(session, org.id, for_update=for_update)


@dataclass
class _Sms:
    """SMS to send once the transaction committed (a provider failure never undoes a decision)."""

    messages: list[tuple[str, str]] = field(default_factory=list)

    def add(self, phone: str | None, text: str) -> None:
        if phone and all(p != phone or t != text for p, t in self.messages):
            self.messages.append((phone, text))

    async def send(self, ctx: AuthContext) -> None:
        for phone, text in self.messages:
            await send_sms(ctx, phone, text)


# --- filing ---------------------------------------------------------------------------------------


async def submit(
    ctx: AuthContext,
    *,
    credit_code: str,
    enterprise_name: str,
    contact_name: str,
    new_phone: str | None,
    reason: str,
    letter: CheckedFile,
    ip: str,
) -> uuid.UUID:
    key = new_key("letters", _SUFFIX[letter.kind])
    await store(ctx.runtime.storage, RECOVERY_BUCKET, key, letter.data, content_type=letter.content_type)
    cancel_code = new_code()
    sms = _Sms()
    async with ctx.db.transaction() as session:
        now = await ctx.now()
        org, account = await _owner(session, credit_code)
        request = RecoveryRequest(
            id=uuid.uuid4(),
            credit_code=credit_code,
            enterprise_name=enterprise_name,
            contact_name=contact_name,
            new_phone=new_phone,
            reason=reason,
            letter_key=key,
            letter_type=letter.content_type,
            ip=ip,
            created_at=now,
            status=RecoveryStatus.pending.value,
        )
        session.add(request)
        await session.flush()
        owner_phone = account.phone if account else None
        if org is not None and account is not None:
            session.add(
                RecoveryToken(
                    token_hash=_code_hash(cancel_code), request_id=request.id, kind=CANCEL, created_at=now
                )
            )
            await events.recovery_status_changed(session, org, request)
            phone_part = (
                f",申请将账号预留手机号更换为 {mask(new_phone)}"
                if new_phone and new_phone != owner_phone
                else ""
            )
            sms.add(
                owner_phone,
                texts.RECOVERY_FILED_OWNER.format(
                    org_name=org.name,
                    phone_part=phone_part,
                    cancel_url=_url(ctx, CANCEL, cancel_code),
                    code=cancel_code,
                ),
            )
        audit(
            session,
            at=now,
            action=AuditAction.recovery_requested,
            subject_org_id=org.id if org else None,
            ip=ip,
            request_id=request.id,
            new_phone=mask(new_phone) if new_phone else None,
            account_found=account is not None,
            owner_told=mask(owner_phone) if owner_phone else None,
        )
    await sms.send(ctx)
    return request.id


# --- the operator's view --------------------------------------------------------------------------


def _same(a: str | None, b: str | None) -> bool:
    """Equal after NFKC (full-width brackets and letters), without white space, case-insensitive."""

    def norm(value: str | None) -> str:
        return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or "")).casefold()

    return bool(a) and bool(b) and norm(a) == norm(b)


def view(
    request: RecoveryRequest,
    *,
    org: Organisation | None = None,
    account: Account | None = None,
    phone_taken: bool = False,
) -> dict[str, Any]:
    status = RecoveryStatus(request.status)
    found = org is not None and account is not None
    registered = None
    if org is not None and account is not None:
        registered = {
            "name": org.name,
            "contact_name": org.contact_name,
            "phone_masked": mask(account.phone) if account.phone else None,
        }
    checks = [
        {
            "field": "enterprise_name",
            "label": "企业名称",
            "claimed": request.enterprise_name,
            "registered": org.name if org is not None and found else None,
            "matches": org is not None and found and _same(request.enterprise_name, org.name),
        },
        {
            "field": "contact_name",
            "label": "联系人",
            "claimed": request.contact_name,
            "registered": org.contact_name if org is not None and found else None,
            "matches": org is not None and found and _same(request.contact_name, org.contact_name),
        },
    ]
    mismatches = ([] if found else ["account"]) + [c["field"] for c in checks if not c["matches"]]
    if phone_taken:
        mismatches.append("new_phone")
    via = RecoveryClosedVia(request.closed_via) if request.closed_via else None
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
        "account_found": found,
        "registered": registered,
        "checks": checks,
        "mismatches": mismatches,
        "new_phone_taken": phone_taken,
        "effective_at": request.effective_at,
        "closed_at": request.closed_at,
        "closed_via": via.value if via else None,
        "closed_via_label": via.label if via else None,
    }


async def _view(session: AsyncSession, request: RecoveryRequest) -> dict[str, Any]:
    org, account = await _owner(session, request.credit_code)
    taken = request.new_phone is not None and await repo.phone_taken(
        session, request.new_phone, except_account=account.id if account else None
    )
    return view(request, org=org, account=account, phone_taken=taken)


async def list_requests(ctx: AuthContext, *, status: str | None, offset: int, limit: int) -> tuple[list, int]:
    async with ctx.db.session() as session:
        rows, total = await repo.recovery_requests(session, status=status, offset=offset, limit=limit)
        items = [await _view(session, row) for row in rows]
    return items, total


async def get_request(ctx: AuthContext, request_id: uuid.UUID) -> dict[str, Any]:
    async with ctx.db.session() as session:
        request = await repo.recovery_request(session, request_id)
        if request is None:
            raise RecoveryRequestNotFound("申请不存在")
        return await _view(session, request)


async def letter(ctx: AuthContext, request_id: uuid.UUID) -> tuple[bytes, str]:
    async with ctx.db.session() as session:
        request = await repo.recovery_request(session, request_id)
    if request is None:
        raise RecoveryRequestNotFound("申请不存在")
    return await load(ctx.runtime.storage, RECOVERY_BUCKET, request.letter_key), request.letter_type


# --- the decision ---------------------------------------------------------------------------------


async def decide(
    ctx: AuthContext, operator: Principal, request_id: uuid.UUID, *, approve: bool, opinion: str, ip: str
) -> None:
    """Approval starts the cooling-off period; nothing changes on the account until it ends."""
    cancel_code, confirm_code = new_code(), new_code()
    sms = _Sms()
    async with ctx.db.transaction() as session:
        now = await ctx.now()
        request = await repo.recovery_request(session, request_id, for_update=True)
        if request is None:
            raise RecoveryRequestNotFound("申请不存在")
        if request.status != RecoveryStatus.pending.value:
            raise RecoveryAlreadyDecided("该申请已处理，不能重复审核")
        org, account = await _owner(session, request.credit_code)
        owner_phone = account.phone if account else None
        if approve:
            if account is None or org is None:
                raise RecoveryAccountNotFound("未找到该统一社会信用代码对应的企业账号，只能驳回")
            if request.new_phone and await repo.phone_taken(
                session, request.new_phone, except_account=account.id
            ):
                raise PhoneRegistered("新手机号已被其他账号使用，只能驳回")
            request.effective_at = now + timedelta(seconds=ctx.settings.recovery_cooling_off_seconds)
            session.add_all(
                [
                    RecoveryToken(
                        token_hash=_code_hash(cancel_code), request_id=request.id, kind=CANCEL, created_at=now
                    ),
                    RecoveryToken(
                        token_hash=_code_hash(confirm_code),
                        request_id=request.id,
                        kind=CONFIRM,
                        created_at=now,
                    ),
                ]
            )
        request.status = (RecoveryStatus.approved if approve else RecoveryStatus.rejected).value
        request.decided_at, request.decided_by, request.opinion = now, operator.account_id, opinion
        if not approve:
            request.closed_at = now
        audit(
            session,
            at=now,
            action=AuditAction.recovery_decided,
            result=request.status,
            actor_account_id=operator.account_id,
            actor_org_id=operator.org_id,
            subject_org_id=org.id if org else None,
            ip=ip,
            request_id=request.id,
            approve=approve,
            opinion=opinion,
            effective_at=request.effective_at.isoformat() if request.effective_at else None,
            owner_told=mask(owner_phone) if owner_phone else None,
            requester_told=mask(request.new_phone) if request.new_phone else None,
        )
        if org is not None and account is not None:
            await events.recovery_status_changed(session, org, request)
        if approve:
            assert org is not None and request.effective_at is not None  # checked and set above
            effective = _beijing(request.effective_at)
            replaced = request.new_phone and request.new_phone != owner_phone
            sms.add(
                owner_phone,
                texts.RECOVERY_APPROVED_OWNER.format(
                    org_name=org.name,
                    effective=effective,
                    phone_part=f",届时登录密码将重置、预留手机号将更换为 {mask(request.new_phone)}"
                    if replaced
                    else ",届时登录密码将重置",
                    cancel_code=cancel_code,
                    cancel_url=_url(ctx, CANCEL, cancel_code),
                    confirm_code=confirm_code,
                    confirm_url=_url(ctx, CONFIRM, confirm_code),
                ),
            )
            if replaced:
                sms.add(request.new_phone, texts.RECOVERY_APPROVED_REQUESTER.format(effective=effective))
        else:
            if org is not None:
                sms.add(owner_phone, texts.RECOVERY_REJECTED_OWNER.format(org_name=org.name, opinion=opinion))
            sms.add(request.new_phone, texts.RECOVERY_REJECTED.format(opinion=opinion))
    await sms.send(ctx)


# --- the owner's answer: cancel or confirm --------------------------------------------------------


def owner_view(request: RecoveryRequest) -> dict[str, Any]:
    status = RecoveryStatus(request.status)
    return {
        "id": request.id,
        "status": status.value,
        "status_label": status.label,
        "created_at": request.created_at,
        "claimed_name": request.enterprise_name,
        "claimed_contact": request.contact_name,
        "new_phone": mask(request.new_phone) if request.new_phone else None,
        "effective_at": request.effective_at,
    }


async def open_for_owner(
    ctx: AuthContext, principal: Principal, *, offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """The signed-in enterprise's view: open requests naming it (it may have lost the phone but not the
    password, and cancel here)."""
    async with ctx.db.session() as session:
        org = await repo.organisation(session, principal.org_id)
        if org is None or not org.credit_code:
            return [], 0
        rows, total = await repo.open_recoveries_naming(session, org.credit_code, offset=offset, limit=limit)
        return [owner_view(r) for r in rows], total


async def _cancel(
    session: AsyncSession,
    ctx: AuthContext,
    request: RecoveryRequest,
    *,
    via: RecoveryClosedVia,
    now: datetime,
    ip: str,
    actor: Principal | None,
    sms: _Sms,
) -> dict[str, Any]:
    status = RecoveryStatus(request.status)
    if not status.open:
        raise RecoveryNotOpen(f"该申请{status.label}，无需撤销", details={"status": status.value})
    org, account = await _owner(session, request.credit_code)
    request.status = RecoveryStatus.cancelled.value
    request.closed_at, request.closed_via = now, via.value
    audit(
        session,
        at=now,
        action=AuditAction.recovery_cancelled,
        result="cancelled",
        actor_account_id=actor.account_id if actor else None,
        actor_org_id=actor.org_id if actor else None,
        subject_org_id=org.id if org else None,
        ip=ip,
        request_id=request.id,
        via=via.value,
        status_before=status.value,
    )
    if org is not None:
        await events.recovery_status_changed(session, org, request)
        text = texts.RECOVERY_CANCELLED.format(org_name=org.name)
        sms.add(account.phone if account else None, text)
        sms.add(request.new_phone, text)
    return {"id": request.id, "status": request.status, "status_label": RecoveryStatus.cancelled.label}


async def cancel_as_owner(
    ctx: AuthContext, principal: Principal, request_id: uuid.UUID, *, ip: str
) -> dict[str, Any]:
    """The signed-in enterprise refuses a request naming it. Another enterprise's request is not found."""
    sms = _Sms()
    async with ctx.db.transaction() as session:
        now = await ctx.now()
        org = await repo.organisation(session, principal.org_id)
        request = await repo.recovery_request(session, request_id, for_update=True)
        if request is None or org is None or request.credit_code != org.credit_code:
            raise RecoveryRequestNotFound("申请不存在")
        result = await _cancel(
            session,
            ctx,
            request,
            via=RecoveryClosedVia.owner_session,
            now=now,
            ip=ip,
            actor=principal,
            sms=sms,
        )
    await sms.send(ctx)
    return result


async def cancel_with_code(ctx: AuthContext, *, code: str, ip: str) -> dict[str, Any]:
    """The current phone refuses the request (during review or the cooling-off period)."""
    sms = _Sms()
    async with ctx.db.transaction() as session:
        now = await ctx.now()
        request = await repo.recovery_by_token(session, _code_hash(code), CANCEL)
        if request is None:
            raise RecoveryCodeInvalid("撤销码不正确，请核对短信中的撤销码")
        result = await _cancel(
            session, ctx, request, via=RecoveryClosedVia.owner_sms_code, now=now, ip=ip, actor=None, sms=sms
        )
    await sms.send(ctx)
    return result


async def confirm_with_code(ctx: AuthContext, *, code: str, ip: str) -> dict[str, Any]:
    """The current phone confirms an approved request: it takes effect now instead of after the period."""
    async with ctx.db.transaction() as session:
        now = await ctx.now()
        request = await repo.recovery_by_token(session, _code_hash(code), CONFIRM)
        if request is None:
            raise RecoveryCodeInvalid("确认码不正确，请核对短信中的确认码")
        status = RecoveryStatus(request.status)
        if status is not RecoveryStatus.approved:
            raise RecoveryNotOpen(f"该申请{status.label}，无需确认", details={"status": status.value})
        org, _ = await _owner(session, request.credit_code)
        audit(
            session,
            at=now,
            action=AuditAction.recovery_confirmed,
            subject_org_id=org.id if org else None,
            ip=ip,
            request_id=request.id,
            via=RecoveryClosedVia.current_phone_confirmed.value,
        )
        request_id = request.id
    await apply(ctx, request_id, via=RecoveryClosedVia.current_phone_confirmed, ip=ip)
    async with ctx.db.session() as session:
        applied = await repo.recovery_request(session, request_id)
    assert applied is not None, "a recovery request is never deleted"
    status = RecoveryStatus(applied.status)
    return {"id": applied.id, "status": status.value, "status_label": status.label}


# --- taking effect --------------------------------------------------------------------------------


async def apply(
    ctx: AuthContext, request_id: uuid.UUID, *, via: RecoveryClosedVia, ip: str | None = None
) -> bool:
    """Make an approved request take effect. Idempotent: under the row lock, a request that is no longer
    approved (applied by another poller, cancelled meanwhile) or whose period has not ended is left alone."""
    password = generate_password()
    password_hash = await ctx.passwords.hash(password)
    sms = _Sms()
    account_id: uuid.UUID | None = None
    sids: list[str] = []
    async with ctx.db.transaction() as session:
        now = await ctx.now()
        request = await repo.recovery_request(session, request_id, for_update=True)
        if request is None or request.status != RecoveryStatus.approved.value:
            return False
        if via is RecoveryClosedVia.cooling_off_elapsed and (
            request.effective_at is None or request.effective_at > now
        ):
            return False
        org = await repo.organisation_by_credit_code(session, request.credit_code)
        account = await repo.enterprise_account(session, org.id, for_update=True) if org else None
        if org is None or account is None:  # cannot happen (accounts are never deleted); closed, not retried
            request.status, request.closed_at = RecoveryStatus.cancelled.value, now
            request.closed_via = RecoveryClosedVia.phone_taken.value
            return True
        await repo.organisation(session, org.id, for_update=True)
        old_phone = account.phone
        if request.new_phone and await repo.phone_taken(
            session, request.new_phone, except_account=account.id
        ):
            request.status, request.closed_at = RecoveryStatus.cancelled.value, now
            request.closed_via = RecoveryClosedVia.phone_taken.value
            audit(
                session,
                at=now,
                action=AuditAction.recovery_applied,
                result="failure",
                subject_org_id=org.id,
                ip=ip,
                request_id=request.id,
                reason="new_phone_taken",
                new_phone=mask(request.new_phone),
            )
            await events.recovery_status_changed(session, org, request)
            text = texts.RECOVERY_CANCELLED.format(org_name=org.name)
            sms.add(old_phone, text)
            sms.add(request.new_phone, text)
        else:
            replaced = bool(request.new_phone) and request.new_phone != old_phone
            if replaced:
                account.phone = request.new_phone
                org.contact_phone = request.new_phone
                org.updated_at = now
            account.password_hash = password_hash
            account.password_generated = True  # only good for changing it, for 7 days
            account.password_set_at = now
            sids = await repo.revoke_sessions(session, account_id=account.id, at=now, reason="recovery")
            account_id = account.id
            request.status, request.closed_at, request.closed_via = (
                RecoveryStatus.completed.value,
                now,
                via.value,
            )
            target = account.phone
            audit(
                session,
                at=now,
                action=AuditAction.recovery_applied,
                result="completed",
                subject_org_id=org.id,
                ip=ip,
                request_id=request.id,
                via=via.value,
                password_sms_to=mask(target) if target else None,
                sessions_ended=len(sids),
            )
            if replaced:
                audit(
                    session,
                    at=now,
                    action=AuditAction.phone_changed,
                    subject_org_id=org.id,
                    ip=ip,
                    via="recovery",
                    request_id=request.id,
                    old_phone=mask(old_phone) if old_phone else None,
                    new_phone=mask(request.new_phone),
                    decided_by=request.decided_by,
                )
                profile = await repo.profile(session, org.id)
                if profile is None:
                    profile = EnterpriseProfile(org_id=org.id)
                    session.add(profile)
                await session.flush()
                await events.enterprise_updated(session, ctx, org, profile)
                sms.add(
                    old_phone,
                    texts.RECOVERY_PHONE_REPLACED_OLD.format(
                        org_name=org.name, new_phone=mask(request.new_phone)
                    ),
                )
            await events.recovery_status_changed(session, org, request)
            sms.add(
                target,
                texts.RECOVERY_APPROVED.format(
                    login_name=account.login_name,
                    password=password,
                    days=ctx.settings.generated_password_days,
                ),
            )
    if account_id is not None:
        await tokens.refuse_account(ctx, account_id)
        await tokens.refuse_sessions(ctx, sids)
        await clear_failures(ctx, account_id)
    await sms.send(ctx)
    return True


async def apply_due(ctx: AuthContext) -> int:
    """One pass of the deadline poller: every approved request whose cooling-off period ended takes effect."""
    async with ctx.db.session() as session:
        due = await repo.due_recoveries(session, now=await ctx.now())
    applied = 0
    for request_id in due:
        if await apply(ctx, request_id, via=RecoveryClosedVia.cooling_off_elapsed):
            applied += 1
    return applied
