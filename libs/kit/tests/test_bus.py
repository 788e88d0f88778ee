"""The bus guarantees, against the real PostgreSQL and RabbitMQ: a rolled-back event is never published; an
event committed before a relay crash is published after restart; a redelivered event has no second effect;
a message that always fails lands in the dead-letter queue."""

from __future__ import annotations

import asyncio
import json
import uuid

import aio_pika
import pytest
from kit.bus import Consumer, Envelope, OutboxRelay, declare_consumer_queue, emit, outbox
from kit.db import Database, new_metadata
from kit.settings import ServiceSettings
from kit.testing.broker import dead_letter_policy
from kit.testing.fixtures import wait_until
from sqlalchemy import Column, Integer, Table, Text, func, insert, select, text

effects_md = new_metadata()
effects = Table("effects", effects_md, Column("id", Integer, primary_key=True), Column("tag", Text))


@pytest.fixture
async def db(scratch_db):
    async with scratch_db(effects_md, pool_size=3) as database:
        yield database


@pytest.fixture
def settings(bus_namespace: str) -> ServiceSettings:
    return ServiceSettings(
        env="test", bus_namespace=f"{bus_namespace}k{uuid.uuid4().hex[:4]}", consumer_delivery_limit=2
    )


async def _listen(settings: ServiceSettings, key: str):
    connection = await aio_pika.connect_robust(settings.amqp_url)
    channel = await connection.channel()
    exchange = await channel.declare_exchange(
        settings.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
    )
    queue = await channel.declare_queue(exclusive=True)
    await queue.bind(exchange, routing_key=key)
    return connection, queue


def _relay(db: Database, settings: ServiceSettings) -> OutboxRelay:
    return OutboxRelay(
        db=db,
        database_url=db.url,
        amqp_url=settings.amqp_url,
        exchange_name=settings.exchange_name,
        service="kit-test",
        claim_seconds=0.5,
    )


async def test_rolled_back_event_is_never_published(db, settings):
    connection, queue = await _listen(settings, "thing.#")
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await emit(session, "thing.rolled_back", {"n": 1})
            raise RuntimeError("use case failed after writing the event")
    async with db.transaction() as session:
        await emit(session, "thing.committed", {"n": 2})
    relay = _relay(db, settings)
    assert await relay.publish_pending() == 1
    message = await queue.get(timeout=5)
    assert json.loads(message.body)["type"] == "thing.committed"
    await asyncio.sleep(0.2)
    assert await queue.get(fail=False) is None
    await relay.stop()
    await connection.close()


async def test_event_committed_before_relay_crash_is_published_after_restart(db, settings):
    connection, queue = await _listen(settings, "thing.#")
    async with db.transaction() as session:
        envelope = await emit(session, "thing.happened", {"n": 3})
    # A relay claims the row and dies before publishing: the claim goes stale, the next relay resends.
    async with db.transaction() as session:
        await session.execute(text("UPDATE outbox SET claimed_until = now() + interval '1 second'"))
    fresh = _relay(db, settings)
    assert await fresh.publish_pending() == 0  # still claimed by the dead relay
    await asyncio.sleep(1.2)
    task = asyncio.create_task(fresh.run())
    message = await wait_until(lambda: queue.get(fail=False), timeout=10)
    assert json.loads(message.body)["id"] == str(envelope.id)

    async def marked_sent():
        # The relay marks the row only after the broker's confirm, a moment after the message is routed.
        async with db.session() as session:
            return (await session.execute(select(outbox.c.sent_at))).scalar_one()

    assert await wait_until(marked_sent, timeout=10) is not None
    await fresh.stop()
    task.cancel()
    await connection.close()


async def test_redelivered_event_has_no_second_effect(db, settings):
    async def handler(session, event: Envelope) -> None:
        await session.execute(insert(effects).values(tag=event.payload["tag"]))

    consumer = Consumer(name="kitdedup", db=db, settings=settings, handlers={"thing.happened.v1": handler})
    event = Envelope(type="thing.happened", producer="test", payload={"tag": "once"})
    assert await consumer.handle(event) is True
    assert await consumer.handle(event) is False
    async with db.session() as session:
        assert (await session.execute(select(func.count()).select_from(effects))).scalar_one() == 1


