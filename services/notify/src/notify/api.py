"""In-site messages (站内消息) of the caller's organisation: list with unread count, mark one or all read.
Another organisation's message answers 404, exactly like one that does not exist."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal, get_args

from fastapi import APIRouter, Query
from kit.errors import NotFound
from kit.security import CurrentPrincipal
from kit.web import PageDep, RuntimeDep
from pydantic import BaseModel

from notify import repository as repo
from notify.models import Message
from notify.templates import CATEGORY_LABELS

router = APIRouter(prefix="/api/notify", tags=["消息通知"])

CategoryName = Literal["account", "declaration", "notice", "certificate", "label", "star_product", "mall"]
assert set(get_args(CategoryName)) == set(CATEGORY_LABELS)  # one list of categories, kept in step


class MessageOut(BaseModel):
    id: uuid.UUID
    category: str
    category_label: str
    title: str
    body: str
    link: str | None
    read: bool
    read_at: datetime | None
    created_at: datetime


class MessagePage(BaseModel):
    items: list[MessageOut]
    total: int
    page: int
    page_size: int
    unread: int


class UnreadOut(BaseModel):
    unread: int


class ReadAllOut(BaseModel):
    updated: int
    unread: int


def _out(m: Message) -> MessageOut:
    return MessageOut(
        id=m.id,
        category=m.category,
        category_label=CATEGORY_LABELS.get(m.category, m.category),
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
    category: Annotated[CategoryName | None, Query(description="消息类别")] = None,
) -> MessagePage:
    async with runtime.db.session() as session:
        rows, total, unread = await repo.list_messages(
            session,
            principal.org_id,
            unread_only=unread_only,
            category=category,
            offset=page["offset"],
            limit=page["page_size"],
        )
    return MessagePage(
        items=[_out(m) for m in rows],
        total=total,
        page=page["page"],
        page_size=page["page_size"],
        unread=unread,
    )


@router.get("/messages/unread-count", response_model=UnreadOut, summary="未读消息数")
async def unread_count(principal: CurrentPrincipal, runtime: RuntimeDep) -> UnreadOut:
    async with runtime.db.session() as session:
        return UnreadOut(unread=await repo.unread_count(session, principal.org_id))


@router.post("/messages/read-all", response_model=ReadAllOut, summary="全部标为已读")
async def read_all(principal: CurrentPrincipal, runtime: RuntimeDep) -> ReadAllOut:
    now = await runtime.clock.now()
    async with runtime.db.transaction() as session:
        updated = await repo.mark_all_read(session, principal.org_id, now)
    return ReadAllOut(updated=updated, unread=0)


@router.get("/messages/{message_id}", response_model=MessageOut, summary="消息详情")
async def get_message(message_id: uuid.UUID, principal: CurrentPrincipal, runtime: RuntimeDep) -> MessageOut:
    async with runtime.db.session() as session:
        message = await repo.message_for(session, principal.org_id, message_id)
    if message is None:
        raise NotFound("消息不存在", code="message_not_found")
    return _out(message)


@router.post("/messages/{message_id}/read", response_model=MessageOut, summary="标为已读")
async def mark_read(message_id: uuid.UUID, principal: CurrentPrincipal, runtime: RuntimeDep) -> MessageOut:
    now = await runtime.clock.now()
    async with runtime.db.transaction() as session:
        message = await repo.message_for(session, principal.org_id, message_id)
        if message is None:
            raise NotFound("消息不存在", code="message_not_found")
        if message.read_at is None:  # reading twice keeps the first time
            message.read_at = now
    return _out(message)
