"""Every error code of the notify service: one ``AppError`` subclass each."""

from __future__ import annotations

from kit.errors import Conflict, Invalid, NotFound
from pydantic import BaseModel


class MessageNotFound(NotFound):
    """Also another organisation's message: it answers exactly like one that does not exist."""

    code = "message_not_found"
    message = "消息不存在"


class WebhookEndpointNotFound(NotFound):
    code = "webhook_endpoint_not_found"
    message = "推送端点不存在"


class WebhookDeliveryNotFound(NotFound):
    code = "webhook_delivery_not_found"
    message = "投递记录不存在"


class TargetRefusal(BaseModel):
    reason: str


class WebhookTargetRefused(Invalid):
    """The URL is not https (production), does not resolve, or resolves to a loopback, private,
    link-local, multicast or reserved address (SSRF protection)."""

    code = "webhook_target_refused"
    message = "推送地址不可用"
    details_model = TargetRefusal


class WebhookDeliveryInProgress(Conflict):
    code = "webhook_delivery_in_progress"
    message = "该事件正在等待投递，无需重新投递"


class WebhookEndpointInactive(Conflict):
    code = "webhook_endpoint_inactive"
    message = "推送端点已暂停或停用，请先恢复或启用后再发送"
