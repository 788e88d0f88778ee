"""Trace context through a real service: the caller's traceparent reaches the events the request emits,
through the outbox and the relay onto the broker, where the consumers continue it."""

from __future__ import annotations

import json
import uuid

import aio_pika
from kit.testing.fixtures import wait_until

CALLER_TRACE = "0af7651916cd43dd8448eb211c80319c"
CALLER = f"00-{CALLER_TRACE}-b7ad6b7169203331-01"


def _trace_of(traceparent: str) -> str:
    version, trace_id, span_id, _flags = traceparent.split("-")
    assert version == "00" and len(span_id) == 16
    return trace_id


async def _create_product(client, make_token, headers: dict[str, str]) -> str:
    token = make_token("working_group", org_name="领跑者工作组")
    code = f"TRC-{uuid.uuid4().hex[:8]}"
    body = {"code": code, "name": "羽绒服", "field": "纺织服装", "year": 2026, "product_type": "product"}
    response = await client.post(
        "/api/benchmark/products", json=body, headers={"Authorization": f"Bearer {token}", **headers}
    )
    assert response.status_code == 201, response.text
    return code


async def test_the_callers_trace_reaches_the_broker_and_a_call_without_one_gets_its_own(
    app, settings, client, make_token
):
    connection = await aio_pika.connect_robust(settings.amqp_url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(
            settings.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(exchange, routing_key="catalog.product_saved.v1")

        traced = await _create_product(client, make_token, {"traceparent": CALLER})
        untraced = await _create_product(client, make_token, {})

        seen: dict[str, dict] = {}

        async def both_published():
            message = await queue.get(fail=False)
            if message is not None:
                await message.ack()
                body = json.loads(message.body)
                seen[body["payload"]["code"]] = body
            return traced in seen and untraced in seen

        await wait_until(both_published, timeout=20)

    assert _trace_of(seen[traced]["traceparent"]) == CALLER_TRACE
    fresh = _trace_of(seen[untraced]["traceparent"])
    assert fresh != CALLER_TRACE and int(fresh, 16) != 0
