"""QUALITY.md item 21 — events: publish → consumer start p50 ≤ 5 ms, p99 ≤ 25 ms at 200 events/s, and
≥ 1,000 confirmed messages/s in a burst with none lost. Real PostgreSQL outbox, relay with publisher confirms,
RabbitMQ quorum queue, consumer with inbox; run: `uv run python bench/bench_events.py`."""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from pathlib import Path

import aio_pika
import asyncpg
from sqlalchemy import Column, Integer, Table, Text, insert

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import percentile, write_report
from kit.bus import Consumer, Envelope, OutboxRelay, bus_metadata, emit
from kit.db import Database, new_metadata
from kit.settings import ServiceSettings

md = new_metadata()
effects = Table("bench_effects", md, Column("id", Integer, primary_key=True), Column("tag", Text))
ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


async def main(rate: int = 200, seconds: int = 10, burst: int = 5000) -> None:
    name = f"lpbench_events_{uuid.uuid4().hex[:6]}"
    admin = await asyncpg.connect(ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    db = Database(url, pool_size=10)
    settings = ServiceSettings(env="test", bus_namespace=f"lpbench{uuid.uuid4().hex[:6]}", consumer_prefetch=100)
    latencies: list[float] = []
    started_at: dict[str, float] = {}
    handled = 0
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(bus_metadata.create_all)
            await conn.run_sync(md.create_all)

        async def handler(session, event: Envelope) -> None:
            nonlocal handled
            t0 = started_at.get(str(event.id))
            if t0 is not None:
                latencies.append(time.perf_counter() - t0)
            handled += 1
            await session.execute(insert(effects).values(tag=event.payload["tag"]))

        connection = await aio_pika.connect_robust(settings.amqp_url)
        consumer = Consumer(name="bench", db=db, settings=settings, handlers={"bench.#": handler})
        await consumer.start(connection)
        relay = OutboxRelay(db=db, database_url=url, amqp_url=settings.amqp_url,
                            exchange_name=settings.exchange_name, service="bench", batch=500)
        relay_task = asyncio.create_task(relay.run())
        await asyncio.sleep(0.5)

        # Steady rate: each event committed, then timed from commit to the handler's start.
        total = rate * seconds
        interval = 1.0 / rate
        t_start = time.perf_counter()
        for i in range(total):
            async with db.transaction() as session:
                env = await emit(session, "bench.steady", {"tag": f"s{i}"})
            started_at[str(env.id)] = time.perf_counter()
            next_at = t_start + (i + 1) * interval
            delay = next_at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        deadline = time.monotonic() + 30
        while handled < total and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        steady_handled = handled
        achieved_rate = total / (time.perf_counter() - t_start)

        # Burst: write N events in one go, then time until the relay has them all confirmed. The consumer
        # pauses meanwhile (in production it runs in its own pods, not on the relay's core), then drains.
        relay_task.cancel()
        await relay.stop()
        await consumer.stop()
        async with db.transaction() as session:
            for i in range(burst):
                await emit(session, "bench.burst", {"tag": f"b{i}"})
        burst_relay = OutboxRelay(db=db, database_url=url, amqp_url=settings.amqp_url,
                                  exchange_name=settings.exchange_name, service="bench", batch=500)
        t0 = time.perf_counter()
        confirmed = 0
        while confirmed < burst:
            confirmed += await burst_relay.publish_pending()
        burst_seconds = time.perf_counter() - t0
        consumer = Consumer(name="bench", db=db, settings=settings, handlers={"bench.#": handler})
        await consumer.start(connection)
        deadline = time.monotonic() + 60
        while handled < total + burst and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await burst_relay.stop()
        await consumer.stop()
        channel = await connection.channel()
        await channel.queue_delete(settings.queue_name("bench"))
        await channel.queue_delete(f"{settings.queue_name('bench')}.dlq")
        await channel.exchange_delete(settings.exchange_name)
        await channel.exchange_delete(settings.dead_letter_exchange)
        await connection.close()
    finally:
        await db.dispose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()

    p50, p99 = percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000
    per_s = burst / burst_seconds
    lost = total + burst - handled
    write_report(
        "events",
        "Events: outbox → relay → RabbitMQ → consumer (QUALITY.md 21)",
        [
            (f"commit → handler start p50 at {achieved_rate:.0f} events/s", f"{p50:.2f} ms", "≤ 5 ms", "yes" if p50 <= 5 else "no"),
            (f"commit → handler start p99 at {achieved_rate:.0f} events/s", f"{p99:.2f} ms", "≤ 25 ms", "yes" if p99 <= 25 else "no"),
            (f"burst of {burst}: confirmed by the broker", f"{per_s:.0f} msg/s", "≥ 1,000 msg/s", "yes" if per_s >= 1000 else "no"),
            ("lost (written − handled)", str(lost), "0", "yes" if lost == 0 else "no"),
        ],
        notes=f"Steady phase: {steady_handled}/{total} handled. Latency measured from the commit of the "
        "transaction that wrote the outbox row to the start of the consumer's handler (NOTIFY wakes the relay).",
    )


if __name__ == "__main__":
    asyncio.run(main())
