"""The notify service in process against the real PostgreSQL, RabbitMQ and Redis. Events are published
as other services would publish them: envelopes on the namespace's topic exchange. Auth's internal route
is played by a small aiohttp server (a test double for a service, on a free port)."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aio_pika
import pytest
from aiohttp import web
from kit.bus import Envelope
from kit.settings import DEV_INTERNAL_TOKEN
from kit.sms import CaptureSms
from kit.testing.fixtures import consumer_listening, running_app
from kit.testing.s3server import free_port
from notify.config import Settings
from notify.main import create_app

# org id -> (name, contact phone) known to the fake auth service
AUTH_ORGANISATIONS: dict[str, tuple[str, str]] = {}
# org ids for which the fake auth answers 503 (an auth outage)
AUTH_FAILING: set[str] = set()


def new_phone() -> str:
    return f"139{random.randint(0, 99_999_999):08d}"


@pytest.fixture(scope="module")
async def fake_auth() -> AsyncIterator[str]:
    async def organisation(request: web.Request) -> web.Response:
        if request.headers.get("X-Internal-Token") != DEV_INTERNAL_TOKEN:
            return web.json_response({"error": {"code": "not_found"}}, status=404)
        if request.match_info["org_id"] in AUTH_FAILING:
            return web.json_response({"error": {"code": "service_unavailable"}}, status=503)
        found = AUTH_ORGANISATIONS.get(request.match_info["org_id"])
        if found is None:
            return web.json_response({"error": {"code": "organisation_not_found"}}, status=404)
        return web.json_response(
            {
                "id": request.match_info["org_id"],
                "org_type": "agency",
                "name": found[0],
                "contact_phone": found[1],
            }
        )

    app = web.Application()
    app.router.add_get("/internal/organisations/{org_id}", organisation)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.fixture(scope="module")
def settings(service_env, fake_auth: str) -> Settings:
    return Settings(**service_env("notify", auth_url=fake_auth, notify_dispatch_interval=0.05))


@pytest.fixture(scope="module")
async def app(settings: Settings):
    application = create_app(settings)
    async with running_app(application):
        runtime = application.state.runtime
        await consumer_listening(runtime)
        yield application


@pytest.fixture
def sms(runtime) -> CaptureSms:
    return CaptureSms(runtime.redis)


@pytest.fixture(scope="module")
async def publish(settings: Settings) -> AsyncIterator[Callable[..., Awaitable[Envelope]]]:
    connection = await aio_pika.connect_robust(settings.amqp_url)
    channel = await connection.channel(publisher_confirms=True)
    exchange = await channel.declare_exchange(
        settings.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
    )

    async def _publish(
        event_type: str, payload: dict[str, Any], *, envelope: Envelope | None = None
    ) -> Envelope:
        envelope = envelope or Envelope(type=event_type, producer="test", payload=payload)
        await exchange.publish(
            aio_pika.Message(
                json.dumps(envelope.model_dump(mode="json"), ensure_ascii=False).encode(),
                content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                message_id=str(envelope.id),
            ),
            routing_key=envelope.routing_key,
        )
        return envelope

    yield _publish
    await connection.close()


class Org:
    """An organisation with a bearer token, as the gateway passes it on."""

    def __init__(self, make_token, org_type: str = "enterprise", name: str = "测试企业有限公司") -> None:
        self.id = uuid.uuid4()
        self.name = name
        self.headers = {"Authorization": f"Bearer {make_token(org_type, org_id=self.id, org_name=name)}"}


@pytest.fixture
def make_org(make_token):
    return lambda org_type="enterprise", name="测试企业有限公司": Org(make_token, org_type, name)
