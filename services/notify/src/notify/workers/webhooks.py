"""The webhook delivery worker: sends the deliveries the consumers wrote (the webhook outbox) after their
transaction committed. A NOTIFY from that transaction wakes it at once (a short poll is the fallback);
due rows are claimed with ``FOR UPDATE SKIP LOCKED`` (several workers share the work) and sent
concurrently, at most ``LP_WEBHOOK_CONCURRENCY`` at a time, each signed per Standard Webhooks.

Every attempt is logged (status, duration, a capped piece of the answer or the error). A 2xx answer
delivers; 410 Gone disables the endpoint; anything else (an error status, a timeout, a refused
connection, a redirect, a target now resolving to a private address) is retried on the back-off
schedule until 24 h after the event, then the delivery fails. An endpoint whose every attempt failed for
``LP_WEBHOOK_PAUSE_AFTER_SECONDS`` is paused and its operator told in-site; its deliveries wait for the
resume. At least once: a crash between the receiver's answer and the mark sends again with the same
``webhook-id``, which receivers dedupe on. Order is not guaranteed."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import structlog
from kit.db import asyncpg_dsn
from kit.runtime import Runtime
from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from standardwebhooks.webhooks import Webhook

from notify import repository as repo
from notify.config import Settings
from notify.domain.statuses import MessageCategory, WebhookDeliveryStatus
from notify.domain.webhooks import next_attempt, should_pause, webhook_id
from notify.models import Message, WebhookEndpoint
from notify.targets import make_client

log = structlog.get_logger("notify.webhooks")

OUTCOMES = Counter(
    "notify_webhook_attempts_total",
    "Webhook attempts by outcome (delivered, retried, failed: the last one failed, gone: 410)",
    ["outcome"],
)
ATTEMPT_SECONDS = Histogram(
    "notify_webhook_attempt_seconds",
    "Duration of one webhook attempt (request to the receiver's answer or the error)",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
EVENT_TO_DELIVERY = Histogram(
    "notify_webhook_delivery_latency_seconds",
    "From the event's occurrence to its successful delivery",
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600, 86400),
)
BACKLOG = Gauge("notify_webhook_backlog", "Webhook deliveries pending or being sent")
OLDEST = Gauge("notify_webhook_oldest_pending_seconds", "Age of the oldest pending webhook delivery's event")
PAUSED = Counter("notify_webhook_endpoints_paused_total", "Endpoints paused after failing continuously")


@dataclass(frozen=True)
class Claimed:
    id: uuid.UUID
    endpoint_id: uuid.UUID
    body: str
    attempts: int
    deadline_at: datetime
    occurred_at: datetime
    event_type: str


@dataclass(frozen=True)
class Target:
    url: str
    signers: tuple[Webhook, ...]
    failures: int  # its failure streak when claimed (0: healthy)

    @property
    def failing(self) -> bool:
        return self.failures > 0


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    error: str | None
    response: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def signature(signers: tuple[Webhook, ...], msg_id: str, at: datetime, body: str) -> str:
    """``v1,<base64>`` per secret, space-separated: during a rotation both the new and the old secret sign,
    so a receiver holding either verifies."""
    return " ".join(s.sign(msg_id=msg_id, timestamp=at, data=body) for s in signers)


@dataclass(frozen=True)
class Outcome:
    """What one attempt leads to: the delivery's new state and the counter it adds to."""

    item: Claimed
    answer: Answer
    started: datetime
    status: WebhookDeliveryStatus
    next_attempt_at: datetime
    label: str  # delivered | retried | failed | gone


