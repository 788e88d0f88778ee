"""Queries. Helpers here never commit: the use case in ``service/`` owns the transaction."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth.models import (
    Account,
    AuditEntry,
    Brand,
    CandidatePhone,
    EnterpriseProfile,
    LoginSession,
    Organisation,
    RecoveryRequest,
    RecoveryToken,
    RefreshToken,
)


async def add_organisation(
    session: AsyncSession, org: Organisation, *, login_name: str, password_hash: str, now: datetime
) -> Account:
    """A new organisation and its first account, whose password was generated (it must be changed at the first
    login); both rows written, so events and audit rows may name them."""
    session.add(org)
    await session.flush()  # no ORM relationships: the organisation row must exist before its children
    account = Account(
        id=uuid.uuid4(),
        org_id=org.id,
        login_name=login_name,
        phone=org.contact_phone,
        password_hash=password_hash,
        password_generated=True,
        password_set_at=now,
    )
    session.add(account)
    await session.flush()
    return account


async def account_by_login(
    session: AsyncSession,
    *,
    login_name: str | None = None,
    phone: str | None = None,
    for_update: bool = False,
) -> Account | None:
    query = select(Account)
    query = query.where(Account.phone == phone) if phone else query.where(Account.login_name == login_name)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def account(
    session: AsyncSession, account_id: uuid.UUID, *, for_update: bool = False
) -> Account | None:
    query = select(Account).where(Account.id == account_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def phone_taken(session: AsyncSession, phone: str, *, except_account: uuid.UUID | None = None) -> bool:
    query = select(Account.id).where(Account.phone == phone)
    if except_account is not None:
        query = query.where(Account.id != except_account)
    return (await session.execute(query.limit(1))).first() is not None


async def organisation(
    session: AsyncSession, org_id: uuid.UUID, *, for_update: bool = False
) -> Organisation | None:
    query = select(Organisation).where(Organisation.id == org_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def organisation_by_credit_code(session: AsyncSession, credit_code: str) -> Organisation | None:
    return (
        await session.execute(select(Organisation).where(Organisation.credit_code == credit_code))
    ).scalar_one_or_none()


async def enterprise_account(
    session: AsyncSession, org_id: uuid.UUID, *, for_update: bool = False
) -> Account | None:
    """The enterprise's account (an enterprise has one, its login name is the credit code)."""
    query = select(Account).where(Account.org_id == org_id).order_by(Account.created_at).limit(1)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def profile(session: AsyncSession, org_id: uuid.UUID) -> EnterpriseProfile | None:
    return await session.get(EnterpriseProfile, org_id)


async def list_organisations(
    session: AsyncSession, *, org_type: str | None, offset: int, limit: int
) -> tuple[list[Organisation], int]:
    query = select(Organisation)
    if org_type:
        query = query.where(Organisation.org_type == org_type)
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    rows = await session.execute(
        query.order_by(Organisation.created_at, Organisation.id).offset(offset).limit(limit)
    )
    return list(rows.scalars()), total


# --- brands ---------------------------------------------------------------------------------------


async def brands(session: AsyncSession, org_id: uuid.UUID, *, offset: int, limit: int) -> list[Brand]:
    rows = await session.execute(
        select(Brand)
        .where(Brand.org_id == org_id)
        .order_by(Brand.created_at, Brand.id)
        .offset(offset)
        .limit(limit)
    )
    return list(rows.scalars())


