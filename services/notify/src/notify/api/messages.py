"""In-site messages (站内消息) of the caller's organisation: list with unread count, mark one or all read.
Another organisation's message answers 404, exactly like one that does not exist."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from kit.paging import PageDep
from kit.security import CurrentPrincipal
from kit.web import RuntimeDep

from notify import service
from notify.api.schemas import MessageOut, MessagePage, ReadAllOut, UnreadOut
from notify.domain.statuses import MessageCategory
from notify.models import Message

router = APIRouter(prefix="/api/notify", tags=["消息通知"])


def _out(m: Message) -> MessageOut:
    return MessageOut(
        id=m.id,
        category=MessageCategory(m.category),
        category_label=MessageCategory(m.category).label,
        title=m.title,
        body=m.body,
        link=m.link,
        read=m.read_at is not None,
        read_at=m.read_at,
        created_at=m.created_at,
    )


@router.get("/messages", response_model=MessagePage, summary="站内消息列表（最新在前）")
async def list_messages(
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    page: PageDep,
    unread_only: Annotated[bool, Query(description="只看未读")] = False,
    category: Annotated[MessageCategory | None, Query(description="消息类别")] = None,
) -> MessagePage:
    rows, total, unread = await service.list_messages(
        runtime.db, org_id=principal.org_id, unread_only=unread_only, category=category, page=page
    )
    return MessagePage.of([_out(m) for m in rows], total, page, unread=unread)


@router.get("/messages/unread-count", response_model=UnreadOut, summary="未读消息数")
async def unread_count(principal: CurrentPrincipal, runtime: RuntimeDep) -> UnreadOut:
    return UnreadOut(unread=await service.unread_count(runtime.db, org_id=principal.org_id))


@router.post("/messages/read-all", response_model=ReadAllOut, summary="全部标为已读")
async def read_all(principal: CurrentPrincipal, runtime: RuntimeDep) -> ReadAllOut:
    updated = await service.read_all(runtime.db, org_id=principal.org_id, now=await runtime.clock.now())
    return ReadAllOut(updated=updated, unread=0)


@router.get("/messages/{message_id}", response_model=MessageOut, summary="消息详情")
async def get_message(message_id: uuid.UUID, principal: CurrentPrincipal, runtime: RuntimeDep) -> MessageOut:
    return _out(await service.get_message(runtime.db, org_id=principal.org_id, message_id=message_id))


@router.post("/messages/{message_id}/read", response_model=MessageOut, summary="标为已读")
async def mark_read(message_id: uuid.UUID, principal: CurrentPrincipal, runtime: RuntimeDep) -> MessageOut:
    message = await service.mark_read(
        runtime.db, org_id=principal.org_id, message_id=message_id, now=await runtime.clock.now()
    )
    return _out(message)
