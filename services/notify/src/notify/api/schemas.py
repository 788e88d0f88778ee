"""Response bodies of the notify API."""

from __future__ import annotations

import uuid
from datetime import datetime

from kit.paging import Page
from pydantic import BaseModel

from notify.domain.statuses import MessageCategory


class MessageOut(BaseModel):
    id: uuid.UUID
    category: MessageCategory
    category_label: str
    title: str
    body: str
    link: str | None
    read: bool
    read_at: datetime | None
    created_at: datetime


class MessagePage(Page[MessageOut]):
    """One page of the inbox, with the organisation's unread count (all categories)."""

    unread: int


class UnreadOut(BaseModel):
    unread: int


class ReadAllOut(BaseModel):
    updated: int
    unread: int
