"""Webhooks (issue 19 §1): delivery p99 ≤ 2 s from the event at 50 events/s, none lost across a receiver
outage.

The notify worker runs as its own process (``python -m notify.worker``, as deployed) on a fresh database and
bus namespace. This process subscribes one endpoint at a real HTTP receiver on this machine, then publishes
``mall.product_listed`` events on the bus at a steady rate, as the mall would; each goes
through notify's consumer (inbox, in-site message, webhook outbox row in one transaction) and the webhook
sender (signed POST). In the middle the receiver goes down (port closed) for a while, then comes back.

Latency is the receiver's arrival time minus the event's ``occurred_at`` (one wall clock: same machine),
for the events that occurred while the receiver was healthy: before the outage, and after the backlog the
outage left was drained. Every event's ``webhook-id`` must arrive (lost = 0); arrivals are counted per id
(doubled = an id seen twice). The retry schedule is shortened (``--schedule``) so the outage's deliveries
come back within the run; the production schedule starts at 5 s.

run: `uv run --frozen python bench/bench_webhooks.py [--rate 50] [--seconds 60] [--down-at 20] [--down-for 15]
[--no-report]`"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import aio_pika
import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, cpu_seconds, percentile, process_tree, spawn, stop, write_report
from kit.bus import Envelope
from kit.db import Database
from kit.migrations import upgrade
from kit.pii import Sealer
from kit.testing.receiver import Receiver
from notify.config import Settings
from notify.domain.statuses import WebhookEventType
from notify.service import webhooks as subscriptions

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
AMQP = "amqp://guest:guest@127.0.0.1:5672/"


def event_payload(i: int) -> dict:
    # mall.product_listed: an in-site message for the enterprise (no SMS, so no call to auth) and the
    # `star_product.listed` webhook; the model names the event
    return {
        "model_id": str(uuid.uuid4()),
        "org_id": str(uuid.uuid4()),
        "product_name": "基准测试冰箱",
        "model": f"BENCH-{i:06d}",
    }


async def wait_for_consumer(namespace: str, timeout: float = 60) -> None:
    """Until notify's queue exists and has a consumer (the worker is listening)."""
    deadline = time.monotonic() + timeout
    connection = await aio_pika.connect_robust(AMQP)
    try:
        while time.monotonic() < deadline:
            channel = await connection.channel()
            try:
                queue = await channel.declare_queue(f"{namespace}.notify", passive=True)
                if queue.declaration_result.consumer_count:
                    return
            except aio_pika.exceptions.ChannelClosed:
                pass
            finally:
                if not channel.is_closed:
                    await channel.close()
            await asyncio.sleep(0.5)
    finally:
        await connection.close()
    raise RuntimeError("the notify worker did not start consuming")


