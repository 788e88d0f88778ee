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


PUBLIC_ENUMS: tuple[type[StrEnum], ...] = (MessageCategory,)
