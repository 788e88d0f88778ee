"""Response bodies of the notify API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from kit.paging import Page
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from notify.domain.statuses import (
    MessageCategory,
    WebhookDeliveryStatus,
    WebhookEndpointState,
    WebhookEventType,
)


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


# --------------------------------------------------------------------------- webhooks
# One line of text, trimmed, without control characters (PostgreSQL refuses NUL; they have no place here).
Line = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$"),
]
Url = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=8, max_length=2000, pattern=r"^[^\x00-\x20\x7f]*$"),
]


def _subscribable(types: list[WebhookEventType]) -> list[WebhookEventType]:
    if WebhookEventType.TEST in types:
        raise ValueError("测试事件无需订阅，可随时发送")
    return list(dict.fromkeys(types))


EventTypes = Annotated[
    list[WebhookEventType], Field(min_length=1, max_length=10), AfterValidator(_subscribable)
]


class EndpointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organisation: Line = Field(description="订阅机构名称（如零售商、市场监管部门）")
    contact: Line = Field(description="订阅机构联系人及联系方式")
    url: Url = Field(description="接收推送的 https 地址")
    event_types: EventTypes = Field(description="订阅的事件类型")


class EndpointPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organisation: Line | None = None
    contact: Line | None = None
    url: Url | None = None
    event_types: EventTypes | None = None
    enabled: bool | None = None


class EndpointOut(BaseModel):
    id: uuid.UUID
    organisation: str
    contact: str
    url: str
    event_types: list[WebhookEventType]
    enabled: bool
    state: WebhookEndpointState
    state_label: str
    disabled_reason: str | None
    paused_at: datetime | None
    consecutive_failures: int
    failing_since: datetime | None
    previous_secret_until: datetime | None
    counts: dict[str, int] = Field(default_factory=dict, description="各投递状态的数量")
    created_at: datetime
    updated_at: datetime


class EndpointCreated(EndpointOut):
    secret: str = Field(description="签名密钥，只显示这一次，请妥善保存")


class SecretRotated(BaseModel):
    secret: str = Field(description="新的签名密钥，只显示这一次")
    previous_secret_until: datetime | None = Field(description="旧密钥继续签名至此时间")


class DeliveryOut(BaseModel):
    id: uuid.UUID
    webhook_id: str
    endpoint_id: uuid.UUID
    event_id: uuid.UUID
    event_type: WebhookEventType
    event_type_label: str
    status: WebhookDeliveryStatus
    status_label: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    occurred_at: datetime
    created_at: datetime
    delivered_at: datetime | None


class AttemptOut(BaseModel):
    attempt: int
    started_at: datetime
    duration_ms: int
    status_code: int | None
    error: str | None
    response: str | None


class DeliveryDetail(DeliveryOut):
    body: str
    attempt_log: list[AttemptOut]
