"""基本信息, logo and 品牌信息 of the signed-in enterprise. Every query is scoped to the caller's
organisation, so another tenant's id is simply not found."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import structlog
from kit.errors import Unauthorized
from kit.phones import mask
from kit.security import Principal
from kit.storage import discard, load, new_key, store
from kit.uploads import CheckedFile

from auth import repository as repo
from auth.domain import texts
from auth.domain.statuses import AuditAction, EnterpriseNature, OrgType, SmsPurpose
from auth.errors import (
    BrandNotFound,
    CreditCodeReadOnly,
    CurrentPasswordWrong,
    EnterpriseNotFound,
    LogoNotFound,
    PhoneChangeLocked,
    PhoneChangeRequiresVerification,
    PhoneRegistered,
    PhoneUnchanged,
    TooManyBrands,
)
from auth.models import Brand, EnterpriseProfile, Organisation
from auth.service import codes, events, tokens
from auth.service.accounts import send_sms
from auth.service.context import AuthContext, audit

log = structlog.get_logger("auth.enterprise")

LOGO_BUCKET = "lp-logos"
MAX_BRANDS = 20


def _logo_url(key: str | None, path: str) -> str | None:
    return path if key else None


def profile_view(org: Organisation, profile: EnterpriseProfile) -> dict[str, Any]:
    nature = EnterpriseNature(profile.nature) if profile.nature else None
    return {
        "org_id": org.id,
        "name": org.name,
        "credit_code": org.credit_code,
        "nature": nature.value if nature else None,
        "nature_label": nature.label if nature else None,
        "contact_name": org.contact_name,
        "region_code": profile.region_code,
        "phone": org.contact_phone,  # the owner sees the number in full
        "email": profile.email,
        "address": profile.address,
        "logo_url": _logo_url(profile.logo_key, "/api/auth/enterprise/logo"),
        "updated_at": org.updated_at,
    }


def brand_view(brand: Brand) -> dict[str, Any]:
    return {
        "id": brand.id,
        "name": brand.name,
        "story": brand.story,
        "logo_url": _logo_url(brand.logo_key, f"/api/auth/enterprise/brands/{brand.id}/logo"),
        "created_at": brand.created_at,
        "updated_at": brand.updated_at,
    }


async def _own(session, org_id: uuid.UUID) -> tuple[Organisation, EnterpriseProfile]:
    org = await repo.organisation(session, org_id, for_update=True)
    if org is None or org.org_type != OrgType.enterprise:
        raise EnterpriseNotFound("企业不存在")
    profile = await repo.profile(session, org_id)
    if profile is None:
        profile = EnterpriseProfile(org_id=org_id)
        session.add(profile)
    return org, profile


async def get_profile(ctx: AuthContext, principal: Principal) -> dict[str, Any]:
    async with ctx.db.transaction() as session:
        org, profile = await _own(session, principal.org_id)
        await session.flush()
        return profile_view(org, profile)


async def update_profile(
    ctx: AuthContext, principal: Principal, *, data: dict[str, Any], ip: str
) -> dict[str, Any]:
    async with ctx.db.transaction() as session:
        now = await ctx.now()
        org, profile = await _own(session, principal.org_id)
        if data.get("credit_code") not in (None, org.credit_code):
            raise CreditCodeReadOnly("统一社会信用代码不可修改")
        if data.get("phone") not in (None, org.contact_phone):
            # The contact phone is also the 预留手机号 (login by phone, 忘记密码): it changes only with proof.
            raise PhoneChangeRequiresVerification(
                "联系电话即预留手机号，修改须验证当前密码和新手机号的短信验证码，请使用“修改联系电话”",
                details={"route": "POST /api/auth/enterprise/phone", "code_route": PHONE_CODE_ROUTE},
            )
        org.name = data["name"]
        org.contact_name = data["contact_name"]
        org.updated_at = now
        profile.nature = data.get("nature")
        profile.region_code = data.get("region_code")
        profile.email = data.get("email")
        profile.address = data.get("address")
        await session.flush()
        await events.enterprise_updated(session, ctx, org, profile)
        audit(
            session,
            at=now,
            action=AuditAction.profile_updated,
            actor_account_id=principal.account_id,
            actor_org_id=org.id,
            subject_org_id=org.id,
            ip=ip,
        )
        return profile_view(org, profile)


# --- the reserved phone ---------------------------------------------------------------------------

PHONE_CODE_ROUTE = "POST /api/auth/enterprise/phone/sms-code"


def _phone_fail_key(account_id: uuid.UUID) -> str:
    return f"lp:auth:phone-change-fail:{account_id}"


async def request_phone_code(ctx: AuthContext, principal: Principal, *, phone: str, ip: str) -> int:
    """A code to the NEW phone (purpose ``change_phone``, bound to this account): proves the number is theirs."""
    async with ctx.db.session() as session:
        account = await repo.account(session, principal.account_id)
        if account is None:
            raise Unauthorized()
        if phone == account.phone:
            raise PhoneUnchanged("新手机号与当前联系电话相同")
        if await repo.phone_taken(session, phone, except_account=account.id):
            raise PhoneRegistered("该手机号已被其他账号使用")
    return await codes.issue(ctx, phone=phone, purpose=SmsPurpose.change_phone, ip=ip, ref=str(account.id))


async def change_phone(
    ctx: AuthContext, principal: Principal, *, current_password: str, new_phone: str, sms_code: str, ip: str
) -> dict[str, Any]:
    """修改联系电话 (= the reserved phone): the current password and a code sent to the new phone. The old phone
    is told, every other session ends, ``enterprise.updated`` carries the new phone; audited with both masked."""
    s = ctx.settings
    fail_key = _phone_fail_key(principal.account_id)
    failures = int(await ctx.redis.get(fail_key) or 0)
    if failures >= s.phone_change_max_failures:
        wait = max(int(await ctx.redis.ttl(fail_key)), 1)
        raise PhoneChangeLocked(
            f"当前密码错误次数过多，请 {max(1, (wait + 59) // 60)} 分钟后再试", retry_after=wait
        )
    async with ctx.db.read_session() as session:
        found = await repo.account(session, principal.account_id)
    if found is None:
        raise Unauthorized()
    checked_hash = found.password_hash
    if not await ctx.passwords.verify(checked_hash, current_password):
        async with ctx.redis.pipeline(transaction=True) as pipe:
            pipe.incr(fail_key)
            pipe.expire(fail_key, s.login_lock_seconds, nx=True)
            count, _ = await pipe.execute()
        async with ctx.db.transaction() as session:
            audit(
                session,
                at=await ctx.now(),
                action=AuditAction.phone_changed,
                result="failure",
                actor_account_id=principal.account_id,
                actor_org_id=principal.org_id,
                subject_org_id=principal.org_id,
                ip=ip,
                reason="bad_current_password",
                failures=int(count),
            )
        raise CurrentPasswordWrong("当前密码不正确")
    await codes.verify(
        ctx, phone=new_phone, purpose=SmsPurpose.change_phone, code=sms_code, ref=str(principal.account_id)
    )
    async with ctx.db.transaction() as session:
        now = await ctx.now()
        org, profile = await _own(session, principal.org_id)
        account = await repo.account(session, principal.account_id, for_update=True)
        if account is None or account.password_hash != checked_hash:
            raise CurrentPasswordWrong("当前密码不正确")
        if new_phone == account.phone:
            raise PhoneUnchanged("新手机号与当前联系电话相同")
        if await repo.phone_taken(session, new_phone, except_account=account.id):
            raise PhoneRegistered("该手机号已被其他账号使用")
        old_phone = account.phone
        account.phone = new_phone
        org.contact_phone = new_phone
        org.updated_at = now
        sids = await repo.revoke_sessions(
            session, account_id=account.id, at=now, reason="phone_changed", keep=principal.session_id
        )
        await session.flush()
        await events.enterprise_updated(session, ctx, org, profile)
        audit(
            session,
            at=now,
            action=AuditAction.phone_changed,
            actor_account_id=account.id,
            actor_org_id=org.id,
            subject_org_id=org.id,
            ip=ip,
            via="password_and_sms_code",
            old_phone=mask(old_phone) if old_phone else None,
            new_phone=mask(new_phone),
            sessions_ended=len(sids),
        )
        view = profile_view(org, profile)
        org_name = org.name
    await ctx.redis.delete(fail_key)
    await tokens.refuse_sessions(ctx, sids)
    if old_phone:
        await send_sms(
            ctx, old_phone, texts.PHONE_CHANGED_OLD.format(org_name=org_name, new_phone=mask(new_phone))
        )
    return view


async def _store_logo(ctx: AuthContext, org_id: uuid.UUID, checked: CheckedFile) -> str:
    key = new_key(f"{org_id}", ".png")
    await store(ctx.runtime.storage, LOGO_BUCKET, key, checked.data, content_type=checked.content_type)
    return key


async def _drop_object(ctx: AuthContext, key: str | None) -> None:
    # an orphan object is harmless (the row is the truth): a failed deletion is logged, never raised
    await discard(ctx.runtime.storage, LOGO_BUCKET, [key])


async def set_logo(ctx: AuthContext, principal: Principal, checked: CheckedFile, *, ip: str) -> None:
    key = await _store_logo(ctx, principal.org_id, checked)
    try:
        async with ctx.db.transaction() as session:
            now = await ctx.now()
            org, profile = await _own(session, principal.org_id)
            old, profile.logo_key = profile.logo_key, key
            org.updated_at = now
            await session.flush()
            await events.enterprise_updated(session, ctx, org, profile)
            audit(
                session,
                at=now,
                action=AuditAction.logo_changed,
                actor_account_id=principal.account_id,
                actor_org_id=org.id,
                subject_org_id=org.id,
                ip=ip,
                width=checked.width,
                height=checked.height,
            )
    except BaseException:
        await _drop_object(ctx, key)
        raise
    await _drop_object(ctx, old)


async def logo(ctx: AuthContext, principal: Principal, brand_id: uuid.UUID | None = None) -> bytes:
    async with ctx.db.session() as session:
        if brand_id is None:
            profile = await repo.profile(session, principal.org_id)
            key = profile.logo_key if profile else None
        else:
            brand = await repo.brand_of(session, principal.org_id, brand_id)
            if brand is None:
                raise BrandNotFound("品牌不存在")
            key = brand.logo_key
    if not key:
        raise LogoNotFound("尚未上传 Logo")
    return await load(ctx.runtime.storage, LOGO_BUCKET, key)


def logo_etag(key: str) -> str:
    """A strong validator of one stored logo: keys are new for every upload, so the key names the bytes. The
    key itself stays inside (a hash of it travels)."""
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


async def brand_logo_internal(ctx: AuthContext, brand_id: uuid.UUID) -> tuple[bytes, str]:
    """A brand's logo for the mall (internal route): the bytes and their ETag. Only brand logos, never the
    enterprise's own logo or any other object of the bucket; the mall decides whether the brand is public."""
    async with ctx.db.session() as session:
        brand = await repo.brand(session, brand_id)
    if brand is None:
        raise BrandNotFound("品牌不存在")
    if not brand.logo_key:
        raise LogoNotFound("该品牌尚未上传 Logo")
    data = await load(
        ctx.runtime.storage, LOGO_BUCKET, brand.logo_key, message="Logo 存储暂时不可用，请稍后再试"
    )
    return data, logo_etag(brand.logo_key)