async def test_handler_failure_rolls_back_its_effects_and_inbox(db, settings):
    async def handler(session, event: Envelope) -> None:
        await session.execute(insert(effects).values(tag="partial"))
        raise ValueError("downstream refused")

    consumer = Consumer(name="kitfail", db=db, settings=settings, handlers={"thing.happened.v1": handler})
    with pytest.raises(ValueError):
        await consumer.handle(Envelope(type="thing.happened", producer="test", payload={}))
    async with db.session() as session:
        assert (await session.execute(select(func.count()).select_from(effects))).scalar_one() == 0
        assert (await session.execute(text("SELECT count(*) FROM inbox"))).scalar_one() == 0


async def test_message_that_always_fails_is_dead_lettered(db, settings):
    calls = 0
    policy = dead_letter_policy(
        settings.bus_namespace, "kitdlq", delivery_limit=settings.consumer_delivery_limit
    )

    async def handler(session, event: Envelope) -> None:
        nonlocal calls
        calls += 1
        raise ValueError("always fails")

    consumer = Consumer(
        name="kitdlq", db=db, settings=settings, handlers={"thing.poison.v1": handler}, max_backoff=0.05
    )
    connection = await aio_pika.connect_robust(settings.amqp_url)
    with policy:
        await _dead_lettered_after_the_limit(db, settings, consumer, connection, lambda: calls)


async def _dead_lettered_after_the_limit(db, settings, consumer, connection, calls) -> None:
    await consumer.start(connection)
    async with db.transaction() as session:
        envelope = await emit(session, "thing.poison", {"n": 4})
    relay = _relay(db, settings)
    await relay.publish_pending()
    channel = await connection.channel()
    dlq = await channel.declare_queue(f"{settings.queue_name('kitdlq')}.dlq", passive=True)
    message = await wait_until(lambda: dlq.get(fail=False), timeout=20)
    assert json.loads(message.body)["id"] == str(envelope.id)
    await message.ack()
    assert calls() == settings.consumer_delivery_limit + 1
    await consumer.stop()
    await relay.stop()
    await channel.queue_delete(settings.queue_name("kitdlq"))
    await channel.queue_delete(f"{settings.queue_name('kitdlq')}.dlq")
    await connection.close()


async def test_rejected_delivery_counts_and_reaches_the_dead_letter_queue_after_the_policy_limit(settings):
    """Against the broker: each basic.reject(requeue) raises x-delivery-count; past the policy's limit the
    message moves to <queue>.dlq. The queue itself carries no limit argument."""
    connection = await aio_pika.connect_robust(settings.amqp_url)
    channel = await connection.channel()
    queue = await declare_consumer_queue(channel, settings, "kitreject", ["thing.#"])
    assert "x-delivery-limit" not in (queue.arguments or {})
    dlq = await channel.declare_queue(f"{settings.queue_name('kitreject')}.dlq", passive=True)
    exchange = await channel.get_exchange(settings.exchange_name)
    try:
        with dead_letter_policy(settings.bus_namespace, "kitreject", delivery_limit=2):
            await exchange.publish(aio_pika.Message(b"{}", message_id="poison"), routing_key="thing.x")
            counts = []
            for _ in range(3):
                message = await wait_until(lambda: queue.get(fail=False), timeout=10)
                counts.append(int((message.headers or {}).get("x-delivery-count", 0) or 0))
                await message.reject(requeue=True)
            assert counts == [0, 1, 2]
            dead = await wait_until(lambda: dlq.get(fail=False), timeout=10)
            assert dead.message_id == "poison"
            await dead.ack()
            assert await queue.get(fail=False) is None
    finally:
        await channel.queue_delete(settings.queue_name("kitreject"))
        await channel.queue_delete(f"{settings.queue_name('kitreject')}.dlq")
        await connection.close()


async def test_changing_the_delivery_limit_does_not_break_redeclaration(settings):
    """The limit is the policy's: a release with another limit redeclares the queue without
    PRECONDITION_FAILED (with queue arguments it could not start its consumer)."""
    connection = await aio_pika.connect_robust(settings.amqp_url)
    channel = await connection.channel()
    try:
        await declare_consumer_queue(channel, settings, "kitredeclare", ["thing.#"])
        changed = settings.model_copy(
            update={"consumer_delivery_limit": settings.consumer_delivery_limit + 3}
        )
        queue = await declare_consumer_queue(channel, changed, "kitredeclare", ["thing.#"])
        assert queue.name == settings.queue_name("kitredeclare")
    finally:
        channel = await connection.channel()
        await channel.queue_delete(settings.queue_name("kitredeclare"))
        await channel.queue_delete(f"{settings.queue_name('kitredeclare')}.dlq")
        await connection.close()


