"""The recovery poller: approved lost-phone recoveries take effect when their cooling-off period ends."""

from __future__ import annotations

import asyncio

import structlog
from kit.runtime import Runtime

from auth.service import recovery
from auth.service.context import get_context

log = structlog.get_logger("auth.workers")


async def apply_due_recoveries(runtime: Runtime) -> None:
    """An approved recovery request takes effect when its cooling-off period ends; the deadline is stored
    data and this poller applies it (by ``runtime.clock``, so tests move time instead of waiting)."""
    ctx = get_context(runtime)
    while True:
        applied = await recovery.apply_due(ctx)
        if applied:
            log.info("recoveries_applied", count=applied)
        await asyncio.sleep(ctx.settings.recovery_poll_seconds)
