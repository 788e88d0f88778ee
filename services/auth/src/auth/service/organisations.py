"""Organisations other than enterprises (评估机构, 工作组, 运营): created by an operator, with an account
whose generated password goes by SMS to the contact phone and must be changed at first login."""

from __future__ import annotations

import uuid
from typing import Any

from kit.phones import mask
from kit.security import Principal
from sqlalchemy.exc import IntegrityError

from auth import repository as repo
from auth.domain import texts
from auth.domain.passwords import generate_password
from auth.domain.statuses import AuditAction, OrgType
from auth.errors import LoginNameTaken, OrganisationNotFound, PhoneRegistered
from auth.models import Organisation
from auth.service import events
from auth.service.accounts import send_sms
from auth.service.context import AuthContext, audit


def view(org: Organisation, *, owner: bool = False) -> dict[str, Any]:
    org_type = OrgType(org.org_type)
    return {
        "id": org.id,
        "org_type": org_type.value,
        "org_type_label": org_type.label,
        "name": org.name,
        "credit_code": org.credit_code,
        "contact_name": org.contact_name,
        "contact_phone": org.contact_phone if owner else mask(org.contact_phone),
        "created_at": org.created_at,
    }


async def create(
    ctx: AuthContext,
    operator: Principal,
    *,
    org_type: OrgType,
    name: str,
    contact_name: str,
    contact_phone: str,
    login_name: str,
    ip: str,
) -> dict[str, Any]:
    password = generate_password()
    password_hash = await ctx.passwords.hash(password)
    try:
        async with ctx.db.transaction() as session:
            now = await ctx.now()
            if await repo.account_by_login(session, login_name=login_name) is not None:
                raise LoginNameTaken("登录名已被使用")
            if await repo.phone_taken(session, contact_phone):
                raise PhoneRegistered("该手机号已被其他账号使用")
            org = Organisation(
                id=uuid.uuid4(),
                org_type=org_type.value,
                name=name,
                contact_name=contact_name,
                contact_phone=contact_phone,
            )
            account = await repo.add_organisation(
                session, org, login_name=login_name, password_hash=password_hash, now=now
            )
            await session.refresh(org)
            await events.organisation_created(session, org)
            audit(
                session,
                at=now,
                action=AuditAction.organisation_created,
                actor_account_id=operator.account_id,
                actor_org_id=operator.org_id,
                subject_org_id=org.id,
                ip=ip,
                org_type=org_type.value,
            )
            result = {"organisation": view(org), "account_id": account.id, "login_name": login_name}
    except IntegrityError as exc:
        raise LoginNameTaken("登录名或手机号已被使用") from exc
    result["sms_sent"] = await send_sms(
        ctx,
        contact_phone,
        texts.ORGANISATION_CREATED.format(
            org_name=name, login_name=login_name, password=password, days=ctx.settings.generated_password_days
        ),
    )
    return result


async def list_organisations(
    ctx: AuthContext, *, org_type: str | None, offset: int, limit: int
) -> tuple[list, int]:
    async with ctx.db.session() as session:
        rows, total = await repo.list_organisations(session, org_type=org_type, offset=offset, limit=limit)
    return [view(o) for o in rows], total


async def internal_view(ctx: AuthContext, org_id: uuid.UUID) -> dict[str, Any]:
    """For other services (notify's SMS): the contact phone in full, behind the internal token."""
    async with ctx.db.session() as session:
        org = await repo.organisation(session, org_id)
    if org is None:
        raise OrganisationNotFound("机构不存在")
    return view(org, owner=True)
