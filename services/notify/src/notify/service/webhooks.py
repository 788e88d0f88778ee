"""Webhook subscriptions (operators only): register a subscriber organisation's endpoint, change it, rotate
its secret, send it a test event, read its delivery log, redeliver, resume it after a pause. Each function
is one transaction. Times here are the real clock: deliveries happen on the network, not in the
adjustable platform time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from kit.db import Database
from kit.paging import PageParams
from kit.pii import Sealer

from notify import repository as repo
from notify.config import Settings
from notify.domain import webhooks
from notify.domain.statuses import WebhookDeliveryStatus, WebhookEventType
from notify.domain.webhooks import TargetRefused
from notify.errors import (
    WebhookDeliveryInProgress,
    WebhookDeliveryNotFound,
    WebhookEndpointInactive,
    WebhookEndpointNotFound,
    WebhookTargetRefused,
)
from notify.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from notify.targets import check_target


@dataclass(frozen=True)
class Created:
    endpoint: WebhookEndpoint
    secret: str


async def _checked_url(settings: Settings, url: str) -> str:
    try:
        await check_target(
            url,
            allow_http=bool(settings.webhook_allow_http),
            allow_private=bool(settings.webhook_allow_private_targets),
        )
    except TargetRefused as exc:
        raise WebhookTargetRefused(f"推送地址不可用：{exc}", details={"reason": str(exc)}) from exc
    return url


async def create_endpoint(
    db: Database,
    sealer: Sealer,
    settings: Settings,
    *,
    operator_org: uuid.UUID,
    organisation: str,
    contact: str,
    url: str,
    event_types: list[WebhookEventType],
) -> Created:
    await _checked_url(settings, url)
    secret = webhooks.new_secret()
    async with db.transaction() as session:
        endpoint = WebhookEndpoint(
            id=uuid.uuid4(),
            organisation=organisation,
            contact=contact,
            url=url,
            event_types=[t.value for t in event_types],
            enabled=True,
            secret_sealed=sealer.seal(secret),
            created_by_org=operator_org,
            consecutive_failures=0,
        )
        session.add(endpoint)
        await session.flush()
        await session.refresh(endpoint)
    return Created(endpoint, secret)


async def list_endpoints(
    db: Database, *, page: PageParams
) -> tuple[list[WebhookEndpoint], int, dict[uuid.UUID, dict[str, int]]]:
    async with db.session() as session:
        rows, total = await repo.list_endpoints(session, page)
        counts = await repo.delivery_counts(session, [e.id for e in rows])
    return rows, total, counts


async def get_endpoint(db: Database, *, endpoint_id: uuid.UUID) -> tuple[WebhookEndpoint, dict[str, int]]:
    async with db.session() as session:
        endpoint = await repo.endpoint(session, endpoint_id)
        if endpoint is None:
            raise WebhookEndpointNotFound()
        counts = await repo.delivery_counts(session, [endpoint.id])
    return endpoint, counts.get(endpoint.id, {})


async def update_endpoint(
    db: Database, settings: Settings, *, endpoint_id: uuid.UUID, changes: dict[str, Any]
) -> WebhookEndpoint:
    """Changes the given fields. Enabling again clears the disabled reason and wakes the worker for the
    deliveries that waited; the URL is checked like a new one."""
    if changes.get("url") is not None:
        await _checked_url(settings, changes["url"])
    async with db.transaction() as session:
        endpoint = await repo.endpoint(session, endpoint_id, lock=True)
        if endpoint is None:
            raise WebhookEndpointNotFound()
        for field in ("organisation", "contact", "url"):
            if changes.get(field) is not None:
                setattr(endpoint, field, changes[field])
        if changes.get("event_types") is not None:
            endpoint.event_types = [t.value for t in changes["event_types"]]
        enabled = changes.get("enabled")
        if enabled is True and not endpoint.enabled:
            endpoint.enabled = True
            endpoint.disabled_reason = None
            await repo.requeue_pending(session, endpoint.id)
        elif enabled is False and endpoint.enabled:
            endpoint.enabled = False
            endpoint.disabled_reason = "运营人员停用"
        endpoint.updated_at = datetime.now(UTC)
        await session.flush()
        await session.refresh(endpoint)
    return endpoint


async def rotate_secret(
    db: Database, sealer: Sealer, settings: Settings, *, endpoint_id: uuid.UUID
) -> tuple[str, datetime | None]:
    """A new secret; the one it replaces keeps signing (deliveries carry both signatures) for
    ``webhook_old_secret_seconds``, so receivers can switch without losing a message."""
    secret = webhooks.new_secret()
    now = datetime.now(UTC)
    async with db.transaction() as session:
        endpoint = await repo.endpoint(session, endpoint_id, lock=True)
        if endpoint is None:
            raise WebhookEndpointNotFound()
        keep = settings.webhook_old_secret_seconds
        endpoint.previous_secret_sealed = endpoint.secret_sealed if keep else None
        endpoint.previous_secret_until = now + timedelta(seconds=keep) if keep else None
        endpoint.secret_sealed = sealer.seal(secret)
        endpoint.updated_at = now
        until = endpoint.previous_secret_until
    return secret, until


async def send_test(db: Database, settings: Settings, *, endpoint_id: uuid.UUID) -> WebhookDelivery:
    now = datetime.now(UTC)
    async with db.transaction() as session:
        endpoint = await repo.endpoint(session, endpoint_id)
        if endpoint is None:
            raise WebhookEndpointNotFound()
        if not endpoint.enabled or endpoint.paused_at is not None:
            raise WebhookEndpointInactive()
        delivery = WebhookDelivery(
            id=uuid.uuid4(),
            endpoint_id=endpoint.id,
            event_id=uuid.uuid4(),
            event_type=WebhookEventType.TEST.value,
            body=webhooks.body(
                WebhookEventType.TEST, now, webhooks.test_event(endpoint.id, endpoint.organisation)
            ),
            occurred_at=now,
            deadline_at=now + timedelta(seconds=settings.webhook_max_age_seconds),
            status=WebhookDeliveryStatus.PENDING.value,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        session.add(delivery)
        await repo.wake_webhooks(session)
    return delivery


async def list_deliveries(
    db: Database,
    *,
    endpoint_id: uuid.UUID,
    status: WebhookDeliveryStatus | None,
    event_type: WebhookEventType | None,
    page: PageParams,
) -> tuple[list[WebhookDelivery], int]:
    async with db.session() as session:
        if await repo.endpoint(session, endpoint_id) is None:
            raise WebhookEndpointNotFound()
        return await repo.list_deliveries(
            session, endpoint_id, status=status, event_type=event_type, page=page
        )


async def get_delivery(
    db: Database, *, endpoint_id: uuid.UUID, delivery_id: uuid.UUID
) -> tuple[WebhookDelivery, list[WebhookAttempt]]:
    async with db.session() as session:
        delivery = await repo.delivery(session, endpoint_id, delivery_id)
        if delivery is None:
            raise WebhookDeliveryNotFound()
        return delivery, await repo.attempts_of(session, delivery_id)


async def redeliver(
    db: Database, settings: Settings, *, endpoint_id: uuid.UUID, delivery_id: uuid.UUID
) -> WebhookDelivery:
    """Send a delivered or failed delivery again, with the same body and ``webhook-id`` (receivers that
    already have it drop it), with a fresh retry schedule and 24 h window."""
    now = datetime.now(UTC)
    async with db.transaction() as session:
        delivery = await repo.delivery(session, endpoint_id, delivery_id, lock=True)
        if delivery is None:
            raise WebhookDeliveryNotFound()
        if delivery.status in (WebhookDeliveryStatus.PENDING, WebhookDeliveryStatus.SENDING):
            raise WebhookDeliveryInProgress()
        delivery.status = WebhookDeliveryStatus.PENDING.value
        delivery.attempts = 0
        delivery.next_attempt_at = now
        delivery.deadline_at = now + timedelta(seconds=settings.webhook_max_age_seconds)
        delivery.delivered_at = None
        await repo.wake_webhooks(session)
        await session.flush()
        await session.refresh(delivery)
    return delivery


async def resume(db: Database, *, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    """Clear the pause and the failure streak; the deliveries that waited are due at once. Resuming an
    endpoint that is not paused changes nothing."""
    async with db.transaction() as session:
        endpoint = await repo.endpoint(session, endpoint_id, lock=True)
        if endpoint is None:
            raise WebhookEndpointNotFound()
        if endpoint.paused_at is not None:
            endpoint.paused_at = None
            endpoint.consecutive_failures = 0
            endpoint.failing_since = None
            endpoint.updated_at = datetime.now(UTC)
            await repo.requeue_pending(session, endpoint.id)
        await session.flush()
        await session.refresh(endpoint)
    return endpoint