async def test_a_queue_declared_with_arguments_by_an_older_release_is_still_consumed(settings):
    connection = await aio_pika.connect_robust(settings.amqp_url)
    channel = await connection.channel()
    name = settings.queue_name("kitlegacy")
    try:
        await channel.declare_queue(
            name, durable=True, arguments={"x-queue-type": "quorum", "x-delivery-limit": 9}
        )
        queue = await declare_consumer_queue(channel, settings, "kitlegacy", ["thing.#"])
        assert queue.name == name
    finally:
        channel = await connection.channel()
        await channel.queue_delete(name)
        await channel.queue_delete(f"{name}.dlq")
        await connection.close()


async def test_a_failed_delivery_is_rejected_not_nacked(db, settings):
    """RabbitMQ >= 4.3 counts basic.reject, not basic.nack, towards the delivery limit (the local broker
    counts both, hence this look at which one the consumer sends)."""

    async def handler(session, event: Envelope) -> None:
        raise ValueError("fails")

    settled: list[tuple[str, bool]] = []

    class Delivery:
        body = Envelope(type="thing.poison", producer="test", payload={}).model_dump_json().encode()
        routing_key = "thing.poison.v1"
        headers = {"x-delivery-count": 1}

        async def reject(self, requeue: bool = False) -> None:
            settled.append(("reject", requeue))

        async def nack(self, requeue: bool = True, multiple: bool = False) -> None:
            settled.append(("nack", requeue))

        async def ack(self, multiple: bool = False) -> None:
            settled.append(("ack", False))

    consumer = Consumer(
        name="kitsettle", db=db, settings=settings, handlers={"thing.poison.v1": handler}, max_backoff=0.01
    )
    await consumer._on_message(Delivery())  # type: ignore[arg-type]
    assert settled == [("reject", True)]


async def test_an_event_nobody_consumes_is_parked_for_an_operator_not_marked_sent(db, settings):
    """No queue bound for the key past the grace period: the row stays in the outbox, parked (never
    claimed again, counted by outbox_parked) instead of being marked sent and lost."""
    from kit import metrics

    async with db.transaction() as session:
        envelope = await emit(session, "thing.nobody_listens", {"n": 1})
    relay = OutboxRelay(
        db=db,
        database_url=db.url,
        amqp_url=settings.amqp_url,
        exchange_name=settings.exchange_name,
        service="kit-park",
        claim_seconds=0.5,
        unroutable_grace_seconds=0,
    )
    try:
        assert await relay.publish_pending() == 0
        async with db.session() as session:
            row = (
                await session.execute(
                    text(
                        "SELECT sent_at, claimed_until = 'infinity' AS parked FROM outbox WHERE event_id = :id"
                    ),
                    {"id": envelope.id},
                )
            ).one()
        assert row.sent_at is None and row.parked is True
        assert metrics.OUTBOX_PARKED.labels("kit-park")._value.get() == 1
        assert await relay.backlog() == 0  # parked rows are not the relay's backlog
        await asyncio.sleep(0.6)
        assert await relay.publish_pending() == 0  # never claimed again
    finally:
        await relay.stop()


async def test_a_handlers_log_lines_carry_the_events_correlation_id_and_id(db, settings):
    import io
    import logging
    from contextlib import redirect_stdout

    import structlog
    from kit.logging import configure_logging

    async def handler(session, event: Envelope) -> None:
        structlog.get_logger("handler").info("handled_it")

    consumer = Consumer(name="kitlogs", db=db, settings=settings, handlers={"thing.logged.v1": handler})
    envelope = Envelope(type="thing.logged", producer="test", payload={}, correlation_id="req-42")

    class Delivery:
        body = envelope.model_dump_json().encode()
        routing_key = "thing.logged.v1"
        headers: dict = {}

        async def ack(self, multiple: bool = False) -> None:
            pass

    saved = structlog.get_config()
    buffer = io.StringIO()
    try:
        with redirect_stdout(buffer):
            configure_logging("kitlogs", "INFO")
            await consumer._on_message(Delivery())  # type: ignore[arg-type]
            structlog.get_logger("after").info("outside")
    finally:
        structlog.configure(**saved)
        logging.getLogger().handlers = []
    lines = {
        line["event"]: line for line in map(json.loads, buffer.getvalue().splitlines()) if "event" in line
    }
    assert lines["handled_it"]["request_id"] == "req-42"
    assert (
        lines["handled_it"]["event_id"] == str(envelope.id)
        and lines["handled_it"]["event_type"] == envelope.type
    )
    assert "event_id" not in lines["outside"] and lines["outside"]["service"] == "kitlogs"


