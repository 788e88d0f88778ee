"""Queries of the notify service. Helpers never commit: the consumer (kit) or the use case owns the
transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kit.bus import Envelope
from kit.db import upsert
from kit.paging import PageParams, count
from sqlalchemy import Row, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notify.domain import webhooks
from notify.domain.statuses import (
    Channel,
    DeliveryStatus,
    MessageCategory,
    WebhookDeliveryStatus,
    WebhookEventType,
)
from notify.domain.templates import Notice, Owner, email_subject
from notify.models import (
    Contact,
    DeclarationOwner,
    Message,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)


def recipient(org_id: uuid.UUID) -> str:
    return f"org:{org_id}"


# One round trip per notice: the in-site message and its delivery log rows (the site row names the message;
# SMS and e-mail rows wait for the dispatcher). Plain SQL compiled once: an ORM insert of a list of rows was
# compiled again for every event (seen in a profile of the notify worker, issue 19).
_NOTICE = text(
    """
    WITH message AS (
        INSERT INTO messages (id, org_id, event_id, event_type, category, title, body, link, created_at)
        VALUES (:message_id, :org_id, :event_id, :event_type, :category, :title, :body, :link, :occurred_at)
        ON CONFLICT ON CONSTRAINT uq_messages_event_org DO NOTHING
        RETURNING id)
    INSERT INTO deliveries (event_id, event_type, channel, recipient, org_id, message_id, subject, content,
                            status, sent_at)
    SELECT :event_id, :event_type, d.channel, :recipient, :org_id,
           CASE WHEN d.channel = 'site' THEN (SELECT id FROM message) END,
           :subject, d.content, d.status, CASE WHEN d.status = 'sent' THEN now() END
      FROM unnest(CAST(:channels AS text[]), CAST(:contents AS text[]), CAST(:statuses AS text[]))
           AS d(channel, content, status)
    ON CONFLICT ON CONSTRAINT uq_deliveries_event_channel_recipient DO NOTHING
    """
)


async def record_notices(
    session: AsyncSession, envelope: Envelope, notices: Sequence[Notice], *, email: bool
) -> None:
    """Write the in-site messages and the delivery log rows of one event. Both tables are unique per event
    and recipient, so writing the same event again adds nothing (the inbox already stops that; this is
    the second lock on the door)."""
    for notice in notices:
        channels = [(Channel.SITE, notice.body, DeliveryStatus.SENT)]
        if notice.sms:
            channels.append((Channel.SMS, notice.sms, DeliveryStatus.PENDING))
            if email:
                channels.append((Channel.EMAIL, notice.body, DeliveryStatus.PENDING))
        await session.execute(
            _NOTICE,
            {
                "message_id": uuid.uuid4(),
                "org_id": notice.org_id,
                "event_id": envelope.id,
                "event_type": envelope.type,
                "category": notice.category,
                "title": notice.title,
                "body": notice.body,
                "link": notice.link,
                "occurred_at": envelope.occurred_at,
                "recipient": recipient(notice.org_id),
                "subject": email_subject(notice.title),
                "channels": [c.value for c, _, _ in channels],
                "contents": [content for _, content, _ in channels],
                "statuses": [status.value for _, _, status in channels],
            },
        )


async def upsert_contact(
    session: AsyncSession, org_id: uuid.UUID, *, as_of: datetime, replace: bool = False, **values: Any
) -> None:
    """Keep what notify knows of an organisation, as it was at ``as_of``; an older fact never overwrites a
    newer one (the consumer handles events concurrently). ``replace``: the values are the whole current
    profile (enterprise.updated), so a field now empty is emptied; otherwise an absent field keeps its value."""
    given = values if replace else {k: v for k, v in values.items() if v is not None}
    given = {**given, "name": values.get("name") or "", "as_of": as_of}
    stmt = insert(Contact).values(org_id=org_id, **given)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[Contact.org_id],
            set_={**given, "updated_at": func.now()},
            where=or_(Contact.as_of.is_(None), Contact.as_of <= stmt.excluded.as_of),
        )
    )


async def contact(session: AsyncSession, org_id: uuid.UUID) -> Contact | None:
    return await session.get(Contact, org_id)


_CONTACT_NAME = text("SELECT name FROM contacts WHERE org_id = :org_id")


async def contact_name(session: AsyncSession, org_id: uuid.UUID) -> str | None:
    """The organisation's name as notify knows it (None when unknown or empty): a plain select, for the
    consumer's every event (loading the ORM object cost it four times as much)."""
    return (await session.execute(_CONTACT_NAME, {"org_id": org_id})).scalar_one_or_none() or None