class WebhookSender:
    """Claims a batch, sends it concurrently, then records the whole batch in one transaction (attempt
    rows, delivery states, endpoint streaks): one commit per batch rather than per delivery. Several
    batches may be in flight at once, at most ``webhook_concurrency`` deliveries in all."""

    def __init__(self, runtime: Runtime, client: httpx.AsyncClient) -> None:
        self.runtime = runtime
        self.settings = _settings(runtime)
        self.client = client
        self.rng = random.Random()
        self.in_flight: set[asyncio.Task[None]] = set()
        self.sending = 0
        self.signers: dict[str, Webhook] = {}  # sealed secret → its signer

    async def run_once(self) -> int:
        s = self.settings
        free = s.webhook_concurrency - self.sending
        if free <= 0:
            return 0
        async with self.runtime.db.transaction() as session:
            rows = await repo.claim_webhooks(
                session, batch=min(s.webhook_batch, free), claim_seconds=s.webhook_claim_seconds
            )
        if not rows:
            return 0
        items: list[Claimed] = []
        targets: dict[uuid.UUID, Target] = {}
        for row in rows:
            item = Claimed(
                row.id,
                row.endpoint_id,
                row.body,
                row.attempts,
                row.deadline_at,
                row.occurred_at,
                row.event_type,
            )
            items.append(item)
            if item.endpoint_id not in targets:
                targets[item.endpoint_id] = self._target(
                    row.url, row.secret_sealed, row.previous_secret_sealed, row.consecutive_failures
                )
        self.sending += len(items)
        task = asyncio.create_task(self._deliver(items, targets))
        self.in_flight.add(task)
        task.add_done_callback(self.in_flight.discard)
        return len(items)

    def _target(self, url: str, sealed: str, previous_sealed: str | None, failures: int) -> Target:
        """The endpoint as this batch sends to it: both secrets sign during a rotation (the claim gives the
        previous one only while it is still valid)."""
        signers = [self._signer(sealed)]
        if previous_sealed:
            signers.append(self._signer(previous_sealed))
        return Target(url, tuple(signers), failures)

    def _signer(self, sealed: str) -> Webhook:
        """The signer for a sealed secret, unsealed once (a rotation seals a new secret: a new key here)."""
        signer = self.signers.get(sealed)
        if signer is None:
            if len(self.signers) >= 1024:
                self.signers.clear()
            signer = self.signers[sealed] = Webhook(self.runtime.sealer.unseal(sealed))
        return signer

    async def _deliver(self, items: list[Claimed], targets: dict[uuid.UUID, Target]) -> None:
        try:
            sent, deferred = _probe_failing(items, targets)
            started = [datetime.now(UTC) for _ in sent]
            answers = await asyncio.gather(*(self.post(targets[i.endpoint_id], i) for i in sent))
            outcomes = [self._outcome(i, a, t) for i, a, t in zip(sent, answers, started, strict=True)]
            streaks = {e: t.failures for e, t in targets.items()}
            await self._record(outcomes, deferred, streaks)
        except Exception as exc:  # the database away: the claims go stale and the deliveries are sent again
            log.warning("webhook_record_failed", deliveries=len(items), error=type(exc).__name__)
        finally:
            self.sending -= len(items)

    async def post(self, target: Target, item: Claimed) -> Answer:
        s = self.settings
        msg_id = webhook_id(item.id)
        now = datetime.now(UTC)
        headers = {
            "content-type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signature(target.signers, msg_id, now, item.body),
        }
        began = time.perf_counter()
        status: int | None = None
        error: str | None = None
        kept: str | None = None
        try:
            # the whole attempt, answer included, within the timeout (a receiver trickling bytes is cut off)
            async with asyncio.timeout(s.webhook_timeout):
                async with self.client.stream(
                    "POST", target.url, content=item.body.encode(), headers=headers
                ) as response:
                    status = response.status_code
                    kept = await _read_capped(response, s.webhook_response_bytes)
        except TimeoutError:
            error = f"timeout after {s.webhook_timeout:g} s"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {str(exc)[:300]}"
        duration = time.perf_counter() - began
        ATTEMPT_SECONDS.observe(duration)
        if status is not None and 300 <= status < 400:
            error = "redirects are not followed"
        return Answer(status, error, kept, int(duration * 1000))

    def _outcome(self, item: Claimed, answer: Answer, started: datetime) -> Outcome:
        now = datetime.now(UTC)
        if answer.ok:
            return Outcome(item, answer, started, WebhookDeliveryStatus.DELIVERED, now, "delivered")
        if answer.status_code == 410:
            return Outcome(item, answer, started, WebhookDeliveryStatus.FAILED, now, "gone")
        when = next_attempt(
            attempts=item.attempts,
            schedule=self.settings.webhook_retry_schedule,
            now=now,
            deadline=item.deadline_at,
            rng=self.rng,
        )
        if when is None:
            return Outcome(item, answer, started, WebhookDeliveryStatus.FAILED, now, "failed")
        return Outcome(item, answer, started, WebhookDeliveryStatus.PENDING, when, "retried")

    async def _record(
        self, outcomes: list[Outcome], deferred: list[Claimed], streaks: dict[uuid.UUID, int]
    ) -> None:
        s = self.settings
        failing = {e for e, n in streaks.items() if n > 0}
        now = datetime.now(UTC)
        paused: list[WebhookEndpoint] = []
        # the endpoints whose state this record may change: locked first, in one order
        touched = failing | {o.item.endpoint_id for o in outcomes if not o.answer.ok}
        async with self.runtime.db.transaction() as session:
            current = await repo.lock_endpoints(session, sorted(touched))
            # deferred for as long as the streak says now (another batch's probe may have ended it meanwhile)
            await repo.defer_webhooks(
                session, [_deferral(d, current.get(d.endpoint_id, 0), s, now, self.rng) for d in deferred]
            )
            await repo.record_attempts(
                session,
                [
                    repo.AttemptRecord(
                        delivery_id=o.item.id,
                        attempt=o.item.attempts,
                        started_at=o.started,
                        duration_ms=o.answer.duration_ms,
                        status_code=o.answer.status_code,
                        error=o.answer.error,
                        response=o.answer.response,
                        status=o.status,
                        next_attempt_at=o.next_attempt_at,
                        delivered_at=now if o.status is WebhookDeliveryStatus.DELIVERED else None,
                    )
                    for o in outcomes
                ],
            )
            for endpoint_id in sorted({o.item.endpoint_id for o in outcomes}):  # one lock order
                mine = [o for o in outcomes if o.item.endpoint_id == endpoint_id]
                if any(o.label == "gone" for o in mine):
                    await repo.disable_endpoint(
                        session, endpoint_id, reason="接收方返回 410 Gone，已自动停用"
                    )
                failures = sum(1 for o in mine if not o.answer.ok)
                if failures < len(mine):
                    # it answered in this batch: not failing continuously, whatever else failed beside;
                    # back from a failure streak, everything it kept waiting is due at once (once: the batch
                    # that ends the streak requeues)
                    if endpoint_id in failing and await repo.endpoint_succeeded(session, endpoint_id):
                        await repo.requeue_pending(session, endpoint_id)
                    continue
                endpoint = await repo.endpoint_failed(session, endpoint_id, now, failures=failures)
                if (
                    endpoint is not None
                    and endpoint.paused_at is None
                    and should_pause(
                        consecutive_failures=endpoint.consecutive_failures,
                        failing_since=endpoint.failing_since,
                        now=now,
                        min_failures=s.webhook_pause_min_failures,
                        after=s.webhook_pause_after_seconds,
                    )
                ):
                    endpoint.paused_at = now
                    await _tell_operator(session, endpoint, now)
                    paused.append(endpoint)
        self._observe(outcomes, now, paused)

    @staticmethod
    def _observe(outcomes: list[Outcome], now: datetime, paused: list[WebhookEndpoint]) -> None:
        for o in outcomes:
            OUTCOMES.labels(o.label).inc()
            if o.answer.ok:
                EVENT_TO_DELIVERY.observe((now - o.item.occurred_at).total_seconds())
            else:
                log.info(
                    "webhook_attempt_failed",
                    delivery_id=str(o.item.id),
                    endpoint_id=str(o.item.endpoint_id),
                    attempt=o.item.attempts,
                    status_code=o.answer.status_code,
                    error=o.answer.error,
                    outcome=o.label,
                )
        for endpoint in paused:
            PAUSED.inc()
            log.warning(
                "webhook_endpoint_paused",
                endpoint_id=str(endpoint.id),
                failures=endpoint.consecutive_failures,
                failing_since=endpoint.failing_since.isoformat() if endpoint.failing_since else None,
            )


