"""Inbound events. The kit runs each handler inside a transaction with the inbox row, so a redelivered
event has no second effect; handlers never commit."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import structlog
from kit.bus import Envelope
from sqlalchemy.ext.asyncio import AsyncSession

from benchmark.service import upsert_agency

log = structlog.get_logger("benchmark.consumers")


async def on_organisation_created(session: AsyncSession, event: Envelope) -> None:
    """Keep a copy of every agency organisation, so the working group can designate it by id and the
    designation carries the agency's name."""
    payload = event.payload
    if payload.get("org_type") != "agency":
        return
    name = "".join(c for c in str(payload.get("name") or "") if c.isprintable()).strip()
    if not name:
        log.warning("agency_without_name", event_id=str(event.id))
        return
    occurred = event.occurred_at if event.occurred_at.tzinfo else event.occurred_at.replace(tzinfo=UTC)
    await upsert_agency(
        session, org_id=uuid.UUID(str(payload["org_id"])), name=name[:200], now=occurred or datetime.now(UTC)
    )


HANDLERS = {"account.organisation_created.v1": on_organisation_created}
