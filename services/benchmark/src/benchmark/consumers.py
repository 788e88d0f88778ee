"""Inbound events. The kit runs each handler inside a transaction with the inbox row, so a redelivered
event has no second effect; handlers never commit."""

from __future__ import annotations

from datetime import UTC

import structlog
from contracts.auth import ORGANISATION_CREATED, OrganisationCreated
from kit.bus import Envelope, Handler, batchable_all
from kit.security import OrgType
from sqlalchemy.ext.asyncio import AsyncSession

from benchmark.repository import upsert_agency

log = structlog.get_logger("benchmark.consumers")


async def on_organisation_created(session: AsyncSession, event: Envelope) -> None:
    """Keep a copy of every agency organisation, so the working group can designate it by id and the
    designation carries the agency's name."""
    created = OrganisationCreated.model_validate(event.payload)
    if created.org_type != OrgType.agency:
        return
    # control characters cannot be stored; a name is never meant to hold them
    name = "".join(c for c in created.name if c.isprintable()).strip()[:200]
    if not name:
        log.warning("agency_without_name", event_id=str(event.id))
        return
    occurred = event.occurred_at if event.occurred_at.tzinfo else event.occurred_at.replace(tzinfo=UTC)
    await upsert_agency(session, org_id=created.org_id, name=name, now=occurred)


# Every handler only writes to this service's database: events arriving together share a transaction.
HANDLERS: dict[str, Handler] = batchable_all({f"{ORGANISATION_CREATED}.v1": on_organisation_created})
