"""The notify service's enums with their Chinese labels (the one place they are written).
``PUBLIC_ENUMS`` are the ones whose values reach clients; the portal's labels are generated from them."""

from __future__ import annotations

from enum import StrEnum


class MessageCategory(StrEnum):
    """What an in-site message is about (the inbox's filter)."""

    ACCOUNT = "account"
    DECLARATION = "declaration"
    NOTICE = "notice"
    CERTIFICATE = "certificate"
    LABEL = "label"
    STAR = "star_product"
    MALL = "mall"
    WEBHOOK = "webhook"

    @property
    def label(self) -> str:
        return {
            "account": "账号",
            "declaration": "领跑者申报",
            "notice": "公示",
            "certificate": "证书",
            "label": "标识",
            "star_product": "星级产品",
            "mall": "商城",
            "webhook": "事件订阅",
        }[self.value]


class Channel(StrEnum):
    """How a notice reaches its organisation (the delivery log)."""

    SITE = "site"
    SMS = "sms"
    EMAIL = "email"


class DeliveryStatus(StrEnum):
    """A delivery's state: the dispatcher claims pending rows, then marks them sent, skipped (nobody to send
    to), pending again (retry with backoff) or failed (after the last attempt)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"


class WebhookEventType(StrEnum):
    """The public webhook event types (version 1 of each payload, docs in the service's README). Other
    services' events are internal; subscribers see only these, with public facts."""

    FORERUNNER_PUBLISHED = "forerunner.published"
    CERTIFICATE_REVOKED = "certificate.revoked"
    CERTIFICATE_EXPIRED = "certificate.expired"
    STAR_PRODUCT_LISTED = "star_product.listed"
    STAR_PRODUCT_UNLISTED = "star_product.unlisted"
    TEST = "webhook.test"

    @property
    def label(self) -> str:
        return {
            "forerunner.published": "领跑者名单发布",
            "certificate.revoked": "证书撤销",
            "certificate.expired": "证书过期",
            "star_product.listed": "星级产品上架",
            "star_product.unlisted": "星级产品下架",
            "webhook.test": "测试事件",
        }[self.value]


# What an endpoint may subscribe to: the test event goes only where an operator sends it.
SUBSCRIBABLE = tuple(t for t in WebhookEventType if t is not WebhookEventType.TEST)


class WebhookDeliveryStatus(StrEnum):
    """A webhook delivery: pending (waiting for its next attempt, or for its paused endpoint), sending
    (claimed by a worker), delivered (a 2xx answer) or failed (every attempt within 24 h failed, the
    endpoint answered 410 Gone, or was disabled)."""

    PENDING = "pending"
    SENDING = "sending"
    DELIVERED = "delivered"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {"pending": "待投递", "sending": "投递中", "delivered": "已送达", "failed": "投递失败"}[
            self.value
        ]


class WebhookEndpointState(StrEnum):
    """What an endpoint is doing: active, paused after repeated failure (until an operator resumes it) or
    disabled (by an operator, or by a 410 Gone answer)."""

    ACTIVE = "active"
    PAUSED = "paused"
    DISABLED = "disabled"

    @property
    def label(self) -> str:
        return {"active": "正常", "paused": "已暂停", "disabled": "已停用"}[self.value]


PUBLIC_ENUMS: tuple[type[StrEnum], ...] = (
    MessageCategory,
    WebhookEventType,
    WebhookDeliveryStatus,
    WebhookEndpointState,
)
