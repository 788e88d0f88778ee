"""The certificate service in process against the real PostgreSQL, RabbitMQ, Redis and S3.

Events reach it the way they do in production: published on the topic exchange, consumed from its
own queue through the kit's inbox. What it announces is read back from the exchange by a test queue.
The clock is the kit's ``FixedClock`` so expiry tests move time without touching shared Redis state.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import aio_pika
import pytest
from certificate.config import Settings
from certificate.main import create_app
from certificate.models import Product
from kit.bus import Envelope
from kit.clock import FixedClock
from kit.testing.factories import Org
from kit.testing.fixtures import consumer_listening, running_app, wait_until

START = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 in Beijing


@pytest.fixture(scope="module")
def settings(service_env) -> Settings:
    # The poller is driven by the tests (workers.expire_once), not by its timer. A small pool: the
    # machine's PostgreSQL is shared, and 3 connections plus 3 overflow still let transactions contend.
    return Settings(
        **service_env(
            "certificate",
            db_pool_size=3,
            expiry_poll_seconds=3600,
            verify_rate_per_minute=10_000,
            verify_file_rate_per_minute=10_000,
            # Small enough for a test to pass it without 20 MB of memory churn.
            verify_file_max_bytes=2 * 1024 * 1024,
            public_base_url="https://lp.example.cn",
        )
    )


class Bus:
    """Publish events to the service and collect what it emits."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.received: list[Envelope] = []
        self._connection: aio_pika.abc.AbstractRobustConnection | None = None
        self._exchange = None

    async def start(self) -> None:
        self._connection = await aio_pika.connect_robust(self.settings.amqp_url)
        channel = await self._connection.channel()
        self._exchange = await channel.declare_exchange(
            self.settings.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(exclusive=True)
        for key in ("certificate.#", "label.#"):
            await queue.bind(self._exchange, routing_key=key)

        async def _collect(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            async with message.process():
                self.received.append(Envelope.model_validate_json(message.body))

        await queue.consume(_collect)

    async def stop(self) -> None:
        if self._connection is not None:
            await self._connection.close()

    async def publish(
        self,
        event_type: str,
        payload: dict,
        *,
        event_id: uuid.UUID | None = None,
        producer: str = "declaration",
    ) -> Envelope:
        envelope = Envelope(
            id=event_id or uuid.uuid4(),
            type=event_type,
            producer=producer,
            payload=json.loads(json.dumps(payload, default=str)),
        )
        assert self._exchange is not None
        await self._exchange.publish(
            aio_pika.Message(
                envelope.model_dump_json().encode(),
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                content_type="application/json",
                message_id=str(envelope.id),
            ),
            routing_key=envelope.routing_key,
        )
        return envelope

    def emitted(self, event_type: str, **match) -> list[dict]:
        return [
            e.payload
            for e in self.received
            if e.type == event_type and all(str(e.payload.get(k)) == str(v) for k, v in match.items())
        ]


@pytest.fixture(scope="module")
async def app(settings):
    application = create_app(settings)
    async with running_app(application):
        runtime = application.state.runtime
        runtime.clock = FixedClock(START)
        bus = Bus(settings)
        await bus.start()
        await consumer_listening(runtime)
        application.state.bus = bus
        yield application
        await bus.stop()


@pytest.fixture
def bus(app) -> Bus:
    return app.state.bus


@pytest.fixture
def clock(runtime) -> FixedClock:
    return runtime.clock


@pytest.fixture
def org(make_org):
    """``org("enterprise")``: a new organisation with a token; an enterprise is forerunner-authenticated
    (``fv``) unless told not."""

    def _make(org_type: str, name: str | None = None, *, verified: bool = True) -> Org:
        claims = {"forerunner_verified": verified} if org_type == "enterprise" else {}
        return make_org(org_type, name, **claims)

    return _make


@pytest.fixture
def published(bus, client, runtime):
    """Publish a declaration of ``enterprise`` assessed by ``agency`` and wait for its certificate."""

    async def _publish(
        enterprise: Org,
        agency: Org,
        *,
        models: int = 2,
        product_code: str | None = None,
        wait: bool = True,
        **overrides,
    ) -> tuple[dict, dict | None]:
        product_id = uuid.uuid4()
        if product_code:
            await bus.publish(
                "catalog.product_saved",
                {
                    "product_id": product_id,
                    "code": product_code,
                    "name": "家用电冰箱",
                    "field": "家用电器",
                    "year": 2025,
                    "product_type": "product",
                },
                producer="benchmark",
            )
        payload = {
            "declaration_id": uuid.uuid4(),
            "org_id": enterprise.id,
            "enterprise_name": enterprise.name,
            "credit_code": "91370200163562681G",
            "product_id": product_id,
            "product_name": "家用电冰箱",
            "field": "家用电器",
            "year": 2025,
            "agency_org_id": agency.id,
            "agency_name": agency.name,
            "standard_no": "Q/HR 102-2024",
            "standard_name": "家用电冰箱能效与保鲜",
            "models": [
                {"model_id": uuid.uuid4(), "name": "海川牌家用电冰箱", "spec": f"BCD-{500 + i}WDPD"}
                for i in range(models)
            ],
            "published_at": START,
            **overrides,
        }
        if product_code:
            # The catalogue copy lands first in production (products exist long before declarations);
            # the consumer handles messages concurrently, so wait for it rather than trust the order.
            async def _product_known():
                async with runtime.db.session() as session:
                    return await session.get(Product, product_id)

            await wait_until(_product_known, timeout=60)
        await bus.publish("declaration.published", payload)
        if not wait:
            return payload, None

        async def _certificate():
            r = await client.get("/api/certificates", headers=enterprise.headers)
            items = [c for c in r.json()["items"] if c["declaration_id"] == str(payload["declaration_id"])]
            return items[0] if items else None

        return payload, await wait_until(_certificate, timeout=60)

    return _publish


@pytest.fixture
def platform_ca(settings):
    """The CA certificates the platform's verifier trusts (generated for the tests' signing directory)."""
    from certificate.service.common import keys_of

    return list(keys_of(settings).trusted)


@pytest.fixture
def validate_signature(platform_ca):
    """pyHanko's own validator on a PDF's signatures (the last by default), trusting the platform CA."""
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    async def _validate(pdf: bytes, index: int = -1, trust=None):
        reader = PdfFileReader(io.BytesIO(pdf))
        sig = reader.embedded_signatures[index]
        context = ValidationContext(trust_roots=trust or platform_ca, allow_fetching=False)
        return sig, await async_validate_pdf_signature(sig, signer_validation_context=context)

    return _validate
