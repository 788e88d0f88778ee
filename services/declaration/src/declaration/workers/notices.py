"""The public-notice poller."""

from __future__ import annotations

import asyncio

import structlog
from kit.runtime import Runtime

from declaration.config import Settings
from declaration.service.notices import expire_notices_once

log = structlog.get_logger("declaration.workers")


async def expire_notices(runtime: Runtime) -> None:
    """The 14-day public notice deadline is stored data; this poller ends notices whose deadline passed
    (by ``runtime.clock``, so tests move time instead of waiting)."""
    interval = Settings.of(runtime).notice_poll_seconds
    while True:
        closed = await expire_notices_once(runtime)
        if closed:
            log.info("notices_closed", count=closed)
        await asyncio.sleep(interval)
