"""The relay's latency work (QUALITY.md 21) keeps its guarantees, against the real PostgreSQL and RabbitMQ: a round
waiting for the broker's confirm does not hold back the next event; a round whose publish fails releases its
rows and they are published on a later round; the relay's own database connections recover when PostgreSQL
drops them; stopping the relay lets the rounds in flight finish and mark their rows; rows claimed while the
broker is unreachable are released at once."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import aio_pika
import pytest
from kit.bus import OutboxRelay, emit
from kit.db import Database
from kit.settings import ServiceSettings
from kit.testing.fixtures import wait_until
from sqlalchemy import text


@pytest.fixture
async def db(scratch_db):
    async with scratch_db(pool_size=3) as database:
        yield database


@pytest.fixture
def settings(bus_namespace: str) -> ServiceSettings:
    return ServiceSettings(env="test", bus_namespace=f"{bus_namespace}r{uuid.uuid4().hex[:4]}")


@pytest.fixture
async def tap(settings):
    """An exclusive queue bound to every event of the namespace; yields a list the messages' types land in."""
    connection = await aio_pika.connect_robust(settings.amqp_url)
    channel = await connection.channel()
    exchange = await channel.declare_exchange(
        settings.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
    )
    queue = await channel.declare_queue(exclusive=True)
    await queue.bind(exchange, routing_key="#")
    seen: list[str] = []

    async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        seen.append(json.loads(message.body)["type"])
        await message.ack()

    await queue.consume(on_message)
    yield seen
    await connection.close()


def _relay(db: Database, settings: ServiceSettings, **kwargs: Any) -> OutboxRelay:
    return OutboxRelay(
        db=db,
        database_url=db.url,
        amqp_url=settings.amqp_url,
        exchange_name=settings.exchange_name,
        service=f"kt{uuid.uuid4().hex[:6]}",
        **kwargs,
    )


class _Gate:
    """Wraps the relay's exchange: publishing an event of type ``hold`` waits for ``release``; an event of type
    ``fail`` raises once, as a lost connection would."""

    def __init__(self, relay: OutboxRelay) -> None:
        self.release = asyncio.Event()
        self.held = asyncio.Event()
        self.failed: list[str] = []
        real = relay._ensure_exchange

        async def ensure() -> Any:
            exchange = await real()
            gate = self

            class Gated:
                async def publish(self, message: aio_pika.Message, routing_key: str, **kw: Any) -> Any:
                    kind = message.type or ""
                    if kind.endswith(".hold"):
                        gate.held.set()
                        await gate.release.wait()
                    if kind.endswith(".fail") and message.message_id not in gate.failed:
                        gate.failed.append(message.message_id)
                        raise ConnectionError("connection lost before the confirm")
                    return await exchange.publish(message, routing_key, **kw)

            return Gated()

        relay._ensure_exchange = ensure  # type: ignore[method-assign]


async def _sent_at(db: Database, event_type: str) -> Any:
    async with db.session() as session:
        return (
            await session.execute(
                text("SELECT sent_at FROM outbox WHERE body->>'type' = :t"), {"t": event_type}
            )
        ).scalar_one()


async def _emit(db: Database, event_type: str, payload: dict[str, Any]) -> None:
    async with db.transaction() as session:
        await emit(session, event_type, payload)


async def _published_and_marked(db: Database, tap: list[str], event_type: str, *, timeout: float) -> None:
    """The broker delivered the event and the relay marked its row sent."""
    await wait_until(lambda: event_type in tap, timeout=timeout)
    assert await wait_until(lambda: _sent_at(db, event_type), timeout=10) is not None


async def test_a_round_waiting_for_its_confirm_does_not_hold_back_the_next_event(db, settings, tap):
    relay = _relay(db, settings)
    gate = _Gate(relay)
    task = asyncio.create_task(relay.run())
    await _emit(db, "thing.hold", {"n": 1})
    await asyncio.wait_for(gate.held.wait(), 10)
    await _emit(db, "thing.next", {"n": 2})
    # Published and marked while the first round still waits for the broker.
    await _published_and_marked(db, tap, "thing.next", timeout=10)
    assert await _sent_at(db, "thing.hold") is None
    gate.release.set()
    await _published_and_marked(db, tap, "thing.hold", timeout=10)
    await relay.stop()
    task.cancel()


async def test_a_failed_round_releases_its_rows_and_a_later_round_publishes_them(db, settings, tap):
    relay = _relay(db, settings)
    gate = _Gate(relay)
    task = asyncio.create_task(relay.run())
    await _emit(db, "thing.fail", {"n": 1})
    await wait_until(lambda: "thing.fail" in tap, timeout=15)
    assert len(gate.failed) == 1
    assert await wait_until(lambda: _sent_at(db, "thing.fail"), timeout=10) is not None
    async with db.session() as session:
        assert (await session.execute(text("SELECT attempts FROM outbox"))).scalar_one() == 2
    await relay.stop()
    task.cancel()
    assert tap.count("thing.fail") == 1


async def test_the_relay_recovers_when_postgresql_drops_its_connections(db, settings, tap):
    relay = _relay(db, settings)
    task = asyncio.create_task(relay.run())
    await _emit(db, "thing.before", {"n": 1})
    await wait_until(lambda: "thing.before" in tap, timeout=10)
    async with db.session() as session:
        dropped = (
            await session.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND application_name = :app"
                ),
                {"app": f"{relay.service}-relay"},
            )
        ).scalar_one()
    assert dropped >= 1
    await _emit(db, "thing.after", {"n": 2})
    await _published_and_marked(db, tap, "thing.after", timeout=15)
    await relay.stop()
    task.cancel()


async def test_stopping_the_relay_lets_the_round_in_flight_mark_its_rows(db, settings, tap):
    relay = _relay(db, settings)
    gate = _Gate(relay)
    task = asyncio.create_task(relay.run())
    await _emit(db, "thing.hold", {"n": 1})
    await asyncio.wait_for(gate.held.wait(), 10)
    stopping = asyncio.create_task(relay.stop())
    await asyncio.sleep(0.2)
    assert not stopping.done()
    gate.release.set()
    await asyncio.wait_for(stopping, 10)
    task.cancel()
    assert await _sent_at(db, "thing.hold") is not None
    assert "thing.hold" in tap


async def test_rows_claimed_while_the_broker_is_unreachable_are_released_at_once(db, settings):
    relay = OutboxRelay(
        db=db,
        database_url=db.url,
        amqp_url="amqp://guest:guest@127.0.0.1:1/",
        exchange_name=settings.exchange_name,
        service="kit-test",
    )
    await _emit(db, "thing.waiting", {"n": 1})
    with pytest.raises(Exception):  # noqa: B017 - whatever the client raises for a refused connection
        await relay.publish_pending()
    async with db.session() as session:
        claimed_until, sent_at, attempts = (
            await session.execute(text("SELECT claimed_until, sent_at, attempts FROM outbox"))
        ).one()
    # Not held for claim_seconds: a relay that reaches the broker publishes it on its next round.
    assert (claimed_until, sent_at, attempts) == (None, None, 1)
    await relay.stop()
