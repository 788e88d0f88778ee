"""Consuming events: a durable quorum queue per consumer with a dead-letter queue; the handler runs in one
transaction with an inbox row, so a redelivered event has no second effect; the message is acknowledged
only after commit; a failed delivery is rejected back to the queue (``basic.reject``, which RabbitMQ
counts towards the delivery limit; since 4.3 ``basic.nack`` no longer does) until the limit dead-letters
it. The limit and the dead-letter exchange are the broker's policy (kit.bus.topology), not queue
arguments."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

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
        handler = self._handler_for(envelope.routing_key)
        async with self.db.transaction() as session:
            inserted = await session.execute(
                insert(inbox)
                .values(consumer=self.name, event_id=envelope.id, event_type=envelope.type)
                .on_conflict_do_nothing()
                .returning(inbox.c.event_id)
            )
            if inserted.first() is None:
                return False
            if handler is not None:
                await handler(session, envelope)
        return True

    async def _handle_outlasting_outages(self, envelope: Envelope) -> bool:
        """A database outage is not the event's fault: wait for the database instead of spending the
        event's delivery attempts (which would dead-letter good events during a restart)."""
        delay = 0.2
        deadline = asyncio.get_running_loop().time() + self.outage_patience
        while True:
            try:
                return await self.handle(envelope)
            except Exception as exc:
                if not _is_outage(exc) or asyncio.get_running_loop().time() > deadline:
                    raise
                log.warning(
                    "event_handler_waiting_for_database", consumer=self.name, error=type(exc).__name__
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 3.0)

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        try:
            envelope = Envelope.model_validate_json(message.body)
        except ValidationError:
            log.error("event_malformed", consumer=self.name, routing_key=message.routing_key)
            metrics.EVENTS_CONSUMED.labels(self.name, "malformed", "dead_lettered").inc()
            await message.reject(requeue=False)
            return
        # The handler runs inside the producer's trace (a fresh one when the event carries none), so its
        # logs, and the events it emits in turn, share the trace id of the request that started the work.
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
            # Every line the handler writes carries the event's correlation id (the request that emitted
            # it) as request_id, and the event's id and type.
            token = request_id_var.set(envelope.correlation_id)
            bound = structlog.contextvars.bind_contextvars(
                event_id=str(envelope.id), event_type=envelope.type
            )
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
            finally:
                request_id_var.reset(token)
                structlog.contextvars.reset_contextvars(**bound)
            metrics.EVENTS_CONSUMED.labels(
                self.name, envelope.type, "handled" if handled else "duplicate"
            ).inc()
            metrics.EVENT_LATENCY.labels(self.name).observe(
                max(0.0, (datetime.now(UTC) - envelope.occurred_at).total_seconds())
            )
            with contextlib.suppress(Exception):
                await message.ack()