def _probe_failing(
    items: list[Claimed], targets: dict[uuid.UUID, Target]
) -> tuple[list[Claimed], list[Claimed]]:
    """What to send and what to defer. An endpoint in a failure streak gets one delivery of the batch, a
    probe; its others wait for the probe's next attempt without spending one of theirs (an endpoint that
    is down is not hit by every waiting delivery on every round), and are due at once when a probe
    succeeds (a receiver that comes back gets its backlog without waiting for each one's back-off)."""
    sent: list[Claimed] = []
    deferred: list[Claimed] = []
    probed: set[uuid.UUID] = set()
    for item in items:
        if targets[item.endpoint_id].failing and item.endpoint_id in probed:
            deferred.append(item)
        else:
            sent.append(item)
            probed.add(item.endpoint_id)
    return sent, deferred


def _deferral(
    item: Claimed, streak: int, settings: Settings, now: datetime, rng: random.Random
) -> repo.Deferral:
    """A deferred delivery back to waiting, its claim's attempt given back, for as long as the endpoint's
    streak says on the back-off schedule (a probe that gets through makes it due at once); failed once past
    its deadline (the endpoint failed all that time). A streak already ended makes it due at once."""
    if item.deadline_at <= now:
        return repo.Deferral(
            item.id,
            WebhookDeliveryStatus.FAILED,
            item.attempts - 1,
            now,
            "the endpoint kept failing until the deadline",
        )
    schedule = settings.webhook_retry_schedule
    delay = schedule[min(streak, len(schedule)) - 1] * rng.uniform(0.9, 1.1) if streak > 0 else 0.0
    return repo.Deferral(
        item.id,
        WebhookDeliveryStatus.PENDING,
        item.attempts - 1,
        min(now + timedelta(seconds=delay), item.deadline_at),
        "waiting: the endpoint is failing",
    )


