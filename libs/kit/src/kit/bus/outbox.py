"""Writing events: a row in the caller's transaction, published by the relay only after commit."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession

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
    envelope = Envelope(
        type=event_type,
        version=version,
        producer=_producer,
        correlation_id=correlation_id or request_id_var.get(),
        payload=payload,
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
