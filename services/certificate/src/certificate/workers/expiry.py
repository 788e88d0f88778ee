"""Deadline poller: certificates past their validity become expired (and the mall hears of it)."""

from __future__ import annotations

import asyncio

import structlog
from kit.runtime import Runtime

from certificate.config import settings_of
from certificate.service import certificates

log = structlog.get_logger("certificate.expiry")
BATCH = 200


async def expire_once(runtime: Runtime) -> int:
    """One pass in one transaction; returns how many certificates it expired."""
    async with runtime.db.transaction() as session:
        return await certificates.expire_due(session, now=await runtime.clock.now(), batch=BATCH)


async def expire_certificates(runtime: Runtime) -> None:
    """Loop forever (the kit restarts it after a failure). A full batch means more may be due: go on
    at once; otherwise sleep until the next poll."""
    interval = settings_of(runtime).expiry_poll_seconds
    while True:
        async with runtime.poll_round("expire_certificates"):
            expired = await expire_once(runtime)
            if expired:
                log.info("certificates_expired", count=expired)
        if expired < BATCH:
            await asyncio.sleep(interval)