async def remember_owner(session: AsyncSession, owner: Owner, product_name: str | None = None) -> None:
    values = {
        "org_id": owner.org_id,
        "agency_org_id": owner.agency_org_id,
        "standard_no": owner.standard_no,
        "standard_name": owner.standard_name,
        "product_name": product_name,
    }
    await upsert(session, DeclarationOwner, {"declaration_id": owner.declaration_id}, values)


async def owners(session: AsyncSession, declaration_ids: Sequence[uuid.UUID]) -> list[Owner]:
    if not declaration_ids:
        return []
    rows = (
        await session.execute(
            select(DeclarationOwner).where(DeclarationOwner.declaration_id.in_(declaration_ids))
        )
    ).scalars()
    return [Owner(r.declaration_id, r.org_id, r.agency_org_id, r.standard_no, r.standard_name) for r in rows]


# --------------------------------------------------------------------------- in-site messages
async def list_messages(
    session: AsyncSession,
    org_id: uuid.UUID,
    *,
    unread_only: bool,
    category: MessageCategory | None,
    page: PageParams,
) -> tuple[list[Message], int, int]:
    stmt = select(Message).where(Message.org_id == org_id)
    if unread_only:
        stmt = stmt.where(Message.read_at.is_(None))
    if category:
        stmt = stmt.where(Message.category == category.value)
    rows = await session.scalars(
        stmt.order_by(Message.created_at.desc(), Message.id.desc()).offset(page.offset).limit(page.limit)
    )
    return list(rows.all()), await count(session, stmt), await unread_count(session, org_id)


async def unread_count(session: AsyncSession, org_id: uuid.UUID) -> int:
    stmt = (
        select(func.count()).select_from(Message).where(Message.org_id == org_id, Message.read_at.is_(None))
    )
    return int((await session.execute(stmt)).scalar_one())


async def message_for(session: AsyncSession, org_id: uuid.UUID, message_id: uuid.UUID) -> Message | None:
    """The message only when it belongs to the caller's organisation (another tenant's id: None → 404)."""
    return (
        await session.execute(select(Message).where(Message.id == message_id, Message.org_id == org_id))
    ).scalar_one_or_none()


