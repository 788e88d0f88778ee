"""Consuming events: a durable quorum queue per consumer with a dead-letter queue; the handler runs in one
transaction with an inbox row, so a redelivered event has no second effect; the message is acknowledged
only after commit; a failed delivery is rejected back to the queue (``basic.reject``, which RabbitMQ
counts towards the delivery limit; since 4.3 ``basic.nack`` no longer does) until the limit dead-letters
it. The limit and the dead-letter exchange are the broker's policy (kit.bus.topology), not queue
arguments.

Handlers marked ``@batchable`` (they only write to the service's database, so running several in one
transaction and rolling them back together costs nothing but a retry) share a transaction with the other
batchable events delivered at the same moment: one BEGIN, one multi-row inbox insert and one COMMIT for the
lot. Nothing waits for a batch to fill: a batch is whatever has arrived when the first event of it gets its
turn, so one event alone is handled as before, and a backlog drains in batches. A batch that fails is
rolled back and its events are handled one by one, each with its own retries."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

import aio_pika
import structlog
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection
from pydantic import ValidationError
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kit import metrics, tracing
from kit.bus.envelope import Envelope
from kit.bus.tables import inbox
from kit.db import Database
from kit.errors import is_outage as _is_outage
from kit.logging import request_id_var
from kit.settings import ServiceSettings

log = structlog.get_logger("kit.consumer")

Handler = Callable[[AsyncSession, Envelope], Awaitable[None]]
H = TypeVar("H", bound=Callable[..., Awaitable[None]])
BATCH_MAX = 64
_INBOX_INSERT = insert(inbox).on_conflict_do_nothing().returning(inbox.c.event_id)


def batchable(handler: H) -> H:
    """Mark a handler that only writes to its service's database (no SMS, no object store, no HTTP): it may
    share a transaction with other events' handlers, and be run again if the batch is rolled back."""
    handler.batchable = True  # type: ignore[attr-defined]
    return handler


def batchable_all(handlers: dict[str, Handler]) -> dict[str, Handler]:
    """The same map, every handler marked ``batchable``: for a service whose handlers all only write to its
    own database."""
    return {key: batchable(handler) for key, handler in handlers.items()}


def is_batchable(handler: Handler | None) -> bool:
    """An event with no handler (only its inbox row) batches too."""
    return handler is None or getattr(handler, "batchable", False) is True


def topic_matches(pattern: str, key: str) -> bool:
    """AMQP topic matching: ``*`` is one word, ``#`` is zero or more words."""
    p, k = pattern.split("."), key.split(".")

    def match(i: int, j: int) -> bool:
        if i == len(p):
            return j == len(k)
        if p[i] == "#":
            return any(match(i + 1, jj) for jj in range(j, len(k) + 1))
        return j < len(k) and (p[i] == "*" or p[i] == k[j]) and match(i + 1, j + 1)

    return match(0, 0)


async def declare_consumer_queue(
    channel: aio_pika.abc.AbstractChannel, settings: ServiceSettings, consumer: str, bindings: list[str]
) -> aio_pika.abc.AbstractQueue:
    """Declare the consumer's queue, its dead-letter queue and exchanges, and bind them.

    The queues carry ``x-queue-type`` alone: delivery limit and dead-lettering come from the policy
    (kit.bus.topology). A queue an older release declared with those arguments is still used as it is
    (its arguments cannot be changed in place; deploy/README.md says how to move it onto the policy)."""
    exchange = await channel.declare_exchange(
        settings.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
    )
    dlx = await channel.declare_exchange(
        settings.dead_letter_exchange, aio_pika.ExchangeType.DIRECT, durable=True
    )
    queue_name = settings.queue_name(consumer)
    dlq = await channel.declare_queue(f"{queue_name}.dlq", durable=True, arguments={"x-queue-type": "quorum"})
    await dlq.bind(dlx, routing_key=queue_name)
    try:
        queue = await channel.declare_queue(queue_name, durable=True, arguments={"x-queue-type": "quorum"})
    except aio_pika.exceptions.ChannelPreconditionFailed:
        # Declared with other arguments by an older release: the broker closed the channel; use the
        # queue as it stands rather than refusing to consume.
        log.warning("consumer_queue_has_legacy_arguments", queue=queue_name)
        await channel.reopen()
        queue = await channel.declare_queue(queue_name, passive=True)
    for key in bindings:
        await queue.bind(exchange, routing_key=key)
    return queue