async def brand_of(
    session: AsyncSession, org_id: uuid.UUID, brand_id: uuid.UUID, *, for_update: bool = False
) -> Brand | None:
    """A brand of this organisation only: another tenant's id is simply not found."""
    query = select(Brand).where(Brand.id == brand_id, Brand.org_id == org_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def brand(session: AsyncSession, brand_id: uuid.UUID) -> Brand | None:
    """Any organisation's brand, for internal routes only (the caller decides who may see it)."""
    return await session.get(Brand, brand_id)


async def count_brands(session: AsyncSession, org_id: uuid.UUID) -> int:
    return (await session.execute(select(func.count()).where(Brand.org_id == org_id))).scalar_one()


# --- sessions and refresh tokens ------------------------------------------------------------------


async def refresh_token(session: AsyncSession, token_hash: str) -> RefreshToken | None:
    query = select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def login_session(session: AsyncSession, sid: str, *, for_update: bool = False) -> LoginSession | None:
    query = select(LoginSession).where(LoginSession.id == sid)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def revoke_sessions(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    at: datetime,
    reason: str,
    only: str | None = None,
    keep: str | None = None,
) -> list[str]:
    """Mark live sessions revoked; returns their ids (so the caller can refuse their access tokens)."""
    query = (
        update(LoginSession)
        .where(LoginSession.account_id == account_id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=at, revoked_reason=reason)
        .returning(LoginSession.id)
    )
    if only is not None:
        query = query.where(LoginSession.id == only)
    if keep is not None:
        query = query.where(LoginSession.id != keep)
    return list((await session.execute(query)).scalars())


# --- recovery requests ----------------------------------------------------------------------------


async def recovery_requests(
    session: AsyncSession, *, status: str | None, offset: int, limit: int
) -> tuple[list[RecoveryRequest], int]:
    query = select(RecoveryRequest)
    if status:
        query = query.where(RecoveryRequest.status == status)
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    rows = await session.execute(
        query.order_by(RecoveryRequest.created_at.desc(), RecoveryRequest.id).offset(offset).limit(limit)
    )
    return list(rows.scalars()), total


async def recovery_request(
    session: AsyncSession, request_id: uuid.UUID, *, for_update: bool = False
) -> RecoveryRequest | None:
    query = select(RecoveryRequest).where(RecoveryRequest.id == request_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def recovery_by_token(session: AsyncSession, token_hash: str, kind: str) -> RecoveryRequest | None:
    query = (
        select(RecoveryRequest)
        .join(RecoveryToken, RecoveryToken.request_id == RecoveryRequest.id)
        .where(RecoveryToken.token_hash == token_hash, RecoveryToken.kind == kind)
        .with_for_update(of=RecoveryRequest)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def open_recoveries_naming(
    session: AsyncSession, credit_code: str, *, offset: int, limit: int
) -> tuple[list[RecoveryRequest], int]:
    """Requests naming this credit code that can still be cancelled (under review or cooling off)."""
    query = select(RecoveryRequest).where(
        RecoveryRequest.credit_code == credit_code, RecoveryRequest.status.in_(("pending", "approved"))
    )
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    rows = await session.execute(
        query.order_by(RecoveryRequest.created_at.desc(), RecoveryRequest.id).offset(offset).limit(limit)
    )
    return list(rows.scalars()), total


async def due_recoveries(session: AsyncSession, *, now: datetime, limit: int = 50) -> list[uuid.UUID]:
    """Approved requests whose cooling-off period has ended (the poller applies them one by one)."""
    rows = await session.execute(
        select(RecoveryRequest.id)
        .where(RecoveryRequest.status == "approved", RecoveryRequest.effective_at <= now)
        .order_by(RecoveryRequest.effective_at)
        .limit(limit)
    )
    return list(rows.scalars())


# --- candidate phones (read model) ----------------------------------------------------------------


async def candidate_phones(session: AsyncSession, credit_code: str) -> list[CandidatePhone]:
    rows = await session.execute(
        select(CandidatePhone)
        .where(CandidatePhone.credit_code == credit_code)
        .order_by(CandidatePhone.updated_at)
    )
    return list(rows.scalars())


async def candidate_phone_by_ref(session: AsyncSession, credit_code: str, ref: str) -> CandidatePhone | None:
    rows = await session.execute(
        select(CandidatePhone)
        .where(CandidatePhone.credit_code == credit_code, CandidatePhone.phone_ref == ref)
        .order_by(CandidatePhone.updated_at.desc())
        .limit(1)
    )
    return rows.scalar_one_or_none()


# --- audit ----------------------------------------------------------------------------------------


def add_audit(session: AsyncSession, **values: Any) -> None:
    session.add(AuditEntry(**values))


async def audit_entries(
    session: AsyncSession, *, action: str | None, org_id: uuid.UUID | None, offset: int, limit: int
) -> tuple[list[AuditEntry], int]:
    query = select(AuditEntry)
    if action:
        query = query.where(AuditEntry.action == action)
    if org_id:
        query = query.where((AuditEntry.actor_org_id == org_id) | (AuditEntry.subject_org_id == org_id))
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    rows = await session.execute(query.order_by(AuditEntry.id.desc()).offset(offset).limit(limit))
    return list(rows.scalars()), total