async def mark_all_read(session: AsyncSession, org_id: uuid.UUID, at: datetime) -> int:
    result = await session.execute(
        update(Message).where(Message.org_id == org_id, Message.read_at.is_(None)).values(read_at=at)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# --------------------------------------------------------------------------- the dispatcher's deliveries
_CLAIM = text(
    """
    UPDATE deliveries
       SET status = 'sending', attempts = attempts + 1,
           claimed_until = now() + make_interval(secs => :claim_seconds)
     WHERE id IN (
        SELECT id FROM deliveries
         WHERE (status = 'pending' AND next_attempt_at <= now())
            OR (status = 'sending' AND claimed_until < now())
         ORDER BY id LIMIT :batch FOR UPDATE SKIP LOCKED)
    RETURNING id, channel, org_id, subject, content, attempts
    """
)
_SENT = text(
    "UPDATE deliveries SET status = 'sent', sent_at = now(), claimed_until = NULL, last_error = NULL, "
    "destination_masked = :destination WHERE id = :id"
)
_SKIPPED = text(
    "UPDATE deliveries SET status = 'skipped', claimed_until = NULL, last_error = :reason WHERE id = :id"
)
_RETRY = text(
    "UPDATE deliveries SET status = CASE WHEN attempts >= :max_attempts THEN 'failed' ELSE 'pending' END, "
    "claimed_until = NULL, last_error = :error, "
    "next_attempt_at = now() + make_interval(secs => :backoff) WHERE id = :id"
)


async def claim_deliveries(session: AsyncSession, *, batch: int, claim_seconds: int) -> Sequence[Row[Any]]:
    """Due SMS and e-mail deliveries (and those whose claim went stale), claimed for ``claim_seconds``;
    ``FOR UPDATE SKIP LOCKED`` lets several replicas share the work."""
    return (await session.execute(_CLAIM, {"batch": batch, "claim_seconds": claim_seconds})).all()


async def mark_sent(session: AsyncSession, delivery_id: int, *, destination: str) -> None:
    await session.execute(_SENT, {"id": delivery_id, "destination": destination})


async def mark_skipped(session: AsyncSession, delivery_id: int, *, reason: str) -> None:
    await session.execute(_SKIPPED, {"id": delivery_id, "reason": reason})


async def mark_retry(
    session: AsyncSession, delivery_id: int, *, max_attempts: int, error: str, backoff: int
) -> None:
    """Back to pending after ``backoff`` seconds, or failed once ``max_attempts`` were spent."""
    await session.execute(
        _RETRY, {"id": delivery_id, "max_attempts": max_attempts, "error": error, "backoff": backoff}
    )


# --------------------------------------------------------------------------- webhooks
WEBHOOK_CHANNEL = "lp_webhooks"  # NOTIFY at commit wakes the delivery worker


# One round trip for the subscribed endpoints, their rows and the NOTIFY (this runs for every event the
# consumer handles).
_ENQUEUE = text(
    f"""
    WITH added AS (
        INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, body, occurred_at, deadline_at)
        SELECT gen_random_uuid(), e.id, :event_id, :event_type, :body, :occurred_at, :deadline_at
          FROM webhook_endpoints e
         WHERE e.enabled AND e.event_types @> ARRAY[CAST(:event_type AS text)]
        ON CONFLICT ON CONSTRAINT uq_webhook_deliveries_endpoint_event DO NOTHING
        RETURNING 1)
    SELECT count(*),
           -- the worker's wake-up, sent at commit, in the same round trip (only when a row was added)
           (SELECT count(*) FROM (SELECT pg_notify('{WEBHOOK_CHANNEL}', '') WHERE EXISTS (SELECT FROM added)) AS woken)
      FROM added
    """
)


async def enqueue_webhook(
    session: AsyncSession,
    *,
    event_id: uuid.UUID,
    event_type: WebhookEventType,
    occurred_at: datetime,
    data: dict[str, Any],
    max_age: float,
) -> int:
    """The webhook outbox: one delivery per enabled endpoint subscribed to the type (paused ones too: their
    deliveries wait for the resume), in the caller's transaction. Unique per (endpoint, event): a
    redelivered event adds nothing. The NOTIFY reaches the worker when the transaction commits."""
    added = (
        await session.execute(
            _ENQUEUE,
            {
                "event_id": event_id,
                "event_type": event_type.value,
                "body": webhooks.body(event_type, occurred_at, data),
                "occurred_at": occurred_at,
                "deadline_at": occurred_at + timedelta(seconds=max_age),
            },
        )
    ).scalar_one()
    return int(added)


async def wake_webhooks(session: AsyncSession) -> None:
    await session.execute(text(f"NOTIFY {WEBHOOK_CHANNEL}"))


async def declaration_owner(session: AsyncSession, declaration_id: uuid.UUID) -> DeclarationOwner | None:
    return await session.get(DeclarationOwner, declaration_id)


async def list_endpoints(session: AsyncSession, page: PageParams) -> tuple[list[WebhookEndpoint], int]:
    stmt = select(WebhookEndpoint)
    rows = await session.scalars(
        stmt.order_by(WebhookEndpoint.created_at.desc(), WebhookEndpoint.id)
        .offset(page.offset)
        .limit(page.limit)
    )
    return list(rows.all()), await count(session, stmt)


async def endpoint(
    session: AsyncSession, endpoint_id: uuid.UUID, *, lock: bool = False
) -> WebhookEndpoint | None:
    stmt = select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def delivery_counts(
    session: AsyncSession, endpoint_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[str, int]]:
    """Per endpoint: how many deliveries are in each status (the endpoint list's summary)."""
    if not endpoint_ids:
        return {}
    rows = await session.execute(
        select(WebhookDelivery.endpoint_id, WebhookDelivery.status, func.count())
        .where(WebhookDelivery.endpoint_id.in_(endpoint_ids))
        .group_by(WebhookDelivery.endpoint_id, WebhookDelivery.status)
    )
    counts: dict[uuid.UUID, dict[str, int]] = {}
    for endpoint_id, status, n in rows:
        counts.setdefault(endpoint_id, {})[status] = int(n)
    return counts


async def list_deliveries(
    session: AsyncSession,
    endpoint_id: uuid.UUID,
    *,
    status: WebhookDeliveryStatus | None,
    event_type: WebhookEventType | None,
    page: PageParams,
) -> tuple[list[WebhookDelivery], int]:
    stmt = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status.value)
    if event_type is not None:
        stmt = stmt.where(WebhookDelivery.event_type == event_type.value)
    rows = await session.scalars(
        stmt.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id)
        .offset(page.offset)
        .limit(page.limit)
    )
    return list(rows.all()), await count(session, stmt)