class Consumer:
    def __init__(
        self,
        *,
        name: str,
        db: Database,
        settings: ServiceSettings,
        handlers: dict[str, Handler],
        max_backoff: float = 5.0,
        outage_patience: float = 300.0,
    ) -> None:
        self.outage_patience = outage_patience
        self.name = name
        self.db = db
        self.settings = settings
        self.handlers = handlers
        self.max_backoff = max_backoff
        self._channel: aio_pika.abc.AbstractChannel | None = None
        self._queue: aio_pika.abc.AbstractQueue | None = None
        self._tag: str | None = None
        self._pending: list[tuple[AbstractIncomingMessage, Envelope, asyncio.Future[None]]] = []
        self._flushing: asyncio.Task[None] | None = None

    @property
    def started(self) -> bool:
        """Its queue is declared and bound, and it consumes: events published from now on reach it."""
        return self._tag is not None

    def _handler_for(self, routing_key: str) -> Handler | None:
        for pattern, handler in self.handlers.items():
            if topic_matches(pattern, routing_key):
                return handler
        return None

    async def start(self, connection: AbstractRobustConnection) -> None:
        self._channel = await connection.channel()
        await self._channel.set_qos(prefetch_count=self.settings.consumer_prefetch)
        self._queue = await declare_consumer_queue(
            self._channel, self.settings, self.name, list(self.handlers)
        )
        self._tag = await self._queue.consume(self._on_message)

    async def stop(self) -> None:
        if self._queue is not None and self._tag is not None:
            with contextlib.suppress(Exception):
                await self._queue.cancel(self._tag)
        if self._channel is not None:
            with contextlib.suppress(Exception):
                await self._channel.close()

    async def handle(self, envelope: Envelope) -> bool:
        """Run the handler once for this event. Returns False when the event was already handled."""
        return (await self.handle_batch([envelope]))[0]

    async def handle_batch(self, envelopes: list[Envelope]) -> list[bool]:
        """Run each event's handler once, all in one transaction with one inbox insert. Returns, per event,
        False when it was already handled (before, or earlier in the same batch)."""
        async with self.db.transaction() as session:
            # one statement, compiled once (SQLAlchemy's "insertmanyvalues" renders the rows into it)
            inserted = await session.execute(
                _INBOX_INSERT,
                [{"consumer": self.name, "event_id": e.id, "event_type": e.type} for e in envelopes],
            )
            new = {row[0] for row in inserted}
            handled: list[bool] = []
            for envelope in envelopes:
                first = envelope.id in new
                new.discard(envelope.id)  # the same event twice in one batch is handled once
                handled.append(first)
                handler = self._handler_for(envelope.routing_key)
                if first and handler is not None:
                    if len(envelopes) == 1:  # alone, it already runs in _process_one's event scope
                        await handler(session, envelope)
                    else:
                        with self._event_scope(envelope):
                            await handler(session, envelope)
        return handled

    async def _outlasting_outages(self, attempt: Callable[[], Awaitable[Any]]) -> Any:
        """A database outage is not the event's fault: wait for the database instead of spending the
        event's delivery attempts (which would dead-letter good events during a restart)."""
        delay = 0.2
        deadline = asyncio.get_running_loop().time() + self.outage_patience
        while True:
            try:
                return await attempt()
            except Exception as exc:
                if not _is_outage(exc) or asyncio.get_running_loop().time() > deadline:
                    raise
                log.warning(
                    "event_handler_waiting_for_database", consumer=self.name, error=type(exc).__name__
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 3.0)

    async def _handle_outlasting_outages(self, envelope: Envelope) -> bool:
        return bool(await self._outlasting_outages(lambda: self.handle(envelope)))

    @contextlib.contextmanager
    def _event_scope(self, envelope: Envelope) -> Iterator[Any]:
        """The handler runs inside the producer's trace (a fresh one when the event carries none), so its
        logs, and the events it emits in turn, share the trace id of the request that started the work;
        every line it writes carries the event's correlation id as request_id, and the event's id and type."""
        with tracing.continue_trace(
            f"process {envelope.routing_key}",
            envelope.traceparent,
            kind=tracing.SpanKind.CONSUMER,
            attributes={
                "messaging.system": "rabbitmq",
                "messaging.operation.type": "process",
                "messaging.destination.name": envelope.routing_key,
                "messaging.message.id": str(envelope.id),
                "messaging.consumer.group.name": self.name,
            },
        ) as span:
            token = request_id_var.set(envelope.correlation_id)
            bound = structlog.contextvars.bind_contextvars(
                event_id=str(envelope.id), event_type=envelope.type
            )
            try:
                yield span
            finally:
                request_id_var.reset(token)
                structlog.contextvars.reset_contextvars(**bound)

    def _done(self, envelope: Envelope, handled: bool) -> None:
        metrics.EVENTS_CONSUMED.labels(self.name, envelope.type, "handled" if handled else "duplicate").inc()
        metrics.EVENT_LATENCY.labels(self.name).observe(
            max(0.0, (datetime.now(UTC) - envelope.occurred_at).total_seconds())
        )

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        try:
            envelope = Envelope.model_validate_json(message.body)
        except ValidationError:
            log.error("event_malformed", consumer=self.name, routing_key=message.routing_key)
            metrics.EVENTS_CONSUMED.labels(self.name, "malformed", "dead_lettered").inc()
            await message.reject(requeue=False)
            return
        if not is_batchable(self._handler_for(envelope.routing_key)):
            await self._process_one(message, envelope)
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((message, envelope, done))
        if self._flushing is None:
            self._flushing = asyncio.create_task(self._flush(), name=f"consumer-batch-{self.name}")
        await done

    async def _flush(self) -> None:
        """Handle what is pending in batches: what has arrived by the time the first gets its turn (the
        deliveries read from the same socket read), never waiting for more."""
        try:
            await asyncio.sleep(0)
            while self._pending:
                batch, self._pending = self._pending[:BATCH_MAX], self._pending[BATCH_MAX:]
                try:
                    await self._process_batch(batch)
                finally:
                    for _, _, done in batch:
                        if not done.done():
                            done.set_result(None)
        finally:
            self._flushing = None

    async def _process_batch(
        self, batch: list[tuple[AbstractIncomingMessage, Envelope, asyncio.Future[None]]]
    ) -> None:
        if len(batch) == 1:
            await self._process_one(batch[0][0], batch[0][1])
            return
        envelopes = [envelope for _, envelope, _ in batch]
        try:
            handled = await self._outlasting_outages(lambda: self.handle_batch(envelopes))
        except Exception as exc:
            log.warning("event_batch_failed", consumer=self.name, events=len(batch), error=type(exc).__name__)
            for message, envelope, _ in batch:
                await self._process_one(message, envelope)
            return
        for (message, envelope, _), first in zip(batch, handled, strict=True):
            self._done(envelope, first)
            with contextlib.suppress(Exception):
                await message.ack()

    async def _process_one(self, message: AbstractIncomingMessage, envelope: Envelope) -> None:
        with self._event_scope(envelope) as span:
            try:
                handled = await self._handle_outlasting_outages(envelope)
            except Exception as exc:
                tracing.mark_failed(span, exc)
                delivered = (message.headers or {}).get("x-delivery-count", 0) or 0
                attempts = (int(delivered) if isinstance(delivered, int | str) else 0) + 1
                log.warning(
                    "event_handler_failed",
                    consumer=self.name,
                    event_type=envelope.type,
                    event_id=str(envelope.id),
                    attempt=attempts,
                    error=type(exc).__name__,
                    detail=str(exc)[:300],
                )
                last = attempts > self.settings.consumer_delivery_limit
                metrics.EVENTS_CONSUMED.labels(
                    self.name, envelope.type, "dead_lettered" if last else "retried"
                ).inc()
                await asyncio.sleep(min(0.05 * (2**attempts), self.max_backoff))
                with contextlib.suppress(Exception):
                    # reject, not nack: RabbitMQ >= 4.3 counts only basic.reject towards the quorum
                    # queue's delivery limit, so a nacked poison message would loop for ever.
                    await message.reject(requeue=True)
                return
            self._done(envelope, handled)
            with contextlib.suppress(Exception):
                await message.ack()
