"""Writes every active open-data API key to Redis at start and then periodically: the gateway reads the keys
there, and Redis is a cache that may be flushed or restarted."""

from __future__ import annotations

import asyncio

import structlog
from kit.runtime import Runtime
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from auth.service import api_keys
from auth.service.context import get_context

log = structlog.get_logger("auth.workers")


async def sync_api_keys(runtime: Runtime) -> None:
    ctx = get_context(runtime)
    while True:
        try:
            active = await api_keys.sync_to_redis(ctx)
            log.debug("api_keys_synced", active=active)
        except (RedisError, SQLAlchemyError, OSError) as exc:
            log.warning("api_keys_sync_failed", error=type(exc).__name__)
        await asyncio.sleep(ctx.settings.api_key_sync_seconds)
