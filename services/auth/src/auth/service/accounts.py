"""Registration, login with lockout, refresh, logout, password change and reset, ``/me``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog
from kit.errors import AppError, RateLimited, Unauthorized
from kit.phones import is_mobile, mask
from kit.security import Principal
from sqlalchemy.exc import IntegrityError

from auth import repository as repo
from auth.domain import texts
from auth.domain.identifiers import is_credit_code, normalise_credit_code
from auth.domain.passwords import POLICY_HINT, generate_password, policy_errors
from auth.domain.statuses import AuditAction, OrgType, SmsPurpose
from auth.errors import (
    AccountNotFound,
    AccountPhoneMismatch,
    CreditCodeRegistered,
    CurrentPasswordWrong,
    InvalidCredentials,
    LoginLocked,
    LoginSlowed,
    PasswordExpired,
    PasswordPolicy,
    PhoneRegistered,
    RefreshInvalid,
    RefreshReused,
    SmsCodeRefused,
)
from auth.models import Account, EnterpriseProfile, Organisation
from auth.service import codes, events, throttling, tokens
from auth.service.context import AuthContext, audit, fingerprint

log = structlog.get_logger("auth.accounts")

BAD_CREDENTIALS = "登录名或密码错误"


def check_policy(password: str, *, login_name: str | None, phone: str | None) -> None:
    errors = policy_errors(password, login_name=login_name, phone=phone)
    if errors:
        raise PasswordPolicy(errors[0], details={"rules": errors, "hint": POLICY_HINT})


async def send_sms(ctx: AuthContext, phone: str, text: str) -> bool:
    """Send after commit. A provider failure must not undo what was committed: it is logged and
    reported to the caller as ``sms_sent: false`` (the person can use 忘记密码)."""
    try:
        await ctx.runtime.sms.send(phone, text)
    except Exception as exc:
        log.warning("sms_not_sent", phone=mask(phone), error=type(exc).__name__)
        return False
    return True


# --- registration ---------------------------------------------------------------------------------


async def register(
    ctx: AuthContext,
    *,
    enterprise_name: str,
    credit_code: str,
    contact_name: str,
    phone: str,
    sms_code: str,
    ip: str,
) -> dict[str, Any]:
    await codes.verify(ctx, phone=phone, purpose=SmsPurpose.register, code=sms_code)
    password = generate_password()
    password_hash = await ctx.passwords.hash(password)
    now = await ctx.now()
    try:
        async with ctx.db.transaction() as session:
            if await repo.organisation_by_credit_code(session, credit_code) is not None:
                raise CreditCodeRegistered("该统一社会信用代码已注册，请直接登录或找回密码")
            if await repo.phone_taken(session, phone):
                raise PhoneRegistered("该手机号已被其他账号使用")
            org = Organisation(
                id=uuid.uuid4(),
                org_type=OrgType.enterprise.value,
                name=enterprise_name,
                credit_code=credit_code,
                contact_name=contact_name,
                contact_phone=phone,
            )
            account = await repo.add_organisation(
                session, org, login_name=credit_code, password_hash=password_hash, now=now
            )
            session.add(EnterpriseProfile(org_id=org.id))
            await events.organisation_created(session, org)
            await events.enterprise_registered(session, ctx, org)
            audit(
                session,
                at=now,
                action=AuditAction.register,
                actor_account_id=account.id,
                actor_org_id=org.id,
                subject_org_id=org.id,
                ip=ip,
                login_name=credit_code,
                phone=mask(phone),
            )
    except IntegrityError as exc:  # a concurrent registration of the same code or phone won the race
        raise CreditCodeRegistered("该统一社会信用代码或手机号已注册") from exc
    sent = await send_sms(ctx, phone, texts.REGISTERED.format(login_name=credit_code, password=password))
    return {"login_name": credit_code, "sms_sent": sent}


# --- login and lockout ----------------------------------------------------------------------------


def _normalise_login(login_name: str) -> tuple[str | None, str | None]:
    """(login name, phone): a mainland mobile number logs in by phone, anything else by login name."""
    value = login_name.strip()
    if is_mobile(value):
        return None, value
    return (normalise_credit_code(value) if is_credit_code(value) else value), None


def _lock_subject(account: Account | None, login_name: str) -> str:
    # Unknown names are counted and locked too, so the answers never tell which accounts exist.
    return str(account.id) if account else "n:" + fingerprint(login_name.strip().upper())


async def _lock_keys(ctx: AuthContext, subject: str, ip: str) -> tuple[str, str]:
    """Failures and lock of one (account, client address) pair. The account's generation is part of the
    key: unlocking the account (SMS code, password reset) moves it on, which drops every pair at once."""
    generation = str(await ctx.redis.get(f"lp:auth:login-gen:{subject}") or "0")
    pair = f"{subject}:{generation}:{fingerprint(ip)}"
    return f"lp:auth:login-fail:{pair}", f"lp:auth:login-lock:{pair}"


async def _locked_for(ctx: AuthContext, subject: str, ip: str) -> int:
    ttl = await ctx.redis.ttl((await _lock_keys(ctx, subject, ip))[1])
    return ttl if ttl and ttl > 0 else 0


async def _count_failure(ctx: AuthContext, subject: str, ip: str) -> int:
    fail_key, lock_key = await _lock_keys(ctx, subject, ip)
    s = ctx.settings
    async with ctx.redis.pipeline(transaction=True) as pipe:
        pipe.incr(fail_key)
        pipe.expire(fail_key, s.login_lock_seconds, nx=True)
        count, _ = await pipe.execute()
    if int(count) >= s.login_max_failures:
        async with ctx.redis.pipeline(transaction=True) as pipe:
            pipe.set(lock_key, "1", ex=s.login_lock_seconds)
            pipe.delete(fail_key)
            await pipe.execute()
    return int(count)


async def _unlock(ctx: AuthContext, subject: str) -> None:
    await ctx.redis.incr(f"lp:auth:login-gen:{subject}")
    await ctx.redis.expire(f"lp:auth:login-gen:{subject}", ctx.settings.login_lock_seconds * 4)
    await throttling.clear_account(ctx, subject)


async def clear_failures(ctx: AuthContext, account_id: uuid.UUID) -> None:
    """Every lock and delay of the account ends (its owner proved the reserved phone)."""
    await _unlock(ctx, str(account_id))


def _locked_error(ttl: int) -> RateLimited:
    minutes = max(1, (ttl + 59) // 60)
    return LoginLocked(
        f"登录失败次数过多，请 {minutes} 分钟后再试，或通过预留手机号的短信验证码解锁", retry_after=ttl
    )


def _slowed_error(wait: int) -> RateLimited:
    return LoginSlowed(
        f"该账号近期登录失败次数较多，请 {wait} 秒后再试，或通过预留手机号的短信验证码解锁", retry_after=wait
    )


@dataclass
class _Outcome:
    error: AppError | None = None
    result: Any = None


async def login(ctx: AuthContext, *, login_name: str, password: str, ip: str) -> tokens.TokenPair:
    name, phone = _normalise_login(login_name)
    await ctx.passwords.ensure_dummy()
    # Guessing from one address or network is slowed before anything else (the same for every name).
    await throttling.check_address(ctx, ip, message="登录尝试过于频繁，请 {seconds} 秒后再试")
    # The password is checked with no database connection held and no row locked: an argon2 check costs
    # tens of milliseconds of CPU, and logins used to queue behind the account's row lock and the pool
    # meanwhile (QUALITY 19 and 22). The row is locked afterwards, only to record the login, and only if the
    # hash that was checked is still the account's.
    async with ctx.db.read_session() as session:
        found = await repo.account_by_login(session, login_name=name, phone=phone)
    subject = _lock_subject(found, login_name)
    org_id = found.org_id if found else None
    checked_hash = found.password_hash if found else None
    locked = await _locked_for(ctx, subject, ip)
    slowed = 0 if locked else await throttling.account_wait(ctx, subject)
    # checked even when locked, so a locked account answers as slowly as any other
    valid = await ctx.passwords.verify(checked_hash, password)
    outcome = _Outcome()
    async with ctx.db.transaction() as session:
        now = await ctx.now()
        account = None
        if valid and not locked and not slowed:
            account = await repo.account_by_login(session, login_name=name, phone=phone, for_update=True)

        def failed(
            result: str, reason: str, *, by: uuid.UUID | None = found.id if found else None, **more: Any
        ) -> None:
            audit(
                session,
                at=now,
                action=AuditAction.login_failed,
                result=result,
                actor_account_id=by,
                actor_org_id=org_id,
                ip=ip,
                reason=reason,
                **more,
            )

        if locked:
            failed("locked", "locked")
            outcome.error = _locked_error(locked)
        elif slowed:
            failed("slowed", "account_slowed")
            outcome.error = _slowed_error(slowed)
        elif not valid:
            failures = await _count_failure(ctx, subject, ip)
            await throttling.account_failed(ctx, subject)
            await throttling.address_failed(ctx, ip)
            failed("failure", "bad_password" if found else "unknown_account", failures=failures)
            outcome.error = InvalidCredentials(BAD_CREDENTIALS)
        elif account is None or account.password_hash != checked_hash:
            # the password changed (or the account went) while it was being checked: that check no longer stands
            failed("failure", "password_changed")
            outcome.error = InvalidCredentials(BAD_CREDENTIALS)
        elif tokens.password_expired(ctx, account, now):
            failed("failure", "generated_password_expired", by=account.id)
            outcome.error = PasswordExpired("初始密码已超过 7 天未使用而失效，请通过“忘记密码”重新设置")
        else:
            if ctx.passwords.needs_rehash(account.password_hash):
                account.password_hash = await ctx.passwords.hash(password)
            account.last_login_at = now
            org = await repo.organisation(session, account.org_id)
            assert org is not None, "an account always belongs to an organisation (foreign key)"
            sid, refresh = await tokens.open_session(session, ctx, account=account, org=org, ip=ip, now=now)
            audit(
                session,
                at=now,
                action=AuditAction.login,
                actor_account_id=account.id,
                actor_org_id=org.id,
                ip=ip,
                session_id=sid,
            )
            outcome.result = (account, org, sid, refresh)
    if outcome.error is not None:
        raise outcome.error
    account, org, sid, refresh = outcome.result
    await ctx.redis.delete((await _lock_keys(ctx, str(account.id), ip))[0])
    return await tokens.pair(ctx, account=account, org=org, sid=sid, refresh=refresh)


async def unlock_login(ctx: AuthContext, *, login_name: str, phone: str, sms_code: str, ip: str) -> None:
    """The owner ends every lock and delay of the login with a code sent to the reserved phone."""
    await throttling.check_address(ctx, ip, message="尝试过于频繁，请 {seconds} 秒后再试")
    name, by_phone = _normalise_login(login_name)
    try:
        await codes.verify(ctx, phone=phone, purpose=SmsPurpose.unlock_login, code=sms_code)
    except SmsCodeRefused:
        await throttling.address_failed(ctx, ip)
        raise
    async with ctx.db.transaction() as session:
        now = await ctx.now()
        account = await repo.account_by_login(session, login_name=name, phone=by_phone)
        if account is None or account.phone != phone:
            raise AccountPhoneMismatch("登录名与预留手机号不匹配")
        audit(
            session,
            at=now,
            action=AuditAction.login_unlocked,
            actor_account_id=account.id,
            actor_org_id=account.org_id,
            ip=ip,
            via="sms_code",
        )
        account_id = account.id
    await clear_failures(ctx, account_id)


# --- refresh and logout ---------------------------------------------------------------------------


async def refresh(ctx: AuthContext, *, refresh_token: str, ip: str) -> tokens.TokenPair:
    invalid = RefreshInvalid("登录已失效，请重新登录")
    await throttling.check_address(ctx, ip, message="请求过于频繁，请 {seconds} 秒后再试")
    outcome = _Outcome()
    async with ctx.db.transaction() as session:
        now = await ctx.now()
        row = await repo.refresh_token(session, tokens.hash_refresh(refresh_token))
        if row is None:
            outcome.error = invalid
        else:
            outcome = await _rotate(ctx, session, row, ip=ip, now=now, invalid=invalid)
    if row is None:
        # A token that never existed is a guess: it counts against the address.
        await throttling.address_failed(ctx, ip)
    if outcome.error is not None:
        if row is not None and outcome.error.code == "refresh_reused":
            await tokens.refuse_sessions(ctx, [row.session_id])
        raise outcome.error
    account, org, sid, new_token = outcome.result
    return await tokens.pair(ctx, account=account, org=org, sid=sid, refresh=new_token)


async def _rotate(ctx: AuthContext, session, row, *, ip: str, now, invalid: Unauthorized) -> _Outcome:
    """Inside the refresh transaction: the new token, or why not (reuse revokes the whole session)."""
    outcome = _Outcome()
    login_session = await repo.login_session(session, row.session_id, for_update=True)
    if login_session is None:  # the refresh row references its session: it cannot be missing
        raise invalid
    account = await repo.account(session, login_session.account_id)
    if login_session.revoked_at is not None or login_session.expires_at <= now or account is None:
        raise invalid
    if row.used_at is not None:
        # A rotated token came back: someone holds a copy. The whole family dies (ASVS 7.4).
        login_session.revoked_at, login_session.revoked_reason = now, "refresh_reuse"
        audit(
            session,
            at=now,
            action=AuditAction.token_refresh_reuse,
            result="revoked",
            actor_account_id=account.id,
            actor_org_id=account.org_id,
            ip=ip,
            session_id=login_session.id,
        )
        outcome.error = RefreshReused("登录凭证已被重复使用，已强制下线，请重新登录")
    elif tokens.password_expired(ctx, account, now):
        raise invalid
    else:
        row.used_at = now
        org = await repo.organisation(session, account.org_id)
        outcome.result = (account, org, login_session.id, tokens.new_refresh(session, login_session.id, now))
    return outcome


async def logout(ctx: AuthContext, principal: Principal, *, ip: str) -> None:
    async with ctx.db.transaction() as session:
        now = await ctx.now()
        await repo.revoke_sessions(
            session, account_id=principal.account_id, at=now, reason="logout", only=principal.session_id
        )
        audit(
            session,
            at=now,
            action=AuditAction.logout,
            actor_account_id=principal.account_id,
            actor_org_id=principal.org_id,
            ip=ip,
            session_id=principal.session_id,
        )
    await tokens.refuse_sessions(ctx, [principal.session_id])


# --- passwords ------------------------------------------------------------------------------------


async def _set_password(
    session, ctx: AuthContext, account: Account, password_hash: str, *, generated: bool, now, reason: str
) -> None:
    account.password_hash = password_hash
    account.password_generated = generated
    account.password_set_at = now
    await repo.revoke_sessions(session, account_id=account.id, at=now, reason=reason)


async def change_password(
    ctx: AuthContext, principal: Principal, *, current_password: str, new_password: str, ip: str
) -> None:
    outcome = _Outcome()
    subject = str(principal.account_id)
    locked = await _locked_for(ctx, subject, ip)
    if locked:
        raise _locked_error(locked)
    async with ctx.db.transaction() as session:
        now = await ctx.now()
        account = await repo.account(session, principal.account_id, for_update=True)
        if account is None:
            raise Unauthorized()
        if not await ctx.passwords.verify(account.password_hash, current_password):
            failures = await _count_failure(ctx, subject, ip)
            audit(
                session,
                at=now,
                action=AuditAction.password_changed,
                result="failure",
                actor_account_id=account.id,
                actor_org_id=account.org_id,
                ip=ip,
                reason="bad_current_password",
                failures=failures,
            )
            outcome.error = CurrentPasswordWrong("当前密码不正确")
        else:
            check_policy(new_password, login_name=account.login_name, phone=account.phone)
            if new_password == current_password:
                raise PasswordPolicy("新密码不能与当前密码相同")
            await _set_password(
                session,
                ctx,
                account,
                await ctx.passwords.hash(new_password),
                generated=False,
                now=now,
                reason="password_changed",
            )
            audit(
                session,
                at=now,
                action=AuditAction.password_changed,
                actor_account_id=account.id,
                actor_org_id=account.org_id,
                ip=ip,
            )
    if outcome.error is not None:
        raise outcome.error
    await tokens.refuse_account(ctx, principal.account_id)
    await clear_failures(ctx, principal.account_id)


async def reset_password(
    ctx: AuthContext, *, login_name: str, phone: str, sms_code: str, new_password: str, ip: str
) -> None:
    """忘记密码 with a phone that still receives SMS. The code proves the phone; the phone must be the
    account's own."""
    name, by_phone = _normalise_login(login_name)
    await throttling.check_address(ctx, ip, message="尝试过于频繁，请 {seconds} 秒后再试")
    check_policy(new_password, login_name=name or by_phone, phone=phone)
    try:
        await codes.verify(ctx, phone=phone, purpose=SmsPurpose.reset_password, code=sms_code)
    except SmsCodeRefused:
        await throttling.address_failed(ctx, ip)
        raise
    password_hash = await ctx.passwords.hash(new_password)
    async with ctx.db.transaction() as session:
        now = await ctx.now()
        account = await repo.account_by_login(session, login_name=name, phone=by_phone, for_update=True)
        if account is None or account.phone != phone:
            raise AccountPhoneMismatch("登录名与预留手机号不匹配")
        check_policy(new_password, login_name=account.login_name, phone=phone)
        await _set_password(
            session, ctx, account, password_hash, generated=False, now=now, reason="password_reset"
        )
        audit(
            session,
            at=now,
            action=AuditAction.password_reset,
            actor_account_id=account.id,
            actor_org_id=account.org_id,
            ip=ip,
            via="sms_code",
        )
        account_id = account.id
    await tokens.refuse_account(ctx, account_id)
    await clear_failures(ctx, account_id)


