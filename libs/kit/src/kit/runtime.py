"""Everything a service process holds: settings, database, Redis, storage, token verifier, bus workers.
Created in the FastAPI lifespan (or by ``worker.py``), never at import time."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aio_pika
import structlog
from redis.asyncio import Redis
from sqlalchemy import text

from kit import metrics, tracing
from kit.bus import Consumer, Handler, OutboxRelay, set_producer
from kit.clock import Clock
from kit.db import Database
from kit.logging import configure_logging, request_id_var
from kit.pii import Sealer
from kit.security import TokenVerifier
from kit.settings import ServiceSettings
from kit.sms import SmsSender, make_sms_sender
from kit.storage import Storage

log = structlog.get_logger("kit.runtime")

BackgroundJob = Callable[["Runtime"], Awaitable[None]]


class Runtime:
    def __init__(
        self,
        settings: ServiceSettings,
        *,
        service: str,
        buckets: tuple[str, ...] = (),
        handlers: dict[str, Handler] | None = None,
        background: tuple[BackgroundJob, ...] = (),
        publishes: bool = True,
    ) -> None:
        self.settings = settings
        self.service = service
        self.buckets = buckets
        self.handlers = handlers or {}
        self.background = background
        self.publishes = publishes
        self.db: Database
        self.redis: Redis
        self.storage: Storage | None = None
        self.clock: Clock
        self.sealer: Sealer
        self.verifier: TokenVerifier | None = None
        self._sms: SmsSender | None = None
        self.connection: aio_pika.abc.AbstractRobustConnection | None = None
        self.relay: OutboxRelay | None = None
        self.consumer: Consumer | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self.extras: dict[str, Any] = {}

    @property
    def sms(self) -> SmsSender:
        if self._sms is None:
            self._sms = make_sms_sender(self.settings, self.redis)
        return self._sms

    async def start(self, *, workers: bool | None = None) -> None:
        s = self.settings
        configure_logging(self.service, s.log_level)
        tracing.configure(self.service)
        set_producer(self.service)
        self.db = Database(s.database_url, pool_size=s.db_pool_size)
        self.redis = Redis.from_url(s.redis_url, decode_responses=True, health_check_interval=30)
        self.clock = Clock(self.redis, adjustable=s.clock_adjustable)
        self.sealer = Sealer(s.pii_key)
        key = Path(s.jwt_public_key_file)
        if key.exists():
            self.verifier = TokenVerifier.from_file(
                key, issuer=s.jwt_issuer, audience=s.jwt_audience, redis=self.redis
            )
        if self.buckets:
            self.storage = Storage(
                s.s3_endpoint,
                s.s3_access_key,
                s.s3_secret_key,
                secure=s.s3_secure,
                region=s.s3_region,
                ca_file=s.s3_ca_file,
            )
            await self._ensure_buckets()
        run_workers = s.run_workers if workers is None else workers
        if run_workers and (self.publishes or self.handlers):
            # Only the relay and the consumers talk to the broker; an HTTP pod writes its events to the
            # outbox and holds no broker connection (20 pods x 6 services would be 120 idle connections).
            self._tasks.append(asyncio.create_task(self._connect_broker(), name="broker-connect"))
        if run_workers:
            if self.publishes:
                self.relay = OutboxRelay(
                    db=self.db,
                    database_url=s.database_url,
                    amqp_url=s.amqp_url,
                    exchange_name=s.exchange_name,
                    service=self.service,
                )
                self._tasks.append(asyncio.create_task(self.relay.run(), name="outbox-relay"))
            if self.handlers:
                self.consumer = Consumer(name=self.service, db=self.db, settings=s, handlers=self.handlers)
                self._tasks.append(asyncio.create_task(self._start_consumer(), name="consumer-start"))
            for job in self.background:
                self._tasks.append(
                    asyncio.create_task(self._guard(job), name=getattr(job, "__name__", "job"))
                )

    async def _ensure_buckets(self) -> None:
        assert self.storage is not None
        for attempt in range(30):
            try:
                for bucket in self.buckets:
                    await self.storage.ensure_bucket(bucket)
                return
            except Exception as exc:
                if attempt == 29:
                    raise
                log.warning("storage_not_ready", error=type(exc).__name__)
                await asyncio.sleep(1)

    async def _connect_broker(self) -> None:
        delay = 0.5
        while self.connection is None:
            try:
                self.connection = await aio_pika.connect_robust(self.settings.amqp_url)
            except Exception as exc:
                log.warning("broker_not_ready", error=type(exc).__name__)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5)
        self._tasks.append(asyncio.create_task(self._watch_queues(), name="queue-watch"))

    async def _start_consumer(self) -> None:
        while self.connection is None:
            await asyncio.sleep(0.1)
        assert self.consumer is not None
        delay = 0.5
        while True:
            try:
                await self.consumer.start(self.connection)
                return
            except Exception as exc:
                log.warning("consumer_start_failed", error=type(exc).__name__, detail=str(exc)[:200])
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5)

    async def _watch_queues(self) -> None:
        """Report the consumer lag and the dead-letter depth for /metrics."""
        if not self.handlers or self.connection is None:
            return
        queue = self.settings.queue_name(self.service)
        while True:
            try:
                channel = await self.connection.channel()
                try:
                    q = await channel.declare_queue(queue, passive=True)
                    metrics.QUEUE_DEPTH.labels(queue).set(q.declaration_result.message_count or 0)
                    dlq = await channel.declare_queue(f"{queue}.dlq", passive=True)
                    metrics.DEAD_LETTERED.labels(queue).set(dlq.declaration_result.message_count or 0)
                finally:
                    await channel.close()
            except asyncio.CancelledError:
                raise
            except Exception:  # queue not declared yet or broker away; try again later
                pass
            await asyncio.sleep(10)

    @contextlib.asynccontextmanager
    async def poll_round(self, job: str) -> AsyncIterator[str]:
        """One round of a background poller: every log line inside carries a correlation id of its own
        (``request_id``, e.g. ``expire_certificates-1f0c…``), and a round that completes records
        ``background_job_last_success_timestamp_seconds`` (alert LpBackgroundJobStalled)."""
        correlation = f"{job}-{uuid.uuid4().hex[:16]}"
        token = request_id_var.set(correlation)
        try:
            yield correlation
            metrics.JOB_LAST_SUCCESS.labels(self.service, job).set(time.time())
        finally:
            request_id_var.reset(token)

    async def _guard(self, job: BackgroundJob) -> None:
        """Background jobs (deadline pollers) must survive a database or broker outage."""
        while True:
            try:
                await job(self)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning(
                    "background_job_failed", job=getattr(job, "__name__", "job"), error=type(exc).__name__
                )
                await asyncio.sleep(2)

    @property
    def required_checks(self) -> frozenset[str]:
        """What this process cannot serve without. An HTTP pod needs its database alone: events wait in the
        outbox while the broker is away, and Redis or storage failing turns the routes that use them into
        a clear 503 (kit.errors) while every other route keeps answering. A process that runs the relay or
        a consumer needs the broker too, and its consumer's queue bound."""
        required = {"database"}
        if self.relay is not None or self.consumer is not None:
            required.add("broker")
        if self.consumer is not None:
            required.add("consumer")
        return frozenset(required)

    async def readiness(self) -> dict[str, bool]:
        """Every dependency's state; :meth:`ready` says which of them decide readiness."""
        checks: dict[str, bool] = {}
        try:
            async with self.db.session() as session:
                await asyncio.wait_for(session.execute(text("SELECT 1")), 2)
            checks["database"] = True
        except Exception:
            checks["database"] = False
        try:
            checks["redis"] = bool(await asyncio.wait_for(self.redis.ping(), 2))
        except Exception:
            checks["redis"] = False
        if self.relay is not None or self.consumer is not None:
            # ``connected`` is cleared while a robust connection is reconnecting (is_closed stays False).
            checks["broker"] = (
                self.connection is not None
                and not self.connection.is_closed
                and self.connection.connected.is_set()
            )
        if self.consumer is not None:
            checks["consumer"] = self.consumer.started
        if self.storage is not None:
            try:
                checks["storage"] = await asyncio.wait_for(self.storage.ping(), 3)
            except Exception:
                checks["storage"] = False
        return checks

    async def ready(self) -> tuple[bool, dict[str, Any]]:
        """(ready, body) for /readyz: ready when every required check passes; the optional ones that fail
        are named under ``degraded`` (the routes that need them answer 503 meanwhile)."""
        checks = await self.readiness()
        required = self.required_checks
        ok = all(checks.get(name, False) for name in required)
        degraded = sorted(name for name, passed in checks.items() if not passed and name not in required)
        status = "unavailable" if not ok else ("degraded" if degraded else "ok")
        return ok, {"status": status, "checks": checks, "required": sorted(required), "degraded": degraded}

    async def stop(self) -> None:
        if self.consumer is not None:
            await self.consumer.stop()
        if self.relay is not None:
            await self.relay.stop()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(BaseException):
                await task
        if self.connection is not None:
            with contextlib.suppress(Exception):
                await self.connection.close()
        with contextlib.suppress(Exception):
            await self.redis.aclose()
        await self.db.dispose()
        # Spans still queued for the collector (only when OTEL_EXPORTER_OTLP_ENDPOINT is set).
        await asyncio.to_thread(tracing.flush)