async def delivery(
    session: AsyncSession, endpoint_id: uuid.UUID, delivery_id: uuid.UUID, *, lock: bool = False
) -> WebhookDelivery | None:
    stmt = select(WebhookDelivery).where(
        WebhookDelivery.id == delivery_id, WebhookDelivery.endpoint_id == endpoint_id
    )
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def attempts_of(session: AsyncSession, delivery_id: uuid.UUID) -> list[WebhookAttempt]:
    rows = await session.scalars(
        select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery_id).order_by(WebhookAttempt.id)
    )
    return list(rows.all())


async def requeue_pending(session: AsyncSession, endpoint_id: uuid.UUID) -> int:
    """A resumed endpoint's waiting deliveries are due at once."""
    result = await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == "pending")
        .values(next_attempt_at=func.now())
    )
    await wake_webhooks(session)
    return int(getattr(result, "rowcount", 0) or 0)


_WEBHOOK_CLAIM = text(
    """
    UPDATE webhook_deliveries d
       SET status = 'sending', attempts = d.attempts + 1,
           claimed_until = now() + make_interval(secs => :claim_seconds)
      FROM webhook_endpoints e
     WHERE e.id = d.endpoint_id AND d.id IN (
        SELECT w.id FROM webhook_deliveries w
          JOIN webhook_endpoints e ON e.id = w.endpoint_id
         WHERE ((w.status = 'pending' AND w.next_attempt_at <= now())
                OR (w.status = 'sending' AND w.claimed_until < now()))
           AND e.enabled AND e.paused_at IS NULL
         ORDER BY w.next_attempt_at LIMIT :batch
           FOR UPDATE OF w SKIP LOCKED)
    RETURNING d.id, d.endpoint_id, d.body, d.attempts, d.deadline_at, d.occurred_at, d.event_type,
              e.url, e.secret_sealed,
              CASE WHEN e.previous_secret_until > now() THEN e.previous_secret_sealed END AS previous_secret_sealed,
              e.consecutive_failures
    """
)


async def claim_webhooks(session: AsyncSession, *, batch: int, claim_seconds: int) -> Sequence[Row[Any]]:
    """Due deliveries of active endpoints (and those whose claim went stale: a worker died mid-send),
    claimed for ``claim_seconds``, each with what sending it needs of its endpoint (URL, sealed secrets,
    failure streak) in the same round trip; ``FOR UPDATE SKIP LOCKED`` lets several workers share the work."""
    return (await session.execute(_WEBHOOK_CLAIM, {"batch": batch, "claim_seconds": claim_seconds})).all()


# The outcome of a batch of attempts in one round trip: each delivery's new state (its claim released) and
# its attempt in the log, from arrays (one statement compiled once, whatever the batch's size; the ORM's bulk
# update and a multi-row insert were compiled again per batch).
_RECORD = text(
    """
    WITH o AS (
        SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:attempts AS int[]), CAST(:started AS timestamptz[]),
                             CAST(:durations AS int[]), CAST(:codes AS int[]), CAST(:errors AS text[]),
                             CAST(:responses AS text[]), CAST(:statuses AS text[]),
                             CAST(:next_at AS timestamptz[]), CAST(:delivered_at AS timestamptz[]))
            AS o(id, attempt, started_at, duration_ms, status_code, error, response, status, next_attempt_at,
                 delivered_at)),
    marked AS (
        UPDATE webhook_deliveries d
           SET status = o.status, next_attempt_at = o.next_attempt_at, delivered_at = o.delivered_at,
               last_status_code = o.status_code, last_error = o.error, claimed_until = NULL
          FROM o WHERE d.id = o.id)
    INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, status_code, error, response)
    SELECT id, attempt, started_at, duration_ms, status_code, error, response FROM o
    """
)