async def request_code(ctx: AuthContext, *, phone: str, purpose: SmsPurpose, ip: str) -> int:
    """Codes for registration and 忘记密码 (the forerunner code goes through ``forerunner``)."""
    await throttling.check_sms(ctx, ip)
    deliver = True
    if purpose in (SmsPurpose.reset_password, SmsPurpose.unlock_login):
        async with ctx.db.session() as session:
            deliver = await repo.phone_taken(session, phone)
    resend_after = await codes.issue(ctx, phone=phone, purpose=purpose, ip=ip, deliver=deliver)
    await throttling.sms_requested(ctx, ip)
    return resend_after


# --- /me ------------------------------------------------------------------------------------------


async def me(ctx: AuthContext, principal: Principal) -> dict[str, Any]:
    async with ctx.db.session() as session:
        account = await repo.account(session, principal.account_id)
        org = await repo.organisation(session, principal.org_id)
    if account is None or org is None:
        raise AccountNotFound("账号不存在")
    expires = (
        account.password_set_at + timedelta(days=ctx.settings.generated_password_days)
        if account.password_generated
        else None
    )
    org_type = OrgType(org.org_type)
    return {
        "account": {"id": account.id, "login_name": account.login_name, "phone": account.phone},
        "organisation": {
            "id": org.id,
            "type": org_type.value,
            "type_label": org_type.label,
            "name": org.name,
            "credit_code": org.credit_code,
        },
        "roles": [org_type.value],
        "forerunner_verified": account.forerunner_verified_at is not None,
        "must_change_password": account.password_generated,
        "password_expires_at": expires,
    }
