"""Deadline poller: certificates past their validity become expired (and the mall hears of it)."""

from __future__ import annotations

import asyncio

import structlog
from kit.runtime import Runtime

from certificate import service

log = structlog.get_logger("certificate.expiry")
BATCH = 200


async def expire_once(runtime: Runtime) -> int:
    """One pass in one transaction; returns how many certificates it expired."""
    async with runtime.db.transaction() as session:
        return await service.expire_due(session, now=await runtime.clock.now(), batch=BATCH)


async def expire_certificates(runtime: Runtime) -> None:
    """Loop forever (the kit restarts it after a failure). A full batch means more may be due: go on
    at once; otherwise sleep until the next poll."""
    interval = float(getattr(runtime.settings, "expiry_poll_seconds", 60.0))
    while True:
        async with runtime.poll_round("expire_certificates"):
            expired = await expire_once(runtime)
            if expired:
                log.info("certificates_expired", count=expired)
        if expired < BATCH:
            await asyncio.sleep(interval)