async def list_brands(
    ctx: AuthContext, principal: Principal, *, offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    async with ctx.db.session() as session:
        rows = await repo.brands(session, principal.org_id, offset=offset, limit=limit)
        total = await repo.count_brands(session, principal.org_id)
    return [brand_view(b) for b in rows], total


async def save_brand(
    ctx: AuthContext,
    principal: Principal,
    *,
    brand_id: uuid.UUID | None,
    name: str,
    story: str,
    logo_file: CheckedFile | None,
    ip: str,
) -> dict[str, Any]:
    key = await _store_logo(ctx, principal.org_id, logo_file) if logo_file else None
    old_key = None
    try:
        async with ctx.db.transaction() as session:
            now = await ctx.now()
            await _own(session, principal.org_id)
            if brand_id is None:
                if await repo.count_brands(session, principal.org_id) >= MAX_BRANDS:
                    raise TooManyBrands(f"最多可添加 {MAX_BRANDS} 个品牌")
                brand = Brand(id=uuid.uuid4(), org_id=principal.org_id, name=name, story=story, logo_key=key)
                session.add(brand)
            else:
                found = await repo.brand_of(session, principal.org_id, brand_id, for_update=True)
                if found is None:
                    raise BrandNotFound("品牌不存在")
                brand = found
                brand.name, brand.story, brand.updated_at = name, story, now
                if key:
                    old_key, brand.logo_key = brand.logo_key, key
            await session.flush()
            await session.refresh(brand)
            await events.brand_changed(session, brand)
            audit(
                session,
                at=now,
                action=AuditAction.brand_saved,
                actor_account_id=principal.account_id,
                actor_org_id=principal.org_id,
                subject_org_id=principal.org_id,
                ip=ip,
                brand_id=brand.id,
            )
            view = brand_view(brand)
    except BaseException:
        await _drop_object(ctx, key)
        raise
    await _drop_object(ctx, old_key)
    return view


async def delete_brand(ctx: AuthContext, principal: Principal, brand_id: uuid.UUID, *, ip: str) -> None:
    async with ctx.db.transaction() as session:
        now = await ctx.now()
        brand = await repo.brand_of(session, principal.org_id, brand_id, for_update=True)
        if brand is None:
            raise BrandNotFound("品牌不存在")
        key = brand.logo_key
        await events.brand_changed(session, brand, deleted=True)
        await session.delete(brand)
        audit(
            session,
            at=now,
            action=AuditAction.brand_deleted,
            actor_account_id=principal.account_id,
            actor_org_id=principal.org_id,
            subject_org_id=principal.org_id,
            ip=ip,
            brand_id=brand_id,
        )
    await _drop_object(ctx, key)