_DEFER = text(
    """
    UPDATE webhook_deliveries d
       SET status = o.status, attempts = o.attempts, next_attempt_at = o.next_attempt_at,
           last_error = o.last_error, claimed_until = NULL
      FROM unnest(CAST(:ids AS uuid[]), CAST(:statuses AS text[]), CAST(:attempts AS int[]),
                  CAST(:next_at AS timestamptz[]), CAST(:errors AS text[]))
           AS o(id, status, attempts, next_attempt_at, last_error)
     WHERE d.id = o.id
    """
)


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """One attempt's outcome as the sender records it."""

    delivery_id: uuid.UUID
    attempt: int
    started_at: datetime
    duration_ms: int
    status_code: int | None
    error: str | None
    response: str | None
    status: WebhookDeliveryStatus
    next_attempt_at: datetime
    delivered_at: datetime | None


@dataclass(frozen=True, slots=True)
class Deferral:
    """A delivery claimed but not sent (its endpoint is failing): back to waiting, its attempt given back."""

    delivery_id: uuid.UUID
    status: WebhookDeliveryStatus
    attempts: int
    next_attempt_at: datetime
    last_error: str


async def record_attempts(session: AsyncSession, records: Sequence[AttemptRecord]) -> None:
    """Each delivery's new state after its attempt and the attempt's log row; the claims are released."""
    if not records:
        return
    await session.execute(
        _RECORD,
        {
            "ids": [r.delivery_id for r in records],
            "attempts": [r.attempt for r in records],
            "started": [r.started_at for r in records],
            "durations": [r.duration_ms for r in records],
            "codes": [r.status_code for r in records],
            "errors": [r.error for r in records],
            "responses": [r.response for r in records],
            "statuses": [r.status.value for r in records],
            "next_at": [r.next_attempt_at for r in records],
            "delivered_at": [r.delivered_at for r in records],
        },
    )


async def defer_webhooks(session: AsyncSession, deferrals: Sequence[Deferral]) -> None:
    """Deliveries claimed but not sent: back to waiting, claim released."""
    if not deferrals:
        return
    await session.execute(
        _DEFER,
        {
            "ids": [d.delivery_id for d in deferrals],
            "statuses": [d.status.value for d in deferrals],
            "attempts": [d.attempts for d in deferrals],
            "next_at": [d.next_attempt_at for d in deferrals],
            "errors": [d.last_error for d in deferrals],
        },
    )


async def disable_endpoint(session: AsyncSession, endpoint_id: uuid.UUID, *, reason: str) -> None:
    await session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.enabled)
        .values(enabled=False, disabled_reason=reason)
    )


_LOCK_ENDPOINTS = text(
    "SELECT id, consecutive_failures FROM webhook_endpoints WHERE id = ANY(CAST(:ids AS uuid[])) "
    "ORDER BY id FOR UPDATE"
)


async def lock_endpoints(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Lock the endpoints (in one order) before a record changes their state or their waiting deliveries,
    and return their failure streaks as they stand now: batches of one endpoint recorded concurrently
    then change it one after the other (a recovery's requeue and another batch's streak update deadlocked
    when each held what the other wanted)."""
    if not ids:
        return {}
    rows = await session.execute(_LOCK_ENDPOINTS, {"ids": sorted(ids)})
    return {row.id: int(row.consecutive_failures) for row in rows}


async def endpoint_succeeded(session: AsyncSession, endpoint_id: uuid.UUID) -> bool:
    """End the endpoint's failure streak; False when it had none (another batch ended it first)."""
    result = await session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.consecutive_failures > 0)
        .values(consecutive_failures=0, failing_since=None)
    )
    return bool(getattr(result, "rowcount", 0))


async def endpoint_failed(
    session: AsyncSession, endpoint_id: uuid.UUID, at: datetime, *, failures: int = 1
) -> WebhookEndpoint | None:
    """Count ``failures`` more failures in a row; the endpoint as it now stands (locked until commit)."""
    result = await session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id)
        .values(
            consecutive_failures=WebhookEndpoint.consecutive_failures + failures,
            failing_since=func.coalesce(WebhookEndpoint.failing_since, at),
        )
        .returning(WebhookEndpoint)
    )
    return result.scalar_one_or_none()


async def webhook_backlog(session: AsyncSession) -> tuple[int, float]:
    """Deliveries still to go (pending or sending) and the age in seconds of the oldest one's event."""
    row = (
        await session.execute(
            text(
                "SELECT count(*), coalesce(extract(epoch FROM now() - min(occurred_at)), 0) "
                "FROM webhook_deliveries WHERE status IN ('pending', 'sending')"
            )
        )
    ).one()
    return int(row[0]), float(row[1])