async def run(args: argparse.Namespace) -> dict:
    name = f"lpbench_webhooks_{uuid.uuid4().hex[:6]}"
    namespace = f"lpbenchwh{uuid.uuid4().hex[:6]}"
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    admin = await asyncpg.connect(ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    await asyncio.to_thread(upgrade, "notify", url, create=False)  # alembic runs its own event loop
    schedule = json.dumps(args.schedule)
    env = {
        **os.environ,
        "LP_ENV": "test",
        "LP_DATABASE_URL": url,
        "LP_BUS_NAMESPACE": namespace,
        "LP_METRICS_PORT": "0",
        "LP_LOG_LEVEL": "WARNING",
        "LP_WEBHOOK_RETRY_SCHEDULE": schedule,
    }
    settings = Settings(env="test", database_url=url, bus_namespace=namespace)
    receiver = Receiver(port=args.port)
    await receiver.up()
    db = Database(url, pool_size=2)
    created = await subscriptions.create_endpoint(
        db,
        Sealer(settings.pii_key),
        settings,
        operator_org=uuid.uuid4(),
        organisation="基准测试接收方",
        contact="bench",
        url=receiver.url,
        event_types=[WebhookEventType.STAR_PRODUCT_LISTED],
    )
    log = Path(tempfile.gettempdir()) / f"{name}.log"
    worker = spawn([sys.executable, "-m", "notify.worker"], env, log)
    sent: dict[str, float] = {}  # event id → occurred_at (epoch seconds)
    outage: tuple[float, float] = (0.0, 0.0)
    try:
        await wait_for_consumer(namespace)
        cpu_before = sum(cpu_seconds(p) for p in process_tree(worker.pid))
        connection = await aio_pika.connect_robust(AMQP)
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.declare_exchange(
            settings.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
        )
        total = int(args.rate * args.seconds)
        start = time.monotonic()
        down_at, up_at = start + args.down_at, start + args.down_at + args.down_for
        for i in range(total):
            due = start + i / args.rate
            now = time.monotonic()
            if due > now:
                await asyncio.sleep(due - now)
            if receiver._runner is not None and time.monotonic() >= down_at and time.monotonic() < up_at:
                await receiver.down()
                outage = (time.time(), 0.0)
            if receiver._runner is None and time.monotonic() >= up_at:
                await receiver.up()
                outage = (outage[0], time.time())
            envelope = Envelope(type="mall.product_listed", producer="bench", payload=event_payload(i))
            await exchange.publish(
                aio_pika.Message(
                    envelope.model_dump_json().encode(),
                    content_type="application/json",
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    message_id=str(envelope.id),
                ),
                routing_key=envelope.routing_key,
            )
            sent[str(envelope.id)] = envelope.occurred_at.timestamp()
        published_for = time.monotonic() - start
        if receiver._runner is None:
            await receiver.up()
            outage = (outage[0], time.time())
        # everything must arrive: wait until every event's webhook came (or the patience runs out)
        deadline = time.monotonic() + args.patience
        while time.monotonic() < deadline and len(_arrivals(receiver, sent)) < len(sent):
            await asyncio.sleep(0.5)
        await asyncio.sleep(2)  # anything doubled would come now
        cpu = sum(cpu_seconds(p) for p in process_tree(worker.pid)) - cpu_before
        await connection.close()
        stages = await stage_times(url)
    finally:
        stop(worker)
        await receiver.down()
        await db.dispose()
        admin = await asyncpg.connect(ADMIN)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    result = summarise(args, receiver, sent, outage, published_for, cpu, created.endpoint.id)
    return {**result, **stages}


async def stage_times(url: str) -> dict:
    """Where the time of the deliveries sent at the first attempt went: the event's occurrence to its
    outbox row (consumer: broker, inbox, handler, commit) and the row to its mark as delivered (sender:
    wake-up, claim, POST, the batch's record)."""
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        rows = await conn.fetch(
            "SELECT extract(epoch FROM created_at - occurred_at) AS queued, "
            "extract(epoch FROM delivered_at - created_at) AS sent "
            "FROM webhook_deliveries WHERE status = 'delivered' AND attempts = 1"
        )
    finally:
        await conn.close()
    queued = [float(r["queued"]) for r in rows]
    sent = [float(r["sent"]) for r in rows]
    return {
        "first_attempt_deliveries": len(rows),
        "event_to_outbox_p50_s": round(percentile(queued, 50), 3),
        "event_to_outbox_p99_s": round(percentile(queued, 99), 3),
        "outbox_to_marked_p50_s": round(percentile(sent, 50), 3),
        "outbox_to_marked_p99_s": round(percentile(sent, 99), 3),
    }


def _arrivals(receiver: Receiver, sent: dict[str, float]) -> set[str]:
    """The models (one per event) that have arrived so far."""
    return {json.loads(r.body)["data"]["model"] for r in receiver.received}


def summarise(
    args: argparse.Namespace,
    receiver: Receiver,
    sent: dict[str, float],
    outage: tuple[float, float],
    published_for: float,
    cpu: float,
    endpoint_id: uuid.UUID,
) -> dict:
    occurred = {f"BENCH-{i:06d}": t for i, t in enumerate(sent.values())}
    arrivals: dict[str, float] = {}
    ids: Counter[str] = Counter()
    for r in receiver.received:
        ids[r.headers.get("webhook-id", "")] += 1
        number = json.loads(r.body)["data"]["model"]
        arrivals.setdefault(number, r.at)
    lost = sorted(set(occurred) - set(arrivals))
    doubled = sum(1 for n in ids.values() if n > 1)
    down, up = outage
    # the outage's backlog is drained when the last event that occurred before `up` has arrived
    during = [n for n, t in occurred.items() if down <= t < up]
    drained = max((arrivals[n] for n in during if n in arrivals), default=up)
    before = [arrivals[n] - t for n, t in occurred.items() if t < down and n in arrivals]
    after = [arrivals[n] - t for n, t in occurred.items() if t >= drained and n in arrivals]
    healthy = before + after
    result = {
        "rate_per_s": args.rate,
        "events": len(occurred),
        "published_in_s": round(published_for, 1),
        "outage_s": round(up - down, 1),
        "outage_events": len(during),
        "backlog_drained_s_after_up": round(drained - up, 1),
        "healthy_events": len(healthy),
        "healthy_p50_s": round(percentile(healthy, 50), 3),
        "healthy_p99_s": round(percentile(healthy, 99), 3),
        "healthy_max_s": round(max(healthy), 3) if healthy else None,
        "before_outage_p99_s": round(percentile(before, 99), 3),
        "after_recovery_p99_s": round(percentile(after, 99), 3),
        "outage_events_max_s": round(
            max((arrivals[n] - occurred[n] for n in during if n in arrivals), default=0), 1
        ),
        "requests_received": len(receiver.received),
        "distinct_webhook_ids": len(ids),
        "lost": len(lost),
        "doubled": doubled,
        "worker_cpu_s": round(cpu, 1),
        "worker_cpu_ms_per_event": round(1000 * cpu / max(1, len(occurred)), 2),
        "retry_schedule_s": args.schedule,
        "endpoint": str(endpoint_id),
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--down-at", type=float, default=20)
    parser.add_argument("--down-for", type=float, default=15)
    parser.add_argument("--patience", type=float, default=120)
    parser.add_argument("--port", type=int, default=int(os.environ.get("LP_BENCH_WEBHOOK_PORT", "24560")))
    parser.add_argument("--schedule", type=json.loads, default=[1, 2, 4, 8, 16, 32])
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args()
    os.chdir(ROOT)
    result = asyncio.run(run(args))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if args.no_report:
        return
    rows = [
        (
            "events published",
            f"{result['events']} at {args.rate:g}/s in {result['published_in_s']} s",
            "—",
            "—",
        ),
        (
            "receiver outage",
            f"{result['outage_s']} s ({result['outage_events']} events occurred during it)",
            "—",
            "—",
        ),
        (
            "event → receipt p99 while healthy",
            f"{result['healthy_p99_s']} s (p50 {result['healthy_p50_s']} s, n = {result['healthy_events']})",
            "≤ 2 s",
            "yes" if result["healthy_p99_s"] <= 2 else "no",
        ),
        ("lost across the outage", str(result["lost"]), "0", "yes" if result["lost"] == 0 else "no"),
        ("doubled (a webhook-id received twice)", str(result["doubled"]), "—", "—"),
        (
            "backlog drained after the receiver came back",
            f"{result['backlog_drained_s_after_up']} s",
            "—",
            "—",
        ),
        (
            "event → outbox row / outbox row → marked delivered, p99 (first-attempt deliveries)",
            f"{result['event_to_outbox_p99_s']} s / {result['outbox_to_marked_p99_s']} s",
            "—",
            "—",
        ),
        (
            "notify worker CPU per event (retries included)",
            f"{result['worker_cpu_ms_per_event']} ms",
            "—",
            "—",
        ),
    ]
    notes = (
        "The notify worker (`python -m notify.worker`: consumer, dispatcher, webhook sender) on a fresh database "
        "and bus namespace; events published on the bus as `mall.product_listed.v1` (an in-site message and the `star_product.listed` webhook each); one subscribed endpoint at "
        "a real HTTP receiver (aiohttp, 204) on 127.0.0.1, taken down (port closed) and brought back mid-run. "
        f"Retry schedule shortened to {args.schedule} s (production: 5 s, 30 s, 2 min, …). Healthy = events that "
        "occurred before the outage, or after the outage's backlog had arrived."
    )
    write_report(
        "webhooks", "Webhooks: delivery latency and an outage (issue 19 §1)", rows, notes, raw=result
    )


if __name__ == "__main__":
    main()
