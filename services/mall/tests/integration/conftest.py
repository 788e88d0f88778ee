"""The mall against the real PostgreSQL, RabbitMQ, Redis and S3: one app (runtime, relay, consumer) per
module; inbound events go through the kit's consumer (inbox, one transaction) exactly as from the bus."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from kit.bus import Envelope
from kit.testing.files import image_bytes
from kit.testing.fixtures import running_app
from mall.config import Settings
from mall.main import create_app
from sqlalchemy import text


@pytest.fixture(scope="module")
def mall_settings(service_env) -> Settings:
    return Settings(**service_env("mall"))


@pytest.fixture(scope="module")
async def app(mall_settings):
    application = create_app(mall_settings)
    async with running_app(application):
        yield application


@pytest.fixture
def deliver(runtime) -> Callable[..., Any]:
    """Hand an event to the mall's consumer as the bus would (inbox row and handler in one transaction)."""

    async def _deliver(event_type: str, payload: dict[str, Any], *, producer: str = "test") -> Envelope:
        envelope = Envelope(type=event_type, producer=producer, payload=payload)
        assert runtime.consumer is not None
        assert await runtime.consumer.handle(envelope)
        return envelope

    return _deliver


@pytest.fixture
def emitted(runtime) -> Callable[..., Any]:
    """Payloads of the events the mall wrote to its outbox, of one type, oldest first."""

    async def _emitted(event_type: str, **match: Any) -> list[dict[str, Any]]:
        async with runtime.db.session() as session:
            rows = (
                await session.execute(
                    text("SELECT body FROM outbox WHERE routing_key = :key ORDER BY id"),
                    {"key": f"{event_type}.v1"},
                )
            ).scalars()
            bodies = [r["payload"] for r in rows]
        return [b for b in bodies if all(str(b.get(k)) == str(v) for k, v in match.items())]

    return _emitted


def make_picture(
    kind: str = "JPEG", size: tuple[int, int] = (300, 300), *, exif: bool = False, colour=(200, 30, 30)
) -> bytes:
    """A product photo: 300×300 (the seed's advice) unless told otherwise."""
    return image_bytes(kind, size, colour, exif=exif)


@pytest.fixture
def picture() -> Callable[..., bytes]:
    """``picture("PNG", (800, 600), exif=True)``: an image file's bytes."""
    return make_picture


@dataclass
class Enterprise:
    org_id: uuid.UUID
    token: str
    name: str
    brand_id: uuid.UUID
    headers: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def enterprise(deliver, make_token) -> Callable[..., Any]:
    """A registered enterprise with one brand, as auth's events describe it."""

    async def _make(
        name: str = "美途集团股份有限公司", *, region: str = "440606", brand: str = "美途"
    ) -> Enterprise:
        org_id, brand_id = uuid.uuid4(), uuid.uuid4()
        await deliver(
            "enterprise.updated",
            {
                "org_id": str(org_id),
                "name": name,
                "credit_code": "91440606722473344C",
                "nature": "民营企业",
                "region_code": region,
                "contact_name": "张三",
                "phone_masked": "138****5678",
                "phone_sealed": "x",
            },
        )
        await deliver(
            "enterprise.brand_changed",
            {
                "org_id": str(org_id),
                "brand_id": str(brand_id),
                "name": brand,
                "story": f"{brand}的品牌故事",
                "deleted": False,
            },
        )
        token = make_token("enterprise", org_id=org_id, org_name=name)
        return Enterprise(org_id, token, name, brand_id, {"Authorization": f"Bearer {token}"})

    return _make


@pytest.fixture
def category(deliver) -> Callable[..., Any]:
    """A key-field product with a final plan (two core indicators)."""

    async def _make(name: str = "家用电冰箱", field: str = "家用电器") -> uuid.UUID:
        product_id = uuid.uuid4()
        await deliver(
            "catalog.product_saved",
            {
                "product_id": str(product_id),
                "code": f"P{uuid.uuid4().hex[:6]}",
                "name": name,
                "field": field,
                "year": 2023,
                "product_type": "product",
            },
            producer="benchmark",
        )
        await deliver(
            "catalog.plan_finalised",
            {
                "product_id": str(product_id),
                "plan_id": str(uuid.uuid4()),
                "version": 2,
                "title": f"{name}企业标准领跑者评估方案",
                "group_standard": "T/CAS 100-2023",
                "product_type": "product",
                "graded": True,
                "finalised_at": "2023-05-01T00:00:00+00:00",
                "indicators": [
                    {
                        "code": "E1",
                        "name": "能效指数",
                        "unit": "%",
                        "direction": "lower",
                        "forerunner": "40",
                        "stars": ["60", "55", "50", "45", "40"],
                    },
                    {
                        "code": "N1",
                        "name": "噪声",
                        "unit": "dB(A)",
                        "direction": "lower",
                        "forerunner": "36",
                        "stars": ["42", "40", "38", "37", "36"],
                    },
                ],
            },
            producer="benchmark",
        )
        return product_id

    return _make


@pytest.fixture
def published(deliver) -> Callable[..., Any]:
    """A published forerunner declaration of the enterprise with its models."""

    async def _make(
        ent: Enterprise,
        product_id: uuid.UUID,
        *models: tuple[str, str],
        product_name: str = "家用电冰箱",
        field: str = "家用电器",
        declaration_id: uuid.UUID | None = None,
    ) -> tuple[uuid.UUID, list[uuid.UUID]]:
        declaration_id = declaration_id or uuid.uuid4()
        ids = [uuid.uuid4() for _ in models]
        await deliver(
            "declaration.published",
            {
                "declaration_id": str(declaration_id),
                "org_id": str(ent.org_id),
                "enterprise_name": ent.name,
                "credit_code": "91440606722473344C",
                "product_id": str(product_id),
                "product_name": product_name,
                "field": field,
                "year": 2023,
                "agency_org_id": str(uuid.uuid4()),
                "agency_name": "中国标准化研究院",
                "standard_no": "Q/MDB 102-2023",
                "standard_name": "家用电冰箱",
                "models": [
                    {"model_id": str(i), "name": n, "spec": s} for i, (n, s) in zip(ids, models, strict=True)
                ],
                "published_at": "2023-09-01T00:00:00+00:00",
            },
            producer="declaration",
        )
        return declaration_id, ids

    return _make


@pytest.fixture
def complete(client) -> Callable[..., Any]:
    """Give a model complete promotion material: introduction, one picture, the enterprise's brand."""

    async def _complete(
        ent: Enterprise, model_id: uuid.UUID, intro: str = "<p>一级能效，静音设计。</p>"
    ) -> dict:
        r = await client.post(
            f"/api/mall/promotions/{model_id}/pictures",
            files={"file": ("front.jpg", make_picture(), "image/jpeg")},
            headers=ent.headers,
        )
        assert r.status_code == 201, r.text
        r = await client.put(
            f"/api/mall/promotions/{model_id}",
            json={"introduction": intro, "brand_id": str(ent.brand_id)},
            headers=ent.headers,
        )
        assert r.status_code == 200, r.text
        assert r.json()["complete"] is True
        return r.json()

    return _complete