def _delivery(envelope: Envelope, settled: list[tuple[str, str]]):
    class Delivery:
        body = envelope.model_dump_json().encode()
        routing_key = envelope.routing_key
        headers: dict = {}

        async def ack(self, multiple: bool = False) -> None:
            settled.append(("ack", envelope.payload["tag"]))

        async def reject(self, requeue: bool = False) -> None:
            settled.append(("reject", envelope.payload["tag"]))

    return Delivery()


async def test_batchable_events_arriving_together_share_one_transaction(db, settings):
    from kit.bus import batchable

    @batchable
    async def handler(session, event: Envelope) -> None:
        await session.execute(insert(effects).values(tag=event.payload["tag"]))

    consumer = Consumer(name="kitbatch", db=db, settings=settings, handlers={"thing.batched.v1": handler})
    envelopes = [Envelope(type="thing.batched", producer="test", payload={"tag": f"b{i}"}) for i in range(20)]
    settled: list[tuple[str, str]] = []
    batches: list[int] = []
    handle_batch = consumer.handle_batch

    async def counting(batch: list[Envelope]) -> list[bool]:
        batches.append(len(batch))
        return await handle_batch(batch)

    consumer.handle_batch = counting  # type: ignore[method-assign]
    # Twenty deliveries at the same moment (as a backlog arrives), the last one a redelivery of the first.
    deliveries = [_delivery(e, settled) for e in envelopes] + [_delivery(envelopes[0], settled)]
    await asyncio.gather(*(consumer._on_message(d) for d in deliveries))  # type: ignore[arg-type]
    assert batches == [21]
    assert sorted(settled) == sorted([("ack", f"b{i}") for i in range(20)] + [("ack", "b0")])
    async with db.session() as session:
        tags = (await session.execute(select(effects.c.tag))).scalars().all()
        inbox_rows = (await session.execute(text("SELECT count(*) FROM inbox"))).scalar_one()
    assert sorted(tags) == sorted(f"b{i}" for i in range(20))  # the redelivered one had no second effect
    assert inbox_rows == 20
    # One event alone is not held back for a batch.
    alone = Envelope(type="thing.batched", producer="test", payload={"tag": "alone"})
    await consumer._on_message(_delivery(alone, settled))  # type: ignore[arg-type]
    assert batches == [21, 1] and settled[-1] == ("ack", "alone")


async def test_a_batch_with_a_failing_event_is_handled_one_by_one(db, settings):
    from kit.bus import batchable

    @batchable
    async def handler(session, event: Envelope) -> None:
        await session.execute(insert(effects).values(tag=event.payload["tag"]))
        if event.payload["tag"] == "bad":
            raise ValueError("refused")

    consumer = Consumer(
        name="kitbatchfail", db=db, settings=settings, handlers={"thing.mixed.v1": handler}, max_backoff=0.01
    )
    tags = ["g1", "bad", "g2", "g3"]
    settled: list[tuple[str, str]] = []
    deliveries = [
        _delivery(Envelope(type="thing.mixed", producer="test", payload={"tag": t}), settled) for t in tags
    ]
    await asyncio.gather(*(consumer._on_message(d) for d in deliveries))  # type: ignore[arg-type]
    assert sorted(settled) == [("ack", "g1"), ("ack", "g2"), ("ack", "g3"), ("reject", "bad")]
    async with db.session() as session:
        stored = (await session.execute(select(effects.c.tag))).scalars().all()
        inbox_rows = (await session.execute(text("SELECT count(*) FROM inbox"))).scalar_one()
    assert (
        sorted(stored) == ["g1", "g2", "g3"] and inbox_rows == 3
    )  # the rolled-back batch left nothing twice


async def test_handlers_not_marked_batchable_keep_a_transaction_each(db, settings):
    async def handler(session, event: Envelope) -> None:
        await session.execute(insert(effects).values(tag=event.payload["tag"]))

    consumer = Consumer(name="kitsingle", db=db, settings=settings, handlers={"thing.single.v1": handler})
    calls: list[int] = []
    handle_batch = consumer.handle_batch

    async def counting(batch: list[Envelope]) -> list[bool]:
        calls.append(len(batch))
        return await handle_batch(batch)

    consumer.handle_batch = counting  # type: ignore[method-assign]
    settled: list[tuple[str, str]] = []
    deliveries = [
        _delivery(Envelope(type="thing.single", producer="test", payload={"tag": f"s{i}"}), settled)
        for i in range(5)
    ]
    await asyncio.gather(*(consumer._on_message(d) for d in deliveries))  # type: ignore[arg-type]
    assert calls == [1, 1, 1, 1, 1] and len(settled) == 5
