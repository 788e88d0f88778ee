"""Events of the mall service (产品宣传与入驻商城), version 1. Owned by services/mall."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict

ProductSource = Literal["forerunner", "star"]
# Why a product left the mall: the enterprise took it down, its certificate was revoked or expired,
# or the brand it was promoted under was deleted (material no longer complete).
UnlistReason = Literal["enterprise", "certificate_revoked", "certificate_expired", "brand_removed"]


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore")


class PromotionCompleted(_Payload):
    """``mall.promotion_completed``: the model's promotion material became complete for the first time
    (introduction, at least one picture, brand). Announced once per model; the certificate service issues
    the star label on it."""

    model_id: uuid.UUID
    org_id: uuid.UUID
    source: ProductSource
    declaration_id: uuid.UUID | None = None
    star_product_id: uuid.UUID | None = None
    star: int
    product_name: str  # the product's own name (e.g. 极寒系列羽绒服), else its key-field product
    model: str  # 型号/规格
    enterprise_name: str


class ProductListed(_Payload):
    """``mall.product_listed``: the model is shown in the public catalogue (上架)."""

    model_id: uuid.UUID
    org_id: uuid.UUID
    reason: Literal["enterprise"] = "enterprise"
    product_name: str
    model: str


class ProductUnlisted(_Payload):
    """``mall.product_unlisted``: the model left the public catalogue (下架). ``reason_label`` is the
    Chinese sentence to show the enterprise."""

    model_id: uuid.UUID
    org_id: uuid.UUID
    reason: UnlistReason
    reason_label: str
    product_name: str
    model: str


EVENTS = {
    "mall.promotion_completed": PromotionCompleted,
    "mall.product_listed": ProductListed,
    "mall.product_unlisted": ProductUnlisted,
}
