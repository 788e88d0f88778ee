"""Queries of the notify service. Helpers never commit: the consumer (kit) or the use case owns the
transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from kit.bus import Envelope
from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notify.models import Contact, DeclarationOwner, Delivery, Message
from notify.templates import Notice, Owner, email_subject


def recipient(org_id: uuid.UUID) -> str:
    return f"org:{org_id}"


async def record_notices(
    session: AsyncSession, envelope: Envelope, notices: Sequence[Notice], *, email: bool
) -> None:
    """Write the in-site messages and the delivery log rows of one event. Both tables are unique per event
    and recipient, so writing the same event again adds nothing (the inbox already stops that; this is
    the second lock on the door)."""
    for notice in notices:
        message_id = (
            await session.execute(
                insert(Message)
                .values(
                    id=uuid.uuid4(),
                    org_id=notice.org_id,
                    event_id=envelope.id,
                    event_type=envelope.type,
                    category=notice.category,
                    title=notice.title,
                    body=notice.body,
                    link=notice.link,
                    created_at=envelope.occurred_at,
                )
                .on_conflict_do_nothing(constraint="uq_messages_event_org")
                .returning(Message.id)
            )
        ).scalar_one_or_none()
        rows: list[dict[str, Any]] = [
            _delivery(envelope, notice, "site", notice.body, status="sent", message_id=message_id)
        ]
        if notice.sms:
            rows.append(_delivery(envelope, notice, "sms", notice.sms))
            if email:
                rows.append(_delivery(envelope, notice, "email", notice.body))
        await session.execute(
            insert(Delivery)
            .values(rows)
            .on_conflict_do_nothing(constraint="uq_deliveries_event_channel_recipient")
        )


def _delivery(
    envelope: Envelope,
    notice: Notice,
    channel: str,
    content: str,
    *,
    status: str = "pending",
    message_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    return {
        "event_id": envelope.id,
        "event_type": envelope.type,
        "channel": channel,
        "recipient": recipient(notice.org_id),
        "org_id": notice.org_id,
        "message_id": message_id,
        "subject": email_subject(notice.title),
        "content": content,
        "status": status,
        "sent_at": func.now() if status == "sent" else None,
    }


async def upsert_contact(
    session: AsyncSession, org_id: uuid.UUID, *, as_of: datetime, replace: bool = False, **values: Any
) -> None:
    """Keep what notify knows of an organisation, as it was at ``as_of``; an older fact never overwrites a
    newer one (the consumer handles events concurrently). ``replace``: the values are the whole current
    profile (enterprise.updated), so a field now empty is emptied; otherwise an absent field keeps its value."""
    given = values if replace else {k: v for k, v in values.items() if v is not None}
    given = {**given, "name": values.get("name") or "", "as_of": as_of}
    stmt = insert(Contact).values(org_id=org_id, **given)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[Contact.org_id],
            set_={**given, "updated_at": func.now()},
            where=or_(Contact.as_of.is_(None), Contact.as_of <= stmt.excluded.as_of),
        )
    )


async def contact(session: AsyncSession, org_id: uuid.UUID) -> Contact | None:
    return await session.get(Contact, org_id)


async def remember_owner(session: AsyncSession, owner: Owner, product_name: str | None = None) -> None:
    values = {
        "org_id": owner.org_id,
        "agency_org_id": owner.agency_org_id,
        "standard_no": owner.standard_no,
        "standard_name": owner.standard_name,
        "product_name": product_name,
    }
    await session.execute(
        insert(DeclarationOwner)
        .values(declaration_id=owner.declaration_id, **values)
        .on_conflict_do_update(index_elements=[DeclarationOwner.declaration_id], set_=values)
    )


async def owners(session: AsyncSession, declaration_ids: Sequence[uuid.UUID]) -> list[Owner]:
    if not declaration_ids:
        return []
    rows = (
        await session.execute(
            select(DeclarationOwner).where(DeclarationOwner.declaration_id.in_(declaration_ids))
        )
    ).scalars()
    return [Owner(r.declaration_id, r.org_id, r.agency_org_id, r.standard_no, r.standard_name) for r in rows]


# --------------------------------------------------------------------------- in-site messages
async def list_messages(
    session: AsyncSession,
    org_id: uuid.UUID,
    *,
    unread_only: bool,
    category: str | None,
    offset: int,
    limit: int,
) -> tuple[list[Message], int, int]:
    where = [Message.org_id == org_id]
    if unread_only:
        where.append(Message.read_at.is_(None))
    if category:
        where.append(Message.category == category)
    rows = (
        (
            await session.execute(
                select(Message)
                .where(*where)
                .order_by(Message.created_at.desc(), Message.id.desc())
                .offset(offset)
                .limit(limit)
            )
        )
        .scalars()
        .all()
    )
    total = (await session.execute(select(func.count()).select_from(Message).where(*where))).scalar_one()
    return list(rows), int(total), await unread_count(session, org_id)


async def unread_count(session: AsyncSession, org_id: uuid.UUID) -> int:
    stmt = (
        select(func.count()).select_from(Message).where(Message.org_id == org_id, Message.read_at.is_(None))
    )
    return int((await session.execute(stmt)).scalar_one())


async def message_for(session: AsyncSession, org_id: uuid.UUID, message_id: uuid.UUID) -> Message | None:
    """The message only when it belongs to the caller's organisation (another tenant's id: None → 404)."""
    return (
        await session.execute(select(Message).where(Message.id == message_id, Message.org_id == org_id))
    ).scalar_one_or_none()


async def mark_all_read(session: AsyncSession, org_id: uuid.UUID, at: datetime) -> int:
    result = await session.execute(
        update(Message).where(Message.org_id == org_id, Message.read_at.is_(None)).values(read_at=at)
    )
    return int(result.rowcount or 0)
