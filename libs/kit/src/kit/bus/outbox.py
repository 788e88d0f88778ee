"""Writing events: a row in the caller's transaction, published by the relay only after commit."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from kit import tracing
from kit.bus.envelope import Envelope
from kit.bus.tables import outbox
from kit.logging import request_id_var

NOTIFY_CHANNEL = "lp_outbox"
_producer = "unknown"


def set_producer(name: str) -> None:
    global _producer
    _producer = name


async def emit(
    session: AsyncSession,
    event_type: str,
    payload: dict[str, Any] | BaseModel,
    *,
    version: int = 1,
    correlation_id: str | None = None,
) -> Envelope:
    """Add an event to the outbox inside the caller's open transaction. Never commits."""
    if isinstance(payload, BaseModel):
        payload = payload.model_dump(mode="json")
    event_id = uuid.uuid4()
    envelope = Envelope(
        id=event_id,
        type=event_type,
        version=version,
        producer=_producer,
        correlation_id=correlation_id or request_id_var.get(),
        payload=payload,
        # The consumers continue this trace around their handlers.
        traceparent=tracing.message_traceparent(f"{event_type}.v{version}", str(event_id)),
    )
    await session.execute(
        insert(outbox).values(
            event_id=envelope.id,
            routing_key=envelope.routing_key,
            body=envelope.model_dump(mode="json"),
        )
    )
    # Delivered by PostgreSQL only when the transaction commits: it wakes the relay at once.
    await session.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))
    return envelope
