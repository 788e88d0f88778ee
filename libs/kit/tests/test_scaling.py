"""Several relays and several consumer instances on the same database and broker (what operators get when
they scale the worker Deployment): each event is published once and handled once."""

from __future__ import annotations

import asyncio
import uuid

import aio_pika
import pytest
from kit.bus import Consumer, Envelope, OutboxRelay, emit
from kit.db import new_metadata
from kit.settings import ServiceSettings
from kit.testing.fixtures import wait_until
from sqlalchemy import Column, Integer, Table, Text, func, insert, select

effects_md = new_metadata()
effects = Table("scaled_effects", effects_md, Column("id", Integer, primary_key=True), Column("event", Text))

N_EVENTS = 400


@pytest.fixture
async def db(scratch_db):
    async with scratch_db(effects_md, pool_size=5) as database:
        yield database


async def test_two_relays_and_two_consumers_publish_once_and_handle_once(db, bus_namespace):
    settings = ServiceSettings(env="test", bus_namespace=f"{bus_namespace}s{uuid.uuid4().hex[:4]}")
    received: list[str] = []

    async def handler(session, event: Envelope) -> None:
        await session.execute(insert(effects).values(event=str(event.id)))

    # Two instances of the same consumer share one queue (competing consumers), each with its own connection.
    connections = [await aio_pika.connect_robust(settings.amqp_url) for _ in range(2)]
    consumers = [
        Consumer(name="scaled", db=db, settings=settings, handlers={"work.item.v1": handler})
        for _ in range(2)
    ]
    for consumer, connection in zip(consumers, connections, strict=True):
        await consumer.start(connection)

    # A tap on the exchange counts how many times each event was published.
    tap_conn = await aio_pika.connect_robust(settings.amqp_url)
    tap_channel = await tap_conn.channel()
    exchange = await tap_channel.declare_exchange(
        settings.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
    )
    tap = await tap_channel.declare_queue(exclusive=True)
    await tap.bind(exchange, routing_key="work.#")

    async def on_tap(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        received.append(message.message_id)
        await message.ack()

    await tap.consume(on_tap)

    for i in range(N_EVENTS):
        async with db.transaction() as session:
            await emit(session, "work.item", {"i": i})

    relays = [
        OutboxRelay(
            db=db,
            database_url=db.url,
            amqp_url=settings.amqp_url,
            exchange_name=settings.exchange_name,
            service="scale-test",
            batch=50,
        )
        for _ in range(2)
    ]
    tasks = [asyncio.create_task(r.run()) for r in relays]

    async def all_handled() -> bool:
        async with db.session() as session:
            return (await session.execute(select(func.count()).select_from(effects))).scalar_one() >= N_EVENTS

    await wait_until(all_handled, timeout=60)
    await wait_until(lambda: len(received) >= N_EVENTS, timeout=30)
    await asyncio.sleep(1.0)  # give any duplicate a chance to show up

    async with db.session() as session:
        handled = (await session.execute(select(effects.c.event))).scalars().all()
    assert len(handled) == N_EVENTS == len(set(handled)), "each event handled exactly once"
    assert len(received) == N_EVENTS == len(set(received)), "each event published exactly once"

    for r in relays:
        await r.stop()
    for t in tasks:
        t.cancel()
    for c in consumers:
        await c.stop()
    channel = await connections[0].channel()
    await channel.queue_delete(settings.queue_name("scaled"))
    await channel.queue_delete(f"{settings.queue_name('scaled')}.dlq")
    await channel.exchange_delete(settings.exchange_name)
    await channel.exchange_delete(settings.dead_letter_exchange)
    for c in [*connections, tap_conn]:
        await c.close()