async def _read_capped(response: httpx.Response, limit: int) -> str:
    """At most ``limit`` bytes of the answer, for the log; the rest is never read."""
    kept = bytearray()
    async for chunk in response.aiter_bytes():
        kept.extend(chunk[: limit - len(kept)])
        if len(kept) >= limit:
            break
    return kept.decode("utf-8", errors="replace")


async def _tell_operator(session: AsyncSession, endpoint: WebhookEndpoint, now: datetime) -> None:
    """An in-site message to the operator organisation that registered the endpoint."""
    await session.execute(
        insert(Message)
        .values(
            id=uuid.uuid4(),
            org_id=endpoint.created_by_org,
            event_id=uuid.uuid4(),
            event_type="webhook.endpoint_paused",
            category=MessageCategory.WEBHOOK.value,
            title="事件订阅推送已暂停",
            body=(
                f"{endpoint.organisation} 的推送地址 {endpoint.url} 连续 {endpoint.consecutive_failures} 次"
                "投递失败，已自动暂停；待投递的事件会保留，请确认接收方恢复后在“事件订阅”中恢复推送。"
            ),
            link="/workspace/operator/webhooks",
            created_at=now,
        )
        .on_conflict_do_nothing(constraint="uq_messages_event_org")
    )


def _settings(runtime: Runtime) -> Settings:
    settings = runtime.settings
    assert isinstance(settings, Settings), "the webhook worker runs in the notify service"
    return settings


async def _listener(runtime: Runtime, wake: asyncio.Event) -> asyncpg.Connection | None:
    try:
        connection = await asyncpg.connect(asyncpg_dsn(runtime.settings.database_url))
        await connection.add_listener(repo.WEBHOOK_CHANNEL, lambda *_: wake.set())
        return connection
    except (OSError, asyncpg.PostgresError) as exc:
        log.warning("webhook_listen_unavailable", error=str(exc))
        return None


async def _pause(wake: asyncio.Event, in_flight: set[asyncio.Task[None]], timeout: float) -> None:
    """Until a NOTIFY, a batch finishing (its slots are free and a retry may be due) or the timeout."""
    waiter = asyncio.ensure_future(wake.wait())
    try:
        await asyncio.wait({waiter, *in_flight}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()


async def deliver_webhooks(runtime: Runtime) -> None:
    """Background job (kit.runtime guards it): claim and send due deliveries for as long as the process
    lives, woken by the NOTIFY of each committed batch, a finished send, or the poll interval."""
    s = _settings(runtime)
    wake = asyncio.Event()
    listener: asyncpg.Connection | None = None
    async with make_client(s) as client:
        sender = WebhookSender(runtime, client)
        rounds = 0
        try:
            while True:
                if listener is None or listener.is_closed():
                    listener = await _listener(runtime, wake)
                wake.clear()
                async with runtime.poll_round("deliver_webhooks"):
                    claimed = await sender.run_once()
                    rounds += 1
                    if rounds % 20 == 1:
                        async with runtime.db.session() as session:
                            backlog, oldest = await repo.webhook_backlog(session)
                        BACKLOG.set(backlog)
                        OLDEST.set(oldest)
                if claimed and sender.sending < s.webhook_concurrency:
                    continue  # more may be due: claim again before sleeping
                await _pause(wake, sender.in_flight, s.webhook_poll_interval)
        finally:
            for task in list(sender.in_flight):
                task.cancel()
            if listener is not None:
                with contextlib.suppress(Exception):
                    await listener.close()
