"""领跑者企业身份认证: allowed when an agency's candidate list holds a standard of this enterprise
(matched by credit code). The enterprise picks a listed phone (masked), gets a code, enters it."""

from __future__ import annotations

from typing import Any

from kit.security import Principal

from auth import repository as repo
from auth.domain import texts
from auth.domain.statuses import AuditAction, SmsPurpose
from auth.errors import AccountNotFound, ForerunnerNotEligible, ForerunnerPhoneNotFound
from auth.models import CandidatePhone
from auth.service import codes, events, tokens
from auth.service.context import AuthContext, audit


async def status(ctx: AuthContext, principal: Principal) -> dict[str, Any]:
    async with ctx.db.session() as session:
        org = await repo.organisation(session, principal.org_id)
        account = await repo.account(session, principal.account_id)
        rows = await repo.candidate_phones(session, org.credit_code) if org and org.credit_code else []
    phones: dict[str, str] = {}
    for row in rows:
        phones[row.phone_ref] = row.phone_masked  # one entry per listed phone, newest mask wins
    eligible = bool(phones)
    return {
        "eligible": eligible,
        "verified": bool(account and account.forerunner_verified_at),
        "phones": [{"ref": ref, "masked": masked} for ref, masked in phones.items()],
        "message": texts.FORERUNNER_ELIGIBLE if eligible else texts.FORERUNNER_NOT_ELIGIBLE,
    }


async def _listed_phone(ctx: AuthContext, principal: Principal, ref: str) -> tuple[CandidatePhone, str]:
    async with ctx.db.session() as session:
        org = await repo.organisation(session, principal.org_id)
        credit_code = org.credit_code if org else None
        if not credit_code or not await repo.candidate_phones(session, credit_code):
            raise ForerunnerNotEligible(texts.FORERUNNER_NOT_ELIGIBLE)
        row = await repo.candidate_phone_by_ref(session, credit_code, ref)
    if row is None:
        raise ForerunnerPhoneNotFound("该手机号不在本企业的入围名单中，请重新选择")
    return row, credit_code


async def request_code(ctx: AuthContext, principal: Principal, *, ref: str, ip: str) -> int:
    row, _ = await _listed_phone(ctx, principal, ref)
    phone = ctx.runtime.sealer.unseal(row.phone_sealed)
    return await codes.issue(ctx, phone=phone, purpose=SmsPurpose.forerunner_auth, ip=ip, ref=ref)


async def verify(
    ctx: AuthContext, principal: Principal, *, ref: str, sms_code: str, ip: str
) -> tokens.TokenPair:
    row, credit_code = await _listed_phone(ctx, principal, ref)
    phone = ctx.runtime.sealer.unseal(row.phone_sealed)
    await codes.verify(ctx, phone=phone, purpose=SmsPurpose.forerunner_auth, code=sms_code, ref=ref)
    async with ctx.db.transaction() as session:
        now = await ctx.now()
        account = await repo.account(session, principal.account_id, for_update=True)
        org = await repo.organisation(session, principal.org_id)
        if account is None or org is None:
            raise AccountNotFound("账号不存在")
        if account.forerunner_verified_at is None:
            account.forerunner_verified_at = now
            await events.forerunner_verified(session, account, credit_code)
        audit(
            session,
            at=now,
            action=AuditAction.forerunner_verified,
            actor_account_id=account.id,
            actor_org_id=org.id,
            subject_org_id=org.id,
            ip=ip,
            phone=row.phone_masked,
            candidate_id=row.candidate_id,
        )
        # The old session's tokens say fv=false; the client gets a fresh session and the old one ends.
        old = await repo.revoke_sessions(
            session, account_id=account.id, at=now, reason="forerunner_verified", only=principal.session_id
        )
        sid, refresh = await tokens.open_session(session, ctx, account=account, org=org, ip=ip, now=now)
    await tokens.refuse_sessions(ctx, old)
    return await tokens.pair(ctx, account=account, org=org, sid=sid, refresh=refresh)
