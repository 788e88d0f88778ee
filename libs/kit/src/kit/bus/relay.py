"""The outbox relay: claims pending rows with FOR UPDATE SKIP LOCKED, publishes with publisher confirms,
marks them sent only after the broker confirmed. Rows claimed by a relay that died are resent once the claim
is stale, so several relays can run side by side and a crash between commit and publish still delivers."""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import UTC, datetime

import aio_pika
import asyncpg
import structlog
from sqlalchemy import text

from kit import metrics
from kit.bus.outbox import NOTIFY_CHANNEL
from kit.db import Database, asyncpg_dsn

log = structlog.get_logger("kit.relay")

_CLAIM = text(
    """
    UPDATE outbox SET claimed_until = now() + make_interval(secs => :claim_seconds), attempts = attempts + 1
    WHERE id IN (
        SELECT id FROM outbox
        WHERE sent_at IS NULL AND (claimed_until IS NULL OR claimed_until < now())
        ORDER BY id LIMIT :batch FOR UPDATE SKIP LOCKED
    )
    RETURNING id, routing_key, body, created_at
    """
)
_MARK_SENT = text("UPDATE outbox SET sent_at = now() WHERE id = ANY(:ids)")
_RELEASE = text("UPDATE outbox SET claimed_until = NULL WHERE id = ANY(:ids)")
# No queue is bound for the key yet (a consumer that has not declared its queue, e.g. on a fresh cluster):
# try again shortly instead of letting the broker drop it.
_RETRY_LATER = text("UPDATE outbox SET claimed_until = now() + make_interval(secs => :secs) WHERE id = ANY(:ids)")
_BACKLOG = text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
_PURGE = text("DELETE FROM outbox WHERE sent_at < now() - interval '7 days'")


class OutboxRelay:
    def __init__(
        self,
        *,
        db: Database,
        database_url: str,
        amqp_url: str,
        exchange_name: str,
        service: str,
        batch: int = 200,
        claim_seconds: float = 30.0,
        poll_interval: float = 1.0,
        unroutable_grace_seconds: float = 600.0,
    ) -> None:
        self.unroutable_grace_seconds = unroutable_grace_seconds
        self.db = db
        self.database_url = database_url
        self.amqp_url = amqp_url
        self.exchange_name = exchange_name
        self.service = service
        self.batch = batch
        self.claim_seconds = claim_seconds
        self.poll_interval = poll_interval
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._listener: asyncpg.Connection | None = None
        self._connection: aio_pika.abc.AbstractRobustConnection | None = None
        self._exchange: aio_pika.abc.AbstractExchange | None = None

    async def _ensure_listener(self) -> None:
        if self._listener is not None and not self._listener.is_closed():
            return
        try:
            self._listener = await asyncpg.connect(asyncpg_dsn(self.database_url))
            await self._listener.add_listener(NOTIFY_CHANNEL, lambda *_: self._wake.set())
        except (OSError, asyncpg.PostgresError) as exc:
            self._listener = None
            log.warning("relay_listen_unavailable", error=str(exc))

    async def _ensure_exchange(self) -> aio_pika.abc.AbstractExchange:
        if self._exchange is None or self._connection is None or self._connection.is_closed:
            self._connection = await aio_pika.connect_robust(self.amqp_url)
            # mandatory publishing with returns raised: an unroutable message is not "confirmed and gone".
            channel = await self._connection.channel(publisher_confirms=True, on_return_raises=True)
            self._exchange = await channel.declare_exchange(
                self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
            )
        return self._exchange

    async def publish_pending(self) -> int:
        """One claim-publish-mark round. Returns how many rows were confirmed by the broker."""
        async with self.db.transaction() as session:
            rows = (await session.execute(_CLAIM, {"batch": self.batch, "claim_seconds": self.claim_seconds})).all()
        if not rows:
            return 0
        exchange = await self._ensure_exchange()

        unroutable: list[int] = []
        now = datetime.now(UTC)

        async def _one(row) -> int | None:
            body = row.body
            message = aio_pika.Message(
                json.dumps(body, ensure_ascii=False).encode(),
                content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                message_id=str(body["id"]),
                type=body["type"],
                correlation_id=body.get("correlation_id"),
                headers={"producer": body.get("producer", self.service)},
            )
            try:
                await exchange.publish(message, routing_key=row.routing_key, mandatory=True, timeout=10)
            except aio_pika.exceptions.PublishError:
                if (now - row.created_at).total_seconds() > self.unroutable_grace_seconds:
                    # Nobody has bound a queue for this key in all that time: nobody consumes it.
                    log.warning("relay_event_unroutable_dropped", routing_key=row.routing_key)
                    return row.id
                unroutable.append(row.id)
                return None
            except Exception as exc:  # nack, timeout or lost connection: retried on a later round
                log.warning("relay_publish_failed", routing_key=row.routing_key, error=type(exc).__name__)
                return None
            return row.id

        results = await asyncio.gather(*(_one(r) for r in rows))
        sent = [i for i in results if i is not None]
        failed = [r.id for r in rows if r.id not in set(sent) and r.id not in set(unroutable)]
        async with self.db.transaction() as session:
            if sent:
                await session.execute(_MARK_SENT, {"ids": sent})
            if failed:
                await session.execute(_RELEASE, {"ids": failed})
            if unroutable:
                await session.execute(_RETRY_LATER, {"ids": unroutable, "secs": 1.0})
        metrics.EVENTS_PUBLISHED.labels(self.service).inc(len(sent))
        if failed:
            raise ConnectionError(f"{len(failed)} events not confirmed")
        return len(sent)

    async def backlog(self) -> int:
        async with self.db.session() as session:
            return int((await session.execute(_BACKLOG)).scalar_one())

    async def run(self) -> None:
        delay = 0.2
        rounds = 0
        while not self._stop.is_set():
            try:
                await self._ensure_listener()
                self._wake.clear()
                while await self.publish_pending() >= self.batch:
                    continue
                rounds += 1
                if rounds % 50 == 0:
                    metrics.OUTBOX_BACKLOG.labels(self.service).set(await self.backlog())
                if rounds % 3600 == 0:
                    async with self.db.transaction() as session:
                        await session.execute(_PURGE)
                delay = 0.2
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # database or broker away: back off and try again
                log.warning("relay_round_failed", error=type(exc).__name__, detail=str(exc)[:200])
                with contextlib.suppress(Exception):
                    metrics.OUTBOX_BACKLOG.labels(self.service).set(await self.backlog())
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.close()
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()
