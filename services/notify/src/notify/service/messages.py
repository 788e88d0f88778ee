"""The inbox use cases: messages belong to the organisation (every account of it shares the inbox).
Each function is one transaction."""

from __future__ import annotations

import uuid
from datetime import datetime

from kit.db import Database
from kit.paging import PageParams

from notify import repository as repo
from notify.domain.statuses import MessageCategory
from notify.errors import MessageNotFound
from notify.models import Message


async def list_messages(
    db: Database, *, org_id: uuid.UUID, unread_only: bool, category: MessageCategory | None, page: PageParams
) -> tuple[list[Message], int, int]:
    """One page (newest first), the total the filters select, and the organisation's unread count."""
    async with db.session() as session:
        return await repo.list_messages(
            session, org_id, unread_only=unread_only, category=category, page=page
        )


async def unread_count(db: Database, *, org_id: uuid.UUID) -> int:
    async with db.session() as session:
        return await repo.unread_count(session, org_id)


async def read_all(db: Database, *, org_id: uuid.UUID, now: datetime) -> int:
    async with db.transaction() as session:
        return await repo.mark_all_read(session, org_id, now)


async def get_message(db: Database, *, org_id: uuid.UUID, message_id: uuid.UUID) -> Message:
    async with db.session() as session:
        message = await repo.message_for(session, org_id, message_id)
    if message is None:
        raise MessageNotFound()
    return message


async def mark_read(db: Database, *, org_id: uuid.UUID, message_id: uuid.UUID, now: datetime) -> Message:
    async with db.transaction() as session:
        message = await repo.message_for(session, org_id, message_id)
        if message is None:
            raise MessageNotFound()
        if message.read_at is None:  # reading twice keeps the first time
            message.read_at = now
    return message
