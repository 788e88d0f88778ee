"""The outbox relay: claims pending rows with FOR UPDATE SKIP LOCKED, publishes with publisher confirms,
marks them sent only after the broker confirmed. Rows claimed by a relay that died are resent once the claim
is stale, so several relays can run side by side and a crash between commit and publish still delivers.

Latency (QUALITY.md 21): a NOTIFY from the committing transaction wakes the relay; its claim and its marks
are single autocommitted statements on the relay's own connections (one round trip each, no BEGIN/COMMIT, no
pool ping), committed without waiting for the WAL flush: a claim or a mark lost in a database crash only
means the row is published again, which the consumers' inbox absorbs. The outbox row itself is written by
the producer's own (synchronous) transaction. While one round waits for the broker's confirms, the next
round is already claimed and published (up to ``max_in_flight`` rounds), so confirms do not queue new events
behind old ones."""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import UTC, datetime
from typing import Any

import aio_pika
import asyncpg
import structlog
from sqlalchemy import text

from kit import metrics
from kit.bus.outbox import NOTIFY_CHANNEL
from kit.db import Database, asyncpg_dsn

log = structlog.get_logger("kit.relay")

_CLAIM = """
    UPDATE outbox SET claimed_until = now() + make_interval(secs => $2::float8), attempts = attempts + 1
    WHERE id IN (
        SELECT id FROM outbox
        WHERE sent_at IS NULL AND (claimed_until IS NULL OR claimed_until < now())
        ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
    )
    RETURNING id, routing_key, body::text AS body, created_at
"""
_MARK_SENT = "UPDATE outbox SET sent_at = now() WHERE id = ANY($1::bigint[])"
_RELEASE = "UPDATE outbox SET claimed_until = NULL WHERE id = ANY($1::bigint[])"
# No queue is bound for the key yet (a consumer that has not declared its queue, e.g. on a fresh cluster):
# try again shortly instead of letting the broker drop it.
_RETRY_LATER = (
    "UPDATE outbox SET claimed_until = now() + make_interval(secs => $2::float8) WHERE id = ANY($1::bigint[])"
)
# An event no queue was bound for during ``unroutable_grace_seconds`` is parked, not dropped: it stays in
# the outbox with claimed_until = 'infinity', so no relay claims it again, the operator sees it (metric
# outbox_parked, alert LpEventsParked, `SELECT * FROM outbox WHERE claimed_until = 'infinity'`) and puts
# it back once its consumer exists (deploy/README.md, "Parked events").
_PARK = "UPDATE outbox SET claimed_until = 'infinity' WHERE id = ANY($1::bigint[])"
_BACKLOG = text(
    "SELECT count(*) FILTER (WHERE claimed_until IS DISTINCT FROM 'infinity'),"
    " coalesce(extract(epoch FROM now() - min(created_at) FILTER (WHERE claimed_until IS DISTINCT FROM 'infinity')), 0),"
    " count(*) FILTER (WHERE claimed_until = 'infinity')"
    " FROM outbox WHERE sent_at IS NULL"
)
_PURGE = text("DELETE FROM outbox WHERE sent_at < now() - interval '7 days'")


async def _keep_session(connection: asyncpg.Connection) -> None:
    """The relay's connections carry no session state of their own (no transactions left open, no locks,
    no LISTEN: the listener has its own connection), so a connection returned to its pool needs no reset;
    asyncpg's default reset is a round trip to PostgreSQL on every release."""


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
        # a relay killed between claim and mark leaves its rows to the next one after this long, well inside
        # the 30 s recovery goal (QUALITY 15); longer than a publish's confirm timeout (10 s). A round slower
        # than this is published twice at worst, which the consumers' inbox absorbs.
        claim_seconds: float = 15.0,
        poll_interval: float = 1.0,
        unroutable_grace_seconds: float = 600.0,
        max_in_flight: int = 4,
        statement_timeout: float = 10.0,
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
        self.max_in_flight = max_in_flight
        self.statement_timeout = statement_timeout
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._listener: asyncpg.Connection | None = None
        self._pool: asyncpg.Pool | None = None
        self._connection: aio_pika.abc.AbstractRobustConnection | None = None
        self._exchange: aio_pika.abc.AbstractExchange | None = None
        self._in_flight: set[asyncio.Task[int]] = set()
        self._slots = asyncio.Semaphore(max_in_flight)
        self._failure: BaseException | None = None

    async def _ensure_listener(self) -> None:
        if self._listener is not None and not self._listener.is_closed():
            return
        try:
            self._listener = await asyncpg.connect(asyncpg_dsn(self.database_url))
            await self._listener.add_listener(NOTIFY_CHANNEL, lambda *_: self._wake.set())
        except (OSError, asyncpg.PostgresError) as exc:
            self._listener = None
            log.warning("relay_listen_unavailable", error=str(exc))

    async def _sql(self) -> asyncpg.Pool:
        """The relay's own connections. ``synchronous_commit=off`` applies to the relay's claims and marks only:
        losing one in a crash republishes the row (at least once), it never loses an event."""
        if self._pool is None:
            self._pool = await asyncpg.create_pool(
                asyncpg_dsn(self.database_url),
                min_size=1,
                max_size=self.max_in_flight + 1,
                command_timeout=self.statement_timeout,
                server_settings={"synchronous_commit": "off", "application_name": f"{self.service}-relay"},
                reset=_keep_session,
            )
        return self._pool

    async def _ensure_exchange(self) -> aio_pika.abc.AbstractExchange:
        if self._exchange is None or self._connection is None or self._connection.is_closed:
            self._connection = await aio_pika.connect_robust(self.amqp_url)
            # mandatory publishing with returns raised: an unroutable message is not "confirmed and gone".
            channel = await self._connection.channel(publisher_confirms=True, on_return_raises=True)
            self._exchange = await channel.declare_exchange(
                self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
            )
        return self._exchange

    async def _claim(self) -> list[asyncpg.Record]:
        pool = await self._sql()
        return await pool.fetch(_CLAIM, self.batch, float(self.claim_seconds))

    async def _publish_and_mark(self, rows: list[asyncpg.Record]) -> int:
        """Publish claimed rows, wait for the broker's confirms, then mark, release or postpone each row.
        Raises ConnectionError when some were not confirmed (they are released for a later round)."""
        exchange = await self._ensure_exchange()
        unroutable: list[int] = []
        parked: list[int] = []
        now = datetime.now(UTC)

        async def _one(row: asyncpg.Record) -> int | None:
            body: dict[str, Any] = json.loads(row["body"])
            message = aio_pika.Message(
                row["body"].encode(),
                content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                message_id=str(body["id"]),
                type=body["type"],
                correlation_id=body.get("correlation_id"),
                headers={"producer": body.get("producer", self.service)},
            )
            try:
                await exchange.publish(message, routing_key=row["routing_key"], mandatory=True, timeout=10)
            except aio_pika.exceptions.PublishError:
                if (now - row["created_at"]).total_seconds() > self.unroutable_grace_seconds:
                    # Nobody has bound a queue for this key in all that time: park it for an operator.
                    log.error(
                        "relay_event_parked",
                        routing_key=row["routing_key"],
                        event_id=str(body["id"]),
                        request_id=body.get("correlation_id"),
                    )
                    parked.append(row["id"])
                    return None
                unroutable.append(row["id"])
                return None
            except Exception as exc:  # nack, timeout or lost connection: retried on a later round
                log.warning("relay_publish_failed", routing_key=row["routing_key"], error=type(exc).__name__)
                return None
            return row["id"]

        results = await asyncio.gather(*(_one(r) for r in rows))
        sent = [i for i in results if i is not None]
        done = set(sent) | set(unroutable) | set(parked)
        failed = [r["id"] for r in rows if r["id"] not in done]
        pool = await self._sql()
        if sent:
            await pool.execute(_MARK_SENT, sent)
        if failed:
            await pool.execute(_RELEASE, failed)
        if unroutable:
            await pool.execute(_RETRY_LATER, unroutable, 1.0)
        if parked:
            await pool.execute(_PARK, parked)
            with contextlib.suppress(Exception):
                await self.backlog()
        metrics.EVENTS_PUBLISHED.labels(self.service).inc(len(sent))
        if failed:
            raise ConnectionError(f"{len(failed)} events not confirmed")
        return len(sent)

    async def _connect_or_release(self, rows: list[asyncpg.Record]) -> None:
        try:
            await self._ensure_exchange()
        except Exception:
            with contextlib.suppress(Exception):
                await (await self._sql()).execute(_RELEASE, [r["id"] for r in rows])
            raise

    async def publish_pending(self) -> int:
        """One claim-publish-mark round. Returns how many rows were confirmed by the broker."""
        rows = await self._claim()
        if not rows:
            return 0
        await self._connect_or_release(rows)
        return await self._publish_and_mark(rows)

    def _round_done(self, task: asyncio.Task[int]) -> None:
        self._in_flight.discard(task)
        self._slots.release()
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None and self._failure is None:
            self._failure = exc
            self._wake.set()  # report it now rather than at the next event or poll

    def _raise_failure(self) -> None:
        exc, self._failure = self._failure, None
        if exc is not None:
            raise exc

    async def _drain(self) -> None:
        """Claim and publish until nothing is pending. A full batch is followed at once by the next claim;
        each round's confirms and marks run on while later rounds are claimed (at most ``max_in_flight``)."""
        while True:
            self._raise_failure()
            await self._slots.acquire()
            try:
                rows = await self._claim()
                if rows:
                    # Connected from the relay's own task; rows claimed while the broker is away are
                    # released at once rather than held until their claim goes stale.
                    await self._connect_or_release(rows)
            except BaseException:
                self._slots.release()
                raise
            if not rows:
                self._slots.release()
                return
            task = asyncio.create_task(self._publish_and_mark(rows), name="outbox-relay-round")
            self._in_flight.add(task)
            task.add_done_callback(self._round_done)
            if len(rows) < self.batch:
                return

    async def _settle(self) -> None:
        """Wait for the rounds in flight (their confirms and marks)."""
        if self._in_flight:
            await asyncio.gather(*list(self._in_flight), return_exceptions=True)

    async def backlog(self) -> int:
        """Rows waiting to be published (parked ones apart); reports them, the age of the oldest and the
        parked count for /metrics."""
        async with self.db.session() as session:
            count, oldest, parked = (await session.execute(_BACKLOG)).one()
        metrics.OUTBOX_BACKLOG.labels(self.service).set(int(count))
        metrics.OUTBOX_OLDEST_AGE.labels(self.service).set(float(oldest))
        metrics.OUTBOX_PARKED.labels(self.service).set(int(parked))
        return int(count)

    async def run(self) -> None:
        delay = 0.2
        rounds = 0
        while not self._stop.is_set():
            try:
                await self._ensure_listener()
                self._wake.clear()
                await self._drain()
                rounds += 1
                if rounds % 50 == 0:
                    await self.backlog()
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
                await self._settle()
                self._failure = None  # the rounds that failed released their rows; the next round retries
                with contextlib.suppress(Exception):
                    await self.backlog()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._settle(), timeout=self.statement_timeout)
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.close()
        if self._pool is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._pool.close(), timeout=5)
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()
